import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** At most `max` open streams per client address; a slot is held until its stream closes. */
export interface StreamSlots {
  /** Takes a slot for `address`: the function that gives it back, or null when all are taken. */
  take(address: string): Promise<(() => void) | null>;
  close(): void;
}

/** One process: counts in memory. */
export function createMemoryStreamSlots(max: number): StreamSlots {
  const open = new Map<string, number>();
  return {
    async take(address) {
      const count = open.get(address) ?? 0;
      if (count >= max) return null;
      open.set(address, count + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (open.get(address) ?? 1) - 1;
        if (left > 0) open.set(address, left);
        else open.delete(address);
      };
    },
    close() {
      open.clear();
    },
  };
}

/** How long a slot in Redis lives without renewal: an instance that dies frees its slots within this. */
const LEASE_MS = 60_000;

/**
 * Drops expired slots, then takes one if fewer than the maximum are held. A slot is a member of a
 * sorted set per address, scored by when its lease ends (Redis's clock). Returns 1 when taken.
 */
const TAKE_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
`;

/** Extends the lease of a slot still held (and of its set). */
const RENEW_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return 1
`;

type RedisWithSlots = Redis & {
  takeStreamSlot(key: string, max: number, leaseMs: number, member: string): Promise<number>;
  renewStreamSlot(key: string, leaseMs: number, member: string): Promise<number>;
};

/**
 * Several instances: the slots of an address are counted over all of them in Redis, each slot
 * leased and renewed while its stream is open. While Redis is unreachable each instance counts
 * its own streams instead, as one process would.
 */
export function createRedisStreamSlots(max: number, client: Redis): StreamSlots {
  const redis = client as RedisWithSlots;
  redis.defineCommand('takeStreamSlot', { numberOfKeys: 1, lua: TAKE_SCRIPT });
  redis.defineCommand('renewStreamSlot', { numberOfKeys: 1, lua: RENEW_SCRIPT });
  const local = createMemoryStreamSlots(max);
  const instance = randomUUID();
  /** Slots this instance holds in Redis: member -> key. */
  const held = new Map<string, string>();
  const renewal = setInterval(() => {
    if (redis.status !== 'ready') return;
    for (const [member, key] of held) redis.renewStreamSlot(key, LEASE_MS, member).catch(() => undefined);
  }, LEASE_MS / 3);
  renewal.unref();
  return {
    async take(address) {
      if (redis.status !== 'ready') return local.take(address);
      const key = `incident-gateway:anonymous-streams:${address}`;
      const member = `${instance}:${randomUUID()}`;
      try {
        if ((await redis.takeStreamSlot(key, max, LEASE_MS, member)) !== 1) return null;
      } catch {
        return local.take(address);
      }
      held.set(member, key);
      return () => {
        if (!held.delete(member)) return;
        redis.zrem(key, member).catch(() => undefined);
      };
    },
    close() {
      clearInterval(renewal);
      local.close();
    },
  };
}

export function createStreamSlots(max: number, redis: Redis | undefined): StreamSlots {
  return redis ? createRedisStreamSlots(max, redis) : createMemoryStreamSlots(max);
}
