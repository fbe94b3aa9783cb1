import { encodeGlobalID } from '@pothos/plugin-relay';
import { beforeAll, describe, expect, it } from 'vitest';
import { backends, gql, useGateway } from '../support/gateway.js';

const T = Date.parse('2026-01-10T00:00:00.000Z');
const DAY = 24 * 60 * 60 * 1000;
const at = (ms: number) => new Date(T + ms);
const s = (seconds: number) => seconds * 1000;

const STATS = `
  fragment Figures on IncidentStatsGroup {
    key count reopenedCount reopenRate
    mtta { count meanSeconds p50Seconds p90Seconds }
    mttr { count meanSeconds p50Seconds p90Seconds }
  }
  query ($filter: IncidentFilter, $groupBy: IncidentStatsGroupBy, $from: DateTime!, $to: DateTime!) {
    incidentStats(filter: $filter, from: $from, to: $to, groupBy: $groupBy) {
      from to groupBy total { ...Figures } groups { ...Figures }
    }
  }`;

const UPTIME = `
  query ($ids: [ID!]!, $from: DateTime, $to: DateTime) {
    nodes(ids: $ids) {
      ... on Component { name uptime(from: $from, to: $to) { from to availability measuredSeconds days { date availability measuredSeconds statuses { status seconds } } } }
    }
  }`;


describe.each(backends)('incident stats and component uptime on %s', (backend) => {
  const gateway = useGateway(backend, { RATE_LIMIT: 'off' });
  let org: { orgId: string; key: string };
  const ids: Record<string, string> = {};

  async function ok<T = any>(query: string, variables?: Record<string, unknown>, key = org.key): Promise<T> {
    const response = await gql<T>(gateway, key, query, variables);
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    return response.data as T;
  }

  /**
   * The fixed data set. Incidents (T = 2026-01-10 00:00 UTC; tta/ttr in seconds):
   *   1 CRITICAL owner u1  [c1]     T        tta 60   ttr 600   reopened 0
   *   2 CRITICAL owner u1  [c1,c2]  T+1d     tta 180  ttr 1800  reopened 1
   *   3 HIGH     owner u2  [c2]     T+1d+1h  tta 300  open      reopened 0
   *   4 HIGH     no owner  []       T+2d     no ack   ttr 3600  reopened 2
   *   5 LOW      owner u1  [c1]     T+40d    (after the window)
   *   6 MEDIUM   owner u2  []       T+5d     tta 120  ttr 1200  reopened 0
   * and one incident of another organization inside the window.
   */
  beforeAll(async () => {
    org = await gateway.createOrg(['read']);
    const prisma = gateway.running.db.prisma;
    const orgId = org.orgId;
    const created = new Date('2025-12-01T00:00:00.000Z');
    for (const name of ['u1', 'u2']) ids[name] = (await prisma.user.create({ data: { orgId, name, email: `${name}@example.com` } })).id;
    for (const name of ['c1', 'c2']) ids[name] = (await prisma.component.create({ data: { orgId, name, createdAt: created } })).id;
    const incidents = [
      { n: 1, severity: 'CRITICAL', owner: 'u1', components: ['c1'], start: 0, tta: 60, ttr: 600, reopens: 0 },
      { n: 2, severity: 'CRITICAL', owner: 'u1', components: ['c1', 'c2'], start: DAY, tta: 180, ttr: 1800, reopens: 1 },
      { n: 3, severity: 'HIGH', owner: 'u2', components: ['c2'], start: DAY + s(3600), tta: 300, ttr: null, reopens: 0 },
      { n: 4, severity: 'HIGH', owner: null, components: [], start: 2 * DAY, tta: null, ttr: 3600, reopens: 2 },
      { n: 5, severity: 'LOW', owner: 'u1', components: ['c1'], start: 40 * DAY, tta: 10, ttr: 20, reopens: 0 },
      { n: 6, severity: 'MEDIUM', owner: 'u2', components: [], start: 5 * DAY, tta: 120, ttr: 1200, reopens: 0 },
    ] as const;
    for (const incident of incidents) {
      await prisma.incident.create({
        data: {
          orgId,
          number: incident.n,
          title: `Incident ${incident.n}`,
          status: incident.ttr === null ? 'INVESTIGATING' : 'RESOLVED',
          severity: incident.severity,
          ownerId: incident.owner ? ids[incident.owner] : null,
          reopenCount: incident.reopens,
          startedAt: at(incident.start),
          acknowledgedAt: incident.tta === null ? null : at(incident.start + s(incident.tta)),
          resolvedAt: incident.ttr === null ? null : at(incident.start + s(incident.ttr)),
          components: { create: incident.components.map((name, position) => ({ componentId: ids[name], status: 'MAJOR_OUTAGE', position })) },
        },
      });
    }
    const other = await gateway.createOrg(['read']);
    await prisma.incident.create({
      data: { orgId: other.orgId, number: 1, title: 'Elsewhere', status: 'RESOLVED', severity: 'CRITICAL', startedAt: at(0), acknowledgedAt: at(s(1)), resolvedAt: at(s(2)), reopenCount: 1 },
    });
  });

  const window = { from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' };

  const total = {
    key: null,
    count: 5,
    reopenedCount: 2,
    reopenRate: 0.4,
    // tta 60, 120, 180, 300: p50 = (120 + 180) / 2; p90 at rank 2.7 = 180 + 0.7 * 120
    mtta: { count: 4, meanSeconds: 165, p50Seconds: 150, p90Seconds: 264 },
    // ttr 600, 1200, 1800, 3600: p90 at rank 2.7 = 1800 + 0.7 * 1800
    mttr: { count: 4, meanSeconds: 1800, p50Seconds: 1500, p90Seconds: 3060 },
  };

  /** Floats from percentile arithmetic compared to 6 digits. */
  function close(value: unknown): unknown {
    if (typeof value === 'number') return expect.closeTo(value, 6);
    if (Array.isArray(value)) return value.map(close);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, close(inner)]));
    return value;
  }

  it('computes the totals of the window, leaving out later incidents and other organizations', async () => {
    const data = await ok(STATS, window);
    expect(data.incidentStats).toEqual(close({ ...window, groupBy: null, total, groups: [] }));
  });

  it('groups by severity', async () => {
    const data = await ok(STATS, { ...window, groupBy: 'SEVERITY' });
    expect(data.incidentStats.total).toEqual(close(total));
    expect(data.incidentStats.groups).toEqual(
      close([
        {
          key: 'CRITICAL',
          count: 2,
          reopenedCount: 1,
          reopenRate: 0.5,
          mtta: { count: 2, meanSeconds: 120, p50Seconds: 120, p90Seconds: 168 },
          mttr: { count: 2, meanSeconds: 1200, p50Seconds: 1200, p90Seconds: 1680 },
        },
        {
          key: 'HIGH',
          count: 2,
          reopenedCount: 1,
          reopenRate: 0.5,
          mtta: { count: 1, meanSeconds: 300, p50Seconds: 300, p90Seconds: 300 },
          mttr: { count: 1, meanSeconds: 3600, p50Seconds: 3600, p90Seconds: 3600 },
        },
        {
          key: 'MEDIUM',
          count: 1,
          reopenedCount: 0,
          reopenRate: 0,
          mtta: { count: 1, meanSeconds: 120, p50Seconds: 120, p90Seconds: 120 },
          mttr: { count: 1, meanSeconds: 1200, p50Seconds: 1200, p90Seconds: 1200 },
        },
      ]),
    );
  });

  it('orders severities CRITICAL first', async () => {
    const data = await ok(STATS, { from: window.from, to: '2026-03-01T00:00:00.000Z', groupBy: 'SEVERITY' });
    expect(data.incidentStats.groups.map((group: any) => group.key)).toEqual(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW']);
  });

  it('groups by owner, component and day', async () => {
    const counts = async (groupBy: string) =>
      Object.fromEntries(
        (await ok(STATS, { ...window, groupBy })).incidentStats.groups.map((group: any) => [group.key, [group.count, group.mttr.meanSeconds]]),
      );
    expect(await counts('OWNER')).toEqual({
      [encodeGlobalID('User', ids.u1)]: [2, 1200],
      [encodeGlobalID('User', ids.u2)]: [2, 1200],
      null: [1, 3600],
    });
    expect(await counts('COMPONENT')).toEqual({
      [encodeGlobalID('Component', ids.c1)]: [2, 1200],
      [encodeGlobalID('Component', ids.c2)]: [2, 1800],
      null: [2, 2400],
    });
    expect(await counts('DAY')).toEqual({
      '2026-01-10': [1, 600],
      '2026-01-11': [2, 1800],
      '2026-01-12': [1, 3600],
      '2026-01-15': [1, 1200],
    });
    const days = (await ok(STATS, { ...window, groupBy: 'DAY' })).incidentStats.groups.map((group: any) => group.key);
    expect(days).toEqual(['2026-01-10', '2026-01-11', '2026-01-12', '2026-01-15']);
  });

  it('applies the IncidentFilter', async () => {
    const data = await ok(STATS, { ...window, filter: { severity: { in: ['CRITICAL', 'MEDIUM'] }, ownerId: { eq: encodeGlobalID('User', ids.u1) } } });
    expect(data.incidentStats.total).toEqual(
      close({
        key: null,
        count: 2,
        reopenedCount: 1,
        reopenRate: 0.5,
        mtta: { count: 2, meanSeconds: 120, p50Seconds: 120, p90Seconds: 168 },
        mttr: { count: 2, meanSeconds: 1200, p50Seconds: 1200, p90Seconds: 1680 },
      }),
    );
    const none = await ok(STATS, { ...window, groupBy: 'SEVERITY', filter: { search: 'no such title' } });
    expect(none.incidentStats.total).toMatchObject({ count: 0, reopenRate: 0, mtta: { count: 0, meanSeconds: null, p50Seconds: null } });
    expect(none.incidentStats.groups).toEqual([]);
  });

  it('rejects an empty window and needs the read scope', async () => {
    const response = await gql(gateway, org.key, STATS, { from: window.to, to: window.from });
    expect(response.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const anonymous = await gql(gateway, null, STATS, window);
    expect(anonymous.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  describe('uptime', () => {
    const H = 60 * 60;
    let api: string;
    let late: string;

    /**
     * api, created 2026-01-01: MAJOR_OUTAGE 01-02 06:00-12:00, PARTIAL_OUTAGE 01-03 20:00 - 01-04 04:00,
     * DEGRADED_PERFORMANCE 01-04 04:00-10:00, OPERATIONAL otherwise.
     * late, created 01-03 12:00 in MAJOR_OUTAGE until 18:00.
     */
    beforeAll(async () => {
      const prisma = gateway.running.db.prisma;
      const orgId = org.orgId;
      const component = (name: string, createdAt: string) => prisma.component.create({ data: { orgId, name, createdAt: new Date(createdAt) } });
      const apiRow = await component('api', '2026-01-01T00:00:00.000Z');
      const lateRow = await component('late', '2026-01-03T12:00:00.000Z');
      const changes: [string, string, string][] = [
        [apiRow.id, '2026-01-02T06:00:00.000Z', 'MAJOR_OUTAGE'],
        [apiRow.id, '2026-01-02T12:00:00.000Z', 'OPERATIONAL'],
        [apiRow.id, '2026-01-03T20:00:00.000Z', 'PARTIAL_OUTAGE'],
        [apiRow.id, '2026-01-04T04:00:00.000Z', 'DEGRADED_PERFORMANCE'],
        [apiRow.id, '2026-01-04T10:00:00.000Z', 'OPERATIONAL'],
        [lateRow.id, '2026-01-03T12:00:00.000Z', 'MAJOR_OUTAGE'],
        [lateRow.id, '2026-01-03T18:00:00.000Z', 'OPERATIONAL'],
      ];
      await prisma.componentStatusChange.createMany({
        data: changes.map(([componentId, changedAt, status]) => ({ orgId, componentId, changedAt: new Date(changedAt), status: status as 'OPERATIONAL' })),
      });
      api = encodeGlobalID('Component', apiRow.id);
      late = encodeGlobalID('Component', lateRow.id);
    });

    const day = (date: string, availability: number | null, measuredSeconds: number, statuses: [string, number][]) => ({
      date,
      availability,
      measuredSeconds,
      statuses: statuses.map(([status, seconds]) => ({ status, seconds })),
    });

    it('gives availability per day and over the window, for several components in one query', async () => {
      const from = '2026-01-01T00:00:00.000Z';
      const to = '2026-01-06T00:00:00.000Z';
      const { result: data, statements } = await gateway.statementsDuring(() => ok(UPTIME, { ids: [api, late], from, to }));
      expect(statements.filter((statement) => statement.sql.includes('ComponentStatusChange'))).toHaveLength(1);
      const [apiUptime, lateUptime] = data.nodes.map((node: any) => node.uptime);
      expect(apiUptime).toEqual(
        close({
          from,
          to,
          // down: 6 h of major outage + 30% of 8 h of partial outage = 30,240 s of 432,000 s
          availability: 0.93,
          measuredSeconds: 5 * 24 * H,
          days: [
            day('2026-01-01', 1, 24 * H, [['OPERATIONAL', 24 * H]]),
            day('2026-01-02', 0.75, 24 * H, [['OPERATIONAL', 18 * H], ['MAJOR_OUTAGE', 6 * H]]),
            day('2026-01-03', 0.95, 24 * H, [['OPERATIONAL', 20 * H], ['PARTIAL_OUTAGE', 4 * H]]),
            day('2026-01-04', 0.95, 24 * H, [['OPERATIONAL', 14 * H], ['DEGRADED_PERFORMANCE', 6 * H], ['PARTIAL_OUTAGE', 4 * H]]),
            day('2026-01-05', 1, 24 * H, [['OPERATIONAL', 24 * H]]),
          ],
        }),
      );
      expect(lateUptime).toEqual(
        close({
          from,
          to,
          availability: 0.9,
          measuredSeconds: 60 * H,
          days: [
            day('2026-01-01', null, 0, []),
            day('2026-01-02', null, 0, []),
            day('2026-01-03', 0.5, 12 * H, [['OPERATIONAL', 6 * H], ['MAJOR_OUTAGE', 6 * H]]),
            day('2026-01-04', 1, 24 * H, [['OPERATIONAL', 24 * H]]),
            day('2026-01-05', 1, 24 * H, [['OPERATIONAL', 24 * H]]),
          ],
        }),
      );
    });

    it('starts a window that opens mid-outage with the status in force then', async () => {
      const data = await ok(UPTIME, { ids: [api], from: '2026-01-02T09:00:00.000Z', to: '2026-01-02T15:00:00.000Z' });
      expect(data.nodes[0].uptime).toMatchObject(
        close({ availability: 0.5, measuredSeconds: 6 * H, days: [day('2026-01-02', 0.5, 6 * H, [['OPERATIONAL', 3 * H], ['MAJOR_OUTAGE', 3 * H]])] }) as object,
      );
    });

    it('defaults to the last 90 days up to now, as status pages show it', async () => {
      const data = await ok(UPTIME, { ids: [api] });
      const uptime = data.nodes[0].uptime;
      expect(uptime.days).toHaveLength(90);
      expect(uptime.days[89].date).toBe(new Date().toISOString().slice(0, 10));
      expect(Date.parse(uptime.to)).toBeLessThanOrEqual(Date.now());
      expect(uptime.days[0].date).toBe(new Date(Date.parse(uptime.days[89].date) - 89 * DAY).toISOString().slice(0, 10));
    });

    it('rejects windows that are empty or longer than 366 days', async () => {
      for (const window of [
        { from: '2026-01-02T00:00:00.000Z', to: '2026-01-01T00:00:00.000Z' },
        { from: '2024-01-01T00:00:00.000Z', to: '2026-01-01T00:00:00.000Z' },
      ]) {
        const response = await gql(gateway, org.key, UPTIME, { ids: [api], ...window });
        expect(response.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      }
    });

    it('treats a component of another organization as missing', async () => {
      const stranger = await gateway.createOrg(['read']);
      const data = await ok(UPTIME, { ids: [api] }, stranger.key);
      expect(data.nodes).toEqual([null]);
    });
  });
});
