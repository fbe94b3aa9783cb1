import type { Redis } from 'ioredis';

/** A key's bucket after a charge: what the RateLimit-* headers and the `rateLimit` field report. */
export interface BucketStatus {
  allowed: boolean;
  /** Bucket size (RATE_LIMIT_BUCKET). */
  limit: number;
  /** Points left, rounded down. */
  remaining: number;
  /** When the bucket will be full again, in ms since the epoch. */
  resetAt: number;
  /** When refused: seconds until the charge would fit. */
  retryAfterSeconds: number;
}

/** IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers): limit, points left, seconds until full. */
export function rateLimitHeaders(status: BucketStatus): Record<string, string> {
  return {
    'RateLimit-Limit': String(status.limit),
    'RateLimit-Remaining': String(status.remaining),
    'RateLimit-Reset': String(Math.max(0, Math.ceil((status.resetAt - Date.now()) / 1000))),
  };
}

export interface RateLimiter {
  /** Takes `cost` points from the key's bucket if they are there; otherwise takes nothing. */
  consume(keyId: string, cost: number): Promise<BucketStatus>;
  /** Gives back points that an operation was charged but did not use (never above the bucket size). */
  refund(keyId: string, points: number): Promise<void>;
  close(): Promise<void>;
}

export interface RateLimitSettings {
  bucket: number;
  refillPerSecond: number;
}

interface BucketState {
  tokens: number;
  /** ms since the epoch of the last update. */
  at: number;
}

/**
 * Token bucket: `bucket` points, refilled continuously at `refillPerSecond`. An operation costing
 * more than the whole bucket is charged the whole bucket (it needs a full one), so it can run at all.
 */
export function takeFromBucket(state: BucketState | undefined, now: number, settings: RateLimitSettings, cost: number) {
  const charge = Math.min(cost, settings.bucket);
  const available = state ? Math.min(settings.bucket, state.tokens + ((now - state.at) * settings.refillPerSecond) / 1000) : settings.bucket;
  const allowed = available >= charge;
  const tokens = allowed ? available - charge : available;
  return { next: { tokens, at: now }, status: statusOf(allowed, tokens, charge, now, settings) };
}

function statusOf(allowed: boolean, tokens: number, charge: number, now: number, settings: RateLimitSettings): BucketStatus {
  const perMs = settings.refillPerSecond / 1000;
  return {
    allowed,
    limit: settings.bucket,
    remaining: Math.floor(tokens),
    resetAt: now + Math.ceil((settings.bucket - tokens) / perMs),
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((charge - tokens) / settings.refillPerSecond)),
  };
}

/** One process: buckets in memory. */
export function createMemoryRateLimiter(settings: RateLimitSettings): RateLimiter {
  const buckets = new Map<string, BucketState>();
  return {
    async consume(keyId, cost) {
      const { next, status } = takeFromBucket(buckets.get(keyId), Date.now(), settings, cost);
      buckets.set(keyId, next);
      return status;
    },
    async refund(keyId, points) {
      const state = buckets.get(keyId);
      if (state && points > 0) state.tokens = Math.min(settings.bucket, state.tokens + points);
    },
    async close() {
      buckets.clear();
    },
  };
}

/**
 * The same bucket arithmetic as takeFromBucket, run atomically inside Redis with Redis's clock,
 * so every instance draws from one bucket per key. Returns { allowed, tokens, now }.
 */
const CONSUME_SCRIPT = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local charge = math.min(tonumber(ARGV[3]), capacity)
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = capacity
if state[1] then
  tokens = math.min(capacity, tonumber(state[1]) + (now - tonumber(state[2])) * rate / 1000)
end
local allowed = 0
if tokens >= charge then
  tokens = tokens - charge
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
return { allowed, tostring(tokens), tostring(now) }
`;

const REFUND_SCRIPT = `
local tokens = redis.call('HGET', KEYS[1], 'tokens')
if tokens then
  redis.call('HSET', KEYS[1], 'tokens', tostring(math.min(tonumber(ARGV[1]), tonumber(tokens) + tonumber(ARGV[2]))))
end
return 1
`;

type RedisWithBuckets = Redis & {
  consumeBucket(key: string, capacity: number, rate: number, cost: number): Promise<[number, string, string]>;
  refundBucket(key: string, capacity: number, points: number): Promise<number>;
};

/**
 * Several instances: one bucket per key in Redis, under `namespace`. While Redis is unreachable
 * each instance draws from its own in-memory buckets instead (the limit then holds per instance),
 * so requests never wait for or fail on Redis.
 */
export function createRedisRateLimiter(settings: RateLimitSettings, client: Redis, namespace: string): RateLimiter {
  const redis = client as RedisWithBuckets;
  redis.defineCommand('consumeBucket', { numberOfKeys: 1, lua: CONSUME_SCRIPT });
  redis.defineCommand('refundBucket', { numberOfKeys: 1, lua: REFUND_SCRIPT });
  const local = createMemoryRateLimiter(settings);
  const keyOf = (keyId: string) => `incident-gateway:${namespace}:${keyId}`;
  return {
    async consume(keyId, cost) {
      if (redis.status !== 'ready') return local.consume(keyId, cost);
      try {
        const [allowed, tokens, now] = await redis.consumeBucket(keyOf(keyId), settings.bucket, settings.refillPerSecond, cost);
        return statusOf(allowed === 1, Number(tokens), Math.min(cost, settings.bucket), Number(now), settings);
      } catch {
        return local.consume(keyId, cost);
      }
    },
    async refund(keyId, points) {
      if (points <= 0) return;
      if (redis.status !== 'ready') return local.refund(keyId, points);
      await redis.refundBucket(keyOf(keyId), settings.bucket, points).catch(() => local.refund(keyId, points));
    },
    async close() {
      await local.close();
    },
  };
}

/**
 * A Redis connection for rate-limit buckets: a command fails at once while Redis is down, and
 * within COMMAND_TIMEOUT_MS when it hangs, so that the limiter falls back to local buckets.
 */
export const RATE_LIMIT_REDIS_OPTIONS = { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 500 } as const;

export function createRateLimiter(settings: RateLimitSettings, redis: Redis | undefined, namespace = 'rate-limit'): RateLimiter {
  return redis ? createRedisRateLimiter(settings, redis, namespace) : createMemoryRateLimiter(settings);
}
