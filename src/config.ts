import path from 'node:path';
import { ACK_LINK_MAX_TTL_MS } from './domain/escalation.js';

/** Every setting the gateway reads from the environment, parsed and checked in one place. */
export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  redisUrl: string | undefined;
  logLevel: string;
  limits: {
    maxBodyBytes: number;
    maxDepth: number;
    maxAliases: number;
    maxTokens: number;
    maxCost: number;
  };
  rateLimit: {
    enabled: boolean;
    bucket: number;
    refillPerSecond: number;
  };
  shutdownGraceMs: number;
  /** The notification outbox worker (src/notifications/worker.ts). */
  notifications: {
    pollMs: number;
    leaseMs: number;
    timeoutMs: number;
    maxAttempts: number;
    baseDelayMs: number;
    maxDelayMs: number;
    batchSize: number;
  };
  /** smtp(s):// URL for email notifications; unset: email notifications wait. */
  smtpUrl: string | undefined;
  /** Paging (src/paging/worker.ts): escalation steps and acknowledge links. */
  paging: {
    /** The length of one minute of a rule's delayMinutes; shorter only in tests. */
    minuteMs: number;
    /** How often the steps are polled when no step is due sooner (steps written here or announced over pub/sub wake it at once). */
    pollMs: number;
    /** How long an acknowledge link works at most (never above 24 h). */
    ackLinkTtlMs: number;
  };
  /** Where people reach the gateway (acknowledge links start with it); unset: http://HOST:PORT. */
  publicUrl: string | undefined;
  /** Hot-path switches (bench/README.md measures each; tests compare both settings' answers). */
  fastPaths: {
    /** Queries of the incident tables answered by one compiled statement (src/graphql/compiled/). */
    compiledReads: boolean;
    /** POST application/json requests served without the fetch-API layer (src/http/direct.ts). */
    directHttp: boolean;
  };
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(`${name} must be an integer >= ${min}, got "${raw}"`);
  }
  return value;
}

function onOff(env: Env, name: string): boolean {
  const value = (env[name] ?? 'on').toLowerCase();
  if (!['on', 'off'].includes(value)) throw new ConfigError(`${name} must be "on" or "off"`);
  return value === 'on';
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must use one of ${protocols.join(', ')}`);
  }
  return raw;
}

export function loadConfig(env: Env = process.env): Config {
  return {
    port: integer(env, 'PORT', 4000),
    host: env.HOST || '127.0.0.1',
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    dataDir: path.resolve(env.DATA_DIR || './data'),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    logLevel: env.LOG_LEVEL || 'info',
    limits: {
      maxBodyBytes: integer(env, 'MAX_BODY_BYTES', 1024 * 1024, 1),
      maxDepth: integer(env, 'MAX_DEPTH', 12, 1),
      maxAliases: integer(env, 'MAX_ALIASES', 30, 0),
      maxTokens: integer(env, 'MAX_TOKENS', 5000, 1),
      maxCost: integer(env, 'MAX_COST', 5000, 1),
    },
    rateLimit: {
      enabled: onOff(env, 'RATE_LIMIT'),
      bucket: integer(env, 'RATE_LIMIT_BUCKET', 1000, 1),
      refillPerSecond: integer(env, 'RATE_LIMIT_REFILL_PER_SECOND', 100, 1),
    },
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', 10000, 0),
    notifications: notificationSettings(env),
    smtpUrl: url(env, 'SMTP_URL', ['smtp:', 'smtps:']),
    paging: pagingSettings(env),
    publicUrl: url(env, 'PUBLIC_URL', ['http:', 'https:'])?.replace(/\/+$/, ''),
    fastPaths: { compiledReads: onOff(env, 'COMPILED_READS'), directHttp: onOff(env, 'DIRECT_HTTP') },
  };
}

function notificationSettings(env: Env): Config['notifications'] {
  const settings = {
    pollMs: integer(env, 'NOTIFY_POLL_MS', 1000, 10),
    leaseMs: integer(env, 'NOTIFY_LEASE_MS', 60_000, 100),
    timeoutMs: integer(env, 'NOTIFY_TIMEOUT_MS', 10_000, 50),
    maxAttempts: integer(env, 'NOTIFY_MAX_ATTEMPTS', 8, 1),
    baseDelayMs: integer(env, 'NOTIFY_BACKOFF_BASE_MS', 1000, 0),
    maxDelayMs: integer(env, 'NOTIFY_BACKOFF_MAX_MS', 3_600_000, 0),
    batchSize: integer(env, 'NOTIFY_BATCH_SIZE', 20, 1),
  };
  // A lease shorter than an attempt would let a second worker deliver while the first still waits.
  if (settings.leaseMs <= settings.timeoutMs) throw new ConfigError('NOTIFY_LEASE_MS must be longer than NOTIFY_TIMEOUT_MS');
  return settings;
}

function pagingSettings(env: Env): Config['paging'] {
  const settings = {
    minuteMs: integer(env, 'ESCALATION_MINUTE_MS', 60_000, 1),
    pollMs: integer(env, 'ESCALATION_POLL_MS', 1000, 10),
    ackLinkTtlMs: integer(env, 'ACK_LINK_TTL_MS', ACK_LINK_MAX_TTL_MS, 1),
  };
  if (settings.ackLinkTtlMs > ACK_LINK_MAX_TTL_MS) throw new ConfigError(`ACK_LINK_TTL_MS must be at most ${ACK_LINK_MAX_TTL_MS} (24 hours)`);
  return settings;
}
