import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getNamedType, isInputObjectType, isNonNullType, type GraphQLInputType } from 'graphql';
import { schema } from '../../src/graphql/schema.js';
import { backends, gql, startTestGateway, type TestGateway } from '../support/gateway.js';
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
  let gateway: TestGateway;
  let admin: { orgId: string; key: string };
  beforeAll(async () => {
    gateway = await startTestGateway(backend);
    admin = await gateway.createOrg(['admin']);
  });
  afterAll(async () => gateway?.stop());

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
