import { API_KEY_REVOCATIONS, revokedKeyIds, type VerifiedKeyCache } from '../auth/keys.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { PubSub } from '../realtime/pubsub.js';
import type { RedisConnections } from '../realtime/redis.js';

/** How long a revoked key is remembered: a socket whose key check raced with the revocation is closed on arrival. */
const RECENT_REVOCATION_MS = 60_000;

export interface RevocationDeps {
  db: Database;
  pubsub: PubSub;
  logger: Logger;
  verifiedKeys: VerifiedKeyCache;
  redis?: RedisConnections;
}

/**
 * Open streams per API key: WebSockets and SSE responses, each with how to end it. Revocations
 * arrive over the pub/sub (one topic for all keys, so each instance holds one listener), so a key
 * revoked on any instance loses its streams on all of them, and leaves the key cache of each.
 */
export function createRevocations({ db, pubsub, logger, verifiedKeys, redis }: RevocationDeps) {
  const streamsByKey = new Map<string, Set<() => void>>();
  function trackStream(keyId: string, stream: { once(event: 'close', listener: () => void): unknown }, end: () => void): void {
    let streams = streamsByKey.get(keyId);
    if (!streams) streamsByKey.set(keyId, (streams = new Set()));
    streams.add(end);
    stream.once('close', () => {
      streams.delete(end);
      if (streams.size === 0 && streamsByKey.get(keyId) === streams) streamsByKey.delete(keyId);
    });
  }

  const recentRevocations = new Set<string>();
  const revocations = pubsub.subscribe('apikey.revoked', API_KEY_REVOCATIONS);
  function revoked(keyId: string): void {
    verifiedKeys.forget(keyId);
    recentRevocations.add(keyId);
    setTimeout(() => recentRevocations.delete(keyId), RECENT_REVOCATION_MS).unref();
    for (const end of streamsByKey.get(keyId) ?? []) end();
  }
  void (async () => {
    for await (const { keyId } of revocations) revoked(keyId);
  })();
  // Revocations published while Redis was down reached no one: the keys of open streams are re-read.
  redis?.onReconnect(() => {
    // Keys held in the cache may have been revoked meanwhile too: check them all again.
    verifiedKeys.clearVerifiedKeys();
    revokedKeyIds(db, [...streamsByKey.keys()]).then(
      (keyIds) => keyIds.forEach(revoked),
      (error: unknown) => logger.warn({ err: error }, 'could not re-read revocations after redis came back'),
    );
  });

  return {
    trackStream,
    /** Whether the key was revoked lately, possibly after a check that found it valid. */
    revokedLately: (keyId: string): boolean => recentRevocations.has(keyId),
    /** Stops listening for revocations. */
    async close(): Promise<void> {
      await revocations.return?.();
    },
  };
}

export type Revocations = ReturnType<typeof createRevocations>;
