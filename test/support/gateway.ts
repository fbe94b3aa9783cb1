import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startGateway, type RunningGateway } from '../../src/app.js';
import { createLogger, type Logger } from '../../src/logger.js';
import type { Scope } from '../../src/auth/keys.js';
import { issueApiKey } from '../../src/services/api-keys.js';
import type { ReportedStatement } from '../../src/db/statement-reporter.js';
import { freshDataDir, scratchDirectory } from './data-dir.js';
import { createTestDatabase } from './postgres.js';

export type Backend = 'pglite' | 'postgres';

/** PGlite always; PostgreSQL too when TEST_DATABASE_URL is set. Use with describe.each. */
export const backends: Backend[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export interface TestGateway {
  url: string;
  graphqlUrl: string;
  wsUrl: string;
  /** The PostgreSQL database it uses (undefined on PGlite): pass it as DATABASE_URL to start a second instance on it. */
  databaseUrl?: string;
  running: RunningGateway;
  /**
   * The SQL statements `work` sends, with their arguments and result sizes; the key's
   * lastUsedAt write (at most once a minute, whichever request comes then) is left out.
   */
  statementsDuring<T>(work: () => Promise<T>): Promise<{ result: T; statements: ReportedStatement[] }>;
  /** A new organization with a key of the given scopes. */
  createOrg(scopes?: Scope[], slug?: string): Promise<{ orgId: string; key: string; slug: string }>;
  stop(): Promise<void>;
}

export interface TestGatewayOptions {
  /** The gateway's logger, for tests that read what it logs (default: LOG_LEVEL, silent unless TEST_LOG_LEVEL says otherwise). */
  logger?: Logger;
}

let orgCounter = 0;

/** The fast-path switches of the test run's environment, for gateways whose test does not set them. */
function fastPathDefaults(): Record<string, string> {
  const defaults: Record<string, string> = {};
  for (const name of ['COMPILED_READS', 'DIRECT_HTTP']) {
    const value = process.env[name];
    if (value) defaults[name] = value;
  }
  return defaults;
}

/**
 * The real gateway on a free port of 127.0.0.1, on a fresh database of its own: a new PGlite
 * data dir, or a new PostgreSQL database on TEST_DATABASE_URL's server. With `env.DATABASE_URL`
 * (or, on PGlite, `env.DATA_DIR`) it opens that database instead and leaves it in place: another
 * instance of the same deployment, or the next gateway on a database a test prepared once.
 */
export async function startTestGateway(backend: Backend = 'pglite', env: Record<string, string> = {}, options: TestGatewayOptions = {}): Promise<TestGateway> {
  const dataDir = env.DATA_DIR ?? (backend === 'pglite' ? await freshDataDir() : await scratchDirectory('ig-test-'));
  const database = backend === 'postgres' && !env.DATABASE_URL ? await createTestDatabase() : null;
  if (backend === 'postgres' && !database && !env.DATABASE_URL) throw new Error('TEST_DATABASE_URL is not set');
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SHUTDOWN_GRACE_MS: '5000',
    // Suites fire requests far faster than a client's budget allows; the rate-limit tests turn it on.
    RATE_LIMIT: 'off',
    // .ci/run runs the suite once more on the general path (COMPILED_READS=off DIRECT_HTTP=off);
    // tests that compare both paths set their own.
    ...fastPathDefaults(),
    ...(database ? { DATABASE_URL: database.url } : {}),
    ...env,
  });
  let recording: ReportedStatement[] | null = null;
  const running = await startGateway(config, options.logger ?? createLogger(config.logLevel), {
    onStatement: (_sql, statement) => recording?.push(statement),
  });
  const url = `http://127.0.0.1:${running.port}`;
  return {
    url,
    graphqlUrl: `${url}/graphql`,
    wsUrl: `ws://127.0.0.1:${running.port}/graphql`,
    databaseUrl: config.databaseUrl,
    running,
    async createOrg(scopes: Scope[] = ['admin'], slug?: string) {
      orgCounter += 1;
      const orgSlug = slug ?? `org-${process.pid}-${orgCounter}-${Math.random().toString(36).slice(2, 8)}`;
      const org = await running.db.prisma.organization.create({ data: { slug: orgSlug, name: `Test ${orgSlug}` } });
      const { key } = await issueApiKey(running.db.prisma, org.id, `test key ${scopes.join(',')}`, scopes);
      return { orgId: org.id, key, slug: orgSlug };
    },
    async statementsDuring<T>(work: () => Promise<T>) {
      const statements: ReportedStatement[] = [];
      recording = statements;
      try {
        const result = await work();
        return { result, statements: statements.filter((statement) => !statement.sql.startsWith('UPDATE "public"."ApiKey"')) };
      } finally {
        recording = null;
      }
    },
    async stop() {
      await running.stop();
      await database?.drop();
      if (!env.DATA_DIR) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The gateway of a describe block: started before its tests (`startTestGateway(backend, env)`),
 * stopped after them. Use it at the top of the block and read it inside tests and hooks:
 *
 *   const gateway = useGateway(backend, { MAX_DEPTH: '4' });
 *   beforeAll(async () => ({ key } = await gateway.createOrg(['read'])));
 *
 * `env` may be a function, called when the gateway starts, for values that earlier hooks make
 * (a receiver's URL): declare those hooks before useGateway, so they run before it and end after it.
 */
export function useGateway(
  backend: Backend = 'pglite',
  env: Record<string, string> | (() => Record<string, string>) = {},
  options: TestGatewayOptions = {},
): TestGateway {
  const [gateway] = useGateways(async () => [await startTestGateway(backend, typeof env === 'function' ? env() : env, options)]);
  return gateway;
}

/**
 * The two instances of one deployment (startSharedDeployment) for a describe block, started before
 * its tests and stopped after them, the second first.
 */
export function useSharedDeployment(redisUrl: string, env: Record<string, string> = {}): [TestGateway, TestGateway] {
  const [first, second] = useGateways(() => startSharedDeployment(redisUrl, env));
  return [first, second];
}

/** Gateways started before a describe block's tests and stopped after them, in reverse order; read through proxies. */
function useGateways(start: () => Promise<TestGateway[]>): TestGateway[] {
  let started: TestGateway[] = [];
  beforeAll(async () => {
    started = await start();
  });
  afterAll(async () => {
    for (const gateway of started.reverse()) await gateway.stop();
    started = [];
  });
  return [0, 1].map(
    (index) =>
      new Proxy({} as TestGateway, {
        get(_target, property) {
          const gateway = started[index];
          if (!gateway) throw new Error(`useGateway(): the gateway is only there inside tests and hooks (reading .${String(property)})`);
          return Reflect.get(gateway, property);
        },
      }),
  );
}

/** Two instances of one deployment (one PostgreSQL database, one Redis) need TEST_DATABASE_URL and TEST_REDIS_URL: the Redis URL, or nothing. Use with describe.each. */
export const sharedDeployments: string[] = process.env.TEST_REDIS_URL && process.env.TEST_DATABASE_URL ? [process.env.TEST_REDIS_URL] : [];

/** Two gateway instances sharing a fresh PostgreSQL database and the Redis at `redisUrl`, both with `env`. */
export async function startSharedDeployment(redisUrl: string, env: Record<string, string> = {}): Promise<[TestGateway, TestGateway]> {
  const first = await startTestGateway('postgres', { REDIS_URL: redisUrl, ...env });
  const second = await startTestGateway('postgres', { REDIS_URL: redisUrl, DATABASE_URL: first.databaseUrl!, ...env });
  return [first, second];
}

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  headers: Headers;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  extensions?: Record<string, unknown>;
}

/** One GraphQL request over HTTP, as a client sends it. */
export async function gql<T = Record<string, any>>(
  gateway: Pick<TestGateway, 'graphqlUrl'>,
  key: string | null,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GraphQLResponse<T>> {
  const response = await fetch(gateway.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<GraphQLResponse<T>, 'status' | 'headers'>;
  return { status: response.status, headers: response.headers, ...body };
}
