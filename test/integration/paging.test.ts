import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/domain/notifications.js';
import { backends, gql, startTestGateway, useGateway } from '../support/gateway.js';
import { wsClient } from '../support/subscriptions.js';
import { MINUTE_MS, PAGING_ENV, pagingClient, sleep, startReceiver } from '../support/paging-fixtures.js';
import { eventually } from '../support/receivers.js';

/** How late a page may reach its receiver after its due time (poller, outbox and HTTP, on a machine shared by many test runs). */
const LATE_MS = 2000;

describe.each(backends)('paging on %s', (backend) => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let client: ReturnType<typeof pagingClient>;
  let key: string;

  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => receiver?.close());
  const gateway = useGateway(backend, PAGING_ENV);
  beforeAll(async () => {
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

  const pagesAt = (path: string) => receiver.received.filter((page) => page.path === `/${path}`);

  it('pages level 0, 1, 0, 1 of a 2-rule policy with repeatCount 1, each on time, then the escalation is EXHAUSTED', async () => {
    const alice = await client.user('Alice Order', receiver.urlFor('order-alice'));
    const bob = await client.user('Bob Order', receiver.urlFor('order-bob'));
    const schedule = await client.schedule([alice.id]);
    const policyId = await client.policy(
      [
        { delayMinutes: 12, targets: [{ scheduleId: schedule }] },
        { delayMinutes: 16, targets: [{ userId: bob.id }] },
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
    // Due at creation, then after rule 0's delay (12 minutes), rule 1's (16), rule 0's again (12).
    const due = [0, 12, 28, 40].map((minutes) => createdAt + minutes * MINUTE_MS);
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
    expect(Date.now()).toBeGreaterThanOrEqual(createdAt + 56 * MINUTE_MS);
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

  /** Alice owns (level 0, through the schedule), Bob is rule 1; the policy repeats once. */
  async function escalatingIncident(name: string, delayMinutes = 10) {
    const alice = await client.user(`Alice ${name}`, receiver.urlFor(`${name}-alice`));
    const bob = await client.user(`Bob ${name}`, receiver.urlFor(`${name}-bob`));
    const schedule = await client.schedule([alice.id]);
    await client.policy(
      [
        { delayMinutes, targets: [{ scheduleId: schedule }] },
        { delayMinutes, targets: [{ userId: bob.id }] },
      ],
      1,
    );
    const incidentId = await client.incident({ title: `Incident ${name}`, ownerScheduleId: schedule });
    return { alice, bob, schedule, incidentId, pages: () => receiver.received.filter((page) => page.path.startsWith(`/${name}-`)) };
  }

  it('acknowledging mid-way stops everything', async () => {
    const { incidentId, pages } = await escalatingIncident('ackmid');
    await eventually(() => pages().length === 2, 'level 0 and level 1');
    await client.ok('mutation ($id: ID!) { acknowledgeIncident(input: { id: $id }) { incident { acknowledgedAt } userErrors { message } } }', { id: incidentId });
    const stopped = await client.escalation(incidentId);
    expect(stopped).toMatchObject({ state: 'ACKNOWLEDGED', level: 1, nextEscalationAt: null });
    await sleep(25 * MINUTE_MS);
    expect(pages().map((page) => page.body.level)).toEqual([0, 1]);
    expect((await client.escalation(incidentId)).pages.totalCount).toBe(2);
    expect((await client.timeline(incidentId)).map((entry) => entry.kind).filter((kind) => kind !== 'CREATED')).toEqual(['PAGED', 'ESCALATED', 'PAGED', 'ACKNOWLEDGED']);
  });

  it('resolving stops everything', async () => {
    const { incidentId, pages } = await escalatingIncident('resolve');
    await eventually(() => pages().length === 1, 'level 0');
    await client.ok('mutation ($id: ID!) { transitionIncident(input: { id: $id, status: RESOLVED }) { userErrors { message } } }', { id: incidentId });
    expect(await client.escalation(incidentId)).toMatchObject({ state: 'STOPPED', nextEscalationAt: null });
    await sleep(15 * MINUTE_MS);
    expect(pages().map((page) => page.body.level)).toEqual([0]);
    expect((await client.timeline(incidentId)).some((entry) => entry.kind === 'ESCALATED')).toBe(false);
  });

  it('reopening starts paging again from level 0; deleting the incident stops it', async () => {
    const { incidentId, pages } = await escalatingIncident('reopen');
    await eventually(() => pages().length === 1, 'level 0');
    await client.ok('mutation ($id: ID!) { acknowledgeIncident(input: { id: $id }) { userErrors { message } } }', { id: incidentId });
    await client.ok('mutation ($id: ID!) { transitionIncident(input: { id: $id, status: RESOLVED }) { userErrors { message } } }', { id: incidentId });
    await client.ok('mutation ($id: ID!) { transitionIncident(input: { id: $id, status: INVESTIGATING }) { userErrors { message } } }', { id: incidentId });
    await eventually(() => pages().length === 3, 'level 0 and 1 after the reopen');
    expect(pages().map((page) => page.body.level)).toEqual([0, 0, 1]);
    await client.ok('mutation ($id: ID!) { deleteIncident(input: { id: $id }) { userErrors { message } } }', { id: incidentId });
    await sleep(15 * MINUTE_MS);
    expect(pages()).toHaveLength(3);
  });

  it('changing the owner pages the new owner', async () => {
    const { incidentId, pages } = await escalatingIncident('owner');
    const carol = await client.user('Carol Owner', receiver.urlFor('owner-carol'));
    await eventually(() => pages().length === 1, 'level 0');
    await client.ok('mutation ($input: UpdateIncidentInput!) { updateIncident(input: $input) { userErrors { message } } }', { input: { id: incidentId, ownerId: carol.id } });
    await eventually(() => pages().length === 2, 'the new owner');
    expect(pages().map((page) => [page.path, page.body.level])).toEqual([
      ['/owner-alice', 0],
      ['/owner-carol', 0],
    ]);
    // Paging restarted with the new owner at level 0; rule 1 (Bob) follows as before.
    await eventually(() => pages().length === 3, 'level 1');
    expect(pages()[2]).toMatchObject({ path: '/owner-bob', body: { level: 1 } });
    await client.ok('mutation ($id: ID!) { acknowledgeIncident(input: { id: $id }) { userErrors { message } } }', { id: incidentId });

    // Acknowledged: a new owner is paged once, and nobody after them.
    const dave = await client.user('Dave Owner', receiver.urlFor('owner-dave'));
    await client.ok('mutation ($input: UpdateIncidentInput!) { updateIncident(input: $input) { userErrors { message } } }', { input: { id: incidentId, ownerId: dave.id } });
    await eventually(() => pages().length === 4, 'the owner of an acknowledged incident');
    expect(pages()[3]).toMatchObject({ path: '/owner-dave', body: { level: 0 } });
    expect((await client.escalation(incidentId)).state).toBe('ACKNOWLEDGED');
    await sleep(15 * MINUTE_MS);
    expect(pages()).toHaveLength(4);
  });

  it('schedule targets follow an override created mid-escalation', async () => {
    const alice = await client.user('Alice Override', receiver.urlFor('override-alice'));
    const bob = await client.user('Bob Override', receiver.urlFor('override-bob'));
    const erin = await client.user('Erin Override', receiver.urlFor('override-erin'));
    const primary = await client.schedule([alice.id]);
    const secondary = await client.schedule([bob.id]);
    await client.policy(
      [
        { delayMinutes: 10, targets: [{ scheduleId: primary }] },
        { delayMinutes: 10, targets: [{ scheduleId: secondary }] },
      ],
      0,
    );
    const incidentId = await client.incident({ title: 'Override mid-escalation', ownerScheduleId: primary });
    const pages = () => receiver.received.filter((page) => page.path.startsWith('/override-'));
    await eventually(() => pages().length === 1, 'level 0');
    // Erin takes over the secondary schedule before level 1 is due.
    await client.ok('mutation ($input: CreateScheduleOverrideInput!) { createScheduleOverride(input: $input) { userErrors { message } } }', {
      input: { scheduleId: secondary, userId: erin.id, startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: new Date(Date.now() + 3_600_000).toISOString() },
    });
    await eventually(() => pages().length === 2, 'level 1');
    expect(pages().map((page) => [page.path, page.body.level])).toEqual([
      ['/override-alice', 0],
      ['/override-erin', 1],
    ]);
    await client.ok('mutation ($id: ID!) { acknowledgeIncident(input: { id: $id }) { userErrors { message } } }', { id: incidentId });
  });

  it('the ack link: GET changes nothing, POST acknowledges once as the paged user, a second POST or an expired token does nothing', async () => {
    const { incidentId, pages, bob } = await escalatingIncident('link');
    await eventually(() => pages().length === 2, 'level 0 and level 1');
    const link = pages()[1].body.acknowledgeUrl;
    const versionBefore = (await client.ok('query ($id: ID!) { incident(id: $id) { version } }', { id: incidentId })).incident.version;

    const shown = await fetch(link);
    expect(shown.status).toBe(200);
    expect(shown.headers.get('content-type')).toContain('text/html');
    const html = await shown.text();
    expect(html).toContain('Incident link');
    expect(html).toContain('Bob link');
    expect(html).toContain('<form method="post">');
    expect((await fetch(link)).status).toBe(200);
    const untouched = await client.ok('query ($id: ID!) { incident(id: $id) { version acknowledgedAt escalation { state } } }', { id: incidentId });
    expect(untouched.incident).toMatchObject({ version: versionBefore, acknowledgedAt: null, escalation: { state: 'ACTIVE' } });

    const used = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(used.status).toBe(200);
    expect(await used.text()).toContain('Acknowledged as Bob link');
    const acknowledged = await client.ok('query ($id: ID!) { incident(id: $id) { acknowledgedAt escalation { state } } }', { id: incidentId });
    expect(acknowledged.incident.acknowledgedAt).not.toBeNull();
    expect(acknowledged.incident.escalation.state).toBe('ACKNOWLEDGED');
    const entry = (await client.timeline(incidentId)).find((item) => item.kind === 'ACKNOWLEDGED')!;
    expect(entry.body).toContain('Bob link');
    expect(entry.postedBy.name).toBe('Bob link');
    void bob;

    const again = await fetch(link, { method: 'POST' });
    expect(again.status).toBe(410);
    expect((await fetch(link)).status).toBe(410);
    expect((await fetch(pages()[0].body.acknowledgeUrl, { method: 'POST' })).status).toBe(410);
    const entries = (await client.timeline(incidentId)).filter((item) => item.kind === 'ACKNOWLEDGED');
    expect(entries).toHaveLength(1);
    await sleep(15 * MINUTE_MS);
    expect(pages()).toHaveLength(2);
  });

  it('an expired acknowledge link does nothing', async () => {
    const shortLived = await startTestGateway(backend, { ...PAGING_ENV, ACK_LINK_TTL_MS: '300' });
    try {
      const org = await shortLived.createOrg(['admin']);
      const other = pagingClient(shortLived, org.key);
      const frank = await other.user('Frank Expired', receiver.urlFor('expired-frank'));
      const incidentId = await other.incident({ title: 'Expired link', ownerId: frank.id });
      const page = await eventually(() => receiver.received.find((item) => item.path === '/expired-frank'), 'the page');
      await sleep(400);
      expect((await fetch(page.body.acknowledgeUrl)).status).toBe(410);
      expect((await fetch(page.body.acknowledgeUrl, { method: 'POST' })).status).toBe(410);
      const incident = await other.ok('query ($id: ID!) { incident(id: $id) { acknowledgedAt escalation { state } } }', { id: incidentId });
      expect(incident.incident).toMatchObject({ acknowledgedAt: null, escalation: { state: 'ACTIVE' } });
    } finally {
      await shortLived.stop();
    }
  });

  it('a made-up or malformed token does nothing, and only GET and POST are served', async () => {
    expect((await fetch(`${gateway.url}/ack/${'x'.repeat(43)}`)).status).toBe(410);
    expect((await fetch(`${gateway.url}/ack/not/a/token`, { method: 'POST' })).status).toBe(410);
    const put = await fetch(`${gateway.url}/ack/${'x'.repeat(43)}`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
  });

  it('adds, lists and removes contact methods; a WEBHOOK gets a signing secret shown once', async () => {
    const { id: userId } = await client.user('Grace Contacts');
    const email = await client.ok(
      'mutation ($input: AddContactMethodInput!) { addContactMethod(input: $input) { contactMethod { id kind address user { id } } signingSecret userErrors { code field message } } }',
      { input: { userId, kind: 'EMAIL', address: '  grace@example.com ' } },
    );
    expect(email.addContactMethod).toMatchObject({ contactMethod: { kind: 'EMAIL', address: 'grace@example.com', user: { id: userId } }, signingSecret: null });
    const hook = await client.ok('mutation ($input: AddContactMethodInput!) { addContactMethod(input: $input) { contactMethod { id } signingSecret userErrors { message } } }', {
      input: { userId, kind: 'WEBHOOK', address: receiver.urlFor('grace') },
    });
    expect(hook.addContactMethod.signingSecret).toMatch(/^whsec_/);
    const listed = await client.ok('query ($id: ID!) { node(id: $id) { ... on User { contactMethods { id kind address } } } }', { id: userId });
    expect(listed.node.contactMethods.map((method: any) => method.kind)).toEqual(['EMAIL', 'WEBHOOK']);
    expect(JSON.stringify(listed)).not.toContain('whsec_');

    const rejected = async (input: Record<string, unknown>) =>
      (await gql(gateway, key, 'mutation ($input: AddContactMethodInput!) { addContactMethod(input: $input) { contactMethod { id } userErrors { code field } } }', { input })).data!
        .addContactMethod;
    expect(await rejected({ userId, kind: 'EMAIL', address: 'not an address' })).toEqual({ contactMethod: null, userErrors: [{ code: 'INVALID_INPUT', field: ['address'] }] });
    expect(await rejected({ userId, kind: 'WEBHOOK', address: 'ftp://example.com/hook' })).toEqual({ contactMethod: null, userErrors: [{ code: 'INVALID_INPUT', field: ['address'] }] });
    expect(await rejected({ userId, kind: 'WEBHOOK', address: 'https://user:pw@example.com/hook' })).toEqual({ contactMethod: null, userErrors: [{ code: 'INVALID_INPUT', field: ['address'] }] });
    expect(await rejected({ userId: 'VXNlcjowMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDA=', kind: 'EMAIL', address: 'a@example.com' })).toEqual({
      contactMethod: null,
      userErrors: [{ code: 'NOT_FOUND', field: ['userId'] }],
    });
    // Another organization's user is missing here, and its key cannot remove ours.
    const foreign = await gateway.createOrg(['admin']);
    expect((await gql(gateway, foreign.key, 'mutation ($input: AddContactMethodInput!) { addContactMethod(input: $input) { userErrors { code } } }', {
      input: { userId, kind: 'EMAIL', address: 'a@example.com' },
    })).data!.addContactMethod.userErrors).toEqual([{ code: 'NOT_FOUND' }]);
    const removeQuery = 'mutation ($id: ID!) { removeContactMethod(input: { id: $id }) { deletedContactMethodId userErrors { code } } }';
    expect((await gql(gateway, foreign.key, removeQuery, { id: hook.addContactMethod.contactMethod.id })).data!.removeContactMethod).toEqual({
      deletedContactMethodId: null,
      userErrors: [{ code: 'NOT_FOUND' }],
    });
    const readOnly = await gateway.createOrg(['read']);
    expect((await gql(gateway, readOnly.key, removeQuery, { id: hook.addContactMethod.contactMethod.id })).errors?.[0].extensions?.code).toBe('FORBIDDEN');

    const removed = await client.ok(removeQuery, { id: hook.addContactMethod.contactMethod.id });
    expect(removed.removeContactMethod.deletedContactMethodId).toBe(hook.addContactMethod.contactMethod.id);
    const after = await client.ok('query ($id: ID!) { node(id: $id) { ... on User { contactMethods { kind } } } }', { id: userId });
    expect(after.node.contactMethods).toEqual([{ kind: 'EMAIL' }]);
  });

  it('reports each paging entry to incidentChanged subscribers as UPDATED', async () => {
    const henry = await client.user('Henry Live', receiver.urlFor('live-henry'));
    const socket = wsClient(gateway, key);
    try {
      const changes = socket.subscribe('subscription { incidentChanged { type incident { id escalation { state level } } } }');
      await sleep(200);
      const incidentId = await client.incident({ title: 'Live paging', ownerId: henry.id });
      const [created, paged] = await changes.take(2);
      expect(created.data!.incidentChanged.type).toBe('CREATED');
      expect(paged.data!.incidentChanged).toMatchObject({ type: 'UPDATED', incident: { id: incidentId, escalation: { state: 'ACTIVE', level: 0 } } });
      await client.ok('mutation ($id: ID!) { acknowledgeIncident(input: { id: $id }) { userErrors { message } } }', { id: incidentId });
      const [acknowledged] = await changes.take(1);
      expect(acknowledged.data!.incidentChanged).toMatchObject({ type: 'UPDATED', incident: { escalation: { state: 'ACKNOWLEDGED' } } });
      await changes.close();
    } finally {
      await socket.dispose();
    }
  });
});
