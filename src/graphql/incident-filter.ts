import type { Prisma } from '../generated/prisma/client.js';
import type { Comparator, DateComparator, IncidentMatchFilter } from '../domain/incident-match.js';
import { decodeId } from './common.js';
import { tagKey } from '../domain/incident-input.js';
import { isStorableText } from '../domain/validation.js';
import { NO_ROW_ID } from '../domain/ids.js';

/**
 * The IncidentFilter input as GraphQL hands it over: the same shape as the in-memory matcher's
 * filter, except that ownerId/componentId hold global IDs here (decoded below).
 */
export type IncidentFilterShape = IncidentMatchFilter;

/** Incident columns a filter compares with values (enum values, or uuids for ownerId). */
export type ValueColumn = 'status' | 'severity' | 'impact' | 'kind' | 'ownerId';
export type InstantColumn = 'startedAt' | 'acknowledgedAt' | 'resolvedAt';

/**
 * What an IncidentFilter means, independent of how it runs: the general path turns it into a
 * Prisma where (incidentWhere), compiled reads into SQL (compiled/filter-sql.ts). The filter's
 * rules (id decoding, tag keys, NUL text matching nothing, LIKE escaping) are applied here, once.
 * A condition on a missing value (NULL) does not hold, as in SQL.
 */
export type IncidentCondition =
  | { kind: 'all'; of: IncidentCondition[] }
  | { kind: 'any'; of: IncidentCondition[] }
  | { kind: 'nothing' }
  | { kind: 'equals'; column: ValueColumn; value: string }
  | { kind: 'in'; column: ValueColumn; values: string[] }
  | { kind: 'notIn'; column: ValueColumn; values: string[] }
  | { kind: 'isNull'; column: ValueColumn | InstantColumn; isNull: boolean }
  | { kind: 'range'; column: InstantColumn; gt?: Date; gte?: Date; lt?: Date; lte?: Date }
  /** Some affected component is (`some`) or none is (`none`) one of `ids`. */
  | { kind: 'components'; has: 'some' | 'none'; ids: string[] }
  /** The tag keys hold `keys[0]` (`has`), any of `keys` (`hasSome`) or none of them (`hasNone`). */
  | { kind: 'tags'; has: 'has' | 'hasSome' | 'hasNone'; keys: string[] }
  /** Title or description contains the LIKE pattern, ignoring case (its own % and _ escaped). */
  | { kind: 'search'; pattern: string };

function enumConditions<T extends string>(column: ValueColumn, comparator: Comparator<T> | null | undefined): IncidentCondition[] {
  const conditions: IncidentCondition[] = [];
  if (comparator?.eq != null) conditions.push({ kind: 'equals', column, value: comparator.eq });
  if (comparator?.in != null) conditions.push({ kind: 'in', column, values: [...comparator.in] });
  if (comparator?.notIn != null) conditions.push({ kind: 'notIn', column, values: [...comparator.notIn] });
  return conditions;
}

/** The bounds of a date comparator; `isNull` is up to the column (see incidentCondition). */
function dateRange(column: InstantColumn, comparator: DateComparator | null | undefined): IncidentCondition[] {
  if (!comparator) return [];
  const bounds = { gt: comparator.gt, gte: comparator.gte, lt: comparator.lt, lte: comparator.lte };
  const given = Object.entries(bounds).filter(([, value]) => value != null);
  return given.length === 0 ? [] : [{ kind: 'range', column, ...Object.fromEntries(given) }];
}

/** Text no row can hold (NUL) matches nothing, rather than failing in the database. */
const NOTHING: IncidentCondition = { kind: 'nothing' };

/** Prisma's `contains` and SQL's LIKE take a pattern: the search text's own % and _ must match literally. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/** Ids that cannot be decoded still take part, as ids that match no row. */
function decodeOne(id: string, typename: string): string {
  return decodeId(id, typename) ?? NO_ROW_ID;
}
function decodeAll(ids: readonly string[], typename: string): string[] {
  return ids.map((id) => decodeOne(id, typename));
}

/** The condition of an IncidentFilter (without the org scope, which callers add). */
export function incidentCondition(filter: IncidentFilterShape | null | undefined): IncidentCondition {
  const clauses: IncidentCondition[] = [];
  if (!filter) return { kind: 'all', of: clauses };
  clauses.push(...enumConditions('status', filter.status));
  clauses.push(...enumConditions('severity', filter.severity));
  clauses.push(...enumConditions('impact', filter.impact));
  clauses.push(...enumConditions('kind', filter.kind));
  if (filter.ownerId) {
    const { eq, in: anyOf, notIn } = filter.ownerId;
    if (eq != null) clauses.push({ kind: 'equals', column: 'ownerId', value: decodeOne(eq, 'User') });
    if (anyOf != null) clauses.push({ kind: 'in', column: 'ownerId', values: decodeAll(anyOf, 'User') });
    // Incidents without an owner have none of the given owners.
    if (notIn != null) {
      clauses.push({ kind: 'any', of: [{ kind: 'isNull', column: 'ownerId', isNull: true }, { kind: 'notIn', column: 'ownerId', values: decodeAll(notIn, 'User') }] });
    }
  }
  if (filter.componentId) {
    const { eq, in: anyOf, notIn } = filter.componentId;
    if (eq != null) clauses.push({ kind: 'components', has: 'some', ids: [decodeOne(eq, 'Component')] });
    if (anyOf != null) clauses.push({ kind: 'components', has: 'some', ids: decodeAll(anyOf, 'Component') });
    if (notIn != null) clauses.push({ kind: 'components', has: 'none', ids: decodeAll(notIn, 'Component') });
  }
  if (filter.tag) {
    // Case-insensitive: tagKeys holds each tag's tagKey, written with the tags.
    const { eq, in: anyOf, notIn } = filter.tag;
    const keys = (tags: readonly string[]) => tags.filter(isStorableText).map(tagKey);
    if (eq != null) clauses.push(isStorableText(eq) ? { kind: 'tags', has: 'has', keys: [tagKey(eq)] } : NOTHING);
    if (anyOf != null) clauses.push({ kind: 'tags', has: 'hasSome', keys: keys(anyOf) });
    if (notIn != null) clauses.push({ kind: 'tags', has: 'hasNone', keys: keys(notIn) });
  }
  clauses.push(...dateRange('startedAt', filter.startedAt));
  // Every incident has a startedAt.
  if (filter.startedAt?.isNull === true) clauses.push(NOTHING);
  for (const column of ['acknowledgedAt', 'resolvedAt'] as const) {
    clauses.push(...dateRange(column, filter[column]));
    const isNull = filter[column]?.isNull;
    if (isNull != null) clauses.push({ kind: 'isNull', column, isNull });
  }
  const search = filter.search?.trim();
  if (search) clauses.push(isStorableText(search) ? { kind: 'search', pattern: escapeLike(search) } : NOTHING);
  if (filter.and) clauses.push(...filter.and.map(incidentCondition).filter((part) => !alwaysHolds(part)));
  // An empty `or` asks for nothing, and one with an empty filter (`{}`) holds for every incident,
  // as the in-memory matcher reads them; Prisma reads an empty where inside OR otherwise, so
  // neither reaches it.
  const anyOf = filter.or?.map(incidentCondition) ?? [];
  if (anyOf.length && !anyOf.some(alwaysHolds)) clauses.push({ kind: 'any', of: anyOf });
  return { kind: 'all', of: clauses };
}

function alwaysHolds(condition: IncidentCondition): boolean {
  return condition.kind === 'all' && condition.of.every(alwaysHolds);
}

/** The Prisma where-clause of a condition. */
export function prismaWhereOf(condition: IncidentCondition): Prisma.IncidentWhereInput {
  switch (condition.kind) {
    case 'all':
      return condition.of.length === 0 ? {} : { AND: condition.of.map(prismaWhereOf) };
    case 'any':
      return { OR: condition.of.map(prismaWhereOf) };
    case 'nothing':
      return { id: NO_ROW_ID };
    case 'equals':
      return { [condition.column]: condition.value };
    case 'in':
      return { [condition.column]: { in: condition.values } };
    case 'notIn':
      return { [condition.column]: { notIn: condition.values } };
    case 'isNull':
      return { [condition.column]: condition.isNull ? null : { not: null } };
    case 'range': {
      const { kind: _kind, column, ...bounds } = condition;
      return { [column]: bounds };
    }
    case 'components':
      return { components: { [condition.has]: { componentId: { in: condition.ids } } } };
    case 'tags':
      if (condition.has === 'has') return { tagKeys: { has: condition.keys[0] } };
      if (condition.has === 'hasSome') return { tagKeys: { hasSome: condition.keys } };
      return { NOT: { tagKeys: { hasSome: condition.keys } } };
    case 'search':
      return {
        OR: [
          { title: { contains: condition.pattern, mode: 'insensitive' } },
          { description: { contains: condition.pattern, mode: 'insensitive' } },
        ],
      };
  }
}

/** The Prisma where-clause of an IncidentFilter (without the org scope, which callers add). */
export function incidentWhere(filter: IncidentFilterShape | null | undefined): Prisma.IncidentWhereInput {
  return prismaWhereOf(incidentCondition(filter));
}
