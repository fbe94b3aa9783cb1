import type { PrismaClient } from '../generated/prisma/client.js';
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, retryDelayMs, signatureHeader, type RetryPolicy } from '../domain/notifications.js';
import type { Logger } from '../logger.js';
import type { StoredPayload } from '../services/notifications.js';

export interface WorkerOptions extends RetryPolicy {
  /** How often the outbox is polled when idle. */
  pollMs: number;
  /** How long a claimed notification stays with this worker before another may take it. */
  leaseMs: number;
  /** Per delivery attempt. */
  timeoutMs: number;
  batchSize: number;
  /** Sends an email; absent when SMTP_URL is unset (email notifications then wait). */
  sendEmail?: (email: { to: string; subject: string; text: string; messageId: string }) => Promise<void>;
  /** What to send for a stored payload that is completed at delivery (pages mint their acknowledge link then). */
  complete?: (notification: OutboxRow) => Promise<StoredPayload>;
}

/** A notification as the worker reads it, with where it goes: a subscriber, or a user's contact method (a page). */
export interface OutboxRow {
  id: string;
  incidentId: string;
  channel: string;
  payload: unknown;
  subscriber: { webhookUrl: string | null; signingSecret: string | null } | null;
  contactMethod: { address: string; signingSecret: string | null } | null;
}

export interface NotificationWorker {
  /** Finishes the delivery under way, hands back the claimed ones not yet attempted, and stops. */
  stop(): Promise<void>;
  /** Looks for due notifications now rather than at the next poll. */
  wake(): void;
}

/** `timestamp` columns hold UTC; compare them with UTC instants given from here. */
const utc = (date: Date) => date.toISOString();

/**
 * Claims due notifications (status PENDING, due, not held by a live lease), at most `batchSize`.
 * A notification stays PENDING while it is delivered: if this process dies, its lease runs out
 * and another worker (or this one after a restart) delivers it again: at least once.
 */
async function claim(prisma: PrismaClient, options: WorkerOptions): Promise<string[]> {
  const now = new Date();
  const channels = options.sendEmail ? ['WEBHOOK', 'EMAIL'] : ['WEBHOOK'];
  const rows = await prisma.$queryRaw<{ id: string }[]>`
    WITH claimed AS (
    UPDATE "Notification" SET "lockedUntil" = ${utc(new Date(now.getTime() + options.leaseMs))}::timestamptz AT TIME ZONE 'UTC'
    WHERE "id" IN (
      SELECT "id" FROM "Notification"
      WHERE "status" = 'PENDING'
        AND "channel"::text = ANY(${channels}::text[])
        AND "nextAttemptAt" <= ${utc(now)}::timestamptz AT TIME ZONE 'UTC'
        AND ("lockedUntil" IS NULL OR "lockedUntil" <= ${utc(now)}::timestamptz AT TIME ZONE 'UTC')
      ORDER BY "nextAttemptAt"
      LIMIT ${options.batchSize}
      FOR UPDATE SKIP LOCKED
    )
    RETURNING "id", "nextAttemptAt", "createdAt"
    )
    -- Oldest first: pages of one incident reach their receivers in the order they were written.
    SELECT "id"::text AS "id" FROM claimed ORDER BY "nextAttemptAt", "createdAt", "id"`;
  return rows.map((row) => row.id);
}

async function deliverWebhook(url: string, secret: string, id: string, payload: unknown, timeoutMs: number): Promise<void> {
  const body = JSON.stringify(payload);
  const response = await fetch(url, {
    method: 'POST',
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
    headers: {
      'content-type': 'application/json',
      'user-agent': 'incident-gateway-webhooks',
      [SIGNATURE_HEADER]: signatureHeader(secret, Math.floor(Date.now() / 1000), body),
      [IDEMPOTENCY_HEADER]: id,
    },
    body,
  });
  await response.body?.cancel();
  if (response.status < 200 || response.status >= 300) throw new Error(`HTTP ${response.status}`);
}

async function deliverOne(prisma: PrismaClient, options: WorkerOptions, id: string, logger: Logger): Promise<void> {
  const notification = await prisma.notification.findUnique({
    where: { id },
    include: {
      subscriber: { select: { webhookUrl: true, signingSecret: true } },
      contactMethod: { select: { address: true, signingSecret: true } },
    },
  });
  if (!notification || notification.status !== 'PENDING') return;
  const attempts = notification.attempts + 1;
  try {
    const stored = options.complete ? await options.complete(notification) : (notification.payload as unknown as StoredPayload);
    if ('webhook' in stored) {
      const target = notification.subscriber
        ? { url: notification.subscriber.webhookUrl, secret: notification.subscriber.signingSecret }
        : { url: notification.contactMethod?.address, secret: notification.contactMethod?.signingSecret };
      if (!target.url || !target.secret) throw new Error('The webhook receiver was removed');
      await deliverWebhook(target.url, target.secret, id, stored.webhook, options.timeoutMs);
    } else {
      await options.sendEmail!({ ...stored.email, messageId: `<${id}@incident-gateway>` });
    }
    await prisma.notification.update({
      where: { id },
      data: { status: 'DELIVERED', attempts, deliveredAt: new Date(), lockedUntil: null, lastError: null },
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const delay = retryDelayMs(options, attempts, Math.random());
    logger.warn({ notificationId: id, attempts, dead: delay === null, err: message }, 'notification delivery failed');
    await prisma.notification.update({
      where: { id },
      data:
        delay === null
          ? { status: 'DEAD', attempts, lockedUntil: null, lastError: message }
          : { attempts, nextAttemptAt: new Date(Date.now() + delay), lockedUntil: null, lastError: message },
    });
  }
}

/** Delivers the outbox in the background of the gateway process until stopped. */
export function startNotificationWorker(prisma: PrismaClient, logger: Logger, options: WorkerOptions): NotificationWorker {
  let stopped = false;
  let wake: (() => void) | null = null;
  const loop = (async () => {
    while (!stopped) {
      let claimed: string[] = [];
      try {
        claimed = await claim(prisma, options);
        for (const [index, id] of claimed.entries()) {
          if (stopped) {
            // Not attempted: hand them back now rather than when the lease runs out.
            await prisma.notification.updateMany({ where: { id: { in: claimed.slice(index) }, status: 'PENDING' }, data: { lockedUntil: null } });
            break;
          }
          await deliverOne(prisma, options, id, logger);
        }
      } catch (error) {
        if (!stopped) logger.error({ err: error }, 'notification worker failed a round; retrying');
      }
      // A full batch likely means more is due: go again at once.
      if (claimed.length === options.batchSize) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
  })();
  return {
    async stop() {
      stopped = true;
      (wake as (() => void) | null)?.();
      await loop;
    },
    wake() {
      (wake as (() => void) | null)?.();
    },
  };
}
