import type { IncidentImpact, IncidentKind, IncidentSeverity, IncidentStatus } from './types.js';
import { tagKey } from './incident-input.js';

/**
 * Whether one incident matches an IncidentFilter, decided in memory: the incidentChanged
 * subscription checks every event against every subscriber's filter, so this must not query.
 * It mirrors the SQL of the `incidents` query (graphql/incident-filter.ts) case by case,
 * including SQL's null behaviour: a comparison with an unset value does not hold.
 */

export interface Comparator<T> {
  eq?: T | null;
  in?: readonly T[] | null;
  notIn?: readonly T[] | null;
}

export interface DateComparator {
  gt?: Date | null;
  gte?: Date | null;
  lt?: Date | null;
  lte?: Date | null;
  isNull?: boolean | null;
}

/** An IncidentFilter whose ids are plain row ids (decoded from global IDs by the caller). */
export interface IncidentMatchFilter {
  status?: Comparator<IncidentStatus> | null;
  severity?: Comparator<IncidentSeverity> | null;
  impact?: Comparator<IncidentImpact> | null;
  kind?: Comparator<IncidentKind> | null;
  ownerId?: Comparator<string> | null;
  componentId?: Comparator<string> | null;
  tag?: Comparator<string> | null;
  startedAt?: DateComparator | null;
  acknowledgedAt?: DateComparator | null;
  resolvedAt?: DateComparator | null;
  search?: string | null;
  and?: readonly IncidentMatchFilter[] | null;
  or?: readonly IncidentMatchFilter[] | null;
}

export interface IncidentFacts {
  status: IncidentStatus;
  severity: IncidentSeverity;
  impact: IncidentImpact;
  kind: IncidentKind;
  ownerId: string | null;
  tags: readonly string[];
  title: string;
  description: string | null;
  startedAt: Date;
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
  /** Ids of the affected components; null when unknown (a deleted incident): component conditions then hold. */
  componentIds: readonly string[] | null;
}

/** An unset value (an incident without owner) fails eq and in, and passes notIn, as the query does. */
function matchesValue<T>(comparator: Comparator<T> | null | undefined, value: T | null): boolean {
  if (!comparator) return true;
  if (comparator.eq != null && value !== comparator.eq) return false;
  if (comparator.in != null && (value === null || !comparator.in.includes(value))) return false;
  if (comparator.notIn != null && value !== null && comparator.notIn.includes(value)) return false;
  return true;
}

function matchesSet(comparator: Comparator<string> | null | undefined, values: readonly string[] | null): boolean {
  if (!comparator || values === null) return true;
  if (comparator.eq != null && !values.includes(comparator.eq)) return false;
  if (comparator.in != null && !comparator.in.some((value) => values.includes(value))) return false;
  if (comparator.notIn != null && comparator.notIn.some((value) => values.includes(value))) return false;
  return true;
}

/** Tags compare by tagKey on both sides, as the query compares the stored keys. */
function matchesTags(comparator: Comparator<string> | null | undefined, tags: readonly string[]): boolean {
  if (!comparator) return true;
  return matchesSet(
    { eq: comparator.eq == null ? null : tagKey(comparator.eq), in: comparator.in?.map(tagKey), notIn: comparator.notIn?.map(tagKey) },
    tags.map(tagKey),
  );
}

function matchesDate(comparator: DateComparator | null | undefined, value: Date | null): boolean {
  if (!comparator) return true;
  if (comparator.isNull === true && value !== null) return false;
  if (comparator.isNull === false && value === null) return false;
  const bounds: [Date | null | undefined, (time: number, bound: number) => boolean][] = [
    [comparator.gt, (time, bound) => time > bound],
    [comparator.gte, (time, bound) => time >= bound],
    [comparator.lt, (time, bound) => time < bound],
    [comparator.lte, (time, bound) => time <= bound],
  ];
  return bounds.every(([bound, holds]) => bound == null || (value !== null && holds(value.getTime(), bound.getTime())));
}

function matchesSearch(search: string | null | undefined, incident: IncidentFacts): boolean {
  const needle = search?.trim().toLowerCase();
  if (!needle) return true;
  return incident.title.toLowerCase().includes(needle) || (incident.description?.toLowerCase().includes(needle) ?? false);
}

export function incidentMatches(filter: IncidentMatchFilter | null | undefined, incident: IncidentFacts): boolean {
  if (!filter) return true;
  return (
    matchesValue(filter.status, incident.status) &&
    matchesValue(filter.severity, incident.severity) &&
    matchesValue(filter.impact, incident.impact) &&
    matchesValue(filter.kind, incident.kind) &&
    matchesValue(filter.ownerId, incident.ownerId) &&
    matchesSet(filter.componentId, incident.componentIds) &&
    matchesTags(filter.tag, incident.tags) &&
    matchesDate(filter.startedAt, incident.startedAt) &&
    matchesDate(filter.acknowledgedAt, incident.acknowledgedAt) &&
    matchesDate(filter.resolvedAt, incident.resolvedAt) &&
    matchesSearch(filter.search, incident) &&
    (filter.and ?? []).every((inner) => incidentMatches(inner, incident)) &&
    // As the query does (Prisma drops an empty OR), an empty `or` places no condition.
    (!filter.or?.length || filter.or.some((inner) => incidentMatches(inner, incident)))
  );
}

/** Whether the filter looks at components anywhere (then the caller must supply componentIds). */
export function filterUsesComponents(filter: IncidentMatchFilter | null | undefined): boolean {
  if (!filter) return false;
  return filter.componentId != null || [...(filter.and ?? []), ...(filter.or ?? [])].some(filterUsesComponents);
}
