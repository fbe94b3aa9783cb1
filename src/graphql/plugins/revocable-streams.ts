import type { Plugin } from 'graphql-yoga';
import type { GatewayContext, TransportContext } from '../context.js';

/** Keeps an open stream under its key until it closes; `end` ends it when the key is revoked (src/http/revocations.ts). */
export type TrackStream = (keyId: string, stream: { once(event: 'close', listener: () => void): unknown }, end: () => void) => void;

/** Subscriptions over SSE end when their key is revoked, like WebSockets (which are tracked when they connect). */
export function useRevocableStreams(trackStream: TrackStream): Plugin<GatewayContext & TransportContext> {
  return {
    onSubscribe({ args }) {
      const context = args.contextValue as GatewayContext & TransportContext;
      const res = context.res;
      if (context.auth && res && !context.socketAuth) trackStream(context.auth.keyId, res, () => res.destroy());
    },
  };
}
