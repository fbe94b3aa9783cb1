import path from 'node:path';
import { tracingEnabled } from './telemetry/tracing.js';
import { parseAddressRanges, type AddressRange } from './net/guarded-http.js';
import proxyAddr from 'proxy-addr';
import { ACK_LINK_MAX_TTL_MS } from './domain/escalation.js';

/** Every setting the gateway reads from the environment, parsed and checked in one place. */
export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  /** NODE_ENV=production: a first start never creates demo data. */
  production: boolean;
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
    /** RATE_LIMIT=off turns off every limit below (keyed and anonymous). */
    enabled: boolean;
    bucket: number;
    refillPerSecond: number;
    /** Callers without a key: one bucket per client address (src/http/anonymous-limits.ts). */
    anonymous: {
      bucket: number;
      refillPerSecond: number;
      maxStreamsPerAddress: number;
    };
  };
  /**
   * Which peers' X-Forwarded-For is believed (src/http/client-address.ts): a number of proxy hops
   * in front of the gateway, or the addresses/CIDR ranges of the proxies. Default: none.
   */
  trustProxy: number | string[];
  /** The alert endpoints (/v2/enqueue, /integrations/alertmanager, src/http/intake.ts). */
  intake: {
    maxBodyBytes: number;
    /** Each integration's bucket: one point per request; off with RATE_LIMIT=off. */
    rateLimit: { bucket: number; refillPerSecond: number };
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
  /** `allow`: any document runs (APQ included); `only`: trusted documents of schema/operations alone (src/graphql/plugins/persisted-documents.ts). */
  persistedOperations: 'allow' | 'only';
  /** OpenTelemetry traces (src/telemetry/tracing.ts): on when an OTLP endpoint is configured. */
  tracing: boolean;
  /** Serve the schema as an Apollo Federation 2 subgraph (`_service`, `_entities`); off by default. */
  federation: boolean;
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
  /** What the HTTP server accepts, and for how long (src/http/request-guard.ts, src/http/server-options.ts). */
  http: {
    /** Time allowed for a whole request, headers and body (Node's requestTimeout). */
    requestTimeoutMs: number;
    /** Origins whose pages may call the gateway with an API key (CORS with credentials). */
    corsOrigins: string[];
  };
  /** Bounds of WebSocket connections (src/http/websocket-limits.ts); frames are bounded by MAX_BODY_BYTES. */
  websocket: {
    maxSubscriptionsPerSocket: number;
    maxSocketsPerKey: number;
  };
  /** What the gateway tells about itself (src/graphql/plugins/disclosure.ts; the metrics token: src/http/metrics.ts). */
  disclosure: {
    /** Who may introspect the schema: callers with a valid key (default), everyone, or nobody. */
    introspection: 'authenticated' | 'on' | 'off';
    /** "Did you mean ...?" hints in error messages; off under NODE_ENV=production. */
    suggestions: boolean;
    /** When set, /metrics answers only `Authorization: Bearer <token>`. */
    metricsToken: string | undefined;
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
    production: env.NODE_ENV === 'production',
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
      anonymous: {
        bucket: integer(env, 'ANON_RATE_LIMIT_BUCKET', 300, 1),
        refillPerSecond: integer(env, 'ANON_RATE_LIMIT_REFILL_PER_SECOND', 10, 1),
        maxStreamsPerAddress: integer(env, 'ANON_MAX_STREAMS_PER_IP', 20, 0),
      },
    },
    trustProxy: trustProxy(env),
    intake: {
      maxBodyBytes: integer(env, 'INTAKE_MAX_BODY_BYTES', 512 * 1024, 1),
      // PagerDuty's own limit per routing key: 120 events a minute.
      rateLimit: {
        bucket: integer(env, 'INTAKE_RATE_LIMIT_BUCKET', 120, 1),
        refillPerSecond: integer(env, 'INTAKE_RATE_LIMIT_REFILL_PER_SECOND', 2, 1),
      },
    },
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', 10000, 0),
    apiKeyCacheMs: integer(env, 'API_KEY_CACHE_MS', 30_000, 0),
    notifications: notificationSettings(env),
    outbound: { allowPrivate: addressRanges(env, 'WEBHOOK_ALLOW_PRIVATE') },
    smtpUrl: url(env, 'SMTP_URL', ['smtp:', 'smtps:']),
    persistedOperations: oneOf(env, 'PERSISTED_OPERATIONS', ['allow', 'only']),
    tracing: tracingEnabled(env),
    federation: oneOf(env, 'FEDERATION', ['off', 'on']) === 'on',
    paging: pagingSettings(env),
    publicUrl: url(env, 'PUBLIC_URL', ['http:', 'https:'])?.replace(/\/+$/, ''),
    fastPaths: { compiledReads: onOff(env, 'COMPILED_READS'), directHttp: onOff(env, 'DIRECT_HTTP') },
    http: {
      requestTimeoutMs: integer(env, 'REQUEST_TIMEOUT_MS', 30_000, 1),
      corsOrigins: origins(env, 'CORS_ORIGINS'),
    },
    websocket: {
      maxSubscriptionsPerSocket: integer(env, 'MAX_SUBSCRIPTIONS_PER_SOCKET', 100, 1),
      maxSocketsPerKey: integer(env, 'MAX_SOCKETS_PER_KEY', 50, 1),
    },
    disclosure: {
      introspection: oneOf(env, 'INTROSPECTION', ['authenticated', 'on', 'off'] as const),
      suggestions: env.NODE_ENV !== 'production',
      metricsToken: env.METRICS_TOKEN || undefined,
    },
  };
}

/** One of `values` (case-insensitive); the first when unset. */
function oneOf<const T extends string>(env: Env, name: string, values: readonly [T, ...T[]]): T {
  const value = (env[name] || values[0]).toLowerCase();
  if (!values.includes(value as T)) throw new ConfigError(`${name} must be one of ${values.join(', ')}, got "${env[name]}"`);
  return value as T;
}

/** A comma-separated list of origins (scheme://host[:port], as browsers send them in `Origin`). */
function origins(env: Env, name: string): string[] {
  const list = (env[name] ?? '').split(',').map((item) => item.trim()).filter(Boolean);
  for (const item of list) {
    let origin: string | null = null;
    try {
      origin = new URL(item).origin;
    } catch {
      // reported below
    }
    if (origin !== item) throw new ConfigError(`${name}: "${item}" is not an origin like https://status.example.com (no path, no trailing slash)`);
  }
  return list;
}

/** TRUST_PROXY: a hop count ("1"), or comma-separated addresses and CIDR ranges ("10.0.0.0/8, 192.0.2.7"). */
function trustProxy(env: Env): Config['trustProxy'] {
  const raw = (env.TRUST_PROXY ?? '').trim();
  if (raw === '') return 0;
  if (/^\d+$/.test(raw)) return Number(raw);
  const ranges = raw.split(',').map((range) => range.trim()).filter(Boolean);
  try {
    proxyAddr.compile(ranges);
  } catch (error) {
    throw new ConfigError(`TRUST_PROXY must be a number of proxy hops or a comma-separated list of addresses/CIDR ranges: ${(error as Error).message}`);
  }
  return ranges;
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

function pagingSettings(env: Env): Config['paging'] {
  const settings = {
    minuteMs: integer(env, 'ESCALATION_MINUTE_MS', 60_000, 1),
    pollMs: integer(env, 'ESCALATION_POLL_MS', 1000, 10),
    ackLinkTtlMs: integer(env, 'ACK_LINK_TTL_MS', ACK_LINK_MAX_TTL_MS, 1),
  };
  if (settings.ackLinkTtlMs > ACK_LINK_MAX_TTL_MS) throw new ConfigError(`ACK_LINK_TTL_MS must be at most ${ACK_LINK_MAX_TTL_MS} (24 hours)`);
  return settings;
}
