import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
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

/**
 * A new integration key: 32 hex characters (128 random bits), the form of a PagerDuty routing key,
 * so tools that check that form take it. Random enough that its sha256 is stored and looked up as is.
 */
export function generateIntegrationKey(): { key: string; hash: string } {
  const key = randomBytes(16).toString('hex');
  return { key, hash: integrationKeyHash(key) };
}

export function integrationKeyHash(key: string): string {
  return hashSecret(key).toString('hex');
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

type KeyDatabase = Pick<Database, 'prisma' | 'query'>;

/** The parts of a key check that do not depend on where the row came from. */
interface VerifiedKey {
  hash: Buffer;
  auth: AuthContext;
  /** When lastUsedAt was last written, as far as this instance knows. */
  lastUsedMs: number | null;
}

/** The key's prefix, or null when the key cannot be one of ours. */
function prefixOf(key: string): string | null {
  // The secret is base64url and may itself contain "_", so the prefix is cut by length.
  const prefix = key.slice(0, PREFIX_LENGTH);
  return prefix.startsWith(KEY_PREFIX) && key[PREFIX_LENGTH] === '_' ? prefix : null;
}

function sameHash(expected: Buffer, actual: Buffer): boolean {
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * Bookkeeping only, so a lost update must not fail the request. Conditional, so that several
 * instances holding the same key still write it at most once a minute between them.
 */
function recordUse(db: KeyDatabase, verified: VerifiedKey, now: number): void {
  if (verified.lastUsedMs !== null && now - verified.lastUsedMs <= LAST_USED_RESOLUTION_MS) return;
  verified.lastUsedMs = now;
  db.prisma.apiKey
    .updateMany({
      where: { id: verified.auth.keyId, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(now - LAST_USED_RESOLUTION_MS) } }] },
      data: { lastUsedAt: new Date(now) },
    })
    .catch(() => undefined);
}

/** Checks a key against the database (one indexed statement) and records its use. */
async function lookUpApiKey(db: KeyDatabase, prefix: string, hash: Buffer): Promise<{ check: KeyCheck; verified?: VerifiedKey }> {
  const [row] = await db.query<KeyRow>(KEY_LOOKUP, [prefix]);
  const expected = row ? Buffer.from(row.hash, 'hex') : null;
  if (!row || !expected || !sameHash(expected, hash)) return { check: { status: 'invalid' } };
  if (row.revoked) return { check: { status: 'revoked' } };
  const verified: VerifiedKey = {
    hash: expected,
    auth: { orgId: row.orgId, keyId: row.id, keyName: row.name, scopes: expandScopes(row.scopes) },
    lastUsedMs: row.lastUsedMs,
  };
  recordUse(db, verified, Date.now());
  return { check: { status: 'valid', auth: verified.auth }, verified };
}

/** At most this many keys are held; the least recently used go first. */
const VERIFIED_KEYS_MAX = 10_000;

export interface VerifiedKeyCache {
  /** Checks a key: from memory when it was verified within the last `ttlMs`, else against the database. */
  check(key: string): Promise<KeyCheck>;
  /** Drops a key at once: it was revoked, on this instance or (told through the pub/sub) another. */
  forget(keyId: string): void;
  /** Drops every key held: for when revocations may have been missed (the pub/sub was down). */
  clearVerifiedKeys(): void;
}

/**
 * Keys that checked out, held for `ttlMs` (0: every request asks the database). Only valid keys
 * are held; unknown and revoked ones are asked for every time. A check that was under way when a
 * key was forgotten (or the cache cleared) keeps its answer for that request but does not fill the
 * cache: it may have read the row before the revocation committed.
 */
export function createVerifiedKeyCache(db: KeyDatabase, { ttlMs }: { ttlMs: number }): VerifiedKeyCache {
  const held = ttlMs > 0 ? new LRUCache<string, VerifiedKey>({ max: VERIFIED_KEYS_MAX, ttl: ttlMs }) : null;
  /** Bumped whenever something is forgotten: a check that started before must not fill the cache. */
  let generation = 0;
  return {
    async check(key) {
      const prefix = prefixOf(key);
      if (!prefix) return { status: 'invalid' };
      const hash = hashSecret(key);
      const known = held?.get(prefix);
      if (known) {
        if (!sameHash(known.hash, hash)) return { status: 'invalid' };
        recordUse(db, known, Date.now());
        return { status: 'valid', auth: known.auth };
      }
      const startedIn = generation;
      const { check, verified } = await lookUpApiKey(db, prefix, hash);
      if (verified && held && startedIn === generation) held.set(prefix, verified);
      return check;
    },
    forget(keyId) {
      generation += 1;
      if (!held) return;
      for (const [prefix, verified] of held.entries()) {
        if (verified.auth.keyId === keyId) held.delete(prefix);
      }
    },
    clearVerifiedKeys() {
      generation += 1;
      held?.clear();
    },
  };
}

/** Which of these keys are revoked now: re-read when revocation events may have been missed (Redis was down). */
export async function revokedKeyIds(db: Pick<Database, 'query'>, keyIds: readonly string[]): Promise<string[]> {
  if (keyIds.length === 0) return [];
  const rows = await db.query<{ id: string }>(`SELECT "id" FROM "ApiKey" WHERE "id" = ANY($1::uuid[]) AND "revokedAt" IS NOT NULL`, [keyIds]);
  return rows.map((row) => row.id);
}
