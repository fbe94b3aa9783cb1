import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, gql, startTestGateway, useGateway, type GraphQLResponse, type TestGateway } from '../support/gateway.js';

const MAX_BODY_BYTES = 20_000;

/** Sends a body as a chunked stream (no Content-Length), chunk by chunk, until the server answers. */
function postChunked(url: string, key: string, chunk: string, chunks: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` } });
    let answered = false;
    request.on('response', (response) => {
      answered = true;
      let body = '';
      response.on('data', (data: Buffer) => (body += data.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    // The server may close the connection while we are still sending: that is the point.
    request.on('error', (error) => (answered ? undefined : reject(error)));
    const sendNext = (index: number) => {
      if (answered || index === chunks) return void request.end();
      request.write(chunk, () => setImmediate(() => sendNext(index + 1)));
    };
    sendNext(0);
  });
}

function post(gateway: TestGateway, key: string | null, body: string, contentType = 'application/json') {
  return fetch(gateway.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': contentType, ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body,
  });
}

describe.each(backends)('query and request limits on %s', (backend) => {
  const gateway = useGateway(backend, { MAX_BODY_BYTES: String(MAX_BODY_BYTES) });
  let key: string;
  beforeAll(async () => {
    ({ key } = await gateway.createOrg(['write']));
  });

  const incidentCount = () => gateway.running.db.prisma.incident.count();

  it('reports the cost of each operation in extensions.cost, requested and actual', async () => {
    await gql(gateway, key, 'mutation { createIncident(input: { title: "costed" }) { incident { id } } }');
    const response = await gql(gateway, key, '{ incidents(first: 10) { nodes { id title owner { name } } } }');
    expect(response.errors).toBeUndefined();
    // 1 for the connection + 10 x (1 per node + 1 for its owner).
    expect(response.extensions?.cost).toEqual({ requestedQueryCost: 21, actualQueryCost: expect.any(Number) });
    expect((response.extensions?.cost as { actualQueryCost: number }).actualQueryCost).toBeLessThanOrEqual(21);
    const mutation = await gql(gateway, key, 'mutation { createIncident(input: { title: "costed" }) { incident { id } userErrors { code } } }');
    // 10 for the mutation + payload, incident and userErrors.
    expect(mutation.extensions?.cost).toMatchObject({ requestedQueryCost: 13 });
  });

  it('rejects too deep, too many aliases, too many tokens and too costly with QUERY_TOO_COMPLEX, before anything runs', async () => {
    const before = await incidentCount();
    const create = (alias: string) => `${alias}: createIncident(input: { title: "never" }) { incident { id } }`;
    const nested = (depth: number): string => (depth === 0 ? 'id' : `incident { timeline { nodes { ${nested(depth - 1)} } } }`);
    const cases = {
      depth: `mutation { createIncident(input: { title: "never" }) { incident { timeline { nodes { ${nested(3)} } } } } }`,
      aliases: `mutation { ${Array.from({ length: 31 }, (_, index) => create(`a${index}`)).join(' ')} }`,
      tokens: `mutation { createIncident(input: { title: "never" }) { incident { ${'id '.repeat(5100)} } } }`,
      cost: `mutation { createIncident(input: { title: "never" }) { incident { timeline(first: 100) { nodes { incident { timeline(first: 100) { nodes { id } } } } } } } }`,
    };
    for (const [limit, query] of Object.entries(cases)) {
      const response = await gql(gateway, key, query);
      expect(response.errors?.map((error) => error.extensions?.code), limit).toEqual(['QUERY_TOO_COMPLEX']);
      expect(response.status, limit).toBeLessThan(500);
    }
    const costly = await gql(gateway, key, 'query ($n: Int) { incidents(first: $n) { nodes { timeline(first: 100) { nodes { id } } } } }', { n: 100 });
    expect(costly.errors?.[0]).toMatchObject({ extensions: { code: 'QUERY_TOO_COMPLEX' } });
    expect(costly.extensions?.cost).toEqual({ requestedQueryCost: 1 + 100 * (1 + 1 + 100) });
    const affordable = await gql(gateway, key, 'query ($n: Int) { incidents(first: $n) { nodes { timeline(first: 100) { nodes { id } } } } }', { n: 2 });
    expect(affordable.errors).toBeUndefined();
    expect(await incidentCount()).toBe(before);
  });

  it('answers a body over MAX_BODY_BYTES with 413, with Content-Length or chunked', async () => {
    const padding = 'x'.repeat(MAX_BODY_BYTES);
    const declared = await post(gateway, key, JSON.stringify({ query: '{ viewer { scopes } }', variables: { padding } }));
    expect(declared.status).toBe(413);
    expect((await declared.json()).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');

    const chunked = await postChunked(gateway.graphqlUrl, key, 'x'.repeat(4096), 1000);
    expect(chunked.status).toBe(413);
    // Below the limit, chunked bodies work.
    const small = await postChunked(gateway.graphqlUrl, key, JSON.stringify({ query: '{ viewer { scopes } }' }), 1);
    expect(small.status).toBe(200);
    expect(JSON.parse(small.body).data.viewer.scopes).toContain('write');
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
  });

  it('answers malformed requests with 4xx, never 5xx, and without echoing internals', async () => {
    const cases: [string, string, number][] = [
      ['{"query": ', 'application/json', 400],
      ['', 'application/json', 400],
      ['{"query": 5}', 'application/json', 400],
      ['{"query": "{ viewer { scopes } }", "variables": "x"}', 'application/json', 400],
      ['[{"query": "{ viewer { scopes } }"}]', 'application/json', 400],
      ['"just a string"', 'application/json', 400],
      ['{ viewer { scopes } }', 'text/plain', 415],
      ['<query/>', 'application/xml', 415],
    ];
    for (const [body, contentType, status] of cases) {
      const response = await post(gateway, key, body, contentType);
      const text = await response.text();
      expect(response.status, `${contentType} ${body}`).toBe(status);
      expect(text).not.toMatch(/SyntaxError|at .*\.js:\d+|Unexpected token/);
    }
    const syntax = await gql(gateway, key, '{ viewer { scopes }');
    expect(syntax.status).toBeLessThan(500);
    expect(syntax.errors?.[0].extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    const unknownField = await gql(gateway, key, '{ viewer { secrets } }');
    expect(unknownField.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const wrongType = await gql(gateway, key, 'query ($n: Int) { incidents(first: $n) { totalCount } }', { n: 'many' });
    expect(wrongType.status).toBeLessThan(500);
    expect(wrongType.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe.each(backends)('rate limiting on %s', (backend) => {
  const BUCKET = 30;
  const gateway = useGateway(backend, { RATE_LIMIT: 'on', RATE_LIMIT_BUCKET: String(BUCKET), RATE_LIMIT_REFILL_PER_SECOND: '1' });

  const viewers = (count: number) => `{ ${Array.from({ length: count }, (_, index) => `v${index}: viewer { scopes }`).join(' ')} }`;

  it('charges cost, not requests: RateLimit headers and the rateLimit field show the bucket', async () => {
    const { key } = await gateway.createOrg(['read']);
    const first = await gql(gateway, key, '{ rateLimit { limit remaining cost resetAt } }');
    expect(first.headers.get('ratelimit-limit')).toBe(String(BUCKET));
    expect(first.data?.rateLimit).toMatchObject({ limit: BUCKET, cost: 1, remaining: BUCKET - 1 });
    expect(Date.parse(first.data?.rateLimit.resetAt)).toBeGreaterThan(Date.now() - 1000);
    expect(first.extensions?.cost).toMatchObject({ requestedQueryCost: 1, throttleStatus: { maximumAvailable: BUCKET, restoreRate: 1 } });

    const heavy = await gql(gateway, key, viewers(10));
    expect(heavy.extensions?.cost).toMatchObject({ requestedQueryCost: 10, actualQueryCost: 10 });
    const remaining = Number(heavy.headers.get('ratelimit-remaining'));
    // Ten points at once (the bucket refills one point a second meanwhile, at most).
    expect(remaining).toBeLessThanOrEqual(BUCKET - 11 + 2);
    expect(Number(heavy.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
  });

  it('answers 429 RATE_LIMITED with Retry-After when the bucket is empty, while other keys go on', async () => {
    const { key } = await gateway.createOrg(['read']);
    const other = await gateway.createOrg(['read']);
    let limited: GraphQLResponse | undefined;
    for (let attempt = 0; attempt < 20 && !limited; attempt += 1) {
      const response = await gql(gateway, key, viewers(10));
      if (response.status === 429) limited = response;
      else expect(response.status).toBe(200);
    }
    expect(limited, 'no 429 within 20 requests').toBeDefined();
    expect(limited!.errors).toEqual([
      expect.objectContaining({ message: expect.stringContaining('Rate limit exceeded'), extensions: expect.objectContaining({ code: 'RATE_LIMITED' }) }),
    ]);
    expect(limited!.data ?? null).toBeNull();
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited!.headers.get('ratelimit-limit')).toBe(String(BUCKET));
    expect(Number(limited!.headers.get('ratelimit-remaining'))).toBeLessThan(10);

    const unaffected = await gql(gateway, other.key, viewers(10));
    expect(unaffected.status).toBe(200);
    expect(unaffected.data?.v0.scopes).toEqual(['read']);
  });

  it('writes nothing for a rate-limited mutation', async () => {
    const { key } = await gateway.createOrg(['write']);
    const create = 'mutation { createIncident(input: { title: "limited" }) { incident { id } } }';
    let limited = false;
    for (let attempt = 0; attempt < 20 && !limited; attempt += 1) {
      limited = (await gql(gateway, key, create)).status === 429;
    }
    expect(limited).toBe(true);
    const before = await gateway.running.db.prisma.incident.count({ where: { title: 'limited' } });
    expect((await gql(gateway, key, create)).status).toBe(429);
    expect(await gateway.running.db.prisma.incident.count({ where: { title: 'limited' } })).toBe(before);
  });
});

const redisUrls = process.env.TEST_REDIS_URL ? [process.env.TEST_REDIS_URL] : [];

describe.each(redisUrls)('rate limit shared through Redis (%s)', (redisUrl) => {
  let first: TestGateway;
  let second: TestGateway;
  beforeAll(async () => {
    const env = { RATE_LIMIT: 'on', RATE_LIMIT_BUCKET: '20', RATE_LIMIT_REFILL_PER_SECOND: '1', REDIS_URL: redisUrl };
    [first, second] = await Promise.all([startTestGateway('pglite', env), startTestGateway('pglite', env)]);
  });
  afterAll(async () => Promise.all([first?.stop(), second?.stop()]));

  it('draws one key from one bucket on both instances', async () => {
    const { orgId, key } = await first.createOrg(['read']);
    // The same key, known to the second instance's database too.
    const org = await first.running.db.prisma.organization.findUniqueOrThrow({ where: { id: orgId }, include: { apiKeys: true } });
    const { apiKeys, ...orgRow } = org;
    await second.running.db.prisma.organization.create({ data: { ...orgRow, apiKeys: { create: apiKeys.map(({ orgId: _org, ...row }) => row) } } });
    const query = `{ ${Array.from({ length: 8 }, (_, index) => `v${index}: viewer { scopes }`).join(' ')} }`;
    expect((await gql(first, key, query)).status).toBe(200);
    expect((await gql(second, key, query)).status).toBe(200);
    // 16 of 20 points are gone on both instances (give or take the refill).
    const seen = Number((await gql(first, key, '{ viewer { scopes } }')).headers.get('ratelimit-remaining'));
    expect(seen).toBeLessThanOrEqual(20 - 17 + 2);
    let limited = false;
    for (let attempt = 0; attempt < 5 && !limited; attempt += 1) limited = (await gql(second, key, query)).status === 429;
    expect(limited).toBe(true);
  });
});
