import type {
  IsolationLevel,
  SqlDriverAdapter,
  SqlDriverAdapterFactory,
  SqlQuery,
  SqlResultSet,
  Transaction,
} from '@prisma/driver-adapter-utils';

/** One statement as sent; `result` is filled in when the database answers a query. */
export interface ReportedStatement {
  sql: string;
  args: readonly unknown[];
  /** Rows returned and the size of their values in characters (JSON-aggregated relations included). */
  result?: { rows: number; bytes: number };
  /** Set by a listener that wants to know when the database answered (tracing ends its span there). */
  onDone?: (error?: unknown) => void;
}

export type StatementListener = (sql: string, statement: ReportedStatement) => void;

/**
 * Reports every statement a driver adapter sends, one call per round trip, the same on
 * PostgreSQL and PGlite: statements the drivers send on their own (BEGIN, and COMMIT or
 * ROLLBACK when the transaction uses "phantom" queries) are reported by name. Query results are
 * measured too, so tests can prove that what a request fetches does not grow with unrelated rows.
 */
export function reportStatements(factory: SqlDriverAdapterFactory, onStatement: StatementListener): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => reportAdapterStatements(await factory.connect(), onStatement),
  };
}

function reportAdapterStatements(adapter: SqlDriverAdapter, onStatement: StatementListener): SqlDriverAdapter {
  return {
    provider: adapter.provider,
    adapterName: adapter.adapterName,
    queryRaw: (query: SqlQuery) => reportQuery(query, onStatement, () => adapter.queryRaw(query)),
    executeRaw: (query: SqlQuery) => untilDone(reportStatement(onStatement, query.sql, query.args), adapter.executeRaw(query)),
    executeScript: (script: string) => untilDone(reportStatement(onStatement, script), adapter.executeScript(script)),
    async startTransaction(isolationLevel?: IsolationLevel) {
      if (isolationLevel) reportDriverStatement(onStatement, `SET TRANSACTION ISOLATION LEVEL ${isolationLevel}`);
      reportDriverStatement(onStatement, 'BEGIN');
      return reportTransactionStatements(await adapter.startTransaction(isolationLevel), onStatement);
    },
    getConnectionInfo: adapter.getConnectionInfo?.bind(adapter),
    dispose: () => adapter.dispose(),
  };
}

function reportTransactionStatements(transaction: Transaction, onStatement: StatementListener): Transaction {
  const { usePhantomQuery } = transaction.options;
  const reported: Transaction = {
    provider: transaction.provider,
    adapterName: transaction.adapterName,
    options: transaction.options,
    queryRaw: (query: SqlQuery) => reportQuery(query, onStatement, () => transaction.queryRaw(query)),
    executeRaw: (query: SqlQuery) => untilDone(reportStatement(onStatement, query.sql, query.args), transaction.executeRaw(query)),
    // Without phantom queries Prisma sends COMMIT/ROLLBACK through executeRaw itself.
    commit() {
      if (usePhantomQuery) reportDriverStatement(onStatement, 'COMMIT');
      return transaction.commit();
    },
    rollback() {
      if (usePhantomQuery) reportDriverStatement(onStatement, 'ROLLBACK');
      return transaction.rollback();
    },
  };
  // Prisma checks for these to decide whether nested transactions are supported.
  const { createSavepoint, rollbackToSavepoint, releaseSavepoint } = transaction;
  if (createSavepoint) {
    reported.createSavepoint = (name) => {
      reportDriverStatement(onStatement, `SAVEPOINT ${name}`);
      return createSavepoint.call(transaction, name);
    };
  }
  if (rollbackToSavepoint) {
    reported.rollbackToSavepoint = (name) => {
      reportDriverStatement(onStatement, `ROLLBACK TO SAVEPOINT ${name}`);
      return rollbackToSavepoint.call(transaction, name);
    };
  }
  if (releaseSavepoint) {
    reported.releaseSavepoint = (name) => {
      reportDriverStatement(onStatement, `RELEASE SAVEPOINT ${name}`);
      return releaseSavepoint.call(transaction, name);
    };
  }
  return reported;
}

/** Reports a statement about to be sent; statements the driver sends on its own (BEGIN, COMMIT) are done at once. */
export function reportStatement(onStatement: StatementListener, sql: string, args: readonly unknown[] = []): ReportedStatement {
  const statement: ReportedStatement = { sql, args };
  onStatement(sql, statement);
  return statement;
}

/** A statement the driver sends on its own, reported by name: no answer to wait for. */
export function reportDriverStatement(onStatement: StatementListener, sql: string): void {
  reportStatement(onStatement, sql).onDone?.();
}

/** Tells the statement's listener when `answer` settles, and passes it on. */
export function untilDone<T>(statement: ReportedStatement, answer: Promise<T>): Promise<T> {
  if (!statement.onDone) return answer;
  const done = statement.onDone;
  return answer.then(
    (value) => {
      done();
      return value;
    },
    (error: unknown) => {
      done(error);
      throw error;
    },
  );
}

async function reportQuery(query: SqlQuery, onStatement: StatementListener, run: () => Promise<SqlResultSet>): Promise<SqlResultSet> {
  const statement = reportStatement(onStatement, query.sql, query.args);
  const result = await untilDone(statement, run());
  measureResult(statement, result.rows);
  return result;
}

/** Records what a statement returned: its rows and the size of their values. */
export function measureResult(statement: ReportedStatement, rows: readonly (readonly unknown[])[]): void {
  let bytes = 0;
  for (const row of rows) for (const value of row) bytes += sizeOf(value);
  statement.result = { rows: rows.length, bytes };
}

function sizeOf(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'string') return value.length;
  if (typeof value === 'object') return JSON.stringify(value, (_key, nested: unknown) => (typeof nested === 'bigint' ? String(nested) : nested)).length;
  return String(value).length;
}
