import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { UserError } from '../domain/validation.js';
import type { GatewayEvent } from '../realtime/events.js';
import type { Database, RunSql } from '../db/client.js';

export type Tx = Prisma.TransactionClient;

/** Who is writing: the API key (or, without one, an integration by its name, the admin CLI, or the gateway's own paging), recorded on what it writes (audit trail). */
export interface Actor {
  orgId: string;
  keyId: string | null;
  keyName: string;
}

export type Outcome<T> = { ok: true; value: T; events: GatewayEvent[] } | { ok: false; errors: UserError[] };

/** Thrown inside a transaction to roll it back and answer with userErrors instead. */
export class Rejection extends Error {
  constructor(readonly errors: UserError[]) {
    super(errors.map((error) => error.message).join('; '));
  }
}

export function reject(code: UserError['code'], field: string[] | null, message: string): never {
  throw new Rejection([{ code, field, message }]);
}

/**
 * Runs one write as one transaction. Work that finds a problem throws a Rejection: nothing is
 * written and the caller gets userErrors. Events are returned only once the commit succeeded.
 */
export function inTransaction<T>(prisma: PrismaClient, work: (tx: Tx, events: GatewayEvent[]) => Promise<T>): Promise<Outcome<T>> {
  return outcomeOf((events) => prisma.$transaction((tx) => work(tx, events), { maxWait: 10_000, timeout: 20_000 }));
}

/** Statements of a Prisma transaction as RunSql, for SQL shared with inDriverTransaction. */
export function sqlOf(tx: Tx): RunSql {
  return <Row>(sql: string, params: readonly unknown[]) => tx.$queryRawUnsafe<Row[]>(sql, ...params);
}

/** inTransaction for work that is plain SQL only: on the driver, at a fraction of Prisma's cost (Database.transaction). */
export function inDriverTransaction<T>(db: Database, work: (sql: RunSql, events: GatewayEvent[]) => Promise<T>): Promise<Outcome<T>> {
  return outcomeOf((events) => db.transaction((query) => work(query, events)));
}

async function outcomeOf<T>(run: (events: GatewayEvent[]) => Promise<T>): Promise<Outcome<T>> {
  const events: GatewayEvent[] = [];
  try {
    const value = await run(events);
    return { ok: true, value, events };
  } catch (error) {
    if (error instanceof Rejection) return { ok: false, errors: error.errors };
    throw error;
  }
}
