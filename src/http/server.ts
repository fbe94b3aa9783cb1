import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { isDatabaseUnavailable } from '../db/availability.js';
import { createGatewayYoga } from '../graphql/yoga.js';
import { registerPubSubMetrics } from '../realtime/metrics.js';
import { createMetrics, metricsAuthorized } from './metrics.js';
import { readBodyWithin, sendFetchResponse } from './body.js';
import { createDirectHandler } from './direct.js';
import { createRateLimiter, RATE_LIMIT_REDIS_OPTIONS } from '../limits/rate-limit.js';
import { createAnonymousLimits, sendTooManyStreams } from './anonymous-limits.js';
import { createHealth } from './health.js';
import { serviceUnavailable, UNAVAILABLE_RETRY_AFTER_SECONDS } from '../graphql/errors.js';
import { serveBoard } from './board/serve.js';
import { createAckHandler } from './ack.js';
import { createRequestGuard } from './request-guard.js';
import { httpServerOptions } from './server-options.js';
import { createIntakeHandler, INTAKE_PATHS } from './intake.js';
import { createRevocations } from './revocations.js';
import { serveGraphqlWebSockets } from './websocket.js';
import type { GatewayDeps } from '../graphql/yoga.js';


/**
 * The HTTP server: routes each request (GraphQL over Yoga or the direct path, health, metrics,
 * board, intake, acknowledgement links), counts it, answers 503 while draining, and shuts down.
 * WebSockets: websocket.ts; key revocations: revocations.ts; the GraphQL engine: src/graphql/yoga.ts.
 */
export function createGateway({ config, tracing, db, pubsub, logger, redis, outbound, verifiedKeys }: GatewayDeps) {
  const metrics = createMetrics();
  registerPubSubMetrics(metrics.registry, pubsub);
  const health = createHealth(db, redis, metrics.registry);
  const bucketsRedis = config.rateLimit.enabled ? redis?.open('rate-limit', RATE_LIMIT_REDIS_OPTIONS) : undefined;
  const rateLimiter = config.rateLimit.enabled ? createRateLimiter(config.rateLimit, bucketsRedis) : null;
  /** Limits per client address for callers without a key; other anonymous endpoints use them too. */
  const anonymousLimits = createAnonymousLimits(config, bucketsRedis);
  let draining = false;

  const revocations = createRevocations({ db, pubsub, logger, verifiedKeys, redis });
  const { yoga, maskError, responseHeaders, persistedDocuments } = createGatewayYoga({
    config,
    tracing,
    db,
    pubsub,
    logger,
    outbound,
    verifiedKeys,
    redis,
    limiters: { keyed: rateLimiter, anonymous: anonymousLimits.limiter },
    operations: metrics.graphqlOperations,
    trackStream: revocations.trackStream,
  });
  const guardRequest = createRequestGuard(config.http);

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
  const ack = createAckHandler({
    prisma: db.prisma,
    pubsub,
    logger,
    rateLimited: config.rateLimit.enabled,
    bucketsRedis,
    clientAddress: anonymousLimits.clientAddress,
  });

  const serveDirectly = config.fastPaths.directHttp ? createDirectHandler({ yoga, maskError, responseHeaders, prepareParams: persistedDocuments.resolve }) : null;

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
    if (url.pathname.startsWith('/ack/')) return ack.serve(req, res, url.pathname);
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

  const websockets = serveGraphqlWebSockets({ server, config, yoga, persistedDocuments, verifiedKeys, revocations, metrics, logger });

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
      websockets.closeSockets();
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
      await websockets.close();
      await revocations.close();
      await rateLimiter?.close();
      await anonymousLimits.close();
      await intake.close();
      await ack.close();
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
