import path from 'node:path';
import { parseAddressRanges, type AddressRange } from './net/guarded-http.js';

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
  /** How long a key that checked out is trusted without asking the database again (API_KEY_CACHE_MS; 0: never). */
  apiKeyCacheMs: number;
  /** The notification outbox worker (src/notifications/worker.ts). */
  notifications: {
    pollMs: number;
    leaseMs: number;
    timeoutMs: number;
    maxAttempts: number;
    baseDelayMs: number;
    maxDelayMs: number;
    batchSize: number;
    /** Deliveries under way at once, so that one slow receiver holds up no other. */
    concurrency: number;
  };
  /** Outbound HTTP (src/net/guarded-http.ts): the non-public ranges it may reach (WEBHOOK_ALLOW_PRIVATE), default none. */
  outbound: { allowPrivate: AddressRange[] };
  /** smtp(s):// URL for email notifications; unset: email notifications end DEAD and anonymous email subscribe is refused. */
  smtpUrl: string | undefined;
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

function addressRanges(env: Env, name: string): AddressRange[] {
  try {
    return parseAddressRanges(env[name] ?? '');
  } catch {
    throw new ConfigError(`${name} must be a comma-separated list of CIDR ranges (e.g. 10.0.0.0/8,fd00::/8), got "${env[name]}"`);
  }
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
    apiKeyCacheMs: integer(env, 'API_KEY_CACHE_MS', 30_000, 0),
    notifications: notificationSettings(env),
    outbound: { allowPrivate: addressRanges(env, 'WEBHOOK_ALLOW_PRIVATE') },
    smtpUrl: url(env, 'SMTP_URL', ['smtp:', 'smtps:']),
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
    concurrency: integer(env, 'NOTIFY_CONCURRENCY', 8, 1),
  };
  // A lease shorter than an attempt would let a second worker deliver while the first still waits.
  if (settings.leaseMs <= settings.timeoutMs) throw new ConfigError('NOTIFY_LEASE_MS must be longer than NOTIFY_TIMEOUT_MS');
  return settings;
}
