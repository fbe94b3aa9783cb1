import { meros } from 'meros/node';
import http from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { backends, gql, useGateway, type TestGateway } from '../support/gateway.js';

/** Every part of an incremental answer, as an HTTP client that speaks multipart/mixed reads it. */
async function multipart(gateway: TestGateway, key: string, query: string): Promise<{ status: number; contentType: string; parts: any[] }> {
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const request = http.request(gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed', authorization: `Bearer ${key}` },
    });
    request.on('response', resolve).on('error', reject);
    request.end(JSON.stringify({ query }));
  });
  const parts: any[] = [];
  const stream = await meros(response);
  if (Symbol.asyncIterator in stream) {
    for await (const part of stream) parts.push(part.json ? part.body : JSON.parse(String(part.body)));
  } else {
    parts.push(JSON.parse(await new Response(stream as never).text()));
  }
  return { status: response.statusCode ?? 0, contentType: String(response.headers['content-type']), parts };
}

/** The events of an SSE answer. */
async function serverSentEvents(gateway: TestGateway, key: string, query: string): Promise<any[]> {
  const response = await fetch(gateway.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query }),
  });
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((event) => event.startsWith('event: next'))
    .map((event) => JSON.parse(event.slice(event.indexOf('data: ') + 'data: '.length)));
}

const STATS_QUERY = `query Stats {
  viewer { scopes }
  ... @defer(label: "stats") {
    incidentStats(from: "2026-01-01T00:00:00Z", to: "2027-01-01T00:00:00Z") { total { count } }
  }
}`;

describe.each(backends)('@defer and @stream on %s', (backend) => {
  const gateway = useGateway(backend, { MAX_COST: '400' });
  let key: string;

  beforeAll(async () => {
    ({ key } = await gateway.createOrg(['write']));
    for (let index = 0; index < 4; index++) {
      await gql(gateway, key, 'mutation($title: String!) { createIncident(input: { title: $title }) { incident { id } } }', { title: `streamed ${index}` });
    }
  });

  it('sends a deferred slow field in a later part over multipart/mixed', async () => {
    const { status, contentType, parts } = await multipart(gateway, key, STATS_QUERY);
    expect(status).toBe(200);
    expect(contentType).toContain('multipart/mixed');
    expect(parts[0]).toEqual(expect.objectContaining({ data: { viewer: { scopes: expect.arrayContaining(['write']) } }, hasNext: true }));
    const incremental = parts.flatMap((part) => part.incremental ?? []);
    expect(incremental).toEqual([expect.objectContaining({ label: 'stats', data: { incidentStats: { total: { count: 4 } } } })]);
    expect(parts.at(-1).hasNext).toBe(false);
  });

  it('streams a list item by item after its initial count', async () => {
    const { parts } = await multipart(gateway, key, '{ incidents(first: 4, orderBy: { field: NUMBER, direction: ASC }) { nodes @stream(initialCount: 1) { number } } }');
    expect(parts[0].data.incidents.nodes).toEqual([{ number: 1 }]);
    const streamed = parts.flatMap((part) => part.incremental ?? []).flatMap((increment: { items: unknown[] }) => increment.items);
    expect(streamed).toEqual([{ number: 2 }, { number: 3 }, { number: 4 }]);
  });

  it('delivers the same parts over SSE', async () => {
    const events = await serverSentEvents(gateway, key, STATS_QUERY);
    expect(events[0].data).toEqual({ viewer: { scopes: expect.arrayContaining(['write']) } });
    expect(events.flatMap((event) => event.incremental ?? [])).toEqual([expect.objectContaining({ data: { incidentStats: { total: { count: 4 } } } })]);
  });

  it('costs the whole operation, deferred parts included', async () => {
    const costly = `{ ... @defer { incidents(first: 100) { nodes { timeline(first: 100) { nodes { id } } } } } }`;
    const answer = await gql(gateway, key, costly);
    expect(answer.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
    const { parts } = await multipart(gateway, key, costly);
    expect(parts[0].errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });
});
