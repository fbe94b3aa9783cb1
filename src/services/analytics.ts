import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import type { ComponentStatus } from '../domain/types.js';

/**
 * Reliability analytics, computed by PostgreSQL (aggregates, percentile_cont, window functions):
 * only the results travel to Node, never the incident or status-change rows.
 */

export type StatsGroupBy = 'SEVERITY' | 'COMPONENT' | 'OWNER' | 'DAY';

/** Count, mean and percentiles of a duration in seconds; the figures are null when count is 0. */
export interface DurationStats {
  count: number;
  meanSeconds: number | null;
  p50Seconds: number | null;
  p90Seconds: number | null;
}

export interface StatsGroup {
  /** The group's value: an enum value, a raw id, a YYYY-MM-DD day; null for "no owner"/"no component". */
  key: string | null;
  count: number;
  reopenedCount: number;
  /** Share of the incidents reopened at least once. */
  reopenRate: number;
  /** startedAt -> acknowledgedAt, over the acknowledged incidents. */
  mtta: DurationStats;
  /** startedAt -> resolvedAt, over the resolved incidents. */
  mttr: DurationStats;
}

export interface IncidentStats {
  total: StatsGroup;
  groups: StatsGroup[];
}

/** What each grouping groups by; fixed SQL, never built from input. */
const GROUP_KEYS: Record<StatsGroupBy, Prisma.Sql> = {
  SEVERITY: Prisma.sql`i."severity"::text`,
  OWNER: Prisma.sql`i."ownerId"::text`,
  COMPONENT: Prisma.sql`ic."componentId"::text`,
  DAY: Prisma.sql`to_char(date_trunc('day', i."startedAt"), 'YYYY-MM-DD')`,
};

/** Severities sort as the enum declares them, CRITICAL first. */
const SEVERITY_RANK = Prisma.sql`array_position(enum_range(NULL::"IncidentSeverity")::text[], "key")`;

/** Incidents in several components count in each of their groups. */
const COMPONENT_JOIN = Prisma.sql`LEFT JOIN "IncidentComponent" ic ON ic."incidentId" = i."id"`;

/** Seconds from startedAt to `moment`, null while unset; clamped at 0 (a backfilled moment may predate the start). */
function secondsSinceStart(moment: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`CASE WHEN ${moment} IS NOT NULL THEN GREATEST(0, EXTRACT(EPOCH FROM ${moment} - i."startedAt"))::float8 END`;
}

const AGGREGATES = Prisma.sql`
  count(*)::int AS "count",
  (count(*) FILTER (WHERE i."reopenCount" > 0))::int AS "reopenedCount",
  count(i."tta")::int AS "ackCount",
  avg(i."tta")::float8 AS "ackMean",
  percentile_cont(0.5) WITHIN GROUP (ORDER BY i."tta") AS "ackP50",
  percentile_cont(0.9) WITHIN GROUP (ORDER BY i."tta") AS "ackP90",
  count(i."ttr")::int AS "resolveCount",
  avg(i."ttr")::float8 AS "resolveMean",
  percentile_cont(0.5) WITHIN GROUP (ORDER BY i."ttr") AS "resolveP50",
  percentile_cont(0.9) WITHIN GROUP (ORDER BY i."ttr") AS "resolveP90"`;

interface AggregateRow {
  key: string | null;
  isTotal: boolean;
  count: number;
  reopenedCount: number;
  ackCount: number;
  ackMean: number | null;
  ackP50: number | null;
  ackP90: number | null;
  resolveCount: number;
  resolveMean: number | null;
  resolveP50: number | null;
  resolveP90: number | null;
}

function groupOf(row: AggregateRow): StatsGroup {
  return {
    key: row.key,
    count: row.count,
    reopenedCount: row.reopenedCount,
    reopenRate: row.count === 0 ? 0 : row.reopenedCount / row.count,
    mtta: { count: row.ackCount, meanSeconds: row.ackMean, p50Seconds: row.ackP50, p90Seconds: row.ackP90 },
    mttr: { count: row.resolveCount, meanSeconds: row.resolveMean, p50Seconds: row.resolveP50, p90Seconds: row.resolveP90 },
  };
}

/**
 * Stats over the given incidents of the org (already chosen by the caller's filter), as one total
 * and one group per value of `groupBy`, ordered by key (severities CRITICAL first; nulls last).
 */
export async function incidentStats(
  prisma: PrismaClient,
  orgId: string,
  incidentIds: string[],
  groupBy: StatsGroupBy | null,
): Promise<IncidentStats> {
  const picked = Prisma.sql`
    SELECT i."id", i."severity", i."ownerId", i."startedAt", i."reopenCount",
           ${secondsSinceStart(Prisma.sql`i."acknowledgedAt"`)} AS "tta",
           ${secondsSinceStart(Prisma.sql`i."resolvedAt"`)} AS "ttr"
    FROM "Incident" i
    WHERE i."orgId" = ${orgId}::uuid AND i."id" = ANY(${incidentIds}::uuid[])`;
  const grouped = groupBy
    ? Prisma.sql`
      UNION ALL
      SELECT ${GROUP_KEYS[groupBy]} AS "key", false AS "isTotal", ${AGGREGATES}
      FROM picked i ${groupBy === 'COMPONENT' ? COMPONENT_JOIN : Prisma.empty}
      GROUP BY 1`
    : Prisma.empty;
  const rows = await prisma.$queryRaw<AggregateRow[]>`
    WITH picked AS (${picked})
    SELECT * FROM (
      SELECT NULL::text AS "key", true AS "isTotal", ${AGGREGATES} FROM picked i
      ${grouped}
    ) stats
    ORDER BY "isTotal" DESC, ${groupBy === 'SEVERITY' ? SEVERITY_RANK : Prisma.sql`"key"`} ASC NULLS LAST`;
  const [total, ...groups] = rows.map(groupOf);
  return { total, groups };
}

/** Seconds a component spent in one status on one day. */
export interface StatusSeconds {
  status: ComponentStatus;
  seconds: number;
}

export interface UptimeDay {
  /** UTC day, YYYY-MM-DD. */
  date: string;
  /** Seconds of this day inside the window and the component's lifetime. */
  measuredSeconds: number;
  /** null when nothing of the day was measured. */
  availability: number | null;
  statuses: StatusSeconds[];
}

export interface Uptime {
  componentId: string;
  measuredSeconds: number;
  availability: number | null;
  days: UptimeDay[];
}

/**
 * As Atlassian Statuspage counts it: a major outage is down time, a partial outage counts 30%,
 * every other status is up.
 */
export const PARTIAL_OUTAGE_WEIGHT = 0.3;

interface UptimeRow {
  componentId: string;
  date: string;
  measured: number;
  availability: number | null;
  statuses: Record<string, number> | null;
  totalMeasured: number;
  totalAvailability: number | null;
}

/**
 * Uptime of each component over [from, to), per UTC day, from the intervals it spent in each
 * status. The status in force at a moment is the latest status change at or before it;
 * OPERATIONAL before the first recorded change. Time before the component existed or after now
 * is not measured. Components not of the org are left out.
 */
export async function componentUptime(prisma: PrismaClient, orgId: string, componentIds: string[], from: Date, to: Date): Promise<Uptime[]> {
  const rows = await prisma.$queryRaw<UptimeRow[]>`
    WITH bounds AS (
      SELECT c."id" AS "componentId",
             GREATEST(${from.toISOString()}::timestamptz AT TIME ZONE 'UTC', c."createdAt") AS lo,
             LEAST(${to.toISOString()}::timestamptz AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC') AS hi
      FROM "Component" c
      WHERE c."orgId" = ${orgId}::uuid AND c."id" = ANY(${componentIds}::uuid[])
    ),
    points AS (
      -- The status in force when the window opens, then every change inside it.
      SELECT b."componentId", b.lo AS at,
             COALESCE((SELECT s."status"::text FROM "ComponentStatusChange" s
                       WHERE s."componentId" = b."componentId" AND s."changedAt" <= b.lo
                       ORDER BY s."changedAt" DESC, s."id" DESC LIMIT 1), 'OPERATIONAL') AS status
      FROM bounds b WHERE b.lo < b.hi
      UNION ALL
      SELECT s."componentId", s."changedAt", s."status"::text
      FROM "ComponentStatusChange" s JOIN bounds b ON b."componentId" = s."componentId"
      WHERE s."changedAt" > b.lo AND s."changedAt" < b.hi
    ),
    intervals AS (
      SELECT p."componentId", p.status, p.at AS starts,
             LEAD(p.at, 1, b.hi) OVER (PARTITION BY p."componentId" ORDER BY p.at) AS ends
      FROM points p JOIN bounds b ON b."componentId" = p."componentId"
    ),
    days AS (
      SELECT b."componentId", d AS day_start, d + interval '1 day' AS day_end
      FROM bounds b,
           generate_series(date_trunc('day', ${from.toISOString()}::timestamptz AT TIME ZONE 'UTC'),
                           ${to.toISOString()}::timestamptz AT TIME ZONE 'UTC' - interval '1 millisecond',
                           interval '1 day') d
    ),
    per_status AS (
      SELECT d."componentId", d.day_start, i.status,
             sum(EXTRACT(EPOCH FROM LEAST(i.ends, d.day_end) - GREATEST(i.starts, d.day_start)))::float8 AS seconds
      FROM days d JOIN intervals i ON i."componentId" = d."componentId" AND i.starts < d.day_end AND i.ends > d.day_start
      GROUP BY 1, 2, 3
    ),
    per_day AS (
      SELECT d."componentId", d.day_start,
             COALESCE(sum(p.seconds), 0)::float8 AS measured,
             COALESCE(sum(p.seconds) FILTER (WHERE p.status = 'MAJOR_OUTAGE'), 0)
               + ${PARTIAL_OUTAGE_WEIGHT}::float8 * COALESCE(sum(p.seconds) FILTER (WHERE p.status = 'PARTIAL_OUTAGE'), 0) AS down,
             jsonb_object_agg(p.status, p.seconds) FILTER (WHERE p.status IS NOT NULL) AS statuses
      FROM days d LEFT JOIN per_status p ON p."componentId" = d."componentId" AND p.day_start = d.day_start
      GROUP BY 1, 2
    )
    SELECT "componentId"::text AS "componentId",
           to_char(day_start, 'YYYY-MM-DD') AS date,
           measured,
           CASE WHEN measured > 0 THEN (1 - down / measured)::float8 END AS availability,
           statuses,
           (sum(measured) OVER w)::float8 AS "totalMeasured",
           CASE WHEN sum(measured) OVER w > 0 THEN (1 - sum(down) OVER w / sum(measured) OVER w)::float8 END AS "totalAvailability"
    FROM per_day
    WINDOW w AS (PARTITION BY "componentId")
    ORDER BY "componentId", day_start`;
  const byComponent = new Map<string, Uptime>();
  for (const row of rows) {
    const uptime = byComponent.get(row.componentId) ?? {
      componentId: row.componentId,
      measuredSeconds: row.totalMeasured,
      availability: row.totalAvailability,
      days: [],
    };
    uptime.days.push({
      date: row.date,
      measuredSeconds: row.measured,
      availability: row.availability,
      statuses: Object.entries(row.statuses ?? {}).map(([status, seconds]) => ({ status: status as ComponentStatus, seconds })),
    });
    byComponent.set(row.componentId, uptime);
  }
  return [...byComponent.values()];
}
