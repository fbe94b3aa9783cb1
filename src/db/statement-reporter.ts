import type {
  IsolationLevel,
  SqlDriverAdapter,
  SqlDriverAdapterFactory,
  SqlQuery,
  Transaction,
} from '@prisma/driver-adapter-utils';

type StatementListener = (sql: string) => void;

/**
 * Reports every statement a driver adapter sends, one call per round trip, the same on
 * PostgreSQL and PGlite: statements the drivers send on their own (BEGIN, and COMMIT or
 * ROLLBACK when the transaction uses "phantom" queries) are reported by name.
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
    queryRaw(query: SqlQuery) {
      onStatement(query.sql);
      return adapter.queryRaw(query);
    },
    executeRaw(query: SqlQuery) {
      onStatement(query.sql);
      return adapter.executeRaw(query);
    },
    executeScript(script: string) {
      onStatement(script);
      return adapter.executeScript(script);
    },
    async startTransaction(isolationLevel?: IsolationLevel) {
      if (isolationLevel) onStatement(`SET TRANSACTION ISOLATION LEVEL ${isolationLevel}`);
      onStatement('BEGIN');
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
    queryRaw(query: SqlQuery) {
      onStatement(query.sql);
      return transaction.queryRaw(query);
    },
    executeRaw(query: SqlQuery) {
      onStatement(query.sql);
      return transaction.executeRaw(query);
    },
    // Without phantom queries Prisma sends COMMIT/ROLLBACK through executeRaw itself.
    commit() {
      if (usePhantomQuery) onStatement('COMMIT');
      return transaction.commit();
    },
    rollback() {
      if (usePhantomQuery) onStatement('ROLLBACK');
      return transaction.rollback();
    },
  };
  // Prisma checks for these to decide whether nested transactions are supported.
  const { createSavepoint, rollbackToSavepoint, releaseSavepoint } = transaction;
  if (createSavepoint) {
    reported.createSavepoint = (name) => {
      onStatement(`SAVEPOINT ${name}`);
      return createSavepoint.call(transaction, name);
    };
  }
  if (rollbackToSavepoint) {
    reported.rollbackToSavepoint = (name) => {
      onStatement(`ROLLBACK TO SAVEPOINT ${name}`);
      return rollbackToSavepoint.call(transaction, name);
    };
  }
  if (releaseSavepoint) {
    reported.releaseSavepoint = (name) => {
      onStatement(`RELEASE SAVEPOINT ${name}`);
      return releaseSavepoint.call(transaction, name);
    };
  }
  return reported;
}
