import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/domain/notifications.js';
import { issueApiKey } from '../../src/services/api-keys.js';
import { backends, gql, useGateway } from '../support/gateway.js';
import { eventually, startHttpReceiver, startSmtp } from '../support/receivers.js';

/**
 * A webhook receiver on loopback: `/ok/...` accepts, `/flaky/<n>/...` fails its first n requests,
 * `/down/...` always fails.
 */
function startReceiver() {
  const seen = new Map<string, number>();
  return startHttpReceiver(({ path }, response) => {
    seen.set(path, (seen.get(path) ?? 0) + 1);
    const flaky = /^\/flaky\/(\d+)\//.exec(path);
    const fail = path.startsWith('/down/') || (flaky !== null && seen.get(path)! <= Number(flaky[1]));
    response.writeHead(fail ? 500 : 200).end(fail ? 'nope' : 'ok');
  });
}

const NOTIFICATIONS = `query ($filter: NotificationFilter) {
  notifications(first: 50, filter: $filter) { totalCount nodes { idempotencyKey channel status attempts lastError deliveredAt payload subscriber { id } } }
}`;

describe.each(backends)('subscribers and notifications on %s', (backend) => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let org: { orgId: string; key: string };
  let pageId: string;
  let api: string;
  let db: string;

  async function ok<T = any>(query: string, variables?: Record<string, unknown>, key = org.key): Promise<T> {
    const response = await gql<T>(gateway, key, query, variables);
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    return response.data as T;
  }

  async function subscribe(input: Record<string, unknown>) {
    const data = await ok(
      'mutation ($input: SubscribeInput!) { subscribe(input: $input) { subscriber { id channel componentIds confirmed } signingSecret userErrors { code field message } } }',
      { input: { statusPageId: pageId, ...input } },
    );
    return data.subscribe;
  }

  async function createIncident(input: Record<string, unknown>): Promise<string> {
    const data = await ok('mutation ($input: CreateIncidentInput!) { createIncident(input: $input) { incident { id } userErrors { message } } }', {
      input: { statusPageIds: [pageId], ...input },
    });
    expect(data.createIncident.userErrors).toEqual([]);
    return data.createIncident.incident.id;
  }

  async function notificationsOf(subscriberId: string) {
    return (await ok(NOTIFICATIONS, { filter: { subscriberId } })).notifications;
  }

  beforeAll(async () => {
    receiver = await startReceiver();
    smtp = await startSmtp();
  });
  afterAll(async () => {
    await receiver?.close();
    await smtp?.close();
  });
  const gateway = useGateway(backend, () => ({
    RATE_LIMIT: 'off',
    // The receiver is on loopback, which webhooks may only reach when allowed.
    WEBHOOK_ALLOW_PRIVATE: '127.0.0.0/8,::1/128',
    SMTP_URL: smtp.url,
    NOTIFY_POLL_MS: '50',
    NOTIFY_BACKOFF_BASE_MS: '20',
    NOTIFY_BACKOFF_MAX_MS: '100',
    NOTIFY_MAX_ATTEMPTS: '3',
  }));
  beforeAll(async () => {
    org = await gateway.createOrg(['admin']);
    const prisma = gateway.running.db.prisma;
    const page = await prisma.statusPage.create({ data: { orgId: org.orgId, slug: `status-${org.orgId.slice(0, 8)}`, name: 'Acme status' } });
    pageId = encodeGlobalID('StatusPage', page.id);
    api = encodeGlobalID('Component', (await prisma.component.create({ data: { orgId: org.orgId, name: 'API' } })).id);
    db = encodeGlobalID('Component', (await prisma.component.create({ data: { orgId: org.orgId, name: 'Database' } })).id);
  });

  it('delivers a signed webhook for a new incident, once, with its idempotency key', async () => {
    const { subscriber, signingSecret, userErrors } = await subscribe({ webhookUrl: `${receiver.url}/ok/first` });
    expect(userErrors).toEqual([]);
    expect(subscriber).toMatchObject({ channel: 'WEBHOOK', confirmed: true, componentIds: [] });
    expect(signingSecret).toMatch(/^whsec_/);
    const incidentId = await createIncident({ title: 'Checkout errors', message: 'We are looking into it.', components: [{ componentId: api, status: 'PARTIAL_OUTAGE' }] });

    const [notification] = await eventually(async () => {
      const list = await notificationsOf(subscriber.id);
      return list.nodes[0]?.status === 'DELIVERED' && list.nodes;
    }, 'delivery');
    expect(notification).toMatchObject({ channel: 'WEBHOOK', status: 'DELIVERED', attempts: 1, lastError: null });

    const deliveries = receiver.received.filter((entry) => entry.path === '/ok/first');
    expect(deliveries).toHaveLength(1);
    const [delivery] = deliveries;
    expect(delivery.headers['content-type']).toBe('application/json');
    expect(delivery.headers['idempotency-key']).toBe(notification.idempotencyKey);
    const signature = String(delivery.headers['x-incident-gateway-signature']);
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifySignature(signingSecret, signature, delivery.body, Math.floor(Date.now() / 1000))).toBe(true);
    expect(verifySignature(signingSecret, signature, `${delivery.body} `, Math.floor(Date.now() / 1000))).toBe(false);
    expect(verifySignature('whsec_wrong', signature, delivery.body, Math.floor(Date.now() / 1000))).toBe(false);

    expect(JSON.parse(delivery.body)).toEqual({
      id: notification.idempotencyKey,
      type: 'incident.updated',
      statusPage: { id: pageId, slug: expect.any(String), name: 'Acme status' },
      incident: {
        id: incidentId,
        number: 1,
        title: 'Checkout errors',
        status: 'INVESTIGATING',
        severity: 'MEDIUM',
        impact: 'MAJOR',
        components: [{ id: api, name: 'API', status: 'PARTIAL_OUTAGE' }],
      },
      update: { id: expect.any(String), kind: 'CREATED', status: 'INVESTIGATING', body: 'We are looking into it.', postedAt: expect.any(String) },
    });
  });

  it('retries a failing receiver with backoff until it accepts, with the same idempotency key', async () => {
    const { subscriber } = await subscribe({ webhookUrl: `${receiver.url}/flaky/2/a` });
    await createIncident({ title: 'Flaky receiver' });
    const [notification] = await eventually(async () => {
      const list = await notificationsOf(subscriber.id);
      return list.nodes[0]?.status === 'DELIVERED' && list.nodes;
    }, 'delivery after retries');
    expect(notification.attempts).toBe(3);
    const keys = receiver.received.filter((entry) => entry.path === '/flaky/2/a').map((entry) => entry.headers['idempotency-key']);
    expect(keys).toEqual([notification.idempotencyKey, notification.idempotencyKey, notification.idempotencyKey]);
  });

  it('gives up after the last attempt: a dead letter with the reason', async () => {
    const { subscriber } = await subscribe({ webhookUrl: `${receiver.url}/down/a` });
    await createIncident({ title: 'Receiver down' });
    const [notification] = await eventually(async () => {
      const list = await notificationsOf(subscriber.id);
      return list.nodes[0]?.status === 'DEAD' && list.nodes;
    }, 'dead letter');
    expect(notification).toMatchObject({ status: 'DEAD', attempts: 3, lastError: 'HTTP 500', deliveredAt: null });
    expect(receiver.received.filter((entry) => entry.path === '/down/a')).toHaveLength(3);
    const dead = await ok(NOTIFICATIONS, { filter: { status: ['DEAD'] } });
    expect(dead.notifications.nodes.map((node: any) => node.idempotencyKey)).toContain(notification.idempotencyKey);
  });

  it('sends emails through SMTP', async () => {
    const { subscriber, signingSecret } = await subscribe({ email: 'oncall@example.com' });
    expect(signingSecret).toBeNull();
    await createIncident({ title: 'Mail me', message: 'Emails are flowing.' });
    await eventually(async () => (await notificationsOf(subscriber.id)).nodes[0]?.status === 'DELIVERED', 'email delivery');
    const message = smtp.messages.find((entry) => entry.to.includes('oncall@example.com'));
    expect(message?.raw).toContain('Subject: [Acme status] Mail me (INVESTIGATING)');
    expect(message?.raw).toContain('Emails are flowing.');
  });

  it('honours component filters and notifySubscribers, and writes nothing for a rejected change', async () => {
    const { subscriber } = await subscribe({ webhookUrl: `${receiver.url}/ok/db-only`, componentIds: [db] });
    expect(subscriber.componentIds).toEqual([db]);
    const apiIncident = await createIncident({ title: 'API only', componentIds: [api] });
    const quiet = await createIncident({ title: 'Quiet', componentIds: [db], notifySubscribers: false });
    await createIncident({ title: 'Database', componentIds: [db] });
    await eventually(async () => (await notificationsOf(subscriber.id)).nodes[0]?.status === 'DELIVERED', 'database incident delivery');
    // A message with notifySubscribers, then one without; a transition that is rejected writes nothing.
    await ok('mutation ($input: PostIncidentUpdateInput!) { postIncidentUpdate(input: $input) { userErrors { code } } }', {
      input: { incidentId: quiet, body: 'Now telling', notifySubscribers: true },
    });
    await ok('mutation ($input: PostIncidentUpdateInput!) { postIncidentUpdate(input: $input) { userErrors { code } } }', {
      input: { incidentId: quiet, body: 'Internal note', notifySubscribers: false },
    });
    const rejected = await ok('mutation ($input: TransitionIncidentInput!) { transitionIncident(input: $input) { userErrors { code } } }', {
      input: { id: quiet, status: 'POSTMORTEM', notifySubscribers: true },
    });
    expect(rejected.transitionIncident.userErrors).toEqual([{ code: 'INVALID_TRANSITION' }]);
    const list = await eventually(async () => {
      const current = await notificationsOf(subscriber.id);
      return current.nodes.every((node: any) => node.status === 'DELIVERED') && current;
    }, 'all delivered');
    const bodies = list.nodes.map((node: any) => `${node.payload.webhook.incident.title}: ${node.payload.webhook.update.body}`);
    expect(bodies.sort()).toEqual(['Database: We are investigating this incident.', 'Quiet: Now telling']);
    expect((await ok(NOTIFICATIONS, { filter: { incidentId: apiIncident, subscriberId: subscriber.id } })).notifications.totalCount).toBe(0);
  });

  it('previews what subscribers would get without sending anything', async () => {
    const incidentId = await createIncident({ title: 'Preview me', notifySubscribers: false, components: [{ componentId: db, status: 'MAJOR_OUTAGE' }] });
    const before = await gateway.running.db.prisma.notification.count({ where: { orgId: org.orgId } });
    const data = await ok('query ($id: ID!) { notificationPreview(incidentId: $id, body: "Fixed soon.") { statusPageId subscriberCount webhookPayload emailSubject emailText } }', {
      id: incidentId,
    });
    const [preview] = data.notificationPreview;
    expect(preview.statusPageId).toBe(pageId);
    // Every subscriber so far wants all components or the database: all of them.
    const subscribers = await ok('{ subscribers(first: 50) { totalCount } }');
    expect(preview.subscriberCount).toBe(subscribers.subscribers.totalCount);
    expect(preview.webhookPayload).toMatchObject({
      id: 'preview',
      incident: { id: incidentId, title: 'Preview me', impact: 'CRITICAL', components: [{ id: db, name: 'Database', status: 'MAJOR_OUTAGE' }] },
      update: { id: null, kind: 'MESSAGE', body: 'Fixed soon.' },
    });
    expect(preview.emailSubject).toBe('[Acme status] Preview me (INVESTIGATING)');
    expect(preview.emailText).toContain('Fixed soon.');
    expect(await gateway.running.db.prisma.notification.count({ where: { orgId: org.orgId } })).toBe(before);
  });

  it('validates subscribe input, unsubscribes, and keeps organizations apart', async () => {
    expect((await subscribe({})).userErrors).toEqual([{ code: 'INVALID_INPUT', field: null, message: expect.any(String) }]);
    expect((await subscribe({ webhookUrl: 'ftp://example.com' })).userErrors).toEqual([{ code: 'INVALID_INPUT', field: ['webhookUrl'], message: expect.any(String) }]);
    expect((await subscribe({ email: 'a@b.c', componentIds: ['nope'] })).userErrors).toEqual([
      { code: 'INVALID_COMPONENT_ID', field: ['componentIds', '0'], message: expect.any(String) },
    ]);

    const stranger = await gateway.createOrg(['admin']);
    const foreignPage = await gql(gateway, stranger.key, 'mutation ($input: SubscribeInput!) { subscribe(input: $input) { subscriber { id } userErrors { code field } } }', {
      input: { statusPageId: pageId, email: 'x@example.com' },
    });
    expect(foreignPage.data?.subscribe).toEqual({ subscriber: null, userErrors: [{ code: 'NOT_FOUND', field: ['statusPageId'] }] });
    expect((await ok('{ notifications(first: 5) { totalCount } subscribers(first: 5) { totalCount } }', undefined, stranger.key))).toEqual({
      notifications: { totalCount: 0 },
      subscribers: { totalCount: 0 },
    });

    const { subscriber } = await subscribe({ email: 'leaving@example.com' });
    const unsubscribe = 'mutation ($input: UnsubscribeInput!) { unsubscribe(input: $input) { deletedSubscriberId userErrors { code } } }';
    expect((await gql(gateway, stranger.key, unsubscribe, { input: { id: subscriber.id } })).data?.unsubscribe).toEqual({
      deletedSubscriberId: null,
      userErrors: [{ code: 'NOT_FOUND' }],
    });
    expect((await ok(unsubscribe, { input: { id: subscriber.id } })).unsubscribe).toEqual({ deletedSubscriberId: subscriber.id, userErrors: [] });

    // A read key of the organization sees delivery status, not recipients.
    const { key: readKey } = await issueApiKey(gateway.running.db.prisma, org.orgId, 'reader', ['read']);
    expect((await gql(gateway, readKey, '{ subscribers(first: 5) { totalCount } }')).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await ok('{ notifications(first: 1) { totalCount nodes { status } } }', undefined, readKey)).notifications.totalCount).toBeGreaterThan(0);
    expect((await gql(gateway, readKey, '{ notifications(first: 1) { nodes { payload } } }')).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
  it('lets anyone subscribe an email to a public page, notified only once the mailed token confirms it', async () => {
    const other = await gateway.createOrg(['admin']);
    const prisma = gateway.running.db.prisma;
    const slug = `public-${other.orgId.slice(0, 8)}`;
    const page = await prisma.statusPage.create({ data: { orgId: other.orgId, slug, name: 'Other status' } });
    const hidden = await prisma.statusPage.create({ data: { orgId: other.orgId, slug: `private-${other.orgId.slice(0, 8)}`, name: 'Hidden', public: false } });
    const anonymousSubscribe = (input: Record<string, unknown>) =>
      gql<any>(gateway, null, 'mutation ($input: SubscribeInput!) { subscribe(input: $input) { signingSecret userErrors { code field } } }', { input });
    const confirm = (token: string) =>
      gql<any>(gateway, null, 'mutation ($token: String!) { confirmSubscription(input: { token: $token }) { confirmed userErrors { code field } } }', { token });
    const subscriberCount = () => prisma.subscriber.count({ where: { orgId: other.orgId, unsubscribedAt: null } });

    // A private page is missing to callers without a key, by slug and by id; webhooks need a key.
    for (const input of [{ statusPageSlug: hidden.slug }, { statusPageId: encodeGlobalID('StatusPage', hidden.id) }]) {
      const field = 'statusPageSlug' in input ? 'statusPageSlug' : 'statusPageId';
      expect((await anonymousSubscribe({ ...input, email: 'peek@example.com' })).data?.subscribe.userErrors).toEqual([{ code: 'NOT_FOUND', field: [field] }]);
    }
    expect((await anonymousSubscribe({ statusPageSlug: slug, webhookUrl: `${receiver.url}/ok/anon` })).data?.subscribe.userErrors).toEqual([
      { code: 'INVALID_INPUT', field: ['webhookUrl'] },
    ]);
    expect(await subscriberCount()).toBe(0);

    expect((await anonymousSubscribe({ statusPageSlug: slug, email: 'anon@example.com' })).data?.subscribe).toEqual({ signingSecret: null, userErrors: [] });
    // The confirmation goes through the outbox: it arrives shortly after the answer.
    const mail = await eventually(async () => smtp.messages.find((entry) => entry.to.includes('anon@example.com')), 'the confirmation mail');
    expect(mail.raw).toContain('Subject: [Other status] Confirm your subscription');
    const token = /^([A-Za-z0-9_-]{32})$/m.exec(mail.raw)![1];
    const subscriber = await prisma.subscriber.findFirstOrThrow({ where: { orgId: other.orgId } });
    expect(subscriber).toMatchObject({ channel: 'EMAIL', email: 'anon@example.com', confirmedAt: null });
    // Only a hash of the token is stored.
    expect(subscriber.confirmToken).not.toContain(token);

    const post = async (title: string) => {
      const created = await gql<any>(gateway, other.key, 'mutation ($input: CreateIncidentInput!) { createIncident(input: $input) { incident { id } userErrors { code } } }', {
        input: { title, statusPageIds: [encodeGlobalID('StatusPage', page.id)], notifySubscribers: true },
      });
      expect(created.data?.createIncident.userErrors).toEqual([]);
    };
    await post('Before confirming');
    // The outbox row would have been written in the incident's transaction: none for an unconfirmed address.
    expect(await prisma.notification.count({ where: { subscriberId: subscriber.id, kind: 'INCIDENT_UPDATE' } })).toBe(0);

    expect((await confirm('not-the-token')).data?.confirmSubscription).toEqual({ confirmed: false, userErrors: [{ code: 'NOT_FOUND', field: ['token'] }] });
    expect((await confirm(token)).data?.confirmSubscription).toEqual({ confirmed: true, userErrors: [] });
    expect((await confirm(token)).data?.confirmSubscription).toEqual({ confirmed: true, userErrors: [] });

    await post('After confirming');
    await eventually(() => prisma.notification.findFirst({ where: { subscriberId: subscriber.id, kind: 'INCIDENT_UPDATE', status: 'DELIVERED' } }), 'confirmed email delivery');
    const notified = smtp.messages.filter((entry) => entry.to.includes('anon@example.com')).map((entry) => /^Subject: (.*)$/m.exec(entry.raw)?.[1]);
    expect(notified).toEqual(['[Other status] Confirm your subscription', '[Other status] After confirming (INVESTIGATING)']);

    // The same token unsubscribes, once.
    const unsubscribe = 'mutation ($input: UnsubscribeInput!) { unsubscribe(input: $input) { deletedSubscriberId userErrors { code field } } }';
    expect((await gql<any>(gateway, null, unsubscribe, { input: { id: encodeGlobalID('Subscriber', subscriber.id) } })).data?.unsubscribe.userErrors).toEqual([
      { code: 'INVALID_INPUT', field: null },
    ]);
    expect((await gql<any>(gateway, null, unsubscribe, { input: { token } })).data?.unsubscribe).toEqual({
      deletedSubscriberId: encodeGlobalID('Subscriber', subscriber.id),
      userErrors: [],
    });
    expect((await gql<any>(gateway, null, unsubscribe, { input: { token } })).data?.unsubscribe.userErrors).toEqual([{ code: 'NOT_FOUND', field: ['token'] }]);
    expect(await subscriberCount()).toBe(0);
  });
});
