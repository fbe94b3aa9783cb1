import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { createYoga, isAsyncIterable, type Plugin, type YogaInitialContext } from 'graphql-yoga';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { getOperationAST, GraphQLError, type ExecutionArgs } from 'graphql';
import { WebSocket, WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { shareNextPayloads } from '../realtime/shared-next-frames.js';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { isDatabaseUnavailable } from '../db/availability.js';
import type { Logger } from '../logger.js';
import { buildSubgraphSchema, schema } from '../graphql/schema.js';
import type { GatewayContext } from '../graphql/context.js';
import { useSharedSubscriptionEvents } from '../graphql/shared-events.js';
import { unauthenticated } from '../graphql/errors.js';
import { API_KEY_REVOCATIONS, bearerToken, revokedKeyIds, type AuthContext, type VerifiedKeyCache, type KeyCheck } from '../auth/keys.js';
import type { PubSub } from '../realtime/pubsub.js';
import type { RedisConnections } from '../realtime/redis.js';
import { registerPubSubMetrics } from '../realtime/metrics.js';
import { createMetrics } from './metrics.js';
import { readBodyWithin, sendFetchResponse } from './body.js';
import { limitPlugins } from './limits.js';
import { createDirectHandler } from './direct.js';
import { createRateLimiter, RATE_LIMIT_REDIS_OPTIONS } from './rate-limit.js';
import { createAnonymousLimits, sendTooManyStreams } from './anonymous-limits.js';
import { createHealth, serviceUnavailable, UNAVAILABLE_RETRY_AFTER_SECONDS } from './health.js';
import { GRAPHIQL_DEFAULT_QUERY, GRAPHIQL_DEFAULT_HEADERS } from './graphiql.js';
import { serveBoard } from './board/serve.js';
import { createAckHandler } from './ack.js';
import { useCompiledReads } from '../graphql/compiled/plugin.js';
import type { Tracing } from '../telemetry/tracing.js';
import { createPersistedDocuments } from '../graphql/persisted-documents.js';
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { createRequestGuard } from './request-guard.js';
import { httpServerOptions } from './server-options.js';
import { CLOSE_TOO_MANY_SOCKETS, createWebSocketLimits } from './websocket-limits.js';
import { disclosurePlugins, metricsAuthorized } from './disclosure.js';
import { createIntakeHandler, INTAKE_PATHS } from './intake.js';

export interface GatewayDeps {
  config: Config;
  /** Spans for requests, GraphQL phases and statements; null when tracing is off. */
  tracing: Tracing | null;
  db: Database;
  pubsub: PubSub;
  logger: Logger;
  outbound: GatewayContext['outbound'];
  /** Keys that checked out lately (one per gateway); revocations heard on the pub/sub drop theirs. */
  verifiedKeys: VerifiedKeyCache;
  /** The deployment's Redis (REDIS_URL): shared rate-limit buckets. */
  redis?: RedisConnections;
}

/** What Yoga's context factory receives besides the request: set by the WebSocket layer. */
interface ServerContext {
  requestId?: string;
  socketAuth?: AuthContext;
  /** The client address of an HTTP request (src/http/client-address.ts): an anonymous caller's rate-limit bucket. */
  clientAddress?: string;
  /** The HTTP response (not for WebSockets): an SSE subscription is ended through it on revocation. */
  res?: ServerResponse;
}

/** WebSocket close codes of the contract. */
const CLOSE_UNAUTHENTICATED = 4401;
const CLOSE_REVOKED = 4403;
/** RFC 6455's "Try Again Later": the database cannot be reached to check the key. */
const CLOSE_TRY_AGAIN_LATER = 1013;
/** How often each WebSocket is pinged, and how long it has to answer (graphql-ws's default). */
const KEEP_ALIVE_MS = 12_000;

function isClientError(error: GraphQLError): boolean {
  return typeof error.extensions?.code === 'string' && error.extensions.code !== 'INTERNAL_SERVER_ERROR';
}

/**
 * Yoga attaches the JSON parser's message (which quotes the body) to BAD_REQUEST errors: not for
 * clients. And a body that is not a GraphQL request at all is a 400 whatever the Accept header says;
 * a more precise 4xx Yoga chose stays, with its headers (405 and `Allow: POST` for a mutation over GET).
 */
function withoutInternals(error: GraphQLError): GraphQLError {
  if (error.extensions?.code !== 'BAD_REQUEST') return error;
  const { originalError: _internal, http, ...extensions } = error.extensions as {
    originalError?: unknown;
    http?: { status?: number; headers?: Record<string, string> };
  };
  const status = http?.status && http.status > 400 && http.status < 500 ? http.status : 400;
  return new GraphQLError(error.message, { nodes: error.nodes, path: error.path, extensions: { ...extensions, http: { status, headers: http?.headers } } });
}

export function createGateway({ config, tracing, db, pubsub, logger, redis, outbound, verifiedKeys }: GatewayDeps) {
  const metrics = createMetrics();
  registerPubSubMetrics(metrics.registry, pubsub);
  const health = createHealth(db, redis, metrics.registry);
  const bucketsRedis = config.rateLimit.enabled ? redis?.open('rate-limit', RATE_LIMIT_REDIS_OPTIONS) : undefined;
  const rateLimiter = config.rateLimit.enabled ? createRateLimiter(config.rateLimit, bucketsRedis) : null;
  /** Limits per client address for callers without a key; other anonymous endpoints use them too. */
  const anonymousLimits = createAnonymousLimits(config, bucketsRedis);
  let draining = false;

  /** Internal errors already logged with their request id: maskError need not log them again. */
  const loggedErrors = new WeakSet<Error>();

  const requestLogging: Plugin<GatewayContext> = {
    onExecute({ args }) {
      const started = performance.now();
      return {
        onExecuteDone({ result }) {
          if (isAsyncIterable(result)) return;
          const context = args.contextValue as GatewayContext;
          const outcome = result.errors?.length ? 'error' : 'ok';
          metrics.graphqlOperations.inc({ operation_type: operationType(args), outcome });
          const where = { requestId: context.requestId, orgId: context.auth?.orgId ?? null };
          for (const error of result.errors ?? []) {
            const cause = error.originalError;
            if (!cause || cause instanceof GraphQLError || loggedErrors.has(cause)) continue;
            loggedErrors.add(cause);
            logger.error({ ...where, err: cause, path: error.path }, 'internal error');
          }
          logger.info(
            {
              ...where,
              operationName: getOperationAST(args.document, args.operationName)?.name?.value ?? null,
              durationMs: Math.round((performance.now() - started) * 100) / 100,
              errors: result.errors?.length ?? 0,
            },
            'graphql operation',
          );
        },
      };
    },
  };

  /** Subscriptions over SSE end when their key is revoked, like WebSockets. */
  const revocableStreams: Plugin<GatewayContext & ServerContext> = {
    onSubscribe({ args }) {
      const context = args.contextValue as GatewayContext & ServerContext;
      const res = context.res;
      if (context.auth && res && !context.socketAuth) trackStream(context.auth.keyId, res, () => res.destroy());
    },
  };

  /** Client errors keep their code; anything internal is logged once and masked. */
  function maskError(error: unknown, message: string): Error {
    const original = error instanceof GraphQLError ? error : null;
    const cause = original?.originalError;
    if (isDatabaseUnavailable(cause ?? error)) return serviceUnavailable();
    if (original && !cause && isClientError(original)) return withoutInternals(original);
    if (cause instanceof GraphQLError && isClientError(cause)) return withoutInternals(cause);
    // graphql-js reports a variable that does not coerce (e.g. "many" for an Int) this way.
    if (cause instanceof GraphQLError && !cause.extensions?.code) {
      return new GraphQLError(original?.message ?? cause.message, { nodes: original?.nodes, extensions: { code: 'BAD_USER_INPUT' } });
    }
    if (cause?.name === 'PothosValidationError') {
      return new GraphQLError(cause.message, { nodes: original?.nodes, path: original?.path, extensions: { code: 'BAD_USER_INPUT' } });
    }
    if (original && !cause) return original;
    if (!cause || !loggedErrors.has(cause)) logger.error({ err: cause ?? error, path: original?.path }, 'internal error');
    return new GraphQLError(message, { path: original?.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  }

  const limits = limitPlugins(config, { keyed: rateLimiter, anonymous: anonymousLimits.limiter });
  const persistedDocuments = createPersistedDocuments({ mode: config.persistedOperations, redis });
  const guardRequest = createRequestGuard(config.http);
  const socketLimits = createWebSocketLimits(config.websocket);

  const yoga = createYoga<ServerContext, GatewayContext>({
    schema: config.federation ? buildSubgraphSchema() : schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    logging: false,
    // CORS is answered before either HTTP path (request-guard.ts).
    cors: false,
    renderGraphiQL,
    graphiql: { title: 'incident-gateway', defaultQuery: GRAPHIQL_DEFAULT_QUERY, headers: GRAPHIQL_DEFAULT_HEADERS, shouldPersistHeaders: true },
    maskedErrors: { maskError },
    context: async (initial: YogaInitialContext & ServerContext): Promise<GatewayContext> => {
      const requestId = initial.requestId ?? randomUUID();
      if (initial.socketAuth) return { prisma: db.prisma, pubsub, outbound, verifiedKeys, requestId, auth: initial.socketAuth };
      const token = bearerToken(initial.request.headers.get('authorization'));
      if (token === null) return { prisma: db.prisma, pubsub, outbound, verifiedKeys, requestId, auth: null, clientAddress: initial.clientAddress };
      const check = token ? await verifiedKeys.check(token) : ({ status: 'invalid' } as const);
      if (check.status !== 'valid') {
        throw unauthenticated(check.status === 'revoked' ? 'This API key has been revoked.' : 'The API key is not valid.');
      }
      return { prisma: db.prisma, pubsub, outbound, verifiedKeys, requestId, auth: check.auth };
    },
    plugins: [
      persistedDocuments.plugin,
      useDeferStream(),
      requestLogging,
      revocableStreams,
      // Before the limits: a refused introspection costs the caller nothing.
      ...disclosurePlugins(config.disclosure),
      ...limits.plugins,
      useSharedSubscriptionEvents(tracing?.traceEvent),
      ...(tracing?.plugins ?? []),
      ...(config.fastPaths.compiledReads ? [useCompiledReads(db, logger, tracing)] : []),
    ],
  });

  // Before an integration key is checked, each client address pays one point of its anonymous bucket.
  const intake = createIntakeHandler({
    config,
    db,
    pubsub,
    logger,
    bucketsRedis,
    admitClient: async (req) => {
      const status = await anonymousLimits.take(anonymousLimits.clientAddress(req), 1);
      return { allowed: status.allowed, retryAfterSeconds: status.retryAfterSeconds };
    },
  });
  const serveAck = createAckHandler({ prisma: db.prisma, pubsub, logger, rateLimited: config.rateLimit.enabled });

  const serveDirectly = config.fastPaths.directHttp ? createDirectHandler({ yoga, maskError, responseHeaders: limits.responseHeaders, prepareParams: persistedDocuments.resolve }) : null;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = routeOf(url.pathname);
    const requestId = (req.headers['x-request-id'] as string | undefined)?.slice(0, 100) || randomUUID();
    res.setHeader('X-Request-Id', requestId);
    res.on('finish', () => {
      metrics.httpRequests.inc({ route, status: String(res.statusCode) });
      metrics.httpDuration.observe({ route }, (performance.now() - started) / 1000);
    });
    if (draining) {
      res.writeHead(503, { 'Content-Type': 'application/json', Connection: 'close', 'Retry-After': '1' });
      res.end(JSON.stringify({ errors: [{ message: 'The gateway is shutting down.', extensions: { code: 'SERVICE_UNAVAILABLE' } }] }));
      return;
    }
    switch (url.pathname) {
      case '/healthz':
        sendJson(res, 200, { status: 'ok' });
        return;
      case '/readyz': {
        const { ready, body } = await health.readiness();
        sendJson(res, ready ? 200 : 503, body);
        return;
      }
      case '/metrics':
        if (!metricsAuthorized(req, config.disclosure.metricsToken)) {
          res.setHeader('WWW-Authenticate', 'Bearer');
          sendJson(res, 401, { error: 'Send the metrics token: Authorization: Bearer <METRICS_TOKEN>.' });
          return;
        }
        res.writeHead(200, { 'Content-Type': metrics.registry.contentType });
        res.end(await metrics.registry.metrics());
        return;
    }
    if (url.pathname === '/board' || url.pathname.startsWith('/board/')) return serveBoard(req, res);
    if (INTAKE_PATHS.includes(url.pathname)) return intake.handle(req, res, url.pathname);
    if (url.pathname.startsWith('/ack/')) return serveAck(req, res, url.pathname);
    if (url.pathname === '/graphql') {
      if (guardRequest(req, res, url)) return;
      const clientAddress = anonymousLimits.clientAddress(req);
      if (!req.headers.authorization && req.headers.accept?.includes('text/event-stream') && !(await anonymousLimits.holdStream(clientAddress, res))) {
        sendTooManyStreams(res, config.rateLimit.anonymous.maxStreamsPerAddress);
        return;
      }
      if (req.method !== 'POST') {
        await yoga.handle(req, res, { requestId, clientAddress });
        return;
      }
      const body = await readBodyWithin(req, config.limits.maxBodyBytes);
      if (!body) {
        res.setHeader('Connection', 'close');
        sendJson(res, 413, { errors: [{ message: `Request body larger than ${config.limits.maxBodyBytes} bytes.`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
        return;
      }
      if (serveDirectly && (await serveDirectly(req, res, body, { requestId, res, clientAddress }))) return;
      const aborted = new AbortController();
      res.once('close', () => aborted.abort());
      const response = await yoga.fetch(
        `http://localhost${req.url ?? '/graphql'}`,
        { method: 'POST', headers: headersOf(req), body: new Uint8Array(body) as Uint8Array<ArrayBuffer>, signal: aborted.signal },
        { requestId, res, clientAddress },
      );
      await sendFetchResponse(response, res);
      return;
    }
    sendJson(res, 404, { error: 'Not found' });
  }

  let inFlight = 0;
  let idle: (() => void) | null = null;
  const responses = new Set<ServerResponse>();
  const server: Server = createServer(httpServerOptions(config.http), (req, res) => {
    inFlight += 1;
    metrics.httpInFlight.inc();
    responses.add(res);
    res.on('close', () => {
      responses.delete(res);
      inFlight -= 1;
      metrics.httpInFlight.dec();
      if (inFlight === 0) idle?.();
    });
    const handling = tracing ? tracing.httpRequest(req, res, routeOf(new URL(req.url ?? '/', 'http://localhost').pathname), () => handle(req, res)) : handle(req, res);
    handling.catch((error: unknown) => {
      if (isDatabaseUnavailable(error)) {
        if (res.headersSent) return void res.destroy();
        const { message, extensions } = serviceUnavailable();
        res.setHeader('Retry-After', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
        sendJson(res, 503, { errors: [{ message, extensions: { code: extensions.code } }] });
        return;
      }
      // Cut off by REQUEST_TIMEOUT_MS, or gone, while its body was read: nothing to answer, nothing wrong here.
      if (req.destroyed && (error as NodeJS.ErrnoException).code === 'ECONNRESET') {
        logger.info('client went away before its request was complete');
        return;
      }
      logger.error({ err: error }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else res.destroy();
    });
  });

  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  // A frame above MAX_BODY_BYTES closes the socket with 1009 as soon as its header announces the length.
  const wsServer = new WebSocketServer({ server, path: '/graphql', maxPayload: config.limits.maxBodyBytes });

  /**
   * Open streams per API key: WebSockets and SSE responses, each with how to end it. Revocations
   * arrive over the pub/sub (one topic for all keys, so each instance holds one listener), so a key
   * revoked on any instance loses its streams on all of them.
   */
  const streamsByKey = new Map<string, Set<() => void>>();
  function trackStream(keyId: string, stream: { once(event: 'close', listener: () => void): unknown }, end: () => void): void {
    let streams = streamsByKey.get(keyId);
    if (!streams) streamsByKey.set(keyId, (streams = new Set()));
    streams.add(end);
    stream.once('close', () => {
      streams.delete(end);
      if (streams.size === 0 && streamsByKey.get(keyId) === streams) streamsByKey.delete(keyId);
    });
  }
  /** Keys revoked lately: a socket whose key check raced with the revocation is closed on arrival. */
  const recentRevocations = new Set<string>();
  const revocations = pubsub.subscribe('apikey.revoked', API_KEY_REVOCATIONS);
  function revoked(keyId: string): void {
    verifiedKeys.forget(keyId);
    recentRevocations.add(keyId);
    setTimeout(() => recentRevocations.delete(keyId), 60_000).unref();
    for (const end of streamsByKey.get(keyId) ?? []) end();
  }
  void (async () => {
    for await (const { keyId } of revocations) revoked(keyId);
  })();
  // Revocations published while Redis was down reached no one: the keys of open streams are re-read.
  redis?.onReconnect(() => {
    // Keys held in the cache may have been revoked meanwhile too: check them all again.
    verifiedKeys.clearVerifiedKeys();
    revokedKeyIds(db, [...streamsByKey.keys()]).then(
      (keyIds) => keyIds.forEach(revoked),
      (error: unknown) => logger.warn({ err: error }, 'could not re-read revocations after redis came back'),
    );
  });

  useServer<Record<string, unknown>, { auth?: AuthContext }>(
    {
      ...shareNextPayloads(wsServer),
      onConnect: async (ctx) => {
        // The key arrives in connectionParams, not in the upgrade request: let the request go (graphql-ws keeps it for the socket's life).
        (ctx.extra as { request?: IncomingMessage }).request = undefined;
        const token = bearerToken(String(ctx.connectionParams?.authorization ?? ''));
        let check: KeyCheck;
        try {
          check = token ? await verifiedKeys.check(token) : { status: 'invalid' };
        } catch (error) {
          if (!isDatabaseUnavailable(error)) throw error;
          ctx.extra.socket.close(CLOSE_TRY_AGAIN_LATER, 'Service unavailable');
          return false;
        }
        if (check.status === 'valid' && recentRevocations.has(check.auth.keyId)) {
          ctx.extra.socket.close(CLOSE_REVOKED, 'Revoked');
          return false;
        }
        if (check.status !== 'valid') {
          ctx.extra.socket.close(check.status === 'revoked' ? CLOSE_REVOKED : CLOSE_UNAUTHENTICATED, check.status === 'revoked' ? 'Revoked' : 'Unauthorized');
          return false;
        }
        const socket = ctx.extra.socket;
        if (!socketLimits.admit(check.auth.keyId, socket)) {
          socket.close(CLOSE_TOO_MANY_SOCKETS, 'Too many sockets for this API key');
          return false;
        }
        ctx.extra.auth = check.auth;
        trackStream(check.auth.keyId, socket, () => socket.close(CLOSE_REVOKED, 'API key revoked'));
        metrics.websocketConnections.inc();
        return true;
      },
      onDisconnect: (ctx) => {
        if (ctx.extra.auth) metrics.websocketConnections.dec();
      },
      onSubscribe: async (ctx, _id, payload) => {
        const refused = socketLimits.tooManySubscriptions(ctx.subscriptions);
        if (refused) return refused;
        let params;
        try {
          params = await persistedDocuments.resolve(payload);
        } catch (error) {
          return [error as GraphQLError];
        }
        // The context holds what resolvers read, not the socket's: each of thousands of subscriptions keeps its own.
        const { schema: envelopedSchema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          params,
          socketAuth: ctx.extra.auth,
        });
        const document = parse(params.query);
        const errors = validate(envelopedSchema, document);
        if (errors.length > 0) return errors;
        return {
          schema: envelopedSchema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
      },
      execute: (args) => (args.rootValue as { execute: (args: ExecutionArgs) => unknown }).execute(args) as never,
      subscribe: (args) => (args.rootValue as { subscribe: (args: ExecutionArgs) => unknown }).subscribe(args) as never,
    },
    wsServer,
    // Keep-alive is the shared sweep below, not a timer per socket.
    0,
  );

  /**
   * Keep-alive for all sockets at once: every KEEP_ALIVE_MS each open socket is pinged, and one
   * that has not answered the previous ping by then is cut off (as graphql-ws's per-socket timers
   * would: no answer within one period).
   */
  const awaitingPong = new WeakSet<WebSocket>();
  function answeredPing(this: WebSocket): void {
    awaitingPong.delete(this);
  }
  wsServer.on('connection', (socket) => socket.on('pong', answeredPing));
  // A client's protocol error (a frame above maxPayload, invalid UTF-8) has ws close the socket with
  // its code (1009, 1007) and emit 'error': graphql-ws would print it to stderr as an internal error.
  wsServer.on('connection', (socket) => {
    socket.removeAllListeners('error');
    socket.on('error', (error: Error & { code?: string }) => logger.info({ code: error.code, reason: error.message }, 'WebSocket closed for a protocol error'));
  });
  const keepAlive = setInterval(() => {
    for (const socket of wsServer.clients) {
      if (socket.readyState !== WebSocket.OPEN) continue;
      if (awaitingPong.has(socket)) {
        socket.terminate();
        continue;
      }
      awaitingPong.add(socket);
      socket.ping();
    }
  }, KEEP_ALIVE_MS);
  keepAlive.unref();

  return {
    server,
    metrics,
    verifiedKeys,
    anonymousLimits,
    listen(port: number, host: string): Promise<number> {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      });
    },
    /**
     * Answers new requests with 503 while in-flight ones finish (up to the grace period),
     * then stops listening and closes every socket.
     */
    async close(): Promise<void> {
      draining = true;
      clearInterval(keepAlive);
      for (const client of wsServer.clients) client.close(1001, 'Server shutting down');
      // Subscriptions over SSE never finish by themselves: end them like the WebSockets.
      for (const res of responses) {
        if (String(res.getHeader('content-type') ?? '').startsWith('text/event-stream')) res.destroy();
      }
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          const grace = setTimeout(() => {
            logger.warn({ inFlight }, 'shutdown grace period over: cutting off the requests still in flight');
            resolve();
          }, config.shutdownGraceMs);
          idle = () => {
            clearTimeout(grace);
            resolve();
          };
        });
      }
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
      await revocations.return?.();
      await rateLimiter?.close();
      await anonymousLimits.close();
      await intake.close();
    },
  };
}

export type Gateway = ReturnType<typeof createGateway>;

/** The route a request is counted and traced under: a fixed set, whatever the path. */
function routeOf(pathname: string): string {
  return pathname === '/graphql' ? '/graphql' : ['/healthz', '/readyz', '/metrics', ...INTAKE_PATHS].includes(pathname) ? pathname : 'other';
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  return headers;
}

function operationType(args: ExecutionArgs): string {
  const operation = args.document.definitions.find(
    (definition) => definition.kind === 'OperationDefinition' && (!args.operationName || definition.name?.value === args.operationName),
  );
  return operation && 'operation' in operation ? operation.operation : 'unknown';
}
