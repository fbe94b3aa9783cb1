import type { PrismaClient } from '../generated/prisma/client.js';
import { generateApiKey, type Scope } from '../auth/keys.js';

/** Stores a new key's prefix and hash; the key itself is returned once and never again. */
export async function issueApiKey(prisma: PrismaClient, orgId: string, name: string, scopes: readonly Scope[]) {
  const { key, prefix, hash } = generateApiKey();
  const apiKey = await prisma.apiKey.create({ data: { orgId, name, prefix, hash, scopes: [...scopes] } });
  return { key, apiKey };
}
