import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openMigratedDatabase } from '../../src/db/open-migrated.js';
import { createLogger } from '../../src/logger.js';
import { backends, gql, type Backend } from '../support/gateway.js';
import { createChildDatabase, killChildGateways, startChildGateway, type ChildDatabase, type ChildGateway } from '../support/child-gateway.js';
import { killOwnRedisServers, ownRedisServer, type OwnRedis } from '../support/redis-server.js';
import { wsClient, type Subscription } from '../support/subscriptions.js';

const CREATE = 'mutation ($title: String!) { createIncident(input: { title: $title }) { incident { id title } userErrors { code } } }';
const CHANGED = 'subscription { incidentChanged { type incident { title } } }';
const CREATE_KEY = 'mutation { createApiKey(input: { name: "to revoke", scopes: ["read"] }) { key apiKey { id } userErrors { code } } }';
const REVOKE_KEY = 'mutation ($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { revokedAt } userErrors { code } } }';

const wsOf = (gateway: ChildGateway) => ({ wsUrl: `${gateway.url.replace('http', 'ws')}/graphql` });

async function readyz(gateway: ChildGateway): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${gateway.url}/readyz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function metric(gateway: ChildGateway, name: string): Promise<string | undefined> {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  return text.split('\n').find((line) => line.startsWith(`${name} `));
}

/** The titles of incidents a subscription to incidentChanged reports, as they arrive. */
function titlesOf(subscription: Subscription): string[] {
  const titles: string[] = [];
  void (async () => {
    for (;;) titles.push((await subscription.next()).data?.incidentChanged.incident.title);
  })().catch(() => undefined);
  return titles;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Two instances of one deployment. On PostgreSQL they share the database; PGlite is one process's
 * database, so there each instance has its own, with the same organization and key copied in.
 */
async function deployment(backend: Backend): Promise<{ databases: ChildDatabase[]; key: string }> {
  const first = await createChildDatabase(backend);
  const { orgId, key } = await first.createOrg(['admin']);
  if (backend === 'postgres') return { databases: [first, first], key };
  const second = await createChildDatabase(backend);
  const open = (database: ChildDatabase) => openMigratedDatabase(loadConfig(database.env), createLogger('silent'));
  const source = await open(first);
  const { apiKeys, ...org } = await source.prisma.organization.findUniqueOrThrow({ where: { id: orgId }, include: { apiKeys: true } });
  await source.close();
  const target = await open(second);
  await target.prisma.organization.create({ data: { ...org, apiKeys: { create: apiKeys.map(({ orgId: _org, ...row }) => row) } } });
  await target.close();
  return { databases: [first, second], key };
}

describe.each(backends)('Redis outage with two instances on %s', (backend) => {
  let redis: OwnRedis;
  let databases: ChildDatabase[] = [];
  let key: string;
  let first: ChildGateway;
  let second: ChildGateway;
  /** Where a WebSocket watches events and revocations: the other instance when they share a database. */
  let watcher: ChildGateway;
  const clients: { dispose(): unknown }[] = [];

  beforeAll(async () => {
    redis = await ownRedisServer();
    ({ databases, key } = await deployment(backend));
    const env = { REDIS_URL: redis.url, RATE_LIMIT: 'on', LOG_LEVEL: 'info' };
    [first, second] = await Promise.all(databases.map((database) => startChildGateway({ ...database.env, ...env })));
    watcher = backend === 'postgres' ? second : first;
    // Two processes to start (three PGlite openings before that): slow on a busy machine.
  }, 180_000);
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    killChildGateways();
    killOwnRedisServers();
    await Promise.all([...new Set(databases)].map((database) => database.drop()));
  });

  it('keeps answering, reports Redis down, logs JSON only, and recovers pub/sub and revocations when Redis is back', async () => {
    for (const gateway of [first, second]) {
      await until('Redis connections to be up', async () => (await readyz(gateway)).body.redis === 'up');
      expect(await readyz(gateway)).toEqual({ status: 200, body: { status: 'ready', redis: 'up' } });
      expect(await metric(gateway, 'redis_up')).toBe('redis_up 1');
    }
    // A socket of a key that will be revoked during the outage, and a subscription that lives through it.
    const created = (await gql(first, key, CREATE_KEY)).data!.createApiKey;
    expect(created.userErrors).toEqual([]);
    const doomed = wsClient(wsOf(watcher), created.key);
    clients.push(doomed);
    const doomedSubscription = doomed.subscribe(CHANGED);
    void doomedSubscription.failure();
    const ws = wsClient(wsOf(watcher), key);
    clients.push(ws);
    const events = titlesOf(ws.subscribe(CHANGED));
    await until('the subscription to be live', async () => {
      await gql(first, key, CREATE, { title: 'before the outage' });
      return events.includes('before the outage');
    });

    await redis.kill();
    await until('both instances to see Redis down', async () => {
      const states = await Promise.all([first, second].map(readyz));
      return states.every((state) => state.body.redis === 'down');
    });

    for (const gateway of [first, second]) {
      const started = Date.now();
      const query = await gql(gateway, key, '{ viewer { scopes } }');
      expect(query.status).toBe(200);
      expect(query.errors).toBeUndefined();
      expect(query.data?.viewer.scopes).toContain('admin');
      // Rate limiting goes on, from the instance's own buckets.
      expect(query.headers.get('ratelimit-limit')).toBe('1000');
      const mutation = await gql(gateway, key, CREATE, { title: 'during the outage' });
      expect(mutation.status).toBe(200);
      expect(mutation.errors).toBeUndefined();
      expect(mutation.data?.createIncident).toMatchObject({ incident: { title: 'during the outage' }, userErrors: [] });
      // Nothing waits for Redis (generous: the machine running the tests may be busy).
      expect(Date.now() - started).toBeLessThan(5000);

      expect(await readyz(gateway)).toEqual({ status: 200, body: { status: 'ready', redis: 'down' } });
      expect(await metric(gateway, 'redis_up')).toBe('redis_up 0');
    }
    // A subscription opened during the outage starts once Redis is back.
    const late = wsClient(wsOf(watcher), key);
    clients.push(late);
    const lateEvents = titlesOf(late.subscribe(CHANGED));
    // Revoked while no instance can hear of it.
    const revoked = await gql(first, key, REVOKE_KEY, { id: created.apiKey.id });
    expect(revoked.data?.revokeApiKey).toMatchObject({ apiKey: { revokedAt: expect.any(String) }, userErrors: [] });

    await redis.start();
    await until('both instances to see Redis up', async () => {
      const states = await Promise.all([first, second].map(readyz));
      return states.every((state) => state.status === 200 && state.body.redis === 'up');
    });
    expect(await metric(first, 'redis_up')).toBe('redis_up 1');
    // The revocation is re-read: the key's socket is closed as if the event had arrived.
    expect(await Promise.race([doomed.closed, new Promise((resolve) => setTimeout(() => resolve('still open'), 10_000))])).toBe(4403);

    // Events cross instances again, to the subscriptions that lived through the outage and to the one opened during it.
    await until('events to flow again', async () => {
      await gql(first, key, CREATE, { title: 'after the outage' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      return events.includes('after the outage') && lateEvents.includes('after the outage');
    });
    // What was published while Redis was down is lost, not delivered late.
    expect([...events, ...lateEvents]).not.toContain('during the outage');

    // Every line either instance wrote is JSON; the outage and the recovery are logged.
    for (const gateway of [first, second]) {
      const notJson = gateway.logs.filter((line) => {
        try {
          JSON.parse(line);
          return false;
        } catch {
          return true;
        }
      });
      expect(notJson).toEqual([]);
      expect(gateway.errors.filter((line) => /ioredis|Unhandled/i.test(line))).toEqual([]);
      const messages = gateway.logs.map((line) => (JSON.parse(line) as { msg: string }).msg);
      expect(messages).toContain('redis connection lost: degraded until it is back');
      expect(messages).toContain('redis connection is back');
    }
  }, 120_000);
});
