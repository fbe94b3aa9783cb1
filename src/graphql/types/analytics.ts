import { encodeGlobalID } from '@pothos/plugin-relay';
import * as analytics from '../../services/analytics.js';
import { COMPONENT_STATUSES } from '../../domain/types.js';
import { builder } from '../builder.js';
import { orgOf, type GatewayContext } from '../context.js';
import { badUserInput } from '../errors.js';
import { incidentWhere } from '../incident-filter.js';
import { ComponentStatusEnum } from './component.js';
import { IncidentFilter } from './incident.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** How status pages show uptime: the last 90 days. */
const UPTIME_DEFAULT_DAYS = 90;
const UPTIME_MAX_DAYS = 366;

const GroupByEnum = builder.enumType('IncidentStatsGroupBy', {
  description: 'What incidentStats groups incidents by.',
  values: {
    SEVERITY: { description: 'By severity; key is the IncidentSeverity value.' },
    COMPONENT: { description: 'By affected component; key is the Component ID (null: no component). An incident counts in each of its components.' },
    OWNER: { description: 'By owner; key is the User ID (null: no owner).' },
    DAY: { description: 'By the UTC day the incident started; key is YYYY-MM-DD. Days without incidents are left out.' },
  } as const,
});

const DurationStatsRef = builder.objectRef<analytics.DurationStats>('DurationStats').implement({
  description: 'A duration over a set of incidents, in seconds: mean and percentiles (continuous, as percentile_cont).',
  fields: (t) => ({
    count: t.exposeInt('count', { description: 'How many incidents have this duration (acknowledged or resolved ones).' }),
    meanSeconds: t.exposeFloat('meanSeconds', { nullable: true, description: 'Mean; null when count is 0.' }),
    p50Seconds: t.exposeFloat('p50Seconds', { nullable: true, description: 'Median; null when count is 0.' }),
    p90Seconds: t.exposeFloat('p90Seconds', { nullable: true, description: '90th percentile; null when count is 0.' }),
  }),
});

interface GroupShape extends analytics.StatsGroup {
  groupBy: analytics.StatsGroupBy | null;
}

const StatsGroupRef = builder.objectRef<GroupShape>('IncidentStatsGroup').implement({
  description: 'Reliability figures of a group of incidents.',
  fields: (t) => ({
    key: t.string({
      nullable: true,
      description: 'The group: a severity, a Component or User ID, or a YYYY-MM-DD day (see IncidentStatsGroupBy); null for the total and for "no owner"/"no component".',
      resolve: (group) => {
        if (group.key === null) return null;
        if (group.groupBy === 'OWNER') return encodeGlobalID('User', group.key);
        if (group.groupBy === 'COMPONENT') return encodeGlobalID('Component', group.key);
        return group.key;
      },
    }),
    count: t.exposeInt('count', { description: 'How many incidents.' }),
    mtta: t.field({ type: DurationStatsRef, description: 'Time to acknowledge: startedAt -> acknowledgedAt.', resolve: (group) => group.mtta }),
    mttr: t.field({ type: DurationStatsRef, description: 'Time to resolve: startedAt -> resolvedAt.', resolve: (group) => group.mttr }),
    reopenedCount: t.exposeInt('reopenedCount', { description: 'How many were reopened at least once.' }),
    reopenRate: t.exposeFloat('reopenRate', { description: 'reopenedCount / count, 0 to 1 (0 when there are none).' }),
  }),
});

interface StatsShape extends analytics.IncidentStats {
  from: Date;
  to: Date;
  groupBy: analytics.StatsGroupBy | null;
}

const IncidentStatsRef = builder.objectRef<StatsShape>('IncidentStats').implement({
  description: 'Reliability figures of the incidents that started in [from, to) and match the filter.',
  fields: (t) => ({
    from: t.expose('from', { type: 'DateTime', description: 'Start of the window (inclusive).' }),
    to: t.expose('to', { type: 'DateTime', description: 'End of the window (exclusive).' }),
    groupBy: t.expose('groupBy', { type: GroupByEnum, nullable: true, description: 'How groups were formed; null when not grouped.' }),
    total: t.field({ type: StatsGroupRef, description: 'All matching incidents together.', resolve: (stats) => ({ ...stats.total, groupBy: null }) }),
    groups: t.field({
      type: [StatsGroupRef],
      description: 'One entry per group, ordered by key (severities CRITICAL first, null last); empty without groupBy.',
      resolve: (stats) => stats.groups.map((group) => ({ ...group, groupBy: stats.groupBy })),
    }),
  }),
});

function checkWindow(from: Date, to: Date): void {
  if (from.getTime() >= to.getTime()) throw badUserInput('"from" must be before "to"');
}

builder.queryField('incidentStats', (t) =>
  t.field({
    type: IncidentStatsRef,
    description:
      'Reliability analytics: count, MTTA, MTTR (mean, p50, p90 in seconds) and reopen rate of the incidents that started in [from, to) and match the filter, in total and per group. Computed by the database.',
    authScopes: { read: true },
    args: {
      filter: t.arg({ type: IncidentFilter, description: 'Which incidents (as in `incidents`).' }),
      from: t.arg({ type: 'DateTime', required: true, description: 'Incidents started at or after this.' }),
      to: t.arg({ type: 'DateTime', required: true, description: 'Incidents started before this.' }),
      groupBy: t.arg({ type: GroupByEnum, description: 'How to group; only the total without it.' }),
    },
    resolve: async (_root, args, context) => {
      checkWindow(args.from, args.to);
      const orgId = orgOf(context);
      // The filter is a Prisma where-clause: Prisma picks the ids, SQL aggregates over them.
      const matching = await context.db.prisma.incident.findMany({
        where: { orgId, AND: [incidentWhere(args.filter), { startedAt: { gte: args.from, lt: args.to } }] },
        select: { id: true },
      });
      const groupBy = args.groupBy ?? null;
      const stats = await analytics.incidentStats(context.db.prisma, orgId, matching.map((row) => row.id), groupBy);
      return { ...stats, from: args.from, to: args.to, groupBy };
    },
  }),
);

const StatusSecondsRef = builder.objectRef<analytics.StatusSeconds>('ComponentStatusDuration').implement({
  description: 'How long a component was in one status.',
  fields: (t) => ({
    status: t.expose('status', { type: ComponentStatusEnum, description: 'The status.' }),
    seconds: t.exposeFloat('seconds', { description: 'Seconds spent in it.' }),
  }),
});

const UptimeDayRef = builder.objectRef<analytics.UptimeDay>('UptimeDay').implement({
  description: 'One UTC day of a component uptime (one bar of a status page uptime chart).',
  fields: (t) => ({
    date: t.exposeString('date', { description: 'The UTC day, YYYY-MM-DD.' }),
    availability: t.exposeFloat('availability', {
      nullable: true,
      description: 'Share of the measured time up, 0 to 1 (MAJOR_OUTAGE counts down, PARTIAL_OUTAGE 30% down); null when nothing was measured.',
    }),
    measuredSeconds: t.exposeFloat('measuredSeconds', {
      description: 'Seconds of the day measured: inside the window, after the component was created, not in the future.',
    }),
    statuses: t.field({
      type: [StatusSecondsRef],
      description: 'Time in each status that day (statuses with time only), in ComponentStatus order.',
      resolve: (day) => day.statuses,
    }),
  }),
});

interface UptimeShape extends analytics.Uptime {
  from: Date;
  to: Date;
}

const UptimeRef = builder.objectRef<UptimeShape>('ComponentUptime').implement({
  description:
    'Availability of a component from the intervals it spent in each status, as status pages show it: MAJOR_OUTAGE is down, PARTIAL_OUTAGE counts 30% down, other statuses are up; OPERATIONAL before its first recorded status change.',
  fields: (t) => ({
    from: t.expose('from', { type: 'DateTime', description: 'Start of the window (inclusive).' }),
    to: t.expose('to', { type: 'DateTime', description: 'End of the window (exclusive).' }),
    availability: t.exposeFloat('availability', { nullable: true, description: 'Over the whole window, 0 to 1; null when nothing was measured.' }),
    measuredSeconds: t.exposeFloat('measuredSeconds', { description: 'Seconds measured over the whole window.' }),
    days: t.field({ type: [UptimeDayRef], description: 'Each UTC day of the window, oldest first.', resolve: (uptime) => uptime.days }),
  }),
});

/** The window of uptime(from, to): by default the 90 UTC days up to and including today. */
function uptimeWindow(from: Date | null | undefined, to: Date | null | undefined): { from: Date; to: Date } {
  const end = to ?? new Date();
  const startOfEndDay = Math.floor((end.getTime() - 1) / DAY_MS) * DAY_MS;
  const start = from ?? new Date(startOfEndDay - (UPTIME_DEFAULT_DAYS - 1) * DAY_MS);
  checkWindow(start, end);
  if (end.getTime() - start.getTime() > UPTIME_MAX_DAYS * DAY_MS) throw badUserInput(`The uptime window is at most ${UPTIME_MAX_DAYS} days`);
  return { from: start, to: end };
}

const STATUS_ORDER = new Map(COMPONENT_STATUSES.map((status, index) => [status, index]));

builder.prismaObjectField('Component', 'uptime', (t) =>
  t.loadable({
    type: UptimeRef,
    description: 'Availability over [from, to) and per UTC day; by default the last 90 days, as status pages show it. At most 366 days.',
    byPath: true,
    args: {
      from: t.arg({ type: 'DateTime', description: 'Start (inclusive); default: 00:00 UTC 89 days before the day of `to`.' }),
      to: t.arg({ type: 'DateTime', description: 'End (exclusive); default now.' }),
    },
    resolve: (component) => component.id,
    load: async (componentIds: string[], context: GatewayContext, args) => {
      const window = uptimeWindow(args.from, args.to);
      const uptimes = await analytics.componentUptime(context.db.prisma, orgOf(context), componentIds, window.from, window.to);
      const byId = new Map(uptimes.map((uptime) => [uptime.componentId, uptime]));
      return componentIds.map((id) => {
        const uptime = byId.get(id);
        if (!uptime) return new Error(`No uptime for component ${id}`);
        const days = uptime.days.map((day) => ({
          ...day,
          statuses: [...day.statuses].sort((a, b) => STATUS_ORDER.get(a.status)! - STATUS_ORDER.get(b.status)!),
        }));
        return { ...uptime, days, ...window };
      });
    },
  }),
);
