import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client.js';
import { CONTACT_METHODS_MAX, type ContactMethodKind } from '../domain/escalation.js';
import { isUuid } from '../domain/ids.js';
import { inTransaction, reject, type Actor } from './transaction.js';

export interface NewContactMethod {
  userId: string | null;
  kind: ContactMethodKind;
  /** Checked and trimmed. */
  address: string;
}

/** A user's new contact method; a webhook gets a fresh signing secret, returned this once. */
export function addContactMethod(prisma: PrismaClient, actor: Actor, input: NewContactMethod) {
  return inTransaction(prisma, async (tx) => {
    const user = isUuid(input.userId) ? await tx.user.findFirst({ where: { id: input.userId, orgId: actor.orgId }, select: { id: true } }) : null;
    if (!user) reject('NOT_FOUND', ['userId'], 'No user with this id');
    // Concurrent additions for one user take turns, so the limit holds.
    await tx.$queryRaw`SELECT 1 FROM "User" WHERE "id" = ${user.id}::uuid FOR UPDATE`;
    if ((await tx.contactMethod.count({ where: { userId: user.id } })) >= CONTACT_METHODS_MAX) {
      reject('INVALID_INPUT', ['userId'], `A user can have at most ${CONTACT_METHODS_MAX} contact methods`);
    }
    const signingSecret = input.kind === 'WEBHOOK' ? `whsec_${randomBytes(24).toString('base64url')}` : null;
    const created = await tx.contactMethod.create({
      data: { orgId: actor.orgId, userId: user.id, kind: input.kind, address: input.address, signingSecret },
      select: { id: true },
    });
    return { contactMethodId: created.id, signingSecret };
  });
}

/** Pages to it that are not sent yet are not sent; sent ones stay listed, without it. */
export function removeContactMethod(prisma: PrismaClient, actor: Actor, id: string | null) {
  return inTransaction(prisma, async (tx) => {
    const method = isUuid(id) ? await tx.contactMethod.findFirst({ where: { id, orgId: actor.orgId }, select: { id: true } }) : null;
    if (!method) reject('NOT_FOUND', ['id'], 'No contact method with this id');
    await tx.notification.updateMany({
      where: { contactMethodId: method.id, status: 'PENDING' },
      data: { status: 'DEAD', lockedUntil: null, lastError: 'Not sent: the contact method was removed' },
    });
    await tx.contactMethod.delete({ where: { id: method.id } });
    return { deletedContactMethodId: method.id };
  });
}
