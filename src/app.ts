import type { Config } from './config.js';
import type { Database, OpenDatabaseOptions } from './db/client.js';
import { openMigratedDatabase } from './db/open-migrated.js';
import { createGateway, type Gateway } from './http/server.js';
import { createVerifiedKeyCache } from './auth/keys.js';
import type { Logger } from './logger.js';
import { createGatewayPubSub } from './realtime/pubsub.js';
import { createGuardedHttp } from './net/guarded-http.js';
import { startNotificationWorker } from './notifications/worker.js';

export interface RunningGateway {
  gateway: Gateway;
  db: Database;
  port: number;
  stop(): Promise<void>;
}

/** config -> db -> migrate -> server. `stop` drains requests, closes sockets, pub/sub and the database. */
export async function startGateway(
  config: Config,
  logger: Logger,
  options: Pick<OpenDatabaseOptions, 'onStatement'> = {},
): Promise<RunningGateway> {
  const db = await openMigratedDatabase(config, logger, options);
  const pubsub = createGatewayPubSub(config.redisUrl);
  // nodemailer is loaded only when email is configured.
  const mailer = config.smtpUrl ? (await import('./notifications/mailer.js')).createMailer(config.smtpUrl, config.notifications.timeoutMs) : null;
  const http = createGuardedHttp({ allowPrivate: config.outbound.allowPrivate });
  const verifiedKeys = createVerifiedKeyCache(db, { ttlMs: config.apiKeyCacheMs });
  const gateway = createGateway({ config, db, pubsub, logger, verifiedKeys, outbound: { http, emailEnabled: mailer !== null } });
  const port = await gateway.listen(config.port, config.host);
  const notifier = startNotificationWorker(db.prisma, logger, { ...config.notifications, http, sendEmail: mailer?.send });
  let stopping: Promise<void> | null = null;
  return {
    gateway,
    db,
    port,
    stop() {
      stopping ??= (async () => {
        await gateway.close();
        await notifier.stop();
        mailer?.close();
        await pubsub.close();
        await db.close();
      })();
      return stopping;
    },
  };
}
