import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { createYoga, isAsyncIterable, type Plugin, type YogaInitialContext } from 'graphql-yoga';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { getOperationAST, GraphQLError, type ExecutionArgs } from 'graphql';
import { WebSocket, WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { pendingMigrations } from '../db/migrate.js';
import type { Logger } from '../logger.js';
import { schema } from '../graphql/schema.js';
import type { GatewayContext } from '../graphql/context.js';
import { useSharedSubscriptionEvents } from '../graphql/shared-events.js';
import { unauthenticated } from '../graphql/errors.js';
import { API_KEY_REVOCATIONS, bearerToken, type AuthContext, type VerifiedKeyCache } from '../auth/keys.js';
import type { PubSub } from '../realtime/pubsub.js';
import { registerPubSubMetrics } from '../realtime/metrics.js';
import { createMetrics } from './metrics.js';
import { readBodyWithin, sendFetchResponse } from './body.js';
import { limitPlugins } from './limits.js';
import { createDirectHandler } from './direct.js';
import { createRateLimiter } from './rate-limit.js';
import { GRAPHIQL_DEFAULT_QUERY, GRAPHIQL_DEFAULT_HEADERS } from './graphiql.js';
import { serveBoard } from './board/serve.js';
import { useCompiledReads } from '../graphql/compiled/plugin.js';

export interface GatewayDeps {
  config: Config;
  db: Database;
  pubsub: PubSub;
  logger: Logger;
  outbound: GatewayContext['outbound'];
  /** Keys that checked out lately (one per gateway); revocations heard on the pub/sub drop theirs. */
  verifiedKeys: VerifiedKeyCache;
}

/** What Yoga's context factory receives besides the request: set by the WebSocket layer. */
interface ServerContext {
  requestId?: string;
  socketAuth?: AuthContext;
  /** The HTTP response (not for WebSockets): an SSE subscription is ended through it on revocation. */
  res?: ServerResponse;
}

/** WebSocket close codes of the contract. */
const CLOSE_UNAUTHENTICATED = 4401;
const CLOSE_REVOKED = 4403;
/** How often each WebSocket is pinged, and how long it has to answer (graphql-ws's default). */
const KEEP_ALIVE_MS = 12_000;

function isClientError(error: GraphQLError): boolean {
  return typeof error.extensions?.code === 'string' && error.extensions.code !== 'INTERNAL_SERVER_ERROR';
}

/**
 * Yoga attaches the JSON parser's message (which quotes the body) to BAD_REQUEST errors: not for
 * clients. And a body that is not a GraphQL request at all is a 400 whatever the Accept header says.
 */
function withoutInternals(error: GraphQLError): GraphQLError {
  if (error.extensions?.code !== 'BAD_REQUEST') return error;
  const { originalError: _internal, http: _http, ...extensions } = error.extensions;
  return new GraphQLError(error.message, { nodes: error.nodes, path: error.path, extensions: { ...extensions, http: { status: 400 } } });
}

export function createGateway({ config, db, pubsub, logger, outbound, verifiedKeys }: GatewayDeps) {
  const metrics = createMetrics();
  registerPubSubMetrics(metrics.registry, pubsub);
  const rateLimiter = config.rateLimit.enabled ? createRateLimiter(config.rateLimit, config.redisUrl) : null;
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

  const limits = limitPlugins(config, rateLimiter);

  const yoga = createYoga<ServerContext, GatewayContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    logging: false,
    renderGraphiQL,
    graphiql: { title: 'incident-gateway', defaultQuery: GRAPHIQL_DEFAULT_QUERY, headers: GRAPHIQL_DEFAULT_HEADERS, shouldPersistHeaders: true },
    maskedErrors: { maskError },
    context: async (initial: YogaInitialContext & ServerContext): Promise<GatewayContext> => {
      const requestId = initial.requestId ?? randomUUID();
      if (initial.socketAuth) return { prisma: db.prisma, pubsub, outbound, verifiedKeys, requestId, auth: initial.socketAuth };
      const token = bearerToken(initial.request.headers.get('authorization'));
      if (token === null) return { prisma: db.prisma, pubsub, outbound, verifiedKeys, requestId, auth: null };
      const check = token ? await verifiedKeys.check(token) : ({ status: 'invalid' } as const);
      if (check.status !== 'valid') {
        throw unauthenticated(check.status === 'revoked' ? 'This API key has been revoked.' : 'The API key is not valid.');
      }
      return { prisma: db.prisma, pubsub, outbound, verifiedKeys, requestId, auth: check.auth };
    },
    plugins: [
      requestLogging,
      revocableStreams,
      ...limits.plugins,
      useSharedSubscriptionEvents(),
      ...(config.fastPaths.compiledReads ? [useCompiledReads(db, logger)] : []),
    ],
  });

  const serveDirectly = config.fastPaths.directHttp ? createDirectHandler({ yoga, maskError, responseHeaders: limits.responseHeaders }) : null;

  async function ready(): Promise<boolean> {
    try {
      await db.ping();
      return (await pendingMigrations(db)).length === 0;
    } catch {
      return false;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = url.pathname === '/graphql' ? '/graphql' : ['/healthz', '/readyz', '/metrics'].includes(url.pathname) ? url.pathname : 'other';
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
        const isReady = await ready();
        sendJson(res, isReady ? 200 : 503, { status: isReady ? 'ready' : 'not ready' });
        return;
      }
      case '/metrics':
        res.writeHead(200, { 'Content-Type': metrics.registry.contentType });
        res.end(await metrics.registry.metrics());
        return;
    }
    if (url.pathname === '/board' || url.pathname.startsWith('/board/')) return serveBoard(req, res);
    if (url.pathname === '/graphql') {
      if (req.method !== 'POST') {
        await yoga.handle(req, res, { requestId });
        return;
      }
      const body = await readBodyWithin(req, config.limits.maxBodyBytes);
      if (!body) {
        res.setHeader('Connection', 'close');
        sendJson(res, 413, { errors: [{ message: `Request body larger than ${config.limits.maxBodyBytes} bytes.`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
        return;
      }
      if (serveDirectly && (await serveDirectly(req, res, body, { requestId, res }))) return;
      const aborted = new AbortController();
      res.once('close', () => aborted.abort());
      const response = await yoga.fetch(
        `http://localhost${req.url ?? '/graphql'}`,
        { method: 'POST', headers: headersOf(req), body: new Uint8Array(body) as Uint8Array<ArrayBuffer>, signal: aborted.signal },
        { requestId, res },
      );
      await sendFetchResponse(response, res);
      return;
    }
    sendJson(res, 404, { error: 'Not found' });
  }

  let inFlight = 0;
  let idle: (() => void) | null = null;
  const responses = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    inFlight += 1;
    metrics.httpInFlight.inc();
    responses.add(res);
    res.on('close', () => {
      responses.delete(res);
      inFlight -= 1;
      metrics.httpInFlight.dec();
      if (inFlight === 0) idle?.();
    });
    handle(req, res).catch((error: unknown) => {
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

  const wsServer = new WebSocketServer({ server, path: '/graphql' });

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
  void (async () => {
    for await (const { keyId } of revocations) {
      verifiedKeys.forget(keyId);
      recentRevocations.add(keyId);
      setTimeout(() => recentRevocations.delete(keyId), 60_000).unref();
      for (const end of streamsByKey.get(keyId) ?? []) end();
    }
  })();

  useServer<Record<string, unknown>, { auth?: AuthContext }>(
    {
      onConnect: async (ctx) => {
        // The key arrives in connectionParams, not in the upgrade request: let the request go (graphql-ws keeps it for the socket's life).
        (ctx.extra as { request?: IncomingMessage }).request = undefined;
        const token = bearerToken(String(ctx.connectionParams?.authorization ?? ''));
        const check = token ? await verifiedKeys.check(token) : ({ status: 'invalid' } as const);
        if (check.status === 'valid' && recentRevocations.has(check.auth.keyId)) {
          ctx.extra.socket.close(CLOSE_REVOKED, 'Revoked');
          return false;
        }
        if (check.status !== 'valid') {
          ctx.extra.socket.close(check.status === 'revoked' ? CLOSE_REVOKED : CLOSE_UNAUTHENTICATED, check.status === 'revoked' ? 'Revoked' : 'Unauthorized');
          return false;
        }
        ctx.extra.auth = check.auth;
        const socket = ctx.extra.socket;
        trackStream(check.auth.keyId, socket, () => socket.close(CLOSE_REVOKED, 'API key revoked'));
        metrics.websocketConnections.inc();
        return true;
      },
      onDisconnect: (ctx) => {
        if (ctx.extra.auth) metrics.websocketConnections.dec();
      },
      onSubscribe: async (ctx, _id, params) => {
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
    },
  };
}

export type Gateway = ReturnType<typeof createGateway>;

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
