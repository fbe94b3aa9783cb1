import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/domain/notifications.js';
import { backends, gql, startTestGateway, type TestGateway } from '../support/gateway.js';
import { wsClient } from '../support/subscriptions.js';
import { eventually, MINUTE_MS, PAGING_ENV, pagingClient, sleep, startReceiver } from './paging-fixtures.js';

/** How late a page may reach its receiver after its due time (poller, outbox and HTTP, on a machine shared by many test runs). */
const LATE_MS = 750;

describe.each(backends)('paging on %s', (backend) => {
  let gateway: TestGateway;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let client: ReturnType<typeof pagingClient>;
  let key: string;

  beforeAll(async () => {
    receiver = await startReceiver();
    gateway = await startTestGateway(backend, PAGING_ENV);
    ({ key } = await gateway.createOrg(['admin']));
    client = pagingClient(gateway, key);
    // A first page through every path, so that timings below do not include the first use of each query.
    const warm = await client.user('Warm Up', receiver.urlFor('warm-up'));
    const warmSchedule = await client.schedule([warm.id]);
    await client.policy([{ delayMinutes: 100, targets: [{ scheduleId: warmSchedule }] }], 0);
    const warmIncident = await client.incident({ title: 'Warm-up', ownerScheduleId: warmSchedule });
    await eventually(() => pagesAt('warm-up').length === 1, 'the warm-up page');
    await client.ok('mutation ($id: ID!) { acknowledgeIncident(input: { id: $id }) { userErrors { message } } }', { id: warmIncident });
  });

  afterAll(async () => {
    await gateway?.stop();
    await receiver?.close();
  });

  const pagesAt = (path: string) => receiver.received.filter((page) => page.path === `/${path}`);

  it('pages level 0, 1, 0, 1 of a 2-rule policy with repeatCount 1, each on time, then the escalation is EXHAUSTED', async () => {
    const alice = await client.user('Alice Order', receiver.urlFor('order-alice'));
    const bob = await client.user('Bob Order', receiver.urlFor('order-bob'));
    const schedule = await client.schedule([alice.id]);
    const policyId = await client.policy(
      [
        { delayMinutes: 3, targets: [{ scheduleId: schedule }] },
        { delayMinutes: 5, targets: [{ userId: bob.id }] },
      ],
      1,
    );
    const incidentId = await client.incident({ title: 'Order of pages', severity: 'HIGH', ownerScheduleId: schedule });
    const createdAt = Date.parse((await client.ok('query ($id: ID!) { incident(id: $id) { createdAt } }', { id: incidentId })).incident.createdAt);

    await eventually(() => receiver.received.filter((page) => page.path.startsWith('/order-')).length >= 4, 'four pages');
    await eventually(async () => (await client.escalation(incidentId))?.state === 'EXHAUSTED', 'the escalation to run out');
    const pages = receiver.received.filter((page) => page.path.startsWith('/order-'));
    expect(pages.map((page) => [page.path, page.body.level])).toEqual([
      ['/order-alice', 0],
      ['/order-bob', 1],
      ['/order-alice', 0],
      ['/order-bob', 1],
    ]);
    // Due at creation, then after rule 0's delay (3 minutes), rule 1's (5), rule 0's again (3).
    const due = [0, 3, 8, 11].map((minutes) => createdAt + minutes * MINUTE_MS);
    const lateness = pages.map((page, index) => page.at - due[index]);
    expect(lateness.every((late) => late >= -5 && late <= LATE_MS), `ms after due: ${lateness.join(', ')}`).toBe(true);
    const exhausted = await client.escalation(incidentId);
    expect(exhausted).toMatchObject({ state: 'EXHAUSTED', level: 1, nextEscalationAt: null, policy: { id: policyId } });
    expect(exhausted.pages.nodes.map((page: any) => [page.user.name, page.level, page.deliveryStatus])).toEqual([
      ['Alice Order', 0, 'DELIVERED'],
      ['Bob Order', 1, 'DELIVERED'],
      ['Alice Order', 0, 'DELIVERED'],
      ['Bob Order', 1, 'DELIVERED'],
    ]);
    // Exhausted rule 1's delay after the last page, and nothing is paged after that.
    expect(Date.now()).toBeGreaterThanOrEqual(createdAt + 16 * MINUTE_MS);
    await sleep(2 * MINUTE_MS);
    expect(receiver.received.filter((page) => page.path.startsWith('/order-'))).toHaveLength(4);

    const first = pages[0];
    expect(first.body).toMatchObject({
      type: 'incident.paged',
      level: 0,
      incident: { id: incidentId, title: 'Order of pages', severity: 'HIGH', status: 'INVESTIGATING' },
      user: { id: alice.id, name: 'Alice Order' },
    });
    expect(first.body.incident.number).toBeGreaterThan(0);
    expect(first.body.acknowledgeUrl).toMatch(new RegExp(`^${gateway.url}/ack/[A-Za-z0-9_-]{40,}$`));
    expect(first.headers['idempotency-key']).toBe(first.body.id);
    expect(verifySignature(alice.signingSecret!, String(first.headers['x-incident-gateway-signature']), first.raw, Math.floor(Date.now() / 1000))).toBe(true);
    expect(verifySignature(bob.signingSecret!, String(first.headers['x-incident-gateway-signature']), first.raw, Math.floor(Date.now() / 1000))).toBe(false);

    const timeline = await client.timeline(incidentId);
    const paging = timeline.filter((entry) => ['PAGED', 'ESCALATED', 'ESCALATION_EXHAUSTED'].includes(entry.kind));
    expect(paging.map((entry) => entry.kind)).toEqual(['PAGED', 'ESCALATED', 'PAGED', 'ESCALATED', 'PAGED', 'ESCALATED', 'PAGED', 'ESCALATION_EXHAUSTED']);
    expect(paging[0].body).toContain('Alice Order');
    expect(paging[0].body).toContain('level 0');
    expect(paging[1].body).toContain('level 1');
    expect(paging.every((entry) => entry.notifySubscribers === false)).toBe(true);
  });
});
