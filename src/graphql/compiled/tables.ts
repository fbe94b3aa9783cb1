/**
 * How the object types that hot reads select map onto tables: which SQL expression answers each
 * field, already in its GraphQL output form (global IDs, ISO instants), and how relations join.
 * A field missing here is answered by the general execution path instead (see read-plan.ts).
 */

/** A SQL expression over the row alias of the object's table. */
export type Expression = (alias: string) => string;

export type Relation =
  /** At most one row of `type`'s table (a nullable field). */
  | { kind: 'one'; type: string; join: (parent: string, child: string) => string }
  /** All rows of `type`'s table, in `orderBy` order (a list field). */
  | { kind: 'many'; type: string; join: (parent: string, child: string) => string; orderBy: (child: string) => string }
  /**
   * A Relay connection over `type`'s rows, paged by `first` from the start, cursor on `id`, in the
   * order `orderBy` gives for the field's arguments (null: an order compiled reads leave alone).
   */
  | {
      kind: 'connection';
      type: string;
      join: (parent: string, child: string) => string;
      orderBy: (child: string, args: Record<string, unknown>) => string | null;
    }
  /** An object stored in the parent's own columns (e.g. Actor). */
  | { kind: 'embedded'; type: string };

export interface TableSpec {
  /** The table; undefined for objects embedded in their parent's row. */
  table?: string;
  columns: Record<string, Expression>;
  relations?: Record<string, Relation>;
}

const column = (name: string): Expression => (alias) => `${alias}."${name}"`;

/** Prisma's DateTime columns hold UTC without a zone; this is `Date.prototype.toISOString()`'s form. */
const instant = (name: string): Expression => (alias) => `to_char(${alias}."${name}", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * plugin-relay's global ID: base64 of "<Type>:<id>". PostgreSQL's base64 breaks lines after 76
 * characters, i.e. 57 bytes: a type name of up to 20 characters and a uuid stay on one line.
 */
export const globalId = (typename: string, name: string): Expression => {
  if (typename.length + 1 + 36 > 57) throw new Error(`Global IDs of ${typename} would not fit on one base64 line`);
  return (alias) => `encode(convert_to('${typename}:' || ${alias}."${name}", 'UTF8'), 'base64')`;
};

const actor = (keyColumn: string, nameColumn: string): TableSpec => ({
  columns: { keyId: globalId('ApiKey', keyColumn), name: column(nameColumn) },
});

export const TABLES: Record<string, TableSpec> = {
  Incident: {
    table: 'Incident',
    columns: {
      id: globalId('Incident', 'id'),
      number: column('number'),
      title: column('title'),
      description: column('description'),
      impactDescription: column('impactDescription'),
      kind: column('kind'),
      status: column('status'),
      severity: column('severity'),
      impact: column('impact'),
      impactOverridden: (alias) => `(${alias}."impactOverride" IS NOT NULL)`,
      tags: column('tags'),
      source: column('source'),
      externalRef: column('externalRef'),
      autoCreated: column('autoCreated'),
      reopenCount: column('reopenCount'),
      version: column('version'),
      startedAt: instant('startedAt'),
      acknowledgedAt: instant('acknowledgedAt'),
      resolvedAt: instant('resolvedAt'),
      scheduledFor: instant('scheduledFor'),
      scheduledUntil: instant('scheduledUntil'),
      createdAt: instant('createdAt'),
      updatedAt: instant('updatedAt'),
    },
    relations: {
      owner: { kind: 'one', type: 'User', join: (parent, child) => `${child}."id" = ${parent}."ownerId"` },
      createdBy: { kind: 'embedded', type: 'Incident.createdBy' },
      affectedComponents: {
        kind: 'many',
        type: 'AffectedComponent',
        join: (parent, child) => `${child}."incidentId" = ${parent}."id"`,
        orderBy: (child) => `${child}."position"`,
      },
      timeline: {
        kind: 'connection',
        type: 'IncidentUpdate',
        join: (parent, child) => `${child}."incidentId" = ${parent}."id"`,
        orderBy: (child) => `${child}."sequence" ASC`,
      },
    },
  },
  'Incident.createdBy': actor('createdByKeyId', 'createdByName'),
  IncidentUpdate: {
    table: 'IncidentUpdate',
    columns: {
      id: globalId('IncidentUpdate', 'id'),
      kind: column('kind'),
      status: column('status'),
      body: column('body'),
      notifySubscribers: column('notifySubscribers'),
      postedAt: instant('postedAt'),
      sequence: column('sequence'),
      cursor: (alias) => `${alias}."sequence"::text`,
    },
    relations: {
      postedBy: { kind: 'embedded', type: 'IncidentUpdate.postedBy' },
      author: { kind: 'one', type: 'User', join: (parent, child) => `${child}."id" = ${parent}."authorId"` },
    },
  },
  'IncidentUpdate.postedBy': actor('postedByKeyId', 'postedByName'),
  AffectedComponent: {
    table: 'IncidentComponent',
    columns: { status: column('status') },
    relations: { component: { kind: 'one', type: 'Component', join: (parent, child) => `${child}."id" = ${parent}."componentId"` } },
  },
  User: {
    table: 'User',
    columns: {
      id: globalId('User', 'id'),
      name: column('name'),
      email: column('email'),
      timeZone: column('timeZone'),
      createdAt: instant('createdAt'),
    },
  },
  Component: {
    table: 'Component',
    columns: {
      id: globalId('Component', 'id'),
      name: column('name'),
      description: column('description'),
      group: column('group'),
      status: column('status'),
      position: column('position'),
      createdAt: instant('createdAt'),
      updatedAt: instant('updatedAt'),
    },
  },
};
