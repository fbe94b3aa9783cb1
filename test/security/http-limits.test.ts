import net from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { httpServerOptions } from '../../src/http/server-options.js';
import { gql, useGateway } from '../support/gateway.js';

/** Row 10 of the exposure review: slow clients; row 12 and 8: methods and GET parameters. */

const REQUEST_TIMEOUT_MS = 2500;

interface Trickle {
  /** Milliseconds from connecting until the server closed the connection; null while it is open. */
  closedAfter(): number | null;
  /** Everything the server sent. */
  received(): string;
  destroy(): void;
}

/** A client that sends `head` at once, then one byte of `drip` every `everyMs`, as a slowloris attack does. */
function trickle(port: number, head: string, drip: string, everyMs: number): Trickle {
  const started = Date.now();
  let closedAt: number | null = null;
  let received = '';
  const socket = net.connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => undefined);
  socket.on('close', () => {
    closedAt = Date.now();
    clearInterval(timer);
  });
  socket.write(head);
  let sent = 0;
  const timer = setInterval(() => {
    if (sent < drip.length && !socket.destroyed) socket.write(drip[sent++]);
  }, everyMs);
  return {
    closedAfter: () => (closedAt === null ? null : closedAt - started),
    received: () => received,
    destroy: () => {
      clearInterval(timer);
      socket.destroy();
    },
  };
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('HTTP time limits', () => {
  const gateway = useGateway('pglite', { REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) });
  let port: number;
  beforeAll(async () => {
    port = gateway.running.port;
  });

  it('closes connections trickling a body one byte every 2 s within REQUEST_TIMEOUT_MS', async () => {
    const body = JSON.stringify({ query: '{ __typename }' });
    const head = `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const clients = Array.from({ length: 20 }, () => trickle(port, head, body, 2000));
    try {
      // Node checks for expired requests once a second (server-options.ts): allow that, and no more.
      await waitUntil(() => clients.every((client) => client.closedAfter() !== null), REQUEST_TIMEOUT_MS + 2000);
      for (const client of clients) {
        expect(client.closedAfter()).not.toBeNull();
        expect(client.closedAfter()!).toBeLessThanOrEqual(REQUEST_TIMEOUT_MS + 1500);
        expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
      }
      // The gateway itself is fine.
      expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    } finally {
      for (const client of clients) client.destroy();
    }
  });

  it('closes connections trickling their headers', async () => {
    const client = trickle(port, 'GET /graphql?query=%7B__typename%7D HTTP/1.1\r\n', 'X-Slow: aaaaaaaaaaaaaaaaaaaaaaaa', 1000);
    try {
      await waitUntil(() => client.closedAfter() !== null, REQUEST_TIMEOUT_MS + 2000);
      expect(client.closedAfter()).not.toBeNull();
      expect(client.closedAfter()!).toBeLessThanOrEqual(REQUEST_TIMEOUT_MS + 1500);
    } finally {
      client.destroy();
    }
  });

  it('still serves requests that take a while to answer, and long-lived responses', async () => {
    const { key } = await gateway.createOrg(['read']);
    // A normal request on a kept-alive connection after the timeout has passed once.
    await new Promise((resolve) => setTimeout(resolve, REQUEST_TIMEOUT_MS + 500));
    expect((await gql(gateway, key, '{ __typename }')).data).toEqual({ __typename: 'Query' });
    // An SSE stream outlives REQUEST_TIMEOUT_MS: the limit is for receiving the request, not for answering.
    const abort = new AbortController();
    const stream = await fetch(gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: 'subscription { incidentChanged { type } }' }),
      signal: abort.signal,
    });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    const ended = (async () => {
      while (!(await reader.read()).done);
      return 'ended';
    })();
    const outcome = await Promise.race([ended, new Promise((resolve) => setTimeout(() => resolve('open'), REQUEST_TIMEOUT_MS + 1500))]);
    expect(outcome).toBe('open');
    abort.abort();
    await ended.catch(() => undefined);
  });

  it('uses a 10 s headers timeout, a whole-request timeout of 30 s and a keep-alive timeout by default', () => {
    expect(httpServerOptions(loadConfig({}).http)).toMatchObject({ requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 });
    expect(gateway.running.gateway.server.requestTimeout).toBe(REQUEST_TIMEOUT_MS);
    expect(gateway.running.gateway.server.keepAliveTimeout).toBe(5_000);
  });
});

describe.each(['on', 'off'])('methods and GET parameters (DIRECT_HTTP=%s)', (directHttp) => {
  const gateway = useGateway('pglite', { DIRECT_HTTP: directHttp });
  let key: string;
  beforeAll(async () => {
    ({ key } = await gateway.createOrg(['write']));
  });

  it('answers unsupported methods with 405 and Allow', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const response = await fetch(gateway.graphqlUrl, {
        method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: method === 'DELETE' ? undefined : JSON.stringify({ query: 'mutation { createIncident(input: { title: "by PUT" }) { incident { id } } }' }),
      });
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, POST, OPTIONS');
      expect((await response.json()).errors[0].extensions.code).toBe('METHOD_NOT_ALLOWED');
    }
    expect((await gql(gateway, key, '{ incidents { totalCount } }')).data?.incidents.totalCount).toBe(0);
  });

  it('answers a mutation over GET with 405 and Allow: POST, and runs nothing', async () => {
    const query = encodeURIComponent('mutation { createIncident(input: { title: "by GET" }) { incident { id } } }');
    const response = await fetch(`${gateway.graphqlUrl}?query=${query}`, { headers: { authorization: `Bearer ${key}`, accept: 'application/json' } });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect((await gql(gateway, key, '{ incidents { totalCount } }')).data?.incidents.totalCount).toBe(0);
  });

  it('answers GET parameters variables and extensions that are not JSON with 400', async () => {
    for (const name of ['variables', 'extensions']) {
      const response = await fetch(`${gateway.graphqlUrl}?query=${encodeURIComponent('{__typename}')}&${name}=notjson`, { headers: { accept: 'application/json' } });
      expect(response.status, name).toBe(400);
      expect((await response.json()).errors[0].extensions.code).toBe('BAD_REQUEST');
    }
    const valid = await fetch(`${gateway.graphqlUrl}?query=${encodeURIComponent('query ($n: Int) { incidents(first: $n) { totalCount } }')}&variables=${encodeURIComponent('{"n":1}')}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(valid.status).toBe(200);
    expect((await valid.json()).data.incidents.totalCount).toBe(0);
  });
});
