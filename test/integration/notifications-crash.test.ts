import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/domain/notifications.js';
import { backends, gql } from '../support/gateway.js';
import { createChildDatabase, startChildGateway, type ChildDatabase, type ChildGateway } from '../support/child-gateway.js';

/** Polls until `check` gives a value; bounded. */
async function eventually<T>(check: () => Promise<T | undefined | null | false>, what: string, attempts = 300): Promise<T> {
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const value = await check();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe.each(backends)('notification delivery across a crash on %s', (backend) => {
  let database: ChildDatabase | undefined;
  let child: ChildGateway | undefined;
  const held: ServerResponse[] = [];
  const received: { headers: IncomingMessage['headers']; body: string }[] = [];
  // The first delivery is never answered: the gateway is killed while it waits.
  const receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      if (received.length === 1) held.push(response);
      else response.writeHead(200).end('ok');
    });
  });

  afterAll(async () => {
    if (child && child.process.exitCode === null) child.process.kill('SIGKILL');
    await child?.exited;
    for (const response of held) response.destroy();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    await database?.drop();
  });

  it('delivers a notification whose process was killed mid-delivery, after a restart, with the same idempotency key', async () => {
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    database = await createChildDatabase(backend);
    const { key } = await database.createOrg(['admin']);
    const env = { ...database.env, RATE_LIMIT: 'off', WEBHOOK_ALLOW_PRIVATE: '127.0.0.0/8', NOTIFY_POLL_MS: '50', NOTIFY_TIMEOUT_MS: '2500', NOTIFY_LEASE_MS: '3000' };
    child = await startChildGateway(env);
    const ok = async (query: string, variables?: Record<string, unknown>) => {
      const response = await gql(child!, key, query, variables);
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      return response.data as any;
    };

    const page = await ok('mutation { createStatusPage(input: { slug: "crash-status", name: "Crash status" }) { statusPage { id } userErrors { message } } }');
    const pageId = page.createStatusPage.statusPage.id;
    const subscribed = await ok('mutation ($input: SubscribeInput!) { subscribe(input: $input) { signingSecret userErrors { message } } }', {
      input: { statusPageId: pageId, webhookUrl: hookUrl },
    });
    await ok('mutation ($input: CreateIncidentInput!) { createIncident(input: $input) { incident { id } } }', {
      input: { title: 'Crash me', statusPageIds: [pageId] },
    });

    await eventually(async () => received.length === 1, 'the first delivery attempt');
    child.process.kill('SIGKILL');
    expect(await child.exited).toBeNull();

    // The claim of the killed process runs out; the restarted one delivers.
    child = await startChildGateway({ ...env, NOTIFY_TIMEOUT_MS: '1000', NOTIFY_LEASE_MS: '1500' });
    const delivered = await eventually(async () => {
      const data = await ok('{ notifications(first: 5) { nodes { idempotencyKey status attempts } } }');
      return data.notifications.nodes[0]?.status === 'DELIVERED' && data.notifications.nodes;
    }, 'delivery after the restart');
    expect(delivered).toHaveLength(1);
    expect(received).toHaveLength(2);
    const [first, second] = received;
    expect(second.headers['idempotency-key']).toBe(first.headers['idempotency-key']);
    expect(second.headers['idempotency-key']).toBe(delivered[0].idempotencyKey);
    expect(JSON.parse(second.body).id).toBe(delivered[0].idempotencyKey);
    const signature = String(second.headers['x-incident-gateway-signature']);
    expect(verifySignature(subscribed.subscribe.signingSecret, signature, second.body, Math.floor(Date.now() / 1000))).toBe(true);
    // Two cold starts of the real process (PGlite recovers after the kill): longer than the default timeout on a busy machine.
  }, 180_000);
});
