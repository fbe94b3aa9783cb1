import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client.js';

export const SCOPES = ['read', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** Who is calling: resolved once per request (or WebSocket connection) from the API key. */
export interface AuthContext {
  orgId: string;
  keyId: string;
  keyName: string;
  scopes: ReadonlySet<Scope>;
}

const KEY_PREFIX = 'igw_';
const PREFIX_LENGTH = KEY_PREFIX.length + 12;

/** admin implies write, write implies read. */
export function expandScopes(granted: readonly string[]): Set<Scope> {
  const scopes = new Set<Scope>();
  if (granted.includes('admin')) scopes.add('admin');
  if (scopes.has('admin') || granted.includes('write')) scopes.add('write');
  if (scopes.has('write') || granted.includes('read')) scopes.add('read');
  return scopes;
}

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

function hashSecret(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

/** A new key: `igw_<12 hex>_<43 chars of secret>`; only its prefix and hash are stored. */
export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const prefix = KEY_PREFIX + randomBytes(6).toString('hex');
  const key = `${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: hashSecret(key).toString('hex') };
}

export type KeyCheck =
  | { status: 'valid'; auth: AuthContext }
  | { status: 'invalid' }
  | { status: 'revoked' };

/** Reads "Bearer <key>" (the scheme is case-insensitive); null when no credentials were sent. */
export function bearerToken(header: string | null | undefined): string | null {
  if (!header) return null;
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : '';
}

/** The pub/sub topic of 'apikey.revoked': one for all keys (the event names the key). */
export const API_KEY_REVOCATIONS = 'all';

const LAST_USED_RESOLUTION_MS = 60_000;

export async function checkApiKey(prisma: PrismaClient, key: string): Promise<KeyCheck> {
  // The secret is base64url and may itself contain "_", so the prefix is cut by length.
  const prefix = key.slice(0, PREFIX_LENGTH);
  if (!prefix.startsWith(KEY_PREFIX) || key[PREFIX_LENGTH] !== '_') return { status: 'invalid' };
  const row = await prisma.apiKey.findUnique({ where: { prefix } });
  if (!row) return { status: 'invalid' };
  const expected = Buffer.from(row.hash, 'hex');
  const actual = hashSecret(key);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return { status: 'invalid' };
  if (row.revokedAt) return { status: 'revoked' };
  const now = Date.now();
  if (!row.lastUsedAt || now - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    // Bookkeeping only: a lost update must not fail the request.
    prisma.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: new Date(now) } }).catch(() => undefined);
  }
  return {
    status: 'valid',
    auth: { orgId: row.orgId, keyId: row.id, keyName: row.name, scopes: expandScopes(row.scopes) },
  };
}
