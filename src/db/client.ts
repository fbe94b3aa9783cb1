import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { SqlDriverAdapterFactory, SqlQuery } from '@prisma/driver-adapter-utils';
import { PrismaClient } from '../generated/prisma/client.js';
import { acquireDataDirLock } from './data-dir-lock.js';
import { withKeysetCursors } from './keyset-cursor.js';
import { measureResult, reportDriverStatement, reportStatement, reportStatements, untilDone, type StatementListener } from './statement-reporter.js';

export interface Database {
  prisma: PrismaClient;
  kind: 'pglite' | 'postgres';
  close(): Promise<void>;
  ping(): Promise<void>;
  /**
   * Runs one read statement straight on the driver, past Prisma's runtime: for the hot reads that
   * compile a whole selection into one statement (src/graphql/compiled/). Rows come back as
   * objects with json columns parsed; the statement is reported like Prisma's.
   */
  query: RunSql;
  /**
   * Runs `work` as one transaction straight on the driver, past Prisma's interactive transaction
   * (about a third of its CPU cost): for the hot write whose statements are all plain SQL
   * (createIncident's common case, src/services/incidents.ts). A throw rolls back. Nothing else
   * may touch the database inside `work` (on PGlite it would wait for this transaction forever).
   */
  transaction<T>(work: (query: RunSql) => Promise<T>): Promise<T>;
}

/** One SQL statement, rows back as objects: on its own (Database.query) or inside a transaction. */
export type RunSql = <Row>(sql: string, params: readonly unknown[]) => Promise<Row[]>;

type RunQuery = (sql: string, params: unknown[]) => Promise<{ rows: unknown[] }>;
type RunTransaction = <T>(work: (run: RunQuery) => Promise<T>) => Promise<T>;

export interface OpenDatabaseOptions {
  /** postgres:// URL; when absent the embedded PGlite in `dataDir` is used. */
  databaseUrl?: string;
  dataDir: string;
  /** PostgreSQL connections in the pool (default DEFAULT_POOL_SIZE); ignored for PGlite. */
  poolSize?: number;
  /** Called with every SQL statement sent to the database (tests count them and measure results). */
  onStatement?: StatementListener;
}

/** What the migration runner needs to reach the same database as a `Database`. */
export type MigrationTarget = { kind: 'pglite'; pglite: PGlite } | { kind: 'postgres'; databaseUrl: string };

const migrationTargets = new WeakMap<Database, MigrationTarget>();

/** For src/db/migrate.ts: PGlite can only be opened once, so migrations reuse the open instance. */
export function migrationTargetOf(db: Database): MigrationTarget {
  const target = migrationTargets.get(db);
  if (!target) throw new Error('Not a database opened by openDatabase()');
  return target;
}

/**
 * PostgreSQL's rule of thumb for busy connections, 2 × cores + 1, for this machine, within 4..10.
 * The gateway spends its time in Node, not waiting on the database: on a 2-core machine 5
 * connections answered W1 at 150 req/s against 100 with the former 10 (bench/README.md).
 */
/** How long a new PostgreSQL connection may take to open. */
const CONNECT_TIMEOUT_MS = 5000;

export const DEFAULT_POOL_SIZE = Math.min(10, Math.max(4, 2 * os.availableParallelism() + 1));

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, options.poolSize ?? DEFAULT_POOL_SIZE, options.onStatement)
    : openPglite(options.dataDir, options.onStatement);
}

async function openPostgres(
  databaseUrl: string,
  poolSize: number,
  onStatement: StatementListener | undefined,
): Promise<Database> {
  // Each driver is loaded only when configured: PGlite alone holds tens of MB (bench/README.md).
  const [{ default: pg }, { PrismaPg }] = await Promise.all([import('pg'), import('@prisma/adapter-pg')]);
  // A server that does not answer (network cut) fails a request within CONNECT_TIMEOUT_MS (503)
  // instead of holding it until the client gives up.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // An idle connection the server dropped (restart, failover) is discarded and replaced on demand;
  // without a listener its 'error' would crash the process. Queries still report their own errors.
  pool.on('error', () => undefined);
  // adapter-pg hands the name to pg as it is: undefined (past the bound below) runs unnamed.
  const adapter = new PrismaPg(pool, { statementNameGenerator: (query) => preparedStatementName(query) as string });
  const prisma = withKeysetCursors(new PrismaClient({ adapter: withStatementReporter(adapter, onStatement) }));
  const statement = (sql: string, params: unknown[]) => ({ name: preparedStatementName({ sql }), text: sql, values: params });
  const runQuery: RunQuery = (sql, params) => pool.query(statement(sql, params));
  const runTransaction: RunTransaction = async (work) => {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await work((sql, params) => client.query(statement(sql, params)));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      // A connection that cannot even roll back is discarded, not returned to the pool.
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw error;
    } finally {
      client.release(broken);
    }
  };
  const db = createDatabase('postgres', prisma, runQuery, runTransaction, onStatement, () => pool.end());
  migrationTargets.set(db, { kind: 'postgres', databaseUrl });
  return db;
}

async function openPglite(dataDir: string, onStatement: StatementListener | undefined): Promise<Database> {
  const directory = path.resolve(dataDir);
  await mkdir(directory, { recursive: true });
  const lock = await acquireDataDirLock(directory);
  const [{ PGlite }, { PrismaPGlite }] = await Promise.all([import('@electric-sql/pglite'), import('pglite-prisma-adapter')]);
  let pglite: PGlite;
  try {
    pglite = await PGlite.create({ dataDir: directory });
  } catch (error) {
    await lock.release();
    throw error;
  }
  const prisma = withKeysetCursors(new PrismaClient({ adapter: withStatementReporter(new PrismaPGlite(pglite), onStatement) }));
  const runQuery: RunQuery = (sql, params) => pglite.query(sql, params);
  const runTransaction: RunTransaction = (work) => pglite.transaction((transaction) => work((sql, params) => transaction.query(sql, params)));
  const db = createDatabase('pglite', prisma, runQuery, runTransaction, onStatement, async () => {
    // PGlite flushes its files to disk only when closed.
    try {
      await pglite.close();
    } finally {
      await lock.release();
    }
  });
  migrationTargets.set(db, { kind: 'pglite', pglite });
  return db;
}

function createDatabase(
  kind: Database['kind'],
  prisma: PrismaClient,
  runQuery: RunQuery,
  runTransaction: RunTransaction,
  onStatement: StatementListener | undefined,
  closeDriver: () => Promise<void>,
): Database {
  let closing: Promise<void> | undefined;
  const reported = (run: RunQuery): RunSql => async <Row>(sql: string, params: readonly unknown[]): Promise<Row[]> => {
    const statement = onStatement ? reportStatement(onStatement, sql, params) : null;
    const { rows } = await (statement ? untilDone(statement, run(sql, [...params])) : run(sql, [...params]));
    if (statement) measureResult(statement, rows.map((row) => Object.values(row as object)));
    return rows as Row[];
  };
  return {
    prisma,
    kind,
    close() {
      closing ??= prisma.$disconnect().finally(closeDriver);
      return closing;
    },
    async ping() {
      await prisma.$queryRaw`SELECT 1`;
    },
    query: reported(runQuery),
    async transaction<T>(work: (query: RunSql) => Promise<T>): Promise<T> {
      // Reported by the names Prisma's transactions are reported by (src/db/statement-reporter.ts).
      if (onStatement) reportDriverStatement(onStatement, 'BEGIN');
      try {
        const result = await runTransaction((run) => work(reported(run)));
        if (onStatement) reportDriverStatement(onStatement, 'COMMIT');
        return result;
      } catch (error) {
        if (onStatement) reportDriverStatement(onStatement, 'ROLLBACK');
        throw error;
      }
    },
  };
}

function withStatementReporter(
  factory: SqlDriverAdapterFactory,
  onStatement: StatementListener | undefined,
): SqlDriverAdapterFactory {
  return onStatement ? reportStatements(factory, onStatement) : factory;
}

// Named statements let each pooled connection parse and plan a query once. pg and PostgreSQL keep
// a named statement for the life of the connection, and texts vary with what clients select (the
// fields and aliases of compiled reads, Prisma's column lists): only the first
// MAX_NAMED_STATEMENTS distinct texts of the process get a name, later ones run unnamed, so a
// client inventing selections cannot grow either side's memory. The name must be stable for a
// given text (pg rejects one name reused with another text), hence a hash, memoized.
const statementNames = new Map<string, string>();
const MAX_NAMED_STATEMENTS = 500;

function preparedStatementName(query: Pick<SqlQuery, 'sql'>): string | undefined {
  let name = statementNames.get(query.sql);
  if (name === undefined && statementNames.size < MAX_NAMED_STATEMENTS) {
    name = `prisma_${createHash('sha256').update(query.sql).digest('base64url').slice(0, 40)}`;
    statementNames.set(query.sql, name);
  }
  return name;
}
