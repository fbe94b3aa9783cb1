import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, startTestGateway, useGateway, type TestGateway } from '../support/gateway.js';
import { wsClient } from '../support/subscriptions.js';

/** Row 12 of the exposure review: introspection, suggestions, and /metrics. */

const INTROSPECTION = '{ __schema { queryType { name } } }';
const TYPE_INTROSPECTION = '{ __type(name: "Incident") { fields { name } } }';

/** Requests whose error messages graphql-js completes with "Did you mean ...?". */
const MISTAKES: { what: string; query: string; variables?: Record<string, unknown>; suggested: string }[] = [
  { what: 'a field', query: '{ incidentz { totalCount } }', suggested: '"incidents"' },
  { what: 'an argument', query: '{ incidents(frist: 1) { totalCount } }', suggested: '"first"' },
  { what: 'an enum value', query: '{ incidents(filter: { severity: { eq: HIGHH } }) { totalCount } }', suggested: '"HIGH"' },
  {
    what: 'an enum value in a variable',
    query: 'query ($s: IncidentSeverity) { incidents(filter: { severity: { eq: $s } }) { totalCount } }',
    variables: { s: 'HIGHH' },
    suggested: '"HIGH"',
  },
  {
    what: 'an input field in a variable',
    query: 'mutation ($input: CreateIncidentInput!) { createIncident(input: $input) { incident { id } } }',
    variables: { input: { title: 'x', severty: 'HIGH' } },
    suggested: '"severity"',
  },
  { what: 'a type', query: 'query ($s: IncidentSeverty) { incidents(filter: { severity: { eq: $s } }) { totalCount } }', suggested: '"IncidentSeverity"' },
];

async function messages(gateway: TestGateway, key: string, mistake: (typeof MISTAKES)[number]): Promise<string> {
  const response = await gql(gateway, key, mistake.query, mistake.variables);
  expect(response.status, mistake.what).toBeLessThan(500);
  expect(response.errors?.length, mistake.what).toBeGreaterThan(0);
  return response.errors!.map((error) => error.message).join('\n');
}

describe.each(['on', 'off'])('production posture (DIRECT_HTTP=%s)', (directHttp) => {
  let development: TestGateway;
  let production: TestGateway;
  let devKey: string;
  let prodKey: string;
  beforeAll(async () => {
    [development, production] = await Promise.all([
      startTestGateway('pglite', { DIRECT_HTTP: directHttp }),
      startTestGateway('pglite', { DIRECT_HTTP: directHttp, NODE_ENV: 'production', INTROSPECTION: 'off', METRICS_TOKEN: 'metrics-secret' }),
    ]);
    ({ key: devKey } = await development.createOrg(['write']));
    ({ key: prodKey } = await production.createOrg(['admin']));
  });
  afterAll(async () => {
    await development?.stop();
    await production?.stop();
  });

  it('answers introspection only with a valid key by default (INTROSPECTION=authenticated)', async () => {
    for (const query of [INTROSPECTION, TYPE_INTROSPECTION]) {
      const anonymous = await gql(development, null, query);
      expect(anonymous.status).toBe(401);
      expect(anonymous.data ?? null).toBeNull();
      expect(anonymous.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      const keyed = await gql(development, devKey, query);
      expect(keyed.errors).toBeUndefined();
      expect(keyed.data).toBeTruthy();
    }
    // __typename is not introspection of the schema.
    expect((await gql(development, null, '{ __typename }')).data).toEqual({ __typename: 'Query' });
  });

  it('answers no introspection at all with INTROSPECTION=off, not even to an admin key', async () => {
    for (const query of [INTROSPECTION, TYPE_INTROSPECTION]) {
      const response = await gql(production, prodKey, query);
      expect(response.data ?? null).toBeNull();
      expect(response.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    }
    // Over WebSocket too.
    const ws = wsClient(production, prodKey);
    try {
      const result = await ws.subscribe(INTROSPECTION).next();
      expect(result.data ?? null).toBeNull();
      expect(result.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    } finally {
      await ws.dispose();
    }
  });

  it('suggests nothing under NODE_ENV=production, in any kind of message', async () => {
    for (const mistake of MISTAKES) {
      const hinted = await messages(development, devKey, mistake);
      expect(hinted, mistake.what).toMatch(/Did you mean/);
      expect(hinted, mistake.what).toContain(mistake.suggested);
      const text = await messages(production, prodKey, mistake);
      expect(text, mistake.what).not.toMatch(/Did you mean|Suggestion/i);
      expect(text, mistake.what).not.toContain(mistake.suggested);
    }
  });

  it('suggests nothing over WebSocket under NODE_ENV=production', async () => {
    const ws = wsClient(production, prodKey);
    try {
      const invalid = await ws.subscribe('subscription { incidentChangd { type } }').failure();
      expect(JSON.stringify(invalid)).not.toMatch(/Did you mean|incidentChanged/);
      const variables = await ws.subscribe('subscription ($f: IncidentFilter) { incidentChanged(filter: $f) { type } }', { f: { severity: { eq: 'HIGHH' } } }).failure();
      expect(JSON.stringify(variables)).toMatch(/HIGHH/);
      expect(JSON.stringify(variables)).not.toMatch(/Did you mean|"HIGH"/);
    } finally {
      await ws.dispose();
    }
  });

  it('protects /metrics with METRICS_TOKEN when it is set', async () => {
    expect((await fetch(`${production.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${production.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${production.url}/metrics`, { headers: { authorization: `Bearer ${prodKey}` } })).status).toBe(401);
    const allowed = await fetch(`${production.url}/metrics`, { headers: { authorization: 'Bearer metrics-secret' } });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('http_requests_total');
    // Without METRICS_TOKEN it stays open (for a scraper on a private network).
    expect((await fetch(`${development.url}/metrics`)).status).toBe(200);
  });
});

describe('INTROSPECTION=on', () => {
  const gateway = useGateway('pglite', { INTROSPECTION: 'on' });

  it('answers introspection without a key', async () => {
    const response = await gql(gateway, null, INTROSPECTION);
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });
});
