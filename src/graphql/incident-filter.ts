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

function enumWhere<T>(comparator: Comparator<T> | null | undefined) {
  if (!comparator) return undefined;
  return {
    ...(comparator.eq != null ? { equals: comparator.eq } : {}),
    ...(comparator.in != null ? { in: [...comparator.in] } : {}),
    ...(comparator.notIn != null ? { notIn: [...comparator.notIn] } : {}),
  };
}

/** The bounds of a date comparator; `isNull` is up to the column (see incidentWhere). */
function dateRange(comparator: DateComparator | null | undefined): Prisma.DateTimeFilter | undefined {
  if (!comparator) return undefined;
  const where: Prisma.DateTimeFilter = {};
  if (comparator.gt != null) where.gt = comparator.gt;
  if (comparator.gte != null) where.gte = comparator.gte;
  if (comparator.lt != null) where.lt = comparator.lt;
  if (comparator.lte != null) where.lte = comparator.lte;
  return Object.keys(where).length === 0 ? undefined : where;
}

/** Text no row can hold (NUL) matches nothing, rather than failing in the database. */
const MATCHES_NOTHING: Prisma.IncidentWhereInput = { id: NO_ROW_ID };

/** Prisma's `contains` becomes a LIKE pattern: the search text's own % and _ must match literally. */
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

/** The Prisma where-clause of an IncidentFilter (without the org scope, which callers add). */
export function incidentWhere(filter: IncidentFilterShape | null | undefined): Prisma.IncidentWhereInput {
  if (!filter) return {};
  const clauses: Prisma.IncidentWhereInput[] = [];
  const status = enumWhere(filter.status);
  if (status) clauses.push({ status });
  const severity = enumWhere(filter.severity);
  if (severity) clauses.push({ severity });
  const impact = enumWhere(filter.impact);
  if (impact) clauses.push({ impact });
  const kind = enumWhere(filter.kind);
  if (kind) clauses.push({ kind });
  if (filter.ownerId) {
    const { eq, in: anyOf, notIn } = filter.ownerId;
    if (eq != null) clauses.push({ ownerId: decodeOne(eq, 'User') });
    if (anyOf != null) clauses.push({ ownerId: { in: decodeAll(anyOf, 'User') } });
    if (notIn != null) clauses.push({ OR: [{ ownerId: null }, { ownerId: { notIn: decodeAll(notIn, 'User') } }] });
  }
  if (filter.componentId) {
    const { eq, in: anyOf, notIn } = filter.componentId;
    if (eq != null) clauses.push({ components: { some: { componentId: decodeOne(eq, 'Component') } } });
    if (anyOf != null) clauses.push({ components: { some: { componentId: { in: decodeAll(anyOf, 'Component') } } } });
    if (notIn != null) clauses.push({ components: { none: { componentId: { in: decodeAll(notIn, 'Component') } } } });
  }
  if (filter.tag) {
    // Case-insensitive: tagKeys holds each tag's tagKey, written with the tags.
    const { eq, in: anyOf, notIn } = filter.tag;
    const keys = (tags: readonly string[]) => tags.filter(isStorableText).map(tagKey);
    if (eq != null) clauses.push(isStorableText(eq) ? { tagKeys: { has: tagKey(eq) } } : MATCHES_NOTHING);
    if (anyOf != null) clauses.push({ tagKeys: { hasSome: keys(anyOf) } });
    if (notIn != null) clauses.push({ NOT: { tagKeys: { hasSome: keys(notIn) } } });
  }
  const startedAt = dateRange(filter.startedAt);
  if (startedAt) clauses.push({ startedAt });
  // Every incident has a startedAt.
  if (filter.startedAt?.isNull === true) clauses.push(MATCHES_NOTHING);
  const acknowledgedAt = dateRange(filter.acknowledgedAt);
  if (acknowledgedAt) clauses.push({ acknowledgedAt });
  if (filter.acknowledgedAt?.isNull != null) clauses.push({ acknowledgedAt: filter.acknowledgedAt.isNull ? null : { not: null } });
  const resolvedAt = dateRange(filter.resolvedAt);
  if (resolvedAt) clauses.push({ resolvedAt });
  if (filter.resolvedAt?.isNull != null) clauses.push({ resolvedAt: filter.resolvedAt.isNull ? null : { not: null } });
  const search = filter.search?.trim();
  if (search) {
    const pattern = escapeLike(search);
    clauses.push(
      isStorableText(search)
        ? {
            OR: [
              { title: { contains: pattern, mode: 'insensitive' } },
              { description: { contains: pattern, mode: 'insensitive' } },
            ],
          }
        : MATCHES_NOTHING,
    );
  }
  if (filter.and) clauses.push(...filter.and.map(incidentWhere));
  if (filter.or) clauses.push({ OR: filter.or.map(incidentWhere) });
  return clauses.length === 0 ? {} : { AND: clauses };
}
