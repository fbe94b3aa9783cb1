import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import type { Database } from '../../src/db/client.js';
import { openMigratedDatabase } from '../../src/db/open-migrated.js';
import { createLogger } from '../../src/logger.js';
import type { Scope } from '../../src/auth/keys.js';
import { issueApiKey } from '../../src/services/api-keys.js';
import type { Backend } from './gateway.js';
import { freshDataDir, scratchDirectory } from './data-dir.js';
import { createTestDatabase } from './postgres.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * A database made before its gateways start: for a gateway run as its own process, or for several
 * gateways in turn on data prepared once. A PGlite data dir or a fresh PostgreSQL database.
 */
export interface ChildDatabase {
  env: Record<string, string>;
  /** Opens the database (migrated) for `work` and closes it again: PGlite allows one process at a time. */
  withDatabase<T>(work: (db: Database) => Promise<T>): Promise<T>;
  /** An org with a key, written before the gateway starts. */
  createOrg(scopes: Scope[]): Promise<{ orgId: string; key: string }>;
  drop(): Promise<void>;
}

export async function createChildDatabase(backend: Backend): Promise<ChildDatabase> {
  const dataDir = backend === 'pglite' ? await freshDataDir('ig-child-') : await scratchDirectory('ig-child-');
  const database = backend === 'postgres' ? await createTestDatabase() : null;
  const env: Record<string, string> = { DATA_DIR: dataDir, ...(database ? { DATABASE_URL: database.url } : {}) };
  async function withDatabase<T>(work: (db: Database) => Promise<T>): Promise<T> {
    const db = await openMigratedDatabase(loadConfig(env), createLogger('silent'));
    try {
      return await work(db);
    } finally {
      await db.close();
    }
  }
  return {
    env,
    withDatabase,
    createOrg: (scopes) =>
      withDatabase(async (db) => {
        const slug = `child-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
        const org = await db.prisma.organization.create({ data: { slug, name: slug } });
        const { key } = await issueApiKey(db.prisma, org.id, 'child test key', scopes);
        return { orgId: org.id, key };
      }),
    async drop() {
      await database?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ChildGateway {
  process: ChildProcess;
  url: string;
  graphqlUrl: string;
  /** Every line the process wrote to stdout so far (pino JSON, and the first run's banner). */
  logs: string[];
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** Every line it wrote to stderr so far. */
  errors: string[];
  exited: Promise<number | null>;
}

/** Every process started here, so that a test that fails or times out midway leaves none behind. */
const started = new Set<ChildProcess>();

export function killChildGateways(): void {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  started.clear();
}

/**
 * Runs the gateway as operators do, `node --import tsx src/main.ts`, on a free port, so that tests can
 * signal the real process (npm would not forward SIGTERM).
 */
export async function startChildGateway(env: Record<string, string>): Promise<ChildGateway> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  const logs: string[] = [];
  const errors: string[] = [];
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout!.on('data', (data: Buffer) => {
      buffered += data.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        logs.push(line);
        const match = /"url":"(http:\/\/[^"]+)\/graphql"/.exec(line);
        if (match) resolve(match[1]);
      }
    });
    child.stderr!.on('data', (data: Buffer) => {
      stderr += data.toString();
      const lines = stderr.split('\n');
      stderr = lines.pop()!;
      errors.push(...lines);
    });
    void exited.then((code) => reject(new Error(`gateway exited with ${code} before listening: ${[...errors, stderr].join('\n')}${logs.join('\n')}`)));
  });
  return { process: child, url, graphqlUrl: `${url}/graphql`, logs, errors, stderr: () => [...errors, stderr].join('\n'), exited };
}
