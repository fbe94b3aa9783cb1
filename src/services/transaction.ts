import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { UserError } from '../domain/validation.js';
import type { GatewayEvent } from '../realtime/events.js';

export type Tx = Prisma.TransactionClient;

/** Who is writing: the API key, recorded on what it writes (audit trail). */
export interface Actor {
  orgId: string;
  keyId: string;
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
export async function inTransaction<T>(
  prisma: PrismaClient,
  work: (tx: Tx, events: GatewayEvent[]) => Promise<T>,
): Promise<Outcome<T>> {
  const events: GatewayEvent[] = [];
  try {
    const value = await prisma.$transaction((tx) => work(tx, events), { maxWait: 10_000, timeout: 20_000 });
    return { ok: true, value, events };
  } catch (error) {
    if (error instanceof Rejection) return { ok: false, errors: error.errors };
    throw error;
  }
}
