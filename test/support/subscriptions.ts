import { createClient, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import type { TestGateway } from './gateway.js';

type Result = FormattedExecutionResult<Record<string, any>, unknown>;

/** A graphql-ws client as an app would open one; `closed` gives the close code when the connection ends. */
export function wsClient(gateway: Pick<TestGateway, 'wsUrl'>, key: string | null) {
  let onClosed!: (code: number) => void;
  const closed = new Promise<number>((resolve) => (onClosed = resolve));
  const client = createClient({
    url: gateway.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: key === null ? {} : { authorization: `Bearer ${key}` },
    retryAttempts: 0,
    on: { closed: (event) => onClosed((event as { code: number }).code) },
  });
  return {
    client,
    closed,
    subscribe: (query: string, variables?: Record<string, unknown>) => new Subscription(client.iterate({ query, variables })),
    dispose: () => client.dispose(),
  };
}

/** Reads a subscription's results one at a time; `take(n)` waits for the next n. */
export class Subscription {
  constructor(private readonly iterator: AsyncIterableIterator<Result>) {}

  async take(count: number): Promise<Result[]> {
    const results: Result[] = [];
    while (results.length < count) {
      const { value, done } = await this.iterator.next();
      if (done) throw new Error(`subscription completed after ${results.length} of ${count} results`);
      results.push(value);
    }
    return results;
  }

  async next(): Promise<Result> {
    return (await this.take(1))[0];
  }

  /** The error the subscription fails with (graphql-ws reports operation errors as a rejection). */
  async failure(): Promise<unknown> {
    try {
      const { value } = await this.iterator.next();
      return value;
    } catch (error) {
      return error;
    }
  }

  async close(): Promise<void> {
    await this.iterator.return?.();
  }
}

/**
 * A subscription over Server-Sent Events, as `fetch` with `Accept: text/event-stream` receives it
 * (the "distinct connections" mode of GraphQL over SSE that Yoga serves on /graphql).
 */
export async function sseSubscribe(
  gateway: Pick<TestGateway, 'graphqlUrl'>,
  key: string | null,
  query: string,
  variables?: Record<string, unknown>,
) {
  const abort = new AbortController();
  const response = await fetch(gateway.graphqlUrl, {
    method: 'POST',
    headers: {
      accept: 'text/event-stream',
      'content-type': 'application/json',
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
    signal: abort.signal,
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  /** The next `event: next` payload; null once the stream completes. */
  async function next(): Promise<Result | null> {
    for (;;) {
      const end = buffered.indexOf('\n\n');
      if (end >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const fields = Object.fromEntries(
          block
            .split('\n')
            .filter((line) => line && !line.startsWith(':'))
            .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trimStart()]),
        );
        if (fields.event === 'complete') return null;
        if (fields.data) return JSON.parse(fields.data) as Result;
        continue;
      }
      const { value, done } = await reader.read();
      if (done) return null;
      buffered += value;
    }
  }
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    next,
    close: () => abort.abort(),
  };
}

/** Listeners on the gateway's pub/sub, as /metrics reports them. */
export async function pubsubListeners(gateway: Pick<TestGateway, 'url'>): Promise<number> {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  const line = text.split('\n').find((row) => row.startsWith('gateway_pubsub_listeners '));
  if (!line) throw new Error('gateway_pubsub_listeners is missing from /metrics');
  return Number(line.split(' ')[1]);
}

/**
 * Waits until the gateway has at least `count` pub/sub listeners: a subscription is live once its
 * listener is attached (only then are events certain to reach it).
 */
export async function untilListeners(gateway: Pick<TestGateway, 'url'>, count: number): Promise<void> {
  while ((await pubsubListeners(gateway)) < count) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** Waits (a bounded while) until the gateway has at most `count` listeners: clients leave asynchronously. */
export async function untilListenersAtMost(gateway: Pick<TestGateway, 'url'>, count: number): Promise<void> {
  for (let polls = 0; polls < 250 && (await pubsubListeners(gateway)) > count; polls += 1) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
