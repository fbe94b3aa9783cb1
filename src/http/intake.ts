import type { Redis } from 'ioredis';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';
import { bearerToken, integrationKeyHash } from '../auth/keys.js';
import { batchOfEvent, parseAlertmanagerNotification, parseEnqueueEvent, routingKeyOf, type AlertBatch } from '../domain/intake.js';
import { publishAll } from '../realtime/events.js';
import type { PubSub } from '../realtime/pubsub.js';
import {
  applyAlertBatch,
  countOpenAlert,
  findIntegrationByKey,
  recordEventTime,
  type BatchOptions,
  type IntegrationRoute,
  type KnownIntegration,
} from '../services/intake.js';
import { readBodyWithin } from './body.js';
import { createRateLimiter } from '../limits/rate-limit.js';

/** PagerDuty Events API v2 compatible. */
export const ENQUEUE_PATH = '/v2/enqueue';
/** Alertmanager's webhook receiver. */
export const ALERTMANAGER_PATH = '/integrations/alertmanager';
export const INTAKE_PATHS: readonly string[] = [ENQUEUE_PATH, ALERTMANAGER_PATH];

/**
 * Admits (or refuses) a caller before its key is known, by what the request shows (its client
 * address): these endpoints answer anyone. Refused requests get 429 with Retry-After.
 */
export type ClientAdmission = (req: IncomingMessage) => Promise<{ allowed: boolean; retryAfterSeconds: number }>;

export interface IntakeDeps {
  config: Config;
  db: Database;
  pubsub: PubSub;
  logger: Logger;
  /** The deployment's Redis connection for rate-limit buckets, when REDIS_URL is set: one bucket per integration across instances. */
  bucketsRedis?: Redis;
  /** The per-client limit of anonymous requests, when there is one. */
  admitClient?: ClientAdmission;
}

/** Integrations remembered by key hash (most recently looked up), so that a repeated trigger skips the lookup. */
const KNOWN_INTEGRATIONS_MAX = 10_000;

type Answer = { status: number; body: Record<string, unknown>; headers?: Record<string, string> };

/** PagerDuty's answer to an event it refuses. */
function invalidEvent(errors: string[], message = 'Event object is invalid'): Answer {
  return { status: 400, body: { status: 'invalid event', message, errors } };
}

function throttled(retryAfterSeconds: number): Answer {
  return {
    status: 429,
    headers: { 'Retry-After': String(retryAfterSeconds) },
    body: { status: 'throttle event', message: 'Requests for this integration are arriving too quickly. Please retry later.' },
  };
}

function send(res: ServerResponse, answer: Answer): void {
  res.writeHead(answer.status, { 'Content-Type': 'application/json; charset=utf-8', ...answer.headers });
  res.end(JSON.stringify(answer.body));
}

function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

/**
 * The two endpoints through which monitoring sends alerts, authenticated by an integration key
 * instead of an API key: bounded in size (INTAKE_MAX_BODY_BYTES), rate limited per integration
 * (INTAKE_RATE_LIMIT_*, off with RATE_LIMIT=off), and before the key is known by `admitClient`.
 */
export function createIntakeHandler({ config, db, pubsub, logger, bucketsRedis, admitClient }: IntakeDeps) {
  const limiter = config.rateLimit.enabled ? createRateLimiter(config.intake.rateLimit, bucketsRedis, 'intake-rate-limit') : null;
  const maxBytes = config.intake.maxBodyBytes;
  const tooLarge: Answer = {
    status: 413,
    headers: { Connection: 'close' },
    body: { status: 'invalid event', message: `Request body larger than ${maxBytes} bytes`, errors: [`Request body larger than ${maxBytes} bytes`] },
  };

  /**
   * Key hash -> integration, for the path of a repeated trigger: one statement counts the alert and
   * checks the key at once, so a rotated or deleted key still fails at once (that statement finds
   * nothing, and the lookup that follows finds no integration).
   */
  const known = new Map<string, KnownIntegration>();

  async function lookUp(keyHash: string): Promise<IntegrationRoute | null> {
    const route = await findIntegrationByKey(db, keyHash);
    known.delete(keyHash);
    if (!route) return null;
    if (known.size >= KNOWN_INTEGRATIONS_MAX) known.delete(known.keys().next().value!);
    known.set(keyHash, route);
    return route;
  }

  /** One event costs one point of the integration's bucket; null when it may go on. */
  async function charge(integration: KnownIntegration): Promise<Answer | null> {
    if (!limiter) return null;
    const status = await limiter.consume(`integration:${integration.id}`, 1);
    return status.allowed ? null : throttled(status.retryAfterSeconds);
  }

  /** Applies a batch and publishes what it changed, once committed. */
  async function apply(route: IntegrationRoute, batch: AlertBatch, options: BatchOptions): Promise<void> {
    const outcome = await applyAlertBatch(db, route, batch, options);
    if (!outcome.ok) throw new Error(`alert batch rejected: ${outcome.errors.map((error) => error.message).join('; ')}`);
    publishAll(pubsub, outcome.events);
  }

  async function enqueue(req: IncomingMessage): Promise<Answer> {
    const body = await readBodyWithin(req, maxBytes);
    if (!body) return tooLarge;
    const json = parseJson(body);
    if (!json.ok) return invalidEvent(['Event must be valid JSON']);
    const routingKey = routingKeyOf(json.value);
    const parsed = parseEnqueueEvent(json.value);
    if (!routingKey) return invalidEvent(parsed.ok ? ["'routing_key' is missing or blank"] : parsed.errors);
    const keyHash = integrationKeyHash(routingKey);
    let route: IntegrationRoute | null = null;
    const integration = known.get(keyHash) ?? (route = await lookUp(keyHash));
    if (!integration) return invalidEvent(['Invalid routing key']);
    const refused = await charge(integration);
    if (refused) return refused;
    if (!parsed.ok) return invalidEvent(parsed.errors);
    const event = parsed.value;
    const dedupKey = event.dedupKey ?? randomBytes(16).toString('hex');
    const now = new Date();
    // A repeated trigger of an open alert is one statement; anything else is a transaction.
    const counted = event.action === 'trigger' && event.dedupKey !== null && (await countOpenAlert(db, integration.id, keyHash, dedupKey, now));
    if (!counted) {
      route ??= await lookUp(keyHash);
      if (!route) return invalidEvent(['Invalid routing key']);
      await apply(route, batchOfEvent(event, dedupKey), { lockGroup: false });
    }
    await recordEventTime(db, route ?? integration, now);
    return { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: dedupKey } };
  }

  async function alertmanager(req: IncomingMessage): Promise<Answer> {
    const token = bearerToken(req.headers.authorization);
    const route = token ? await lookUp(integrationKeyHash(token)) : null;
    if (!route) {
      return {
        status: 401,
        headers: { 'WWW-Authenticate': 'Bearer' },
        body: { status: 'unauthorized', message: 'Send the integration key as "Authorization: Bearer <integration key>".' },
      };
    }
    const refused = await charge(route);
    if (refused) return refused;
    const body = await readBodyWithin(req, maxBytes);
    if (!body) return tooLarge;
    const json = parseJson(body);
    if (!json.ok) return invalidEvent(['Notification must be valid JSON'], 'Notification is invalid');
    const parsed = parseAlertmanagerNotification(json.value);
    if (!parsed.ok) return invalidEvent(parsed.errors, 'Notification is invalid');
    const now = new Date();
    await apply(route, parsed.value, { lockGroup: true, delivery: body });
    await recordEventTime(db, route, now);
    return { status: 200, body: { status: 'success', message: 'Notification processed' } };
  }

  return {
    async handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
      if (req.method !== 'POST') {
        send(res, { status: 405, headers: { Allow: 'POST' }, body: { status: 'invalid event', message: 'Use POST', errors: [] } });
        return;
      }
      if (admitClient) {
        const admission = await admitClient(req);
        if (!admission.allowed) return send(res, throttled(admission.retryAfterSeconds));
      }
      try {
        send(res, pathname === ENQUEUE_PATH ? await enqueue(req) : await alertmanager(req));
      } catch (error) {
        logger.error({ err: error, path: pathname }, 'alert intake failed');
        send(res, { status: 500, body: { status: 'error', message: 'The event could not be processed; retry later.' } });
      }
    },
    async close(): Promise<void> {
      await limiter?.close();
    },
  };
}

export type IntakeHandler = ReturnType<typeof createIntakeHandler>;
