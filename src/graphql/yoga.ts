import { randomUUID } from 'node:crypto';
import { createYoga, type YogaInitialContext } from 'graphql-yoga';
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import type { Counter } from 'prom-client';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { Tracing } from '../telemetry/tracing.js';
import type { PubSub } from '../realtime/pubsub.js';
import type { RedisConnections } from '../realtime/redis.js';
import { bearerToken, type VerifiedKeyCache } from '../auth/keys.js';
import type { RateLimiter } from '../limits/rate-limit.js';
import { buildSubgraphSchema, schema } from './schema.js';
import type { GatewayContext, OutboundServices, TransportContext } from './context.js';
import { unauthenticated } from './errors.js';
import { GRAPHIQL_DEFAULT_HEADERS, GRAPHIQL_DEFAULT_QUERY, graphiqlPage } from './graphiql.js';
import { createPersistedDocuments } from './plugins/persisted-documents.js';
import { operationLogging } from './plugins/operation-log.js';
import { useRevocableStreams, type TrackStream } from './plugins/revocable-streams.js';
import { disclosurePlugins } from './plugins/disclosure.js';
import { limitPlugins } from './plugins/limits.js';
import { useSharedSubscriptionEvents } from './plugins/shared-events.js';
import { useCompiledReads } from './compiled/plugin.js';

/** What a gateway is built from (src/app.ts): the HTTP server takes these, Yoga these and more. */
export interface GatewayDeps {
  config: Config;
  /** Spans for requests, GraphQL phases and statements; null when tracing is off. */
  tracing: Tracing | null;
  db: Database;
  pubsub: PubSub;
  logger: Logger;
  outbound: OutboundServices;
  /** Keys that checked out lately (one per gateway); revocations heard on the pub/sub drop theirs. */
  verifiedKeys: VerifiedKeyCache;
  /** The deployment's Redis (REDIS_URL): shared rate-limit buckets. */
  redis?: RedisConnections;
}

export interface GatewayYogaDeps extends GatewayDeps {
  /** The buckets operations are charged to (null: rate limiting off for that kind of caller). */
  limiters: { keyed: RateLimiter | null; anonymous: RateLimiter | null };
  /** graphql_operations_total. */
  operations: Counter<'operation_type' | 'outcome'>;
  trackStream: TrackStream;
}

/**
 * The GraphQL engine every transport runs operations through (HTTP by Yoga or src/http/direct.ts,
 * WebSockets by src/http/websocket.ts): the schema, the context of each operation, error masking,
 * and the plugins in the order they see an operation.
 */
export function createGatewayYoga({ config, tracing, db, pubsub, logger, outbound, verifiedKeys, redis, limiters, operations, trackStream }: GatewayYogaDeps) {
  const logging = operationLogging(logger, operations);
  const limits = limitPlugins(config, limiters);
  const persistedDocuments = createPersistedDocuments({ mode: config.persistedOperations, redis });
  /** What every operation's context shares, built once. */
  const services = { db, pubsub, outbound, verifiedKeys };
  let graphiqlHtml: Promise<string> | undefined;

  const yoga = createYoga<TransportContext, GatewayContext>({
    schema: config.federation ? buildSubgraphSchema() : schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    logging: false,
    // CORS is answered before either HTTP path (src/http/request-guard.ts).
    cors: false,
    // Imported on the first GraphiQL page: its bundled editor is about 30 MB of strings a gateway that
    // never serves the page need not hold. The options are this instance's, the same on every request:
    // the page is rendered once.
    renderGraphiQL: (options) => (graphiqlHtml ??= import('@graphql-yoga/render-graphiql').then(({ renderGraphiQL }) => graphiqlPage(renderGraphiQL(options)))),
    graphiql: { title: 'incident-gateway', defaultQuery: GRAPHIQL_DEFAULT_QUERY, headers: GRAPHIQL_DEFAULT_HEADERS, shouldPersistHeaders: true },
    maskedErrors: { maskError: logging.maskError },
    context: async (initial: YogaInitialContext & TransportContext): Promise<GatewayContext> => {
      const requestId = initial.requestId ?? randomUUID();
      if (initial.socketAuth) return { ...services, requestId, auth: initial.socketAuth };
      const token = bearerToken(initial.request.headers.get('authorization'));
      if (token === null) return { ...services, requestId, auth: null, clientAddress: initial.clientAddress };
      const check = token ? await verifiedKeys.check(token) : ({ status: 'invalid' } as const);
      if (check.status !== 'valid') {
        throw unauthenticated(check.status === 'revoked' ? 'This API key has been revoked.' : 'The API key is not valid.');
      }
      return { ...services, requestId, auth: check.auth };
    },
    plugins: [
      persistedDocuments.plugin,
      useDeferStream(),
      logging.plugin,
      useRevocableStreams(trackStream),
      // Before the limits: a refused introspection costs the caller nothing.
      ...disclosurePlugins(config.disclosure),
      ...limits.plugins,
      useSharedSubscriptionEvents(tracing?.traceEvent),
      ...(tracing?.plugins ?? []),
      ...(config.fastPaths.compiledReads ? [useCompiledReads(logger, tracing)] : []),
    ],
  });

  return {
    yoga,
    /** For the paths that answer past Yoga's own masking (src/http/direct.ts). */
    maskError: logging.maskError,
    /** The RateLimit-* headers of a request, for responses written past Yoga's onResponse. */
    responseHeaders: limits.responseHeaders,
    persistedDocuments,
  };
}

export type GatewayYoga = ReturnType<typeof createGatewayYoga>['yoga'];
