import type { IncomingMessage, Server } from 'node:http';
import type { ExecutionArgs, GraphQLError } from 'graphql';
import { WebSocket, WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { shareNextPayloads } from '../realtime/shared-next-frames.js';
import type { Config } from '../config.js';
import { isDatabaseUnavailable } from '../db/availability.js';
import type { Logger } from '../logger.js';
import { bearerToken, type AuthContext, type KeyCheck, type VerifiedKeyCache } from '../auth/keys.js';
import type { GatewayYoga } from '../graphql/yoga.js';
import type { PersistedDocuments } from '../graphql/plugins/persisted-documents.js';
import type { Metrics } from './metrics.js';
import type { Revocations } from './revocations.js';
import { CLOSE_TOO_MANY_SOCKETS, createWebSocketLimits } from './websocket-limits.js';

/** WebSocket close codes of the contract. */
const CLOSE_UNAUTHENTICATED = 4401;
const CLOSE_REVOKED = 4403;
/** RFC 6455's "Try Again Later": the database cannot be reached to check the key. */
const CLOSE_TRY_AGAIN_LATER = 1013;
/** How often each WebSocket is pinged, and how long it has to answer (graphql-ws's default). */
const KEEP_ALIVE_MS = 12_000;

export interface WebSocketDeps {
  server: Server;
  config: Config;
  yoga: GatewayYoga;
  persistedDocuments: PersistedDocuments;
  verifiedKeys: VerifiedKeyCache;
  revocations: Revocations;
  metrics: Metrics;
  logger: Logger;
}

/**
 * graphql-ws on /graphql of `server`: the key is checked when a socket connects (from its
 * connectionParams), each operation runs through the same Yoga as HTTP, and one sweep keeps every
 * socket alive. Sockets per key and operations per socket are bounded (websocket-limits.ts).
 */
export function serveGraphqlWebSockets({ server, config, yoga, persistedDocuments, verifiedKeys, revocations, metrics, logger }: WebSocketDeps) {
  const socketLimits = createWebSocketLimits(config.websocket);
  // A frame above MAX_BODY_BYTES closes the socket with 1009 as soon as its header announces the length.
  const wsServer = new WebSocketServer({ server, path: '/graphql', maxPayload: config.limits.maxBodyBytes });

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
        if (check.status === 'valid' && revocations.revokedLately(check.auth.keyId)) {
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
        revocations.trackStream(check.auth.keyId, socket, () => socket.close(CLOSE_REVOKED, 'API key revoked'));
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
    /** The first step of a shutdown: no more pings, and every socket is told the server is going away. */
    closeSockets(): void {
      clearInterval(keepAlive);
      for (const client of wsServer.clients) client.close(1001, 'Server shutting down');
    },
    /** The last: once the HTTP server is closed. */
    close(): Promise<void> {
      return new Promise<void>((resolve) => wsServer.close(() => resolve()));
    },
  };
}
