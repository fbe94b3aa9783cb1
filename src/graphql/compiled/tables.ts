import { getNamedType, isEnumType, type GraphQLField } from 'graphql';
import { incidentCondition, type IncidentFilterShape, type IncidentCondition } from '../incident-filter.js';
import { incidentSortKeys, type IncidentOrderShape, type SortKey } from '../incident-order.js';

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
   * A Relay connection over `type`'s rows with cursors on `id`, in the order `order` gives for the
   * field's arguments, restricted by `where` (its filter argument). Pages from `after`/`before`
   * cursors only with `cursors` (the general path reads those as keyset pages of the same order).
   */
  | {
      kind: 'connection';
      type: string;
      join: (parent: string, child: string) => string;
      order: (args: Record<string, unknown>) => SortKey[];
      where?: (args: Record<string, unknown>) => IncidentCondition;
      cursors?: boolean;
    }
  /** An object stored in the parent's own columns (e.g. Actor). */
  | { kind: 'embedded'; type: string };

export interface TableSpec {
  /** The table; undefined for objects embedded in their parent's row. */
  table?: string;
  /** Fields that are not a column as is (exposed columns are read from the field, see exposedColumn). */
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

/** Output types whose values PostgreSQL's JSON gives as graphql-js serializes them. */
const PLAIN_SCALARS = new Set(['String', 'Int', 'Boolean']);

/**
 * A field Pothos exposes straight from a column (`t.expose*`), read from the field's definition,
 * so a new exposed field needs no entry here. Null for anything else.
 */
export function exposedColumn(field: GraphQLField<unknown, unknown>): Expression | null {
  const name = field.extensions?.pothosExposedField;
  if (typeof name !== 'string' || field.args.length) return null;
  const type = getNamedType(field.type);
  if (type.name === 'DateTime') return instant(name);
  return PLAIN_SCALARS.has(type.name) || isEnumType(type) ? column(name) : null;
}

const actor = (keyColumn: string, nameColumn: string): TableSpec => ({
  columns: { keyId: globalId('ApiKey', keyColumn), name: column(nameColumn) },
});

export const TABLES: Record<string, TableSpec> = {
  Incident: {
    table: 'Incident',
    columns: {
      id: globalId('Incident', 'id'),
      impactOverridden: (alias) => `(${alias}."impactOverride" IS NOT NULL)`,
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
        order: () => [{ column: 'sequence', direction: 'asc' }],
      },
      escalation: { kind: 'one', type: 'Escalation', join: (parent, child) => `${child}."incidentId" = ${parent}."id"` },
    },
  },
  // The paging of an incident: a variant of Incident over its Escalation row (null without one).
  Escalation: {
    table: 'Escalation',
    columns: { state: column('state'), level: column('level'), nextEscalationAt: instant('nextEscalationAt') },
    relations: {
      pages: {
        kind: 'connection',
        type: 'Page',
        join: (parent, child) => `${child}."incidentId" = ${parent}."incidentId"`,
        order: () => [{ column: 'at', direction: 'asc' }, { column: 'id', direction: 'asc' }],
      },
    },
  },
  Page: {
    table: 'Page',
    columns: {},
    relations: { user: { kind: 'one', type: 'User', join: (parent, child) => `${child}."id" = ${parent}."userId"` } },
  },
  'Incident.createdBy': actor('createdByKeyId', 'createdByName'),
  IncidentUpdate: {
    table: 'IncidentUpdate',
    columns: {
      id: globalId('IncidentUpdate', 'id'),
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
    columns: {},
    relations: { component: { kind: 'one', type: 'Component', join: (parent, child) => `${child}."id" = ${parent}."componentId"` } },
  },
  User: {
    table: 'User',
    columns: {
      id: globalId('User', 'id'),
    },
  },
  Component: {
    table: 'Component',
    columns: {
      id: globalId('Component', 'id'),
    },
  },
};

/** `incidents`: the caller's organization ($1), filtered, ordered and paged as its resolver does (types/incident.ts). */
export const INCIDENTS: Extract<Relation, { kind: 'connection' }> = {
  kind: 'connection',
  type: 'Incident',
  join: (_parent, child) => `${child}."orgId" = $1::uuid`,
  order: (args) => incidentSortKeys(args.orderBy as IncidentOrderShape | null),
  where: (args) => incidentCondition(args.filter as IncidentFilterShape | null),
  cursors: true,
};
