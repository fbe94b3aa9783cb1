import type { Config } from './config.js';
import type { Database, OpenDatabaseOptions } from './db/client.js';
import { openMigratedDatabase } from './db/open-migrated.js';
import { createGateway, type Gateway } from './http/server.js';
import { createVerifiedKeyCache } from './auth/keys.js';
import type { Logger } from './logger.js';
import type { StatementListener } from './db/statement-reporter.js';
import { startTracing } from './telemetry/tracing.js';
import { createGatewayPubSub, type PubSub } from './realtime/pubsub.js';
import { createRedisConnections } from './realtime/redis.js';
import { createGuardedHttp } from './net/guarded-http.js';
import { startNotificationWorker } from './notifications/worker.js';
import { startPagingWorker } from './paging/worker.js';
import { pageCompleter } from './services/escalation.js';

/** How long start-up waits for Redis before serving without it. */
const REDIS_CONNECT_WAIT_MS = 2000;

export interface RunningGateway {
  gateway: Gateway;
  db: Database;
  pubsub: PubSub;
  port: number;
  stop(): Promise<void>;
}

/** config -> db -> migrate -> server. `stop` drains requests, closes sockets, pub/sub and the database. */
export async function startGateway(
  config: Config,
  logger: Logger,
  options: Pick<OpenDatabaseOptions, 'onStatement'> = {},
): Promise<RunningGateway> {
  const tracing = config.tracing ? await startTracing() : null;
  const onStatement = bothListeners(options.onStatement, tracing?.onStatement);
  const db = await openMigratedDatabase(config, logger, { onStatement });
  const redis = config.redisUrl ? createRedisConnections(config.redisUrl, logger) : undefined;
  const pubsub = createGatewayPubSub(logger, redis);
  // nodemailer is loaded only when email is configured.
  const mailer = config.smtpUrl ? (await import('./notifications/mailer.js')).createMailer(config.smtpUrl, config.notifications.timeoutMs) : null;
  const http = createGuardedHttp({ allowPrivate: config.outbound.allowPrivate });
  const verifiedKeys = createVerifiedKeyCache(db, { ttlMs: config.apiKeyCacheMs });
  const gateway = createGateway({ config, tracing, db, pubsub, logger, redis, verifiedKeys, outbound: { http, emailEnabled: mailer !== null } });
  // Requests before Redis answers would draw from local buckets: give it a moment first.
  await redis?.connected(REDIS_CONNECT_WAIT_MS);
  const port = await gateway.listen(config.port, config.host);
  const publicUrl = config.publicUrl ?? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  const notifier = startNotificationWorker(db.prisma, logger, {
    ...config.notifications,
    http,
    sendEmail: mailer?.send,
    complete: pageCompleter(db.prisma, { ackLinkTtlMs: config.paging.ackLinkTtlMs, publicUrl }),
    tracing,
  });
  const pager = await startPagingWorker(db.prisma, pubsub, logger, { ...config.paging, tracing, onNotified: () => notifier.wake() });
  let stopping: Promise<void> | null = null;
  return {
    gateway,
    db,
    pubsub,
    port,
    stop() {
      stopping ??= (async () => {
        await gateway.close();
        await pager.stop();
        await notifier.stop();
        mailer?.close();
        await redis?.close();
        await db.close();
        await tracing?.flush();
      })();
      return stopping;
    },
  };
}

function bothListeners(first?: StatementListener, second?: StatementListener): StatementListener | undefined {
  if (!first || !second) return first ?? second;
  return (sql, statement) => {
    first(sql, statement);
    second(sql, statement);
  };
}
