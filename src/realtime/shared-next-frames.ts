import type { ExecutionResult } from 'graphql';
import { WebSocket, type WebSocketServer } from 'ws';

/**
 * Subscription fan-out: each shared result is serialized and UTF-8 encoded once, not once per
 * subscriber. Subscribers of one group get the same result object (src/graphql/plugins/shared-events.ts);
 * graphql-ws would stringify `{ id, type: 'next', payload }` for each of them, payload included.
 *
 * Through graphql-ws's own hooks: `onNext` swaps a result that is only `data` for its encoded form
 * (made once per result), the message replacer writes a placeholder in its place, and the socket's
 * `send`, called synchronously right after that stringify, puts the encoded payload back. Each
 * socket then writes its own `{"id":…,"type":"next","payload":` and the shared bytes: the same
 * message, byte for byte. Results with errors or extensions go graphql-ws's usual way.
 */

class EncodedPayload {
  constructor(readonly bytes: Buffer) {}
}

const PLACEHOLDER = '\u0000shared-next-payload';
/** How the message ends when its payload is the placeholder. */
const PLACEHOLDER_END = `${JSON.stringify(PLACEHOLDER)}}`;
const CLOSING_BRACE = Buffer.from('}');

/** The payload the last stringified `next` message left out: that message is the very next send. */
let pending: EncodedPayload | null = null;

type SendCallback = (error?: Error) => void;

/** WebSocket#send, completing a `next` message whose payload was left out. One function for every socket. */
function sendWithSharedPayload(this: WebSocket, data: unknown, optionsOrCallback?: object | SendCallback, callback?: SendCallback): void {
  const options = typeof optionsOrCallback === 'function' ? {} : (optionsOrCallback ?? {});
  const done = typeof optionsOrCallback === 'function' ? (optionsOrCallback as SendCallback) : callback;
  if (pending && typeof data === 'string' && data.endsWith(PLACEHOLDER_END)) {
    const payload = pending;
    pending = null;
    const head = Buffer.from(data.slice(0, data.length - PLACEHOLDER_END.length));
    WebSocket.prototype.send.call(this, Buffer.concat([head, payload.bytes, CLOSING_BRACE]), { ...options, binary: false }, done);
    return;
  }
  WebSocket.prototype.send.call(this, data as string, options, done);
}

/** graphql-ws server options that share each result's encoding among its subscribers on `wsServer`. */
export function shareNextPayloads(wsServer: WebSocketServer) {
  const encoded = new WeakMap<object, EncodedPayload>();
  wsServer.on('connection', (socket) => {
    socket.send = sendWithSharedPayload as WebSocket['send'];
  });
  return {
    onNext(_ctx: unknown, _id: string, _payload: unknown, _args: unknown, result: ExecutionResult): ExecutionResult | void {
      const { data } = result;
      if (!data || Object.keys(result).length !== 1) return;
      let payload = encoded.get(data);
      if (!payload) encoded.set(data, (payload = new EncodedPayload(Buffer.from(JSON.stringify({ data })))));
      // graphql-ws sends what onNext returns as the payload; the replacer below stands in for it.
      return payload as unknown as ExecutionResult;
    },
    jsonMessageReplacer(_key: string, value: unknown): unknown {
      if (!(value instanceof EncodedPayload)) return value;
      pending = value;
      return PLACEHOLDER;
    },
  };
}
