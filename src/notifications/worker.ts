import type { PrismaClient } from '../generated/prisma/client.js';
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, retryDelayMs, signatureHeader, type RetryPolicy } from '../domain/notifications.js';
import type { Logger } from '../logger.js';
import type { StoredPayload } from '../services/notifications.js';
import { OutboundError, redactUrl, type GuardedHttp } from '../net/guarded-http.js';
import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { storedTraceContext, type Tracing } from '../telemetry/tracing.js';

export interface WorkerOptions extends RetryPolicy {
  /** How often the outbox is polled when idle. */
  pollMs: number;
  /** How long a claimed notification stays with this worker before another may take it. */
  leaseMs: number;
  /** Per delivery attempt. */
  timeoutMs: number;
  batchSize: number;
  /** Deliveries under way at once: a receiver that hangs holds one slot, never the others. */
  concurrency: number;
  /** Every webhook goes through it. */
  http: GuardedHttp;
  /** Sends an email; absent when SMTP_URL is unset (email notifications then end DEAD at once). */
  sendEmail?: (email: { to: string; subject: string; text: string; messageId: string }) => Promise<void>;
  /** What to send for a stored payload that is completed at delivery (pages mint their acknowledge link then). */
  complete?: (notification: OutboxRow) => Promise<StoredPayload>;
  /**
   * When tracing is on: each delivery runs in a `notification.deliver` span continuing the trace
   * that wrote the notification, and webhooks carry that span's traceparent.
   */
  tracing?: Tracing | null;
}

/** A notification as the worker reads it, with where it goes: a subscriber, or a user's contact method (a page). */
export interface OutboxRow {
  id: string;
  /** Null for a subscription confirmation. */
  incidentId: string | null;
  channel: string;
  payload: unknown;
  subscriber: { webhookUrl: string | null; signingSecret: string | null } | null;
  contactMethod: { address: string; signingSecret: string | null } | null;
}

export interface NotificationWorker {
  /** Stops claiming, lets the deliveries under way finish (each is bounded by timeoutMs), and stops. */
  stop(): Promise<void>;
  /** Looks for due notifications now rather than at the next poll. */
  wake(): void;
}

/** A failure that no retry can cure: the notification ends DEAD at once. */
class PermanentFailure extends Error {}

/** A receiver may answer with a page of its own; more than this is not read. */
const WEBHOOK_RESPONSE_MAX_BYTES = 64 * 1024;
/** What a CONFIRMATION keeps once it is no longer pending: its token is only stored until the mail is sent. */
const SENT_CONFIRMATION_TEXT = '(the confirmation token is removed once the mail is sent or given up)';

/** `timestamp` columns hold UTC; compare them with UTC instants given from here. */
const utc = (date: Date) => date.toISOString();

/**
 * Claims due notifications (status PENDING, due, not held by a live lease), at most `limit`,
 * none of those this worker is still delivering (`underWay`: their lease may have run out while
 * the database was slow). A notification stays PENDING while it is delivered: if this process
 * dies, its lease runs out and another worker (or this one after a restart) delivers it again:
 * at least once.
 */
async function claim(prisma: PrismaClient, options: WorkerOptions, limit: number, underWay: string[]): Promise<string[]> {
  const now = new Date();
  const rows = await prisma.$queryRaw<{ id: string }[]>`
    WITH claimed AS (
    UPDATE "Notification" SET "lockedUntil" = ${utc(new Date(now.getTime() + options.leaseMs))}::timestamptz AT TIME ZONE 'UTC'
    WHERE "id" IN (
      SELECT "id" FROM "Notification"
      WHERE "status" = 'PENDING'
        AND "nextAttemptAt" <= ${utc(now)}::timestamptz AT TIME ZONE 'UTC'
        AND ("lockedUntil" IS NULL OR "lockedUntil" <= ${utc(now)}::timestamptz AT TIME ZONE 'UTC')
        AND "id"::text <> ALL(${underWay}::text[])
      ORDER BY "nextAttemptAt"
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    )
    RETURNING "id", "nextAttemptAt", "createdAt"
    )
    -- Oldest first: pages of one incident reach their receivers in the order they were written.
    SELECT "id"::text AS "id" FROM claimed ORDER BY "nextAttemptAt", "createdAt", "id"`;
  return rows.map((row) => row.id);
}

async function deliverWebhook(options: WorkerOptions, url: string, secret: string, id: string, payload: unknown): Promise<void> {
  const body = JSON.stringify(payload);
  try {
    const response = await options.http.request(url, {
      method: 'POST',
      timeoutMs: options.timeoutMs,
      maxResponseBytes: WEBHOOK_RESPONSE_MAX_BYTES,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'incident-gateway-webhooks',
        [SIGNATURE_HEADER]: signatureHeader(secret, Math.floor(Date.now() / 1000), body),
        [IDEMPOTENCY_HEADER]: id,
        ...options.tracing?.currentContext(),
      },
      body,
    });
    // Redirects are not followed: a 3xx fails like any other status outside 2xx.
    if (response.status < 200 || response.status >= 300) throw new Error(`HTTP ${response.status}`);
  } catch (error) {
    if (error instanceof OutboundError && error.permanent) throw new PermanentFailure(`webhook URL refused: ${error.message}`);
    throw error;
  }
}

async function deliverOne(prisma: PrismaClient, options: WorkerOptions, id: string, logger: Logger): Promise<void> {
  const notification = await load(prisma, id);
  if (!notification || notification.status !== 'PENDING') return;
  const { tracing } = options;
  if (!tracing) return attempt(prisma, options, notification, logger);
  const attributes = { 'notification.id': id, 'notification.channel': notification.channel, 'notification.attempt': notification.attempts + 1 };
  return tracing.inSpan('notification.deliver', attributes, (span) => attempt(prisma, options, notification, logger, span), storedTraceContext(notification.traceContext));
}

type LoadedNotification = NonNullable<Awaited<ReturnType<typeof load>>>;

function load(prisma: PrismaClient, id: string) {
  return prisma.notification.findUnique({
    where: { id },
    include: {
      subscriber: { select: { webhookUrl: true, signingSecret: true } },
      contactMethod: { select: { address: true, signingSecret: true } },
    },
  });
}

/** One delivery attempt of a claimed notification, and its outcome recorded. */
async function attempt(prisma: PrismaClient, options: WorkerOptions, notification: LoadedNotification, logger: Logger, span?: Span): Promise<void> {
  const { id } = notification;
  const attempts = notification.attempts + 1;
  let stored = notification.payload as unknown as StoredPayload;
  // A confirmation's token lives only as long as the mail may still be sent.
  const finished = (status: 'DELIVERED' | 'DEAD') =>
    notification.kind === 'CONFIRMATION' && 'email' in stored
      ? { status, payload: { email: { ...stored.email, text: SENT_CONFIRMATION_TEXT } } }
      : { status };
  // A subscriber's webhook, or a user's contact method when this is a page.
  const target = notification.subscriber
    ? { url: notification.subscriber.webhookUrl, secret: notification.subscriber.signingSecret }
    : { url: notification.contactMethod?.address, secret: notification.contactMethod?.signingSecret };
  try {
    if (options.complete) stored = await options.complete(notification);
    if ('webhook' in stored) {
      if (!target.url || !target.secret) throw new PermanentFailure('the webhook receiver was removed');
      await deliverWebhook(options, target.url, target.secret, id, stored.webhook);
    } else {
      if (!options.sendEmail) throw new PermanentFailure('email is not configured: SMTP_URL is not set');
      await options.sendEmail({ ...stored.email, messageId: `<${id}@incident-gateway>` });
    }
    // Still PENDING: an unsubscribe may have ended it meanwhile.
    await prisma.notification.updateMany({
      where: { id, status: 'PENDING' },
      data: { ...finished('DELIVERED'), attempts, deliveredAt: new Date(), lockedUntil: null, lastError: null },
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const delay = error instanceof PermanentFailure ? null : retryDelayMs(options, attempts, Math.random());
    const url = 'webhook' in stored ? redactUrl(target.url ?? '') : undefined;
    span?.setStatus({ code: SpanStatusCode.ERROR, message });
    logger.warn({ notificationId: id, attempts, dead: delay === null, url, err: message }, 'notification delivery failed');
    await prisma.notification.updateMany({
      where: { id, status: 'PENDING' },
      data:
        delay === null
          ? { ...finished('DEAD'), attempts, lockedUntil: null, lastError: message }
          : { attempts, nextAttemptAt: new Date(Date.now() + delay), lockedUntil: null, lastError: message },
    });
  }
}

/**
 * Delivers the outbox in the background of the gateway process until stopped: up to
 * `concurrency` deliveries at once, each claimed only when a slot is free for it (so nothing
 * claimed waits behind a slow receiver while its lease runs).
 */
export function startNotificationWorker(prisma: PrismaClient, logger: Logger, options: WorkerOptions): NotificationWorker {
  let stopped = false;
  let wake: (() => void) | null = null;
  const underWay = new Map<string, Promise<void>>();
  const loop = (async () => {
    while (!stopped) {
      const wanted = Math.min(options.batchSize, options.concurrency - underWay.size);
      let claimed: string[] = [];
      if (wanted > 0) {
        try {
          claimed = await claim(prisma, options, wanted, [...underWay.keys()]);
        } catch (error) {
          if (!stopped) logger.error({ err: error }, 'notification worker failed to claim; retrying');
        }
      }
      for (const id of claimed) {
        const delivery: Promise<void> = deliverOne(prisma, options, id, logger)
          .catch((error: unknown) => logger.error({ err: error, notificationId: id }, 'notification delivery could not be recorded; its lease will run out'))
          .finally(() => {
            underWay.delete(id);
            wake?.();
          });
        underWay.set(id, delivery);
      }
      // A full claim likely means more is due: go again at once while slots are free.
      if (claimed.length > 0 && claimed.length === wanted && underWay.size < options.concurrency) continue;
      // Otherwise wait for the poll interval or a freed slot, whichever comes first.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
    await Promise.all(underWay.values());
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
