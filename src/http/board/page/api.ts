import { createClient, type Client } from 'graphql-ws';
import type { TypedDocumentString } from '../../../client/generated/graphql.js';

/** A GraphQL error from the gateway; `code` is its extensions.code (UNAUTHENTICATED, FORBIDDEN, ...). */
export class GatewayError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

interface GraphQLResult<T> {
  data?: T | null;
  errors?: readonly { message: string; extensions?: { code?: string } }[];
}

function firstError(errors: GraphQLResult<unknown>['errors']): GatewayError {
  const error = errors?.[0];
  return new GatewayError(error?.message ?? 'The gateway gave no data.', error?.extensions?.code);
}

/** The trusted-document hash codegen gave the operation (schema/operations/), as persisted-query extensions. */
function persistedQuery(document: { __meta__?: Record<string, any> }) {
  return { persistedQuery: { version: 1, sha256Hash: String(document.__meta__?.hash) } };
}

/** One typed query or mutation over HTTP to this gateway, by its trusted document's hash, with the key as bearer token. */
export async function request<TResult, TVariables>(
  key: string,
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
): Promise<TResult> {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ variables, extensions: persistedQuery(document) }),
  });
  const body = (await response.json()) as GraphQLResult<TResult>;
  if (body.errors?.length || !body.data) throw firstError(body.errors);
  return body.data;
}

/** WebSocket close codes of the gateway: no or bad key, revoked key. Retrying cannot help. */
export const CLOSE_UNAUTHENTICATED = 4401;
export const CLOSE_REVOKED = 4403;

export function isCloseEvent(value: unknown): value is { code: number; reason: string } {
  return typeof value === 'object' && value !== null && 'code' in value && typeof (value as { code: unknown }).code === 'number';
}

/** A graphql-ws client for this gateway that never gives up while the key is good: a wall screen has nobody to press reload. */
export function createLiveClient(key: string, on: { connected(): void; closed(): void }): Client {
  return createClient({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
    connectionParams: { authorization: `Bearer ${key}` },
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: (reason) => !isCloseEvent(reason) || (reason.code !== CLOSE_UNAUTHENTICATED && reason.code !== CLOSE_REVOKED),
    // 1 s, 2 s, 4 s ... up to 15 s, with jitter so a room of boards does not reconnect in step.
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(1000 * 2 ** retries, 15_000) + Math.random() * 500)),
    keepAlive: 15_000,
    on: { connected: on.connected, closed: on.closed },
  });
}

/** A typed subscription; returns its dispose function. */
export function subscribe<TResult, TVariables>(
  client: Client,
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  sink: { next(data: TResult): void; error(error: unknown): void },
): () => void {
  return client.subscribe<TResult>(
    // graphql-ws requires the text; the hash lets a gateway that runs trusted documents only accept it.
    { query: document.toString(), variables: variables as Record<string, unknown>, extensions: persistedQuery(document) },
    {
      next: (result) => {
        if (result.data) sink.next(result.data);
        else sink.error(firstError(result.errors));
      },
      error: sink.error,
      complete: () => undefined,
    },
  );
}
