import { GraphQLError } from 'graphql';
import type { Config } from '../config.js';

/** Close code for a socket refused because its key has MAX_SOCKETS_PER_KEY open already (4000-4999: the application's; 429 as in HTTP). */
export const CLOSE_TOO_MANY_SOCKETS = 4429;

/**
 * How much one API key can hold open on this instance: at most `maxSocketsPerKey` WebSockets, each
 * with at most `maxSubscriptionsPerSocket` operations running (an update to an incident is sent
 * once per subscription, so their number is what one event costs). Frame size is ws's maxPayload.
 */
export function createWebSocketLimits(limits: Config['websocket']) {
  const socketsByKey = new Map<string, number>();
  return {
    /** Counts the socket against its key until it closes; false (not counted) when the key is at its limit. */
    admit(keyId: string, socket: { once(event: 'close', listener: () => void): unknown }): boolean {
      const open = socketsByKey.get(keyId) ?? 0;
      if (open >= limits.maxSocketsPerKey) return false;
      socketsByKey.set(keyId, open + 1);
      socket.once('close', () => {
        const left = (socketsByKey.get(keyId) ?? 1) - 1;
        if (left > 0) socketsByKey.set(keyId, left);
        else socketsByKey.delete(keyId);
      });
      return true;
    },
    /**
     * The graphql-ws `error` answer for an operation beyond the socket's limit, or null. `operations`
     * are the socket's operations in progress, the new one included (graphql-ws's ctx.subscriptions).
     */
    tooManySubscriptions(operations: Record<string, unknown>): GraphQLError[] | null {
      if (Object.keys(operations).length <= limits.maxSubscriptionsPerSocket) return null;
      return [
        new GraphQLError(`This socket already runs ${limits.maxSubscriptionsPerSocket} subscriptions, the most one socket may; complete one first or open another socket.`, {
          extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' },
        }),
      ];
    },
  };
}
