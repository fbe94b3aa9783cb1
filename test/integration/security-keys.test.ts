import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { getNamedType, isInputObjectType, isNonNullType, type GraphQLInputType } from 'graphql';
import { schema } from '../../src/graphql/schema.js';
import { createVerifiedKeyCache } from '../../src/auth/keys.js';
import { backends, gql, startTestGateway, useGateway, sharedDeployments, useSharedDeployment } from '../support/gateway.js';
import { sseSubscribe, wsClient } from '../support/subscriptions.js';

const CREATE_KEY = `mutation ($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { key apiKey { id name prefix scopes createdAt lastUsedAt revokedAt } userErrors { code field message } }
}`;
const REVOKE_KEY = `mutation ($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { id revokedAt } userErrors { code field } } }`;
const LIST_KEYS = `{ apiKeys(first: 100) { totalCount nodes { id name prefix scopes createdAt lastUsedAt revokedAt } } }`;
const CHANGED = 'subscription { incidentChanged { type incident { title } } }';

/** The smallest input literal GraphQL accepts for a type: enough to get past validation. */
function minimalValue(type: GraphQLInputType): string {
  if (!isNonNullType(type)) return 'null';
  const named = getNamedType(type);
  if (type.ofType.toString().startsWith('[')) return '[]';
  if (isInputObjectType(named)) {
    const fields = Object.values(named.getFields()).filter((field) => isNonNullType(field.type) && field.defaultValue === undefined);
    return `{ ${fields.map((field) => `${field.name}: ${minimalValue(field.type)}`).join(', ')} }`;
  }
  switch (named.name) {
    case 'Int':
    case 'Float':
      return '1';
    case 'Boolean':
      return 'true';
    case 'DateTime':
      return '"2026-01-01T00:00:00.000Z"';
    default:
      if ('getValues' in named) return named.getValues()[0].name;
      return '"x"';
  }
}

describe.each(backends)('API keys and scopes on %s', (backend) => {
  const gateway = useGateway(backend);
  let admin: { orgId: string; key: string };
  beforeAll(async () => {
    admin = await gateway.createOrg(['admin']);
  });

  it('creates a key that is shown once, works with exactly its scopes, and lists without its secret', async () => {
    const created = await gql(gateway, admin.key, CREATE_KEY, { input: { name: '  deploy bot ', scopes: ['READ', 'write', 'write'] } });
    expect(created.errors).toBeUndefined();
    const payload = created.data!.createApiKey;
    expect(payload.userErrors).toEqual([]);
    expect(payload.key).toMatch(/^igw_[0-9a-f]{12}_/);
    expect(payload.apiKey).toMatchObject({ name: 'deploy bot', scopes: ['read', 'write'], lastUsedAt: null, revokedAt: null });
    expect(payload.key.startsWith(payload.apiKey.prefix)).toBe(true);

    const viewer = await gql(gateway, payload.key, '{ viewer { scopes } }');
    expect(viewer.data?.viewer.scopes.sort()).toEqual(['read', 'write']);
    const asNonAdmin = await gql(gateway, payload.key, LIST_KEYS);
    expect(asNonAdmin.errors?.[0].extensions?.code).toBe('FORBIDDEN');

    const listed = await gql(gateway, admin.key, LIST_KEYS);
    const secret = payload.key.slice(payload.apiKey.prefix.length + 1);
    expect(JSON.stringify(listed)).not.toContain(secret);
    const row = listed.data!.apiKeys.nodes.find((key: { id: string }) => key.id === payload.apiKey.id);
    expect(row).toMatchObject({ name: 'deploy bot', prefix: payload.apiKey.prefix, scopes: ['read', 'write'], revokedAt: null });
    expect(row.lastUsedAt).not.toBeNull();
  });

  it('rejects a bad name or scope with INVALID_INPUT and creates nothing', async () => {
    const before = await gateway.running.db.prisma.apiKey.count();
    for (const [input, field] of [
      [{ name: '   ', scopes: ['read'] }, ['name']],
      [{ name: 'x', scopes: [] }, ['scopes']],
      [{ name: 'x', scopes: ['read', 'root'] }, ['scopes', '1']],
    ] as const) {
      const response = await gql(gateway, admin.key, CREATE_KEY, { input });
      expect(response.data?.createApiKey).toMatchObject({ key: null, apiKey: null, userErrors: [{ code: 'INVALID_INPUT', field }] });
    }
    expect(await gateway.running.db.prisma.apiKey.count()).toBe(before);
  });

  it('needs the admin scope for keys: a write key gets FORBIDDEN and creates nothing', async () => {
    const { key } = await gateway.createOrg(['write']);
    const before = await gateway.running.db.prisma.apiKey.count();
    const response = await gql(gateway, key, CREATE_KEY, { input: { name: 'escalate', scopes: ['admin'] } });
    expect(response.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(response.data?.createApiKey ?? null).toBeNull();
    expect(await gateway.running.db.prisma.apiKey.count()).toBe(before);
  });

  it('revokes a key: 401 on HTTP at once, its open WebSocket closed with 4403 and SSE stream ended, and 4403 when it connects again', async () => {
    const created = (await gql(gateway, admin.key, CREATE_KEY, { input: { name: 'to revoke', scopes: ['read'] } })).data!.createApiKey;
    const ws = wsClient(gateway, created.key);
    const subscription = ws.subscribe(CHANGED);
    const pending = subscription.failure();
    // The subscription is live once the key has been used over the socket.
    await expect.poll(async () => (await gql(gateway, admin.key, LIST_KEYS)).data!.apiKeys.nodes.find((k: { id: string }) => k.id === created.apiKey.id).lastUsedAt).not.toBeNull();

    const sse = await sseSubscribe(gateway, created.key, CHANGED);
    expect(sse.status).toBe(200);

    const revoked = await gql(gateway, admin.key, REVOKE_KEY, { id: created.apiKey.id });
    expect(revoked.data?.revokeApiKey).toMatchObject({ apiKey: { id: created.apiKey.id, revokedAt: expect.any(String) }, userErrors: [] });
    const refused = await gql(gateway, created.key, '{ viewer { scopes } }');
    expect(refused.status).toBe(401);
    expect(refused.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(await ws.closed).toBe(4403);
    await pending;
    // The SSE stream ends too (cut off, or completed).
    expect(await sse.next().catch(() => null)).toBeNull();

    const again = wsClient(gateway, created.key);
    await again.subscribe(CHANGED).failure();
    expect(await again.closed).toBe(4403);

    const twice = await gql(gateway, admin.key, REVOKE_KEY, { id: created.apiKey.id });
    expect(twice.data?.revokeApiKey.apiKey.revokedAt).toBe(revoked.data?.revokeApiKey.apiKey.revokedAt);
  });

  it('treats a key of another organization like a missing one', async () => {
    const other = await gateway.createOrg(['admin']);
    const theirs = (await gql(gateway, other.key, CREATE_KEY, { input: { name: 'theirs', scopes: ['read'] } })).data!.createApiKey;
    for (const id of [theirs.apiKey.id, 'not-an-id', Buffer.from('ApiKey:nope').toString('base64')]) {
      const response = await gql(gateway, admin.key, REVOKE_KEY, { id });
      expect(response.data?.revokeApiKey).toEqual({ apiKey: null, userErrors: [{ code: 'NOT_FOUND', field: ['id'] }] });
    }
    const node = await gql(gateway, admin.key, 'query ($id: ID!) { node(id: $id) { id } }', { id: theirs.apiKey.id });
    expect(node.data?.node).toBeNull();
    expect((await gql(gateway, theirs.key, '{ viewer { scopes } }')).status).toBe(200);
  });

  it('refuses every mutation to a read-only key with FORBIDDEN, writing nothing', async () => {
    const reader = await gateway.createOrg(['read']);
    const counts = () =>
      Promise.all([
        gateway.running.db.prisma.incident.count(),
        gateway.running.db.prisma.incidentUpdate.count(),
        gateway.running.db.prisma.component.count(),
        gateway.running.db.prisma.apiKey.count(),
        gateway.running.db.prisma.user.count(),
      ]);
    const before = await counts();
    const mutations = Object.values(schema.getMutationType()!.getFields());
    expect(mutations.length).toBeGreaterThan(10);
    for (const mutation of mutations) {
      const args = mutation.args.map((arg) => `${arg.name}: ${minimalValue(arg.type)}`).join(', ');
      const query = `mutation { ${mutation.name}${args ? `(${args})` : ''} { __typename } }`;
      const response = await gql(gateway, reader.key, query);
      expect(response.errors?.map((error) => error.extensions?.code), `${mutation.name}: ${JSON.stringify(response)}`).toEqual(['FORBIDDEN']);
    }
    expect(await counts()).toEqual(before);
  });

  it('gives a key without scopes FORBIDDEN on queries and subscriptions, and no key 401', async () => {
    const { key } = await gateway.createOrg([]);
    const response = await gql(gateway, key, '{ incidents { totalCount } }');
    expect(response.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const ws = wsClient(gateway, key);
    const result = await ws.subscribe(CHANGED).next();
    expect(result.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    await ws.dispose();
    expect((await gql(gateway, null, 'mutation { createIncident(input: { title: "x" }) { incident { id } } }')).status).toBe(401);
  });
});

/** The key checks among a request's statements (the lookup by prefix). */
function keyLookups(statements: { sql: string }[]): number {
  return statements.filter((statement) => /FROM "ApiKey" WHERE "prefix"/.test(statement.sql)).length;
}

const VIEWER = '{ viewer { scopes } }';
/** Long enough that only a revocation, never the expiry, can drop a key during a test. */
const HELD_FOR_TEN_MINUTES = { API_KEY_CACHE_MS: '600000' };

describe.each(backends)('the verified-key cache on %s', (backend) => {
  const gateway = useGateway(backend, HELD_FOR_TEN_MINUTES);
  let admin: { orgId: string; key: string };
  beforeAll(async () => {
    admin = await gateway.createOrg(['admin']);
  });
  afterEach(() => vi.useRealTimers());

  async function newKey(scopes = ['read']): Promise<{ id: string; key: string }> {
    const created = (await gql(gateway, admin.key, CREATE_KEY, { input: { name: 'held', scopes } })).data!.createApiKey;
    return { id: created.apiKey.id, key: created.key };
  }

  it('checks a key against the database once and then answers it from memory', async () => {
    const { key } = await newKey();
    const first = await gateway.statementsDuring(() => gql(gateway, key, VIEWER));
    expect(first.result.status).toBe(200);
    expect(keyLookups(first.statements)).toBe(1);
    for (let i = 0; i < 3; i += 1) {
      const again = await gateway.statementsDuring(() => gql(gateway, key, VIEWER));
      expect(again.result.data?.viewer.scopes).toEqual(['read']);
      expect(keyLookups(again.statements)).toBe(0);
    }
  });

  it('refuses a wrong secret behind a held key prefix', async () => {
    const { key } = await newKey();
    expect((await gql(gateway, key, VIEWER)).status).toBe(200);
    const forged = `${key.slice(0, -4)}${key.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    const refused = await gql(gateway, forged, VIEWER);
    expect(refused.status).toBe(401);
    expect(refused.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a revoked key on the very next request of the instance that revoked it, although it was held', async () => {
    const { id, key } = await newKey();
    const held = await gateway.statementsDuring(() => gql(gateway, key, VIEWER));
    expect(held.result.status).toBe(200);
    expect(keyLookups((await gateway.statementsDuring(() => gql(gateway, key, VIEWER))).statements)).toBe(0);

    const revoked = await gql(gateway, admin.key, REVOKE_KEY, { id });
    expect(revoked.data?.revokeApiKey.userErrors).toEqual([]);
    const refused = await gql(gateway, key, VIEWER);
    expect(refused.status).toBe(401);
    expect(refused.errors?.[0]).toMatchObject({ message: 'This API key has been revoked.', extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('does not hold a key whose check read it before it was revoked', async () => {
    const { id, key } = await newKey();
    const keyId = Buffer.from(id, 'base64').toString().split(':')[1];
    // The real database, with the answer to the key lookup held back until the revocation is through.
    const db = gateway.running.db;
    let rowRead!: () => void;
    const read = new Promise<void>((resolve) => (rowRead = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const slowDb = {
      prisma: db.prisma,
      query: (async (sql: string, params: readonly unknown[]) => {
        const rows = await db.query(sql, params);
        rowRead();
        await released;
        return rows;
      }) as typeof db.query,
    };
    const cache = createVerifiedKeyCache(slowDb, { ttlMs: 600_000 });
    const checking = cache.check(key);
    await read;
    expect((await gql(gateway, admin.key, REVOKE_KEY, { id })).data?.revokeApiKey.userErrors).toEqual([]);
    cache.forget(keyId);
    release();
    // That request keeps the answer it read; the next one asks again.
    expect((await checking).status).toBe('valid');
    expect((await cache.check(key)).status).toBe('revoked');
  });

  it('still records lastUsedAt of a held key, at most once a minute', async () => {
    const { id, key } = await newKey();
    const lastUsedAt = async () => (await gateway.running.db.prisma.apiKey.findUniqueOrThrow({ where: { id: Buffer.from(id, 'base64').toString().split(':')[1] } })).lastUsedAt;
    expect((await gql(gateway, key, VIEWER)).status).toBe(200);
    await expect.poll(lastUsedAt).not.toBeNull();
    const firstUse = (await lastUsedAt())!.getTime();

    // Within the minute: answered from memory, nothing written.
    const soon = await gateway.statementsDuring(() => gql(gateway, key, VIEWER));
    expect(keyLookups(soon.statements)).toBe(0);
    expect((await lastUsedAt())!.getTime()).toBe(firstUse);

    // Two minutes on (only the wall clock moves: the key is still held), the next request records its use.
    vi.useFakeTimers({ toFake: ['Date'], now: firstUse + 120_000 });
    const later = await gateway.statementsDuring(() => gql(gateway, key, VIEWER));
    expect(keyLookups(later.statements)).toBe(0);
    await expect.poll(async () => (await lastUsedAt())!.getTime()).toBe(firstUse + 120_000);
  });

  it('asks the database again for every key after clearVerifiedKeys()', async () => {
    const { key } = await newKey();
    await gql(gateway, key, VIEWER);
    expect(keyLookups((await gateway.statementsDuring(() => gql(gateway, key, VIEWER))).statements)).toBe(0);
    gateway.running.gateway.verifiedKeys.clearVerifiedKeys();
    expect(keyLookups((await gateway.statementsDuring(() => gql(gateway, key, VIEWER))).statements)).toBe(1);
  });

  it('asks the database on every request with API_KEY_CACHE_MS=0', async () => {
    const uncached = await startTestGateway(backend, { API_KEY_CACHE_MS: '0' });
    try {
      const { key } = await uncached.createOrg(['read']);
      for (let i = 0; i < 3; i += 1) {
        const { result, statements } = await uncached.statementsDuring(() => gql(uncached, key, VIEWER));
        expect(result.status).toBe(200);
        expect(keyLookups(statements)).toBe(1);
      }
    } finally {
      await uncached.stop();
    }
  });
});

// Two instances of one deployment: one PostgreSQL database, one Redis (needs TEST_DATABASE_URL and TEST_REDIS_URL).
describe.each(sharedDeployments)('key revocation across two gateway instances (%s)', (redisUrl) => {
  const [first, second] = useSharedDeployment(redisUrl, HELD_FOR_TEN_MINUTES);

  it('refuses a key revoked on one instance on the other within the pub/sub latency, although the other held it', async () => {
    const admin = await first.createOrg(['admin']);
    const created = (await gql(first, admin.key, CREATE_KEY, { input: { name: 'held elsewhere', scopes: ['read'] } })).data!.createApiKey;
    expect((await gql(second, created.key, VIEWER)).status).toBe(200);
    expect(keyLookups((await second.statementsDuring(() => gql(second, created.key, VIEWER))).statements)).toBe(0);

    const revokedAt = performance.now();
    expect((await gql(first, admin.key, REVOKE_KEY, { id: created.apiKey.id })).data?.revokeApiKey.userErrors).toEqual([]);
    expect((await gql(first, created.key, VIEWER)).status).toBe(401);
    await expect.poll(async () => (await gql(second, created.key, VIEWER)).status, { timeout: 2000, interval: 20 }).toBe(401);
    expect(performance.now() - revokedAt).toBeLessThan(2000);
  });
});
