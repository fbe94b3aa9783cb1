import type { Config } from './config.js';
import type { Database, OpenDatabaseOptions } from './db/client.js';
import { openMigratedDatabase } from './db/open-migrated.js';
import { createGateway, type Gateway } from './http/server.js';
import type { Logger } from './logger.js';
import { createGatewayPubSub } from './realtime/pubsub.js';
import { createMailer } from './notifications/mailer.js';
import { startNotificationWorker } from './notifications/worker.js';
import { startPagingWorker } from './paging/worker.js';
import { pageCompleter } from './services/escalation.js';

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
  const mailer = config.smtpUrl ? createMailer(config.smtpUrl) : null;
  const gateway = createGateway({ config, db, pubsub, logger, sendEmail: mailer?.send });
  const port = await gateway.listen(config.port, config.host);
  const publicUrl = config.publicUrl ?? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  const notifier = startNotificationWorker(db.prisma, logger, {
    ...config.notifications,
    sendEmail: mailer?.send,
    complete: pageCompleter(db.prisma, { ackLinkTtlMs: config.paging.ackLinkTtlMs, publicUrl }),
  });
  const pager = await startPagingWorker(db.prisma, pubsub, logger, { ...config.paging, onNotified: () => notifier.wake() });
  let stopping: Promise<void> | null = null;
  return {
    gateway,
    db,
    port,
    stop() {
      stopping ??= (async () => {
        await gateway.close();
        await pager.stop();
        await notifier.stop();
        mailer?.close();
        await pubsub.close();
        await db.close();
      })();
      return stopping;
    },
  };
}
