import type { PrismaClient } from '../generated/prisma/client.js';
import { generateApiKey, type Scope } from '../auth/keys.js';
import { inTransaction, reject, type Actor, type Outcome } from './transaction.js';

/** Stores a new key's prefix and hash; the key itself is returned once and never again. */
export async function issueApiKey(prisma: PrismaClient, orgId: string, name: string, scopes: readonly Scope[]) {
  const { key, prefix, hash } = generateApiKey();
  const apiKey = await prisma.apiKey.create({ data: { orgId, name, prefix, hash, scopes: [...scopes] } });
  return { key, apiKey };
}

/**
 * Marks a key of the actor's org revoked (revoking it again keeps the first revokedAt).
 * The caller tells connected sockets after the commit (pubsub 'apikey.revoked').
 */
export async function revokeApiKey(prisma: PrismaClient, actor: Actor, id: string | null): Promise<Outcome<{ apiKeyId: string }>> {
  return inTransaction(prisma, async (tx) => {
    const key = id ? await tx.apiKey.findFirst({ where: { id, orgId: actor.orgId } }) : null;
    if (!key) reject('NOT_FOUND', ['id'], 'No API key with this id');
    if (!key.revokedAt) await tx.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
    return { apiKeyId: key.id };
  });
}
