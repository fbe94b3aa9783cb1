import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { clientAddressResolver, type ClientAddressOf } from './client-address.js';
import { createStreamSlots } from './stream-slots.js';
import { rateLimited } from '../graphql/errors.js';
import { createRateLimiter, rateLimitHeaders, type BucketStatus, type RateLimiter } from '../limits/rate-limit.js';

/**
 * Limits for callers without an API key, per client address: a bucket of cost points
 * (ANON_RATE_LIMIT_BUCKET, refilled at ANON_RATE_LIMIT_REFILL_PER_SECOND) and at most
 * ANON_MAX_STREAMS_PER_IP open SSE streams, both over all instances through Redis when REDIS_URL is set.
 *
 * Anything reachable without a key uses these, GraphQL or not. An HTTP endpoint does:
 *
 *     if (!(await anonymousLimits.admit(req, res, points))) return; // answered 429 already
 *
 * or, to decide itself, `take(clientAddress(req), points)` and `sendRateLimited(res, status, points)`.
 */
export interface AnonymousLimits {
  /** The client address of a request: TRUST_PROXY decides whether X-Forwarded-For is believed. */
  clientAddress: ClientAddressOf;
  /** Takes `points` from the bucket of `address` if they are there; always allowed when RATE_LIMIT=off. */
  take(address: string, points: number): Promise<BucketStatus>;
  /** Takes `points` from the request's client address; when refused answers 429 RATE_LIMITED and returns false. */
  admit(req: IncomingMessage, res: ServerResponse, points: number): Promise<boolean>;
  /** Holds one of the address's stream slots until `stream` closes; false (nothing held) when all are taken. */
  holdStream(address: string, stream: Closable): Promise<boolean>;
  /** The limiter behind `take`, for the GraphQL cost plugin; null when RATE_LIMIT=off. */
  limiter: RateLimiter | null;
  close(): Promise<void>;
}

/** A stream (an HTTP response) that tells when it is over. */
interface Closable {
  readonly closed: boolean;
  once(event: 'close', listener: () => void): unknown;
}

export function createAnonymousLimits(config: Config, redis: Redis | undefined): AnonymousLimits {
  const settings = config.rateLimit.anonymous;
  const limiter = config.rateLimit.enabled ? createRateLimiter(settings, redis, 'anonymous-rate-limit') : null;
  const unlimited: BucketStatus = { allowed: true, limit: settings.bucket, remaining: settings.bucket, resetAt: 0, retryAfterSeconds: 0 };
  const clientAddress = clientAddressResolver(config.trustProxy);
  const streams = config.rateLimit.enabled ? createStreamSlots(settings.maxStreamsPerAddress, redis) : null;

  const take = async (address: string, points: number) => (limiter ? limiter.consume(address, points) : { ...unlimited, resetAt: Date.now() });
  return {
    clientAddress,
    take,
    async admit(req, res, points) {
      const status = await take(clientAddress(req), points);
      if (status.allowed) {
        if (limiter) for (const [name, value] of Object.entries(rateLimitHeaders(status))) res.setHeader(name, value);
        return true;
      }
      sendRateLimited(res, status, points);
      return false;
    },
    async holdStream(address, stream) {
      if (!streams) return true;
      const release = await streams.take(address);
      if (!release) return false;
      // The client may have gone while the slot was being taken.
      if (stream.closed) release();
      else stream.once('close', release);
      return true;
    },
    limiter,
    async close() {
      streams?.close();
      await limiter?.close();
    },
  };
}

/** Answers 429 RATE_LIMITED, as a GraphQL response would: Retry-After, RateLimit-* and the error in JSON. */
export function sendRateLimited(res: ServerResponse, status: BucketStatus, points: number): void {
  const error = rateLimited(status, points);
  const { http, ...extensions } = error.extensions as { http: { headers: Record<string, string> } };
  res.writeHead(429, { 'Content-Type': 'application/json; charset=utf-8', ...http.headers, ...rateLimitHeaders(status) });
  res.end(JSON.stringify({ errors: [{ message: error.message, extensions }] }));
}

/** The refusal of a stream over ANON_MAX_STREAMS_PER_IP. */
export function sendTooManyStreams(res: ServerResponse, max: number): void {
  res.writeHead(429, { 'Content-Type': 'application/json; charset=utf-8', 'Retry-After': '5' });
  res.end(
    JSON.stringify({
      errors: [{ message: `Too many open streams from this address (at most ${max}); close one first.`, extensions: { code: 'RATE_LIMITED' } }],
    }),
  );
}
