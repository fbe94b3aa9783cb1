import { beforeAll, describe, expect, it } from 'vitest';
import { backends, gql, useGateway } from '../support/gateway.js';
import { createUser, created, ok } from '../support/catalog-fixtures.js';

const DAY = 86_400;

/** Every nested on-call field at once: computed answers must not cost a query per schedule. */
const SCHEDULES = `query ($first: Int!) {
  schedules(first: $first) {
    totalCount
    nodes {
      name
      layers { name participants { name } restrictions { daysOfWeek } }
      overrides(first: 5) { totalCount nodes { user { name } } }
      onCall(at: "2025-01-06T11:00:00Z") { user { name } startsAt endsAt override { user { name } } }
      shifts(from: "2025-01-06T00:00:00Z", to: "2025-01-08T00:00:00Z") { user { name } override { id } }
    }
  }
}`;

const POLICIES = `query ($first: Int!) {
  escalationPolicies(first: $first) { totalCount nodes { name rules { delayMinutes targets { schedule { name } user { name } } } } }
}`;

describe.each(backends)('statements for on-call lists on %s', (backend) => {
  // No rate limit, and no background polling to blur the counts.
  const gateway = useGateway(backend, { RATE_LIMIT: 'off', NOTIFY_POLL_MS: '3600000', ESCALATION_POLL_MS: '3600000' });
  let key: string;

  beforeAll(async () => {
    ({ key } = await gateway.createOrg(['write']));
    const users = [await createUser(gateway, key, 'Ada'), await createUser(gateway, key, 'Grace'), await createUser(gateway, key, 'Linus')];
    for (let n = 0; n < 6; n++) {
      const schedule = await created(
        gateway,
        key,
        'createSchedule',
        {
          name: `Schedule ${n}`,
          timeZone: 'Europe/Berlin',
          layers: [
            { rotationStart: '2025-01-01T00:00:00Z', shiftLengthSeconds: DAY, participantIds: users },
            {
              rotationStart: '2025-01-01T00:00:00Z',
              shiftLengthSeconds: 7 * DAY,
              participantIds: [users[n % 3]],
              restrictions: [{ daysOfWeek: ['MONDAY'], startTime: '09:00', endTime: '17:00' }],
            },
          ],
        },
        'schedule { id }',
      );
      const scheduleId = schedule.schedule.id;
      await created(
        gateway,
        key,
        'createScheduleOverride',
        { scheduleId, userId: users[(n + 1) % 3], startsAt: '2025-01-06T10:00:00Z', endsAt: '2025-01-06T12:00:00Z' },
        'scheduleOverride { id }',
      );
      await created(
        gateway,
        key,
        'createEscalationPolicy',
        { name: `Policy ${n}`, rules: [{ delayMinutes: 0, targets: [{ scheduleId }] }, { delayMinutes: 10, targets: [{ userId: users[n % 3] }] }] },
        'escalationPolicy { id }',
      );
    }
    await ok(gateway, key, SCHEDULES, { first: 1 });
  });

  async function statementsOf(query: string, first: number) {
    const { result: data, statements } = await gateway.statementsDuring(() => ok(gateway, key, query, { first }));
    return { data, count: statements.length };
  }


  it('lists schedules with layers, overrides, onCall and shifts in the same statements for 2 and 6 rows', async () => {
    const small = await statementsOf(SCHEDULES, 2);
    const large = await statementsOf(SCHEDULES, 6);
    expect(large.data.schedules.nodes).toHaveLength(6);
    for (const schedule of large.data.schedules.nodes) {
      expect(schedule.onCall.override.user.name).toEqual(expect.any(String));
      expect(schedule.shifts.length).toBeGreaterThan(2);
    }
    expect(large.count).toBe(small.count);
  });

  it('lists escalation policies with rules and targets in the same statements for 2 and 6 rows', async () => {
    const small = await statementsOf(POLICIES, 2);
    const large = await statementsOf(POLICIES, 6);
    expect(large.data.escalationPolicies.nodes.every((policy: any) => policy.rules[0].targets[0].schedule.name.startsWith('Schedule'))).toBe(true);
    expect(large.count).toBe(small.count);
  });

  it('shows a public status page without a key in the same statements for 2 and 6 incidents', async () => {
    const page = await created(gateway, key, 'createStatusPage', { slug: `stmts-${process.pid}-${backend}`, name: 'P' }, 'statusPage { id slug }');
    for (let n = 0; n < 6; n++) {
      await created(gateway, key, 'createIncident', { title: `Incident ${n}`, statusPageIds: [page.statusPage.id] }, 'incident { id }');
    }
    const query = 'query ($slug: String!, $first: Int!) { statusPage(slug: $slug) { name components { name status } incidents(first: $first) { totalCount nodes { title status timeline { totalCount nodes { kind body } } } } } }';
    const counts: number[] = [];
    for (const first of [2, 6]) {
      const { result: response, statements } = await gateway.statementsDuring(() => gql(gateway, null, query, { slug: page.statusPage.slug, first }));
      expect(response.errors).toBeUndefined();
      expect(response.data!.statusPage.incidents.nodes).toHaveLength(first);
      counts.push(statements.length);
    }
    expect(counts[1]).toBe(counts[0]);
  });
});
