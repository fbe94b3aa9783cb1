import { describe, expect, it } from 'vitest';
import { backends, gql, useGateway } from '../support/gateway.js';

describe.each(backends)('gateway basics on %s', (backend) => {
  const gateway = useGateway(backend);

  it('answers health, readiness and metrics', async () => {
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${gateway.url}/readyz`)).json()).toEqual({ status: 'ready' });
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toContain('http_requests_total');
  });

  it('refuses a request without a key with 401 UNAUTHENTICATED', async () => {
    const response = await gql(gateway, null, '{ incidents { totalCount } }');
    expect(response.status).toBe(401);
    expect(response.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('creates an incident and reads it back', async () => {
    const { key } = await gateway.createOrg(['write']);
    const created = await gql(gateway, key, 'mutation { createIncident(input: { title: "  Broken  " }) { incident { number title status severity version timeline { nodes { kind body } } } userErrors { code } } }');
    expect(created.errors, JSON.stringify(created.errors)).toBeUndefined();
    expect(created.data?.createIncident).toEqual({
      incident: { number: 1, title: 'Broken', status: 'INVESTIGATING', severity: 'MEDIUM', version: 1, timeline: { nodes: [{ kind: 'CREATED', body: 'We are investigating this incident.' }] } },
      userErrors: [],
    });
  });
});
