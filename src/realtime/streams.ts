import { Repeater } from 'graphql-yoga';
import type { Channel, ChannelEvent, PubSub } from './pubsub.js';

type Emit<T> = (value: T) => Promise<void>;

export interface StreamHandlers<C extends Channel, T> {
  /** Runs once, after listening has begun and before any event is handled. */
  start?(emit: Emit<T>): Promise<void>;
  /** Runs for each event of the channel, one at a time, in arrival order. */
  event(event: ChannelEvent<C>, emit: Emit<T>): Promise<void>;
}

/**
 * The values a subscriber receives from one channel/key. Listening begins when the subscriber
 * first asks for a value; closing the stream (the client leaves) removes the listener. Handlers
 * run one after another, so what they emit keeps the events' order; a failing handler ends the
 * stream with its error.
 */
export function channelStream<C extends Channel, T>(
  pubsub: PubSub,
  channel: C,
  key: string,
  handlers: StreamHandlers<C, T>,
): AsyncIterableIterator<T> {
  return new Repeater<T>(async (push, stop) => {
    let stopped = false;
    let queue = Promise.resolve();
    const emit: Emit<T> = async (value) => {
      if (!stopped) await push(value);
    };
    const enqueue = (work: () => Promise<void>) => {
      queue = queue.then(() => (stopped ? undefined : work())).catch((error: unknown) => stop(error));
    };
    const unlisten = await pubsub.listen(channel, key, (event) => enqueue(() => handlers.event(event, emit)));
    void stop.then(() => {
      stopped = true;
      unlisten();
    });
    if (handlers.start) enqueue(() => handlers.start!(emit));
    await stop;
  });
}

/** Something with a position in an ordered log, such as a timeline entry. */
export interface Sequenced {
  sequence: number;
}

/** Loads entries with `after < sequence <= upTo` (no upper bound when upTo is null), oldest first, at most `limit`. */
export type LoadEntries<T extends Sequenced> = (after: number, upTo: number | null, limit: number) => Promise<T[]>;

const REPLAY_PAGE = 100;

/**
 * Every entry of an ordered log after `after`, then every new one, each exactly once and in order.
 *
 * Events only say "entry N was committed". Listening starts first; then the log is read from the
 * database past `after`; then each event reads the entries between the last one sent and N. An
 * entry committed before listening began is found by that first read; one committed later has its
 * event arrive after it. Entries are numbered under the incident's version lock, so when N is
 * committed every entry before it is too: reading up to N never leaves a gap, even when events
 * arrive late, out of order or from another instance, and `sent` (the high-water mark) drops
 * anything already delivered.
 */
export function sequencedStream<C extends Channel, T extends Sequenced>(
  pubsub: PubSub,
  channel: C,
  key: string,
  options: { after: number; sequenceOf: (event: ChannelEvent<C>) => number; load: LoadEntries<T> },
): AsyncIterableIterator<T> {
  let sent = options.after;
  async function catchUp(upTo: number | null, emit: Emit<T>): Promise<void> {
    while (upTo === null || sent < upTo) {
      const entries = await options.load(sent, upTo, REPLAY_PAGE);
      for (const entry of entries) {
        if (entry.sequence <= sent) continue;
        sent = entry.sequence;
        await emit(entry);
      }
      if (entries.length < REPLAY_PAGE) return;
    }
  }
  return channelStream<C, T>(pubsub, channel, key, {
    start: (emit) => catchUp(null, emit),
    event: (event, emit) => catchUp(options.sequenceOf(event), emit),
  });
}
