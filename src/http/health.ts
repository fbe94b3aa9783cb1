import { Gauge, type Registry } from 'prom-client';
import type { Database } from '../db/client.js';
import { pendingMigrations } from '../db/migrate.js';
import type { RedisConnections } from '../realtime/redis.js';

export interface Readiness {
  ready: boolean;
  /** `database: "down"` when it cannot be reached; `redis` when REDIS_URL is set. */
  body: { status: 'ready' | 'not ready'; database?: 'down'; redis?: 'up' | 'down' };
}

/**
 * /readyz and the dependency gauges. Ready means the database answers with every migration
 * applied. Redis is reported but does not decide readiness: without it the gateway still serves
 * every request (see docs), so taking instances out of the load balancer would only make things worse.
 */
export function createHealth(db: Database, redis: RedisConnections | undefined, registry: Registry) {
  if (redis) {
    new Gauge({
      name: 'redis_up',
      help: 'Whether every Redis connection of this instance is up (1) or not (0); while 0, rate limits hold per instance and events do not cross instances.',
      registers: [registry],
      collect() {
        this.set(redis.up() ? 1 : 0);
      },
    });
  }
  return {
    async readiness(): Promise<Readiness> {
      let reachable = false;
      let migrated = false;
      try {
        await db.ping();
        reachable = true;
        migrated = (await pendingMigrations(db)).length === 0;
      } catch {
        // Reported as not ready.
      }
      const ready = reachable && migrated;
      return {
        ready,
        body: {
          status: ready ? 'ready' : 'not ready',
          ...(reachable ? {} : { database: 'down' as const }),
          ...(redis ? { redis: redis.up() ? ('up' as const) : ('down' as const) } : {}),
        },
      };
    },
  };
}
