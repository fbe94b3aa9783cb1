import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../logger.js';

/**
 * The deployment's Redis connections (pub/sub and shared rate-limit buckets), each with its errors
 * logged as JSON (an ioredis client without an 'error' listener prints raw text to the console) and
 * its state watched, so that /readyz and `redis_up` can tell when Redis is gone. ioredis reconnects
 * by itself, for ever; whoever uses a connection decides what to do while it is down.
 */
export interface RedisConnections {
  /** A new connection; `role` names it in logs. */
  open(role: string, options?: RedisOptions): Redis;
  /** Whether every connection is up (connected and ready for commands). */
  up(): boolean;
  /** Resolves once every connection is up, or after `timeoutMs` (then the gateway starts degraded). */
  connected(timeoutMs: number): Promise<void>;
  /**
   * Calls `listener` each time a connection is up again after it was lost, once the commands it
   * sent on reconnection (re-subscriptions) are in force.
   */
  onReconnect(listener: (client: Redis) => void): void;
  close(): Promise<void>;
}

/** Between reconnection attempts: quickly at first, then every 2 s. */
const RETRY_DELAY_MS = (attempt: number) => Math.min(100 * attempt, 2000);

export function createRedisConnections(url: string, logger: Logger): RedisConnections {
  const clients = new Set<Redis>();
  const reconnectListeners: ((client: Redis) => void)[] = [];
  let closing = false;
  return {
    open(role, options = {}) {
      const client = new Redis(url, { retryStrategy: RETRY_DELAY_MS, ...options });
      clients.add(client);
      const log = logger.child({ redis: role });
      let lost = false;
      // One line when the connection is lost and one when it is back, not one per failed attempt.
      const markLost = (error?: Error) => {
        if (lost || closing) return;
        lost = true;
        log.warn({ err: error }, 'redis connection lost: degraded until it is back');
      };
      client.on('error', markLost);
      client.on('close', () => markLost());
      client.on('ready', () => {
        if (!lost) return;
        lost = false;
        log.info('redis connection is back');
        // Redis answers in order: the PING's reply comes after the re-subscriptions'.
        client.ping().then(
          () => reconnectListeners.forEach((listener) => listener(client)),
          () => undefined,
        );
      });
      return client;
    },
    up() {
      return [...clients].every((client) => client.status === 'ready');
    },
    async connected(timeoutMs) {
      const pending = [...clients].filter((client) => client.status !== 'ready');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(pending.map((client) => new Promise((resolve) => client.once('ready', resolve)))),
        new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
      ]);
      clearTimeout(timer);
    },
    onReconnect(listener) {
      reconnectListeners.push(listener);
    },
    async close() {
      closing = true;
      // QUIT waits for Redis, which may be the one thing missing: a connection that is down is just dropped.
      await Promise.allSettled(
        [...clients].map((client) => (client.status === 'ready' ? client.quit() : Promise.resolve(client.disconnect()))),
      );
      clients.clear();
    },
  };
}
