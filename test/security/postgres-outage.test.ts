import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { isDatabaseUnavailable } from '../../src/db/availability.js';
import { gql, useGateway } from '../support/gateway.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { wsClient } from '../support/subscriptions.js';

const CREATE = 'mutation ($title: String!) { createIncident(input: { title: $title }) { incident { title } userErrors { code } } }';
const PAGE = 'query ($slug: String!) { statusPage(slug: $slug) { name } }';

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('errors of an unreachable PostgreSQL', () => {
  it('are all recognised as "unavailable", through the driver and through Prisma', async () => {
    // A port where nothing listens: a relay that was cut.
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
    await proxy.cut();
    const db = await openDatabase({ databaseUrl: `postgresql://postgres@127.0.0.1:${proxy.port}/postgres`, dataDir: '/nonexistent' });
    try {
      const failures = await Promise.all(
        [
          () => db.ping(),
          () => db.query('SELECT 1', []),
          () => db.transaction((query) => query('SELECT 1', [])),
          () => db.prisma.incident.findMany(),
          () => db.prisma.$transaction(async (tx) => tx.incident.count()),
        ].map((run) => run().then(() => null, (error: unknown) => error)),
      );
      for (const failure of failures) {
        expect(failure).not.toBeNull();
        expect(isDatabaseUnavailable(failure)).toBe(true);
      }
      expect(isDatabaseUnavailable(new Error('invalid input syntax for type uuid: "zzz"'))).toBe(false);
      expect(isDatabaseUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    } finally {
      await db.close();
    }
  });
});

// The gateway's PostgreSQL reached through a relay the test cuts: the shared server stays up.
const servers = process.env.TEST_DATABASE_URL ? [process.env.TEST_DATABASE_URL] : [];

describe.each(servers)('PostgreSQL outage (%s)', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  /** The database's URL through the proxy. */
  let proxiedUrl: string;
  let key: string;
  let slug: string;
  beforeAll(async () => {
    database = (await createTestDatabase())!;
    const url = new URL(database.url);
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    url.host = `127.0.0.1:${proxy.port}`;
    proxiedUrl = url.toString();
  });
  afterAll(async () => {
    await proxy?.close();
    await database?.drop();
  });
  // Every key is checked against the database here (no key cache): a key checked a moment ago
  // would otherwise still answer queries that need no database, which is right but not this test.
  const gateway = useGateway('postgres', () => ({ DATABASE_URL: proxiedUrl, RATE_LIMIT: 'on', API_KEY_CACHE_MS: '0' }));
  beforeAll(async () => {
    ({ key, slug } = await gateway.createOrg(['write']));
    const page = await gql(gateway, key, 'mutation ($slug: String!) { createStatusPage(input: { slug: $slug, name: "Status" }) { userErrors { code } } }', { slug });
    expect(page.data?.createStatusPage.userErrors).toEqual([]);
  });
  afterAll(async () => proxy?.restore());

  it('answers 503 SERVICE_UNAVAILABLE with Retry-After while the database is unreachable, /readyz 503, and recovers by itself', async () => {
    expect((await gql(gateway, key, '{ viewer { scopes } }')).status).toBe(200);
    expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);

    await proxy.cut();

    const requests: [string, () => Promise<Response>][] = [
      ['keyed query', () => post(key, '{ incidents(first: 5) { nodes { title } } }')],
      ['keyed mutation', () => post(key, CREATE, { title: 'during the outage' })],
      ['anonymous status page', () => post(null, PAGE, { slug })],
      // Past the direct path: Yoga's own HTTP layer (Origin), and GET.
      ['keyed query through Yoga', () => post(key, '{ viewer { scopes } }', undefined, { origin: 'https://ops.example' })],
      ['GET', () => fetch(`${gateway.graphqlUrl}?query=${encodeURIComponent('{ viewer { scopes } }')}`, { headers: { authorization: `Bearer ${key}` } })],
    ];
    for (const [what, send] of requests) {
      const started = Date.now();
      const response = await send();
      const body = (await response.json()) as { errors?: { message: string; extensions?: { code?: string } }[] };
      expect(response.status, what).toBe(503);
      expect(Number(response.headers.get('retry-after')), what).toBeGreaterThanOrEqual(1);
      expect(body.errors?.map((error) => error.extensions?.code), what).toContain('SERVICE_UNAVAILABLE');
      expect(body.errors?.map((error) => error.extensions?.code), what).not.toContain('INTERNAL_SERVER_ERROR');
      expect(JSON.stringify(body), what).not.toMatch(/ECONNREFUSED|5432|prisma/i);
      // Refused at once; at worst a connection attempt times out after 5 s.
      expect(Date.now() - started, what).toBeLessThan(10_000);
    }
    // A WebSocket whose key cannot be checked is told to come back later (1013), without internals.
    const ws = wsClient(gateway, key);
    const closed = ws.closed;
    void ws.subscribe('subscription { incidentChanged { type } }').failure();
    expect(await closed).toBe(1013);
    await ws.dispose();

    const readyz = await fetch(`${gateway.url}/readyz`);
    expect(readyz.status).toBe(503);
    expect(await readyz.json()).toEqual({ status: 'not ready', database: 'down' });
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);

    await proxy.restore();
    await until('/readyz to answer 200', async () => (await fetch(`${gateway.url}/readyz`)).status === 200);
    const query = await gql(gateway, key, '{ viewer { scopes } }');
    expect(query.status).toBe(200);
    expect(query.data?.viewer.scopes).toContain('write');
    const mutation = await gql(gateway, key, CREATE, { title: 'after the outage' });
    expect(mutation.data?.createIncident).toEqual({ incident: { title: 'after the outage' }, userErrors: [] });
    expect((await gql(gateway, null, PAGE, { slug })).data?.statusPage).toEqual({ name: 'Status' });
  });

  function post(withKey: string | null, query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) {
    return fetch(gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(withKey ? { authorization: `Bearer ${withKey}` } : {}), ...headers },
      body: JSON.stringify({ query, variables }),
    });
  }
});
