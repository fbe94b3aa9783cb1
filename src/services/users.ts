import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import type { CheckedUserFields } from '../domain/catalog.js';
import type { UserError } from '../domain/validation.js';
import { inTransaction, reject, type Actor, type Outcome } from './transaction.js';

const EMAIL_TAKEN: UserError = { code: 'INVALID_INPUT', field: ['email'], message: 'A user with this email already exists' };

/** Emails are unique per organization, compared without regard to case. */
export async function createUser(prisma: PrismaClient, actor: Actor, fields: CheckedUserFields): Promise<Outcome<{ userId: string }>> {
  try {
    return await inTransaction(prisma, async (tx) => {
      const taken = await tx.user.findFirst({
        where: { orgId: actor.orgId, email: { equals: fields.email, mode: 'insensitive' } },
        select: { id: true },
      });
      if (taken) reject(EMAIL_TAKEN.code, EMAIL_TAKEN.field, EMAIL_TAKEN.message);
      const user = await tx.user.create({ data: { ...fields, orgId: actor.orgId }, select: { id: true } });
      return { userId: user.id };
    });
  } catch (error) {
    // Two requests raced for the same address: the loser gets the same answer as if it came second.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') return { ok: false, errors: [EMAIL_TAKEN] };
    throw error;
  }
}
