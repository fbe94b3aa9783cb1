import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, gql, useGateway } from '../support/gateway.js';
import { eventually, startHttpReceiver } from '../support/receivers.js';

/**
 * Issue 13, row 13: one hanging receiver delayed every other delivery by up to NOTIFY_TIMEOUT_MS
 * per attempt; email notifications stayed PENDING forever without SMTP_URL; unsubscribe deleted
 * the subscriber's delivery history.
 */
describe.each(backends)('notification delivery on %s', (backend) => {
  let receiver: Awaited<ReturnType<typeof startHttpReceiver>>;
  let org: { orgId: string; key: string };
  const held: ServerResponse[] = [];
  let pages = 0;

  async function ok<T = any>(query: string, variables?: Record<string, unknown>): Promise<T> {
    const response = await gql<T>(gateway, org.key, query, variables);
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    return response.data as T;
  }

  /** A status page with one subscriber (webhookUrl or email); returns their global ids. */
  async function pageWith(subscriber: { webhookUrl: string } | { email: string }) {
    pages += 1;
    const page = await gateway.running.db.prisma.statusPage.create({ data: { orgId: org.orgId, slug: `delivery-${pages}-${org.orgId.slice(0, 8)}`, name: `Page ${pages}` } });
    const pageId = encodeGlobalID('StatusPage', page.id);
    const data = await ok('mutation ($input: SubscribeInput!) { subscribe(input: $input) { subscriber { id } userErrors { code message } } }', {
      input: { statusPageId: pageId, ...subscriber },
    });
    expect(data.subscribe.userErrors).toEqual([]);
    return { pageId, subscriberId: data.subscribe.subscriber.id as string };
  }

  async function createIncident(pageId: string, title: string) {
    const data = await ok('mutation ($input: CreateIncidentInput!) { createIncident(input: $input) { userErrors { code } } }', { input: { title, statusPageIds: [pageId] } });
    expect(data.createIncident.userErrors).toEqual([]);
  }

  const notificationsOf = async (subscriberId: string) =>
    (await ok('query ($id: ID!) { notifications(first: 10, filter: { subscriberId: $id }) { nodes { status attempts lastError subscriber { id unsubscribedAt } } } }', { id: subscriberId }))
      .notifications.nodes;

  beforeAll(async () => {
    receiver = await startHttpReceiver((request, response) => {
      if (request.path.startsWith('/hang')) held.push(response);
      else response.end('ok');
    });
  });
  afterAll(async () => receiver?.close());
  const gateway = useGateway(backend, {
    WEBHOOK_ALLOW_PRIVATE: '127.0.0.0/8',
    NOTIFY_POLL_MS: '50',
    // An attempt may last long: a hanging receiver must still hold up nobody else.
    NOTIFY_TIMEOUT_MS: '30000',
    NOTIFY_LEASE_MS: '60000',
  });
  beforeAll(async () => {
    org = await gateway.createOrg(['admin']);
  });
  afterAll(() => {
    for (const response of held) response.destroy();
  });

  it('delivers to other receivers while one hangs: the next gets its notification within 2 s', async () => {
    const hanging = await pageWith({ webhookUrl: `${receiver.url}/hang/one` });
    await createIncident(hanging.pageId, 'Into the void');
    await eventually(async () => receiver.received.some((request) => request.path === '/hang/one'), 'the hanging receiver to be asked');

    const healthy = await pageWith({ webhookUrl: `${receiver.url}/ok/fast` });
    await createIncident(healthy.pageId, 'Meanwhile');
    // From the commit of its notification.
    const started = Date.now();
    await eventually(async () => receiver.received.some((request) => request.path === '/ok/fast'), 'the healthy receiver', 3_000);
    expect(Date.now() - started).toBeLessThan(2000);
    expect((await notificationsOf(hanging.subscriberId))[0].status).toBe('PENDING');
  });

  it('ends email notifications DEAD at once with the reason when SMTP_URL is not set', async () => {
    const { pageId, subscriberId } = await pageWith({ email: 'oncall@example.com' });
    await createIncident(pageId, 'Nobody mails this');
    const [notification] = await eventually(async () => {
      const nodes = await notificationsOf(subscriberId);
      return nodes[0]?.status === 'DEAD' && nodes;
    }, 'the email notification to end DEAD');
    expect(notification).toMatchObject({ status: 'DEAD', attempts: 1, lastError: 'email is not configured: SMTP_URL is not set' });
  });

  it('keeps the delivery history of a subscriber that unsubscribes', async () => {
    const { pageId, subscriberId } = await pageWith({ webhookUrl: `${receiver.url}/ok/history` });
    await createIncident(pageId, 'Before leaving');
    await eventually(async () => (await notificationsOf(subscriberId))[0]?.status === 'DELIVERED', 'the first delivery');
    // One more still waiting for its next attempt when the subscriber leaves: written directly.
    const prisma = gateway.running.db.prisma;
    const rawSubscriberId = decodeGlobalID(subscriberId).id;
    const delivered = await prisma.notification.findFirstOrThrow({ where: { subscriberId: rawSubscriberId } });
    await prisma.notification.create({
      data: {
        orgId: org.orgId,
        subscriberId: rawSubscriberId,
        incidentId: delivered.incidentId,
        updateId: delivered.updateId,
        channel: 'WEBHOOK',
        payload: delivered.payload as object,
        attempts: 1,
        lastError: 'HTTP 503',
        nextAttemptAt: new Date(Date.now() + 3_600_000),
      },
    });

    const unsubscribe = 'mutation ($id: ID!) { unsubscribe(input: { id: $id }) { deletedSubscriberId userErrors { code } } }';
    expect((await ok(unsubscribe, { id: subscriberId })).unsubscribe).toEqual({ deletedSubscriberId: subscriberId, userErrors: [] });
    expect((await ok(unsubscribe, { id: subscriberId })).unsubscribe.userErrors).toEqual([{ code: 'NOT_FOUND' }]);

    const history = await notificationsOf(subscriberId);
    expect(history.map((node: any) => [node.status, node.lastError]).sort()).toEqual([
      ['DEAD', 'the subscriber unsubscribed'],
      ['DELIVERED', null],
    ]);
    expect(history[0].subscriber).toEqual({ id: subscriberId, unsubscribedAt: expect.any(String) });

    const listed = async (includeUnsubscribed: boolean) =>
      (await ok('query ($all: Boolean) { subscribers(first: 100, includeUnsubscribed: $all) { nodes { id } } }', { all: includeUnsubscribed })).subscribers.nodes.map(
        (node: any) => node.id,
      );
    expect(await listed(false)).not.toContain(subscriberId);
    expect(await listed(true)).toContain(subscriberId);

    // Told nothing more.
    await createIncident(pageId, 'After leaving');
    expect(await notificationsOf(subscriberId)).toHaveLength(2);
  });
});
