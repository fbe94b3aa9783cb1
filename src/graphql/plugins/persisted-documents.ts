import { createHash } from 'node:crypto';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import trustedManifest from '../../client/generated/persisted-documents.json' with { type: 'json' };
import type { RedisConnections } from '../../realtime/redis.js';

/**
 * Trusted documents and automatic persisted queries (APQ), one rule for every transport.
 *
 * - Trusted documents are the operations in schema/operations/, hashed by codegen into
 *   src/client/generated/persisted-documents.json (the client preset's `persistedDocuments`
 *   manifest, sha256). A client may send only `extensions.persistedQuery.sha256Hash` for them.
 * - APQ as Apollo Client and urql send it: a hash alone answers PersistedQueryNotFound until the
 *   client sends the query with its hash once; the hash is checked and the text kept (bounded LRU
 *   per process, and Redis when REDIS_URL is set so every instance knows it).
 * - `PERSISTED_OPERATIONS=only` runs trusted documents alone: any other text, and hashes learnt by
 *   APQ, are refused.
 */
export type PersistedOperationsMode = 'allow' | 'only';

export interface GraphQLParams {
  query?: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
  extensions?: Record<string, unknown> | null;
}

export interface PersistedDocuments {
  /** Yoga's hook for HTTP requests (POST, GET and SSE). */
  plugin: Plugin;
  /** The params with the query filled in from its hash, or a GraphQL error: for the WebSocket and direct HTTP paths. */
  resolve<P extends GraphQLParams>(params: P): Promise<P & { query: string }>;
}

export interface PersistedDocumentsOptions {
  mode: PersistedOperationsMode;
  /** The deployment's Redis, when REDIS_URL is set: documents learnt by one instance are known to all. */
  redis?: RedisConnections;
  /** Documents kept per process (default 1,000). */
  maxEntries?: number;
}

const REDIS_PREFIX = 'apq:';
const REDIS_TTL_SECONDS = 7 * 24 * 3600;
/** A document larger than this is not kept (the body limit bounds it anyway; this bounds the store). */
const MAX_STORED_QUERY_LENGTH = 100_000;

const trusted = new Map(Object.entries(trustedManifest as Record<string, string>).map(([key, query]) => [key.replace(/^sha256:/, ''), query]));

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The documents a client may send by hash alone in every mode: hash -> query. */
export function trustedDocuments(): ReadonlyMap<string, string> {
  return trusted;
}

function requestError(message: string, code: string, status = 400) {
  return createGraphQLError(message, { extensions: { code, http: { status } } });
}

/** Apollo's link retries with the query on this exact message (and code). */
const notFound = () => requestError('PersistedQueryNotFound', 'PERSISTED_QUERY_NOT_FOUND', 200);
const onlyTrusted = () => requestError('Only trusted documents (persisted operations) run on this gateway.', 'PERSISTED_QUERY_ONLY', 403);

function requestedHash(extensions: GraphQLParams['extensions']): string | null {
  const persisted = extensions?.persistedQuery;
  if (persisted === undefined || persisted === null) return null;
  if (typeof persisted !== 'object' || (persisted as { version?: unknown }).version !== 1) {
    throw requestError('extensions.persistedQuery must be { version: 1, sha256Hash }.', 'BAD_USER_INPUT');
  }
  const hash = (persisted as { sha256Hash?: unknown }).sha256Hash;
  if (typeof hash !== 'string' || !/^(sha256:)?[0-9a-f]{64}$/i.test(hash)) {
    throw requestError('extensions.persistedQuery.sha256Hash must be a sha256 hex digest.', 'BAD_USER_INPUT');
  }
  return hash.replace(/^sha256:/i, '').toLowerCase();
}

export function createPersistedDocuments({ mode, redis: connections, maxEntries = 1000 }: PersistedDocumentsOptions): PersistedDocuments {
  const local = new LRUCache<string, string>({ max: maxEntries });
  // Commands fail at once while Redis is away (no offline queue): the local store still answers.
  const redis = mode === 'allow' ? connections?.open('persisted queries', { enableOfflineQueue: false, maxRetriesPerRequest: 1 }) : undefined;

  async function lookUp(hash: string): Promise<string | undefined> {
    if (mode === 'only') return undefined;
    const known = local.get(hash);
    if (known !== undefined || !redis) return known;
    const shared = await redis.get(REDIS_PREFIX + hash).catch(() => null);
    if (shared !== null) local.set(hash, shared);
    return shared ?? undefined;
  }

  async function remember(hash: string, query: string): Promise<void> {
    if (query.length > MAX_STORED_QUERY_LENGTH || local.get(hash) === query) return;
    local.set(hash, query);
    await redis?.set(REDIS_PREFIX + hash, query, 'EX', REDIS_TTL_SECONDS).catch(() => undefined);
  }

  async function resolve<P extends GraphQLParams>(params: P): Promise<P & { query: string }> {
    const hash = requestedHash(params.extensions);
    const query = params.query;
    if (hash === null) {
      if (typeof query !== 'string') return params as P & { query: string };
      if (mode === 'only' && !trusted.has(sha256Hex(query))) throw onlyTrusted();
      return params as P & { query: string };
    }
    // A trusted document runs as the manifest has it, whatever text came along (graphql-ws always sends one).
    const trustedQuery = trusted.get(hash);
    if (trustedQuery !== undefined) return { ...params, query: trustedQuery };
    if (typeof query === 'string' && query !== '') {
      if (sha256Hex(query) !== hash) throw requestError('provided sha does not match query', 'PERSISTED_QUERY_HASH_MISMATCH');
      if (mode === 'only') throw onlyTrusted();
      await remember(hash, query);
      return params as P & { query: string };
    }
    const known = await lookUp(hash);
    if (known === undefined) throw mode === 'only' ? onlyTrusted() : notFound();
    return { ...params, query: known };
  }

  return {
    resolve,
    plugin: {
      onParams({ params, setParams }) {
        if (params.extensions?.persistedQuery == null && mode === 'allow') return;
        return resolve(params).then((resolved) => {
          if (resolved !== params) setParams(resolved);
        });
      },
    },
  };
}
