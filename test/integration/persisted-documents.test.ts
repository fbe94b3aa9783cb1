import { ApolloClient, ApolloLink, gql as apolloGql, HttpLink, InMemoryCache } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { OpenIncidentsDocument } from '../../src/client/generated/graphql.js';
import { sha256Hex, trustedDocuments } from '../../src/graphql/plugins/persisted-documents.js';
import { backends, gql, startTestGateway, useGateway, type TestGateway } from '../support/gateway.js';

const OPEN_INCIDENTS_HASH = String(OpenIncidentsDocument.__meta__?.hash).replace('sha256:', '');

/** Every body the client sent, as it left. */
function recordingFetch(bodies: Record<string, any>[], urls: string[]): typeof fetch {
  return async (input, init) => {
    urls.push(String(input));
    if (typeof init?.body === 'string') bodies.push(JSON.parse(init.body));
    return fetch(input, init);
  };
}

function apolloClient(gateway: TestGateway, key: string, bodies: Record<string, any>[], urls: string[] = [], useGETForHashedQueries = false) {
  const persisted = new PersistedQueryLink({ sha256: async (text: string) => sha256Hex(text), useGETForHashedQueries });
  const http = new HttpLink({ uri: gateway.graphqlUrl, headers: { authorization: `Bearer ${key}` }, fetch: recordingFetch(bodies, urls) });
  return new ApolloClient({ link: ApolloLink.from([persisted, http]), cache: new InMemoryCache() });
}

async function post(gateway: TestGateway, key: string | null, body: unknown) {
  const response = await fetch(gateway.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

const persistedQuery = (sha256Hash: string) => ({ persistedQuery: { version: 1, sha256Hash } });

describe.each(backends)('automatic persisted queries and trusted documents on %s', (backend) => {
  const gateway = useGateway(backend);
  let key: string;

  beforeAll(async () => {
    ({ key } = await gateway.createOrg(['write']));
  });

  it("serves Apollo Client's PersistedQueryLink: PersistedQueryNotFound, the retry with the query, then the hash alone", async () => {
    const query = apolloGql`query Titles($first: Int!) { incidents(first: $first) { totalCount nodes { id title } } }`;
    const firstBodies: Record<string, any>[] = [];
    const first = await apolloClient(gateway, key, firstBodies).query({ query, variables: { first: 3 } });
    expect(first.data).toEqual({ incidents: expect.objectContaining({ totalCount: expect.any(Number) }) });
    expect(firstBodies.map((body) => typeof body.query)).toEqual(['undefined', 'string']);

    // A second client (nothing cached) now gets its answer from the hash alone, over POST and over GET.
    const laterBodies: Record<string, any>[] = [];
    await apolloClient(gateway, key, laterBodies).query({ query, variables: { first: 3 } });
    expect(laterBodies).toHaveLength(1);
    expect(laterBodies[0].query).toBeUndefined();
    const urls: string[] = [];
    const viaGet = await apolloClient(gateway, key, [], urls, true).query({ query, variables: { first: 2 } });
    expect(viaGet.data).toEqual(first.data === undefined ? undefined : expect.objectContaining({ incidents: expect.anything() }));
    expect(urls).toHaveLength(1);
    expect(new URL(urls[0]).searchParams.get('extensions')).toContain('sha256Hash');
    expect(new URL(urls[0]).searchParams.get('query')).toBeNull();
  });

  it('answers a raw hash request for a trusted document of schema/operations without ever having seen its text', async () => {
    const byHash = await post(gateway, key, { extensions: persistedQuery(OPEN_INCIDENTS_HASH) });
    expect(byHash.status).toBe(200);
    expect(byHash.body.errors).toBeUndefined();
    expect(byHash.body.data.incidents).toEqual(expect.objectContaining({ totalCount: expect.any(Number) }));
    // codegen's manifest spelling (sha256:<hex>) is accepted too.
    const prefixed = await post(gateway, key, { extensions: persistedQuery(`sha256:${OPEN_INCIDENTS_HASH}`) });
    expect(prefixed.body.data).toEqual(byHash.body.data);
  });

  it('answers PersistedQueryNotFound for an unknown hash and refuses a hash that does not match the query', async () => {
    const unknown = await post(gateway, key, { extensions: persistedQuery('0'.repeat(64)) });
    expect(unknown.body.errors).toEqual([expect.objectContaining({ message: 'PersistedQueryNotFound', extensions: expect.objectContaining({ code: 'PERSISTED_QUERY_NOT_FOUND' }) })]);
    const mismatch = await post(gateway, key, { query: '{ __typename }', extensions: persistedQuery('1'.repeat(64)) });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_HASH_MISMATCH');
    // A mismatching hash taught nothing.
    const after = await post(gateway, key, { extensions: persistedQuery('1'.repeat(64)) });
    expect(after.body.errors[0].message).toBe('PersistedQueryNotFound');
  });

  it('still runs any document in the default mode (PERSISTED_OPERATIONS=allow)', async () => {
    const arbitrary = await gql(gateway, key, '{ viewer { scopes } }');
    expect(arbitrary.errors).toBeUndefined();
  });
});

describe.each(backends)('PERSISTED_OPERATIONS=only on %s', (backend) => {
  const gateway = useGateway(backend, { PERSISTED_OPERATIONS: 'only' });
  let key: string;

  beforeAll(async () => {
    ({ key } = await gateway.createOrg(['write']));
  });

  it('refuses any document that is not trusted, over POST, GET and WebSocket, and learns no hashes', async () => {
    const arbitrary = await gql(gateway, key, '{ viewer { scopes } }');
    expect(arbitrary.status).toBe(403);
    expect(arbitrary.errors?.[0].extensions?.code).toBe('PERSISTED_QUERY_ONLY');

    const get = await fetch(`${gateway.graphqlUrl}?query=${encodeURIComponent('{ __typename }')}`, { headers: { authorization: `Bearer ${key}`, accept: 'application/json' } });
    expect(get.status).toBe(403);

    const query = '{ viewer { scopes } }';
    const register = await post(gateway, key, { query, extensions: persistedQuery(sha256Hex(query)) });
    expect(register.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_ONLY');
    const byHash = await post(gateway, key, { extensions: persistedQuery(sha256Hex(query)) });
    expect(byHash.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_ONLY');

    const client = createClient({ url: gateway.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${key}` }, retryAttempts: 0 });
    try {
      const results = client.iterate({ query: 'subscription { incidentChanged { type } }' });
      await expect(results.next()).rejects.toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'PERSISTED_QUERY_ONLY' }) })]);
    } finally {
      await client.dispose();
    }
  });

  it('runs the trusted documents, by hash or by their exact text', async () => {
    const byHash = await post(gateway, key, { extensions: persistedQuery(OPEN_INCIDENTS_HASH) });
    expect(byHash.status).toBe(200);
    expect(byHash.body.errors).toBeUndefined();
    const byText = await post(gateway, key, { query: trustedDocuments().get(OPEN_INCIDENTS_HASH) });
    expect(byText.body).toEqual(byHash.body);
    // graphql-ws clients send the text with the hash: the trusted document runs.
    const client = createClient({ url: gateway.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${key}` }, retryAttempts: 0 });
    try {
      const result = await client.iterate({ query: OpenIncidentsDocument.toString(), extensions: persistedQuery(OPEN_INCIDENTS_HASH) }).next();
      expect(result.value).toEqual(byHash.body);
    } finally {
      await client.dispose();
    }
  });
});

const redisUrls = process.env.TEST_REDIS_URL ? [process.env.TEST_REDIS_URL] : [];

describe.each(redisUrls)('persisted queries shared through Redis (%s)', (redisUrl) => {
  let first: TestGateway;
  let second: TestGateway;

  beforeAll(async () => {
    [first, second] = await Promise.all([startTestGateway('pglite', { REDIS_URL: redisUrl }), startTestGateway('pglite', { REDIS_URL: redisUrl })]);
  });
  afterAll(async () => {
    await first?.stop();
    await second?.stop();
  });

  it('a query registered on one instance is found by hash on the other', async () => {
    const query = `{ viewer { scopes } __typename shared: __typename }  # ${Math.random()}`;
    const hash = sha256Hex(query);
    const { key: firstKey } = await first.createOrg(['read']);
    const { key: secondKey } = await second.createOrg(['read']);
    const registered = await post(first, firstKey, { query, extensions: persistedQuery(hash) });
    expect(registered.body.errors).toBeUndefined();
    const found = await post(second, secondKey, { extensions: persistedQuery(hash) });
    expect(found.body.errors).toBeUndefined();
    expect(found.body.data.viewer.scopes).toEqual(['read']);
  });
});
