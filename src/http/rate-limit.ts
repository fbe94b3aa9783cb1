import { Redis } from 'ioredis';

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

/** Several instances: one bucket per key in Redis. */
export function createRedisRateLimiter(settings: RateLimitSettings, redisUrl: string): RateLimiter {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 }) as RedisWithBuckets;
  redis.defineCommand('consumeBucket', { numberOfKeys: 1, lua: CONSUME_SCRIPT });
  redis.defineCommand('refundBucket', { numberOfKeys: 1, lua: REFUND_SCRIPT });
  const keyOf = (keyId: string) => `incident-gateway:rate-limit:${keyId}`;
  return {
    async consume(keyId, cost) {
      const [allowed, tokens, now] = await redis.consumeBucket(keyOf(keyId), settings.bucket, settings.refillPerSecond, cost);
      return statusOf(allowed === 1, Number(tokens), Math.min(cost, settings.bucket), Number(now), settings);
    },
    async refund(keyId, points) {
      if (points > 0) await redis.refundBucket(keyOf(keyId), settings.bucket, points);
    },
    async close() {
      await redis.quit().catch(() => undefined);
    },
  };
}

export function createRateLimiter(settings: RateLimitSettings, redisUrl: string | undefined): RateLimiter {
  return redisUrl ? createRedisRateLimiter(settings, redisUrl) : createMemoryRateLimiter(settings);
}
