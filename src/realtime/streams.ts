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
 * stream with its error, after the value already emitted.
 *
 * A value emitted while the subscriber waits is handed over at once; otherwise `emit` waits until
 * the subscriber takes it, so a slow subscriber holds one value, not a backlog. One event reaches
 * thousands of subscribers: each hand-over is a few plain objects and no extra promise hops.
 * `next` is called one at a time (as `for await` does).
 */
export function channelStream<C extends Channel, T>(
  pubsub: PubSub,
  channel: C,
  key: string,
  handlers: StreamHandlers<C, T>,
): AsyncIterableIterator<T> {
  let started = false;
  /** Stopped by the subscriber, or failed and the failure delivered: nothing more to give. */
  let finished = false;
  let failure: { error: unknown } | null = null;
  let unlisten: (() => void) | null = null;
  let waiting: { resolve(result: IteratorResult<T>): void; reject(error: unknown): void } | null = null;
  let offered: { value: T; taken(): void } | null = null;
  const work: Array<() => Promise<void>> = [];
  let working = false;

  const idle = () => finished || failure !== null;
  const done = (): IteratorResult<T> => ({ value: undefined, done: true });

  function stop(): void {
    if (finished) return;
    finished = true;
    unlisten?.();
    unlisten = null;
    offered?.taken();
    offered = null;
    waiting?.resolve(done());
    waiting = null;
  }

  function fail(error: unknown): void {
    if (idle()) return;
    failure = { error };
    unlisten?.();
    unlisten = null;
    if (waiting) {
      finished = true;
      waiting.reject(error);
      waiting = null;
    }
  }

  const emit: Emit<T> = (value) => {
    if (idle()) return Promise.resolve();
    if (waiting) {
      waiting.resolve({ value, done: false });
      waiting = null;
      return Promise.resolve();
    }
    return new Promise((taken) => (offered = { value, taken }));
  };

  /** Runs the queued handlers in order; the first one starts within the event's dispatch. */
  async function drain(): Promise<void> {
    working = true;
    try {
      while (work.length > 0 && !idle()) await work.shift()!();
    } catch (error) {
      fail(error);
    }
    work.length = 0;
    working = false;
  }
  function enqueue(handler: () => Promise<void>): void {
    if (idle()) return;
    work.push(handler);
    if (!working) void drain();
  }

  function start(): void {
    started = true;
    pubsub.listen(channel, key, (event) => enqueue(() => handlers.event(event, emit))).then((stopListening) => {
      if (idle()) return stopListening();
      unlisten = stopListening;
      if (handlers.start) enqueue(() => handlers.start!(emit));
    }, fail);
  }

  return {
    next(): Promise<IteratorResult<T>> {
      if (offered) {
        const { value, taken } = offered;
        offered = null;
        taken();
        return Promise.resolve({ value, done: false });
      }
      if (failure && !finished) {
        finished = true;
        return Promise.reject(failure.error);
      }
      if (finished) return Promise.resolve(done());
      if (!started) start();
      return new Promise((resolve, reject) => (waiting = { resolve, reject }));
    },
    return(): Promise<IteratorResult<T>> {
      stop();
      return Promise.resolve(done());
    },
    throw(error: unknown): Promise<IteratorResult<T>> {
      stop();
      return Promise.reject(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
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
