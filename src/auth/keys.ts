import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from '../db/client.js';

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

/** The columns a key check reads, as the lookup statement returns them. */
interface KeyRow {
  id: string;
  orgId: string;
  name: string;
  hash: string;
  scopes: string[];
  revoked: boolean;
  lastUsedMs: number | null;
}

/**
 * Every request checks its key: one indexed statement straight on the driver (no Prisma runtime
 * on this path; it was a fifth of the CPU of a compiled read). Instants travel as epoch
 * milliseconds so that no driver reads the zone-less column in its own local time.
 */
const KEY_LOOKUP = `SELECT "id", "orgId", "name", "hash", "scopes", "revokedAt" IS NOT NULL AS "revoked",
  (extract(epoch FROM "lastUsedAt") * 1000)::float8 AS "lastUsedMs" FROM "ApiKey" WHERE "prefix" = $1`;

export async function checkApiKey(db: Pick<Database, 'prisma' | 'query'>, key: string): Promise<KeyCheck> {
  // The secret is base64url and may itself contain "_", so the prefix is cut by length.
  const prefix = key.slice(0, PREFIX_LENGTH);
  if (!prefix.startsWith(KEY_PREFIX) || key[PREFIX_LENGTH] !== '_') return { status: 'invalid' };
  const [row] = await db.query<KeyRow>(KEY_LOOKUP, [prefix]);
  if (!row) return { status: 'invalid' };
  const expected = Buffer.from(row.hash, 'hex');
  const actual = hashSecret(key);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return { status: 'invalid' };
  if (row.revoked) return { status: 'revoked' };
  const now = Date.now();
  if (row.lastUsedMs === null || now - row.lastUsedMs > LAST_USED_RESOLUTION_MS) {
    // Bookkeeping only: a lost update must not fail the request.
    db.prisma.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: new Date(now) } }).catch(() => undefined);
  }
  return {
    status: 'valid',
    auth: { orgId: row.orgId, keyId: row.id, keyName: row.name, scopes: expandScopes(row.scopes) },
  };
}

/** Which of these keys are revoked now: re-read when revocation events may have been missed (Redis was down). */
export async function revokedKeyIds(db: Pick<Database, 'query'>, keyIds: readonly string[]): Promise<string[]> {
  if (keyIds.length === 0) return [];
  const rows = await db.query<{ id: string }>(`SELECT "id" FROM "ApiKey" WHERE "id" = ANY($1::uuid[]) AND "revokedAt" IS NOT NULL`, [keyIds]);
  return rows.map((row) => row.id);
}
