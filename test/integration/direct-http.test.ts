import { beforeAll, describe, expect, it } from 'vitest';
import { backends, useGateway, type TestGateway } from '../support/gateway.js';

/**
 * src/http/direct.ts serves POSTs of `application/json` past Yoga's fetch layer. A content type
 * with an extra parameter (`application/json; profile=yoga`) is still JSON to Yoga but not taken
 * by the direct path, so each request below is sent both ways to the same gateway and the two
 * answers must agree in status, body and the headers clients read.
 */

const COMPARED_HEADERS = [
  'content-type',
  'content-length',
  'transfer-encoding',
  'retry-after',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-expose-headers',
  'vary',
];

interface Answer {
  status: number;
  headers: Record<string, string | null>;
  body: string;
}

interface Request {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  key?: string | null;
  accept?: string;
  origin?: string;
}

async function send(gateway: TestGateway, request: Request, contentType: string): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': contentType };
  if (request.key) headers.authorization = `Bearer ${request.key}`;
  if (request.accept) headers.accept = request.accept;
  if (request.origin) headers.origin = request.origin;
  const { query, variables, operationName } = request;
  const response = await fetch(gateway.graphqlUrl, { method: 'POST', headers, body: JSON.stringify({ query, variables, operationName }) });
  return {
    status: response.status,
    headers: Object.fromEntries(COMPARED_HEADERS.map((name) => [name, response.headers.get(name)])),
    body: await response.text(),
  };
}

/** Sends the request through Yoga, then directly, and expects the same answer; returns it. */
async function sameBothWays(gateway: TestGateway, request: Request): Promise<Answer> {
  const throughYoga = await send(gateway, request, 'application/json; profile=yoga');
  const direct = await send(gateway, request, 'application/json');
  expect(direct).toEqual(throughYoga);
  return direct;
}

describe.each(backends)('the direct HTTP path on %s', (backend) => {
  const gateway = useGateway(backend, { DIRECT_HTTP: 'on', CORS_ORIGINS: 'https://ops.example.com' });
  let admin: string;
  let reader: string;

  beforeAll(async () => {
    ({ key: admin } = await gateway.createOrg(['admin']));
    ({ key: reader } = await gateway.createOrg(['read']));
  });

  it('answers queries as Yoga does, for every Accept header it takes', async () => {
    for (const accept of [undefined, '*/*', 'application/json', 'application/graphql-response+json', 'application/graphql-response+json, application/json;q=0.9', 'application/*']) {
      const answer = await sameBothWays(gateway, { query: '{ __typename }', key: admin, accept });
      expect(answer.status).toBe(200);
      expect(answer.body).toBe('{"data":{"__typename":"Query"},"extensions":{"cost":{"requestedQueryCost":1,"actualQueryCost":1}}}');
    }
    await sameBothWays(gateway, { query: 'query Many($n: Int) { incidents(first: $n) { totalCount } me: __typename }', variables: { n: 3 }, operationName: 'Many', key: admin });
  });

  it('reports errors with the same status and body, in both response media types', async () => {
    for (const accept of ['application/json', 'application/graphql-response+json']) {
      // No key: FORBIDDEN/UNAUTHENTICATED from the scope checks during execution.
      const anonymous = await sameBothWays(gateway, { query: '{ incidents { totalCount } }', accept });
      expect(anonymous.body).toContain('UNAUTHENTICATED');
      // A key that does not exist: refused while building the context.
      const badKey = await sameBothWays(gateway, { query: '{ __typename }', key: 'igw_000000000000_nope', accept });
      expect(badKey.status).toBe(401);
      // Field errors beside data, and variables that do not coerce.
      await sameBothWays(gateway, { query: '{ incidents(first: 500) { totalCount } }', key: admin, accept });
      await sameBothWays(gateway, { query: 'query($n: Int) { incidents(first: $n) { totalCount } }', variables: { n: 'many' }, key: admin, accept });
      // Parse and validation errors, and a cost above the limit.
      await sameBothWays(gateway, { query: '{ incidents {', key: admin, accept });
      await sameBothWays(gateway, { query: '{ nope }', key: admin, accept });
      await sameBothWays(gateway, { query: '{ a: incidents(first: 100) { nodes { timeline(first: 100) { nodes { id } } } } }', key: admin, accept });
      // A mutation rejected with userErrors (nothing written either way), and one refused for its scope.
      const rejected = await sameBothWays(gateway, { query: 'mutation { createIncident(input: { title: "" }) { incident { id } userErrors { code field } } }', key: admin, accept });
      expect(rejected.body).toContain('INVALID_INPUT');
      await sameBothWays(gateway, { query: 'mutation { createIncident(input: { title: "x" }) { incident { id } } }', key: reader, accept });
    }
  });

  it('answers cross-origin requests as Yoga does (CORS is decided before either path)', async () => {
    for (const origin of ['https://ops.example.com', 'https://elsewhere.example']) {
      for (const key of [admin, null]) {
        const answer = await sameBothWays(gateway, { query: '{ __typename }', key, origin });
        expect(answer.status).toBe(200);
      }
    }
    const trusted = await sameBothWays(gateway, { query: '{ __typename }', key: admin, origin: 'https://ops.example.com' });
    expect(trusted.headers['access-control-allow-credentials']).toBe('true');
    const anonymous = await sameBothWays(gateway, { query: '{ __typename }', origin: 'https://elsewhere.example' });
    expect(anonymous.headers['access-control-allow-origin']).toBe('*');
  });

  it('takes only the content types Yoga reads as JSON', async () => {
    // Yoga matches the media type exactly: these are 415 whichever path looks at them first.
    for (const contentType of ['Application/JSON', 'application/json ; charset=utf-8']) {
      expect((await send(gateway, { query: '{ __typename }', key: admin }, contentType)).status).toBe(415);
    }
  });

  it('leaves subscriptions and other media types to Yoga', async () => {
    const sse = await fetch(gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(sse.headers.get('content-type')).toContain('text/event-stream');
    await sse.body?.cancel();
    const subscription = await sameBothWays(gateway, { query: 'subscription { componentStatusChanged(statusPageSlug: "none") { id } }', key: admin, accept: 'application/json' });
    expect(JSON.parse(subscription.body).errors).toHaveLength(1);
  });
});

describe('the direct HTTP path with rate limiting', () => {
  const gateway = useGateway('pglite', { DIRECT_HTTP: 'on', RATE_LIMIT: 'on', RATE_LIMIT_BUCKET: '50', RATE_LIMIT_REFILL_PER_SECOND: '1' });
  let key: string;

  beforeAll(async () => {
    ({ key } = await gateway.createOrg(['read']));
  });

  it('sends the RateLimit headers and the 429 with Retry-After as Yoga does', async () => {
    const cheap = await send(gateway, { query: '{ __typename }', key }, 'application/json');
    expect(cheap.status).toBe(200);
    expect(cheap.headers['ratelimit-limit']).toBe('50');
    expect(cheap.headers['ratelimit-remaining']).toMatch(/^4[89]$|^50$/);
    const expensive = { query: '{ incidents(first: 100) { nodes { owner { id } } } }', key };
    const direct = await send(gateway, expensive, 'application/json');
    const throughYoga = await send(gateway, expensive, 'application/json; profile=yoga');
    expect(direct.status).toBe(429);
    expect(direct.headers['retry-after']).toMatch(/^\d+$/);
    expect({ ...direct, body: undefined }).toEqual({ ...throughYoga, body: undefined, headers: { ...throughYoga.headers, 'ratelimit-reset': direct.headers['ratelimit-reset'], 'retry-after': direct.headers['retry-after'], 'ratelimit-remaining': direct.headers['ratelimit-remaining'] } });
    expect(JSON.parse(direct.body).errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(JSON.parse(throughYoga.body).errors[0].extensions.code).toBe('RATE_LIMITED');
  });
});
