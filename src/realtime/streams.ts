import type { Channel, ChannelEvent, PubSub } from './pubsub.js';

/** Where a handler puts the values the subscriber receives. */
export interface Emitter<T> {
  /** Resolves once the subscriber has taken the value (or left). */
  emit(value: T): Promise<void>;
  /** Completes the stream after the values already taken: nothing more will come. */
  end(): void;
}

export interface StreamHandlers<C extends Channel, T> {
  /** Runs once, after listening has begun and before any event is handled. */
  start?(out: Emitter<T>): Promise<void>;
  /** Runs for each event of the channel, one at a time, in arrival order. */
  event(event: ChannelEvent<C>, out: Emitter<T>): Promise<void>;
}

/** In a stream's work queue: run the handlers' `start`. */
const START = Symbol('start');

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
 *
 * A class rather than closures: thousands of subscribers each hold one, and its methods are shared.
 */
class ChannelStream<C extends Channel, T> implements AsyncIterableIterator<T>, Emitter<T> {
  private started = false;
  /** Stopped by the subscriber, or failed and the failure delivered: nothing more to give. */
  private finished = false;
  private failure: { error: unknown } | null = null;
  private unlisten: (() => void) | null = null;
  private waiting: { resolve(result: IteratorResult<T>): void; reject(error: unknown): void } | null = null;
  private offered: { value: T; taken(): void } | null = null;
  private readonly work: Array<ChannelEvent<C> | typeof START> = [];
  private working = false;

  constructor(
    private readonly pubsub: PubSub,
    private readonly channel: C,
    private readonly key: string,
    private readonly handlers: StreamHandlers<C, T>,
  ) {}

  private idle(): boolean {
    return this.finished || this.failure !== null;
  }

  private stop(): void {
    if (this.finished) return;
    this.finished = true;
    this.unlisten?.();
    this.unlisten = null;
    this.offered?.taken();
    this.offered = null;
    this.waiting?.resolve(done());
    this.waiting = null;
  }

  private fail(error: unknown): void {
    if (this.idle()) return;
    this.failure = { error };
    this.unlisten?.();
    this.unlisten = null;
    if (this.waiting) {
      this.finished = true;
      this.waiting.reject(error);
      this.waiting = null;
    }
  }

  end(): void {
    this.stop();
  }

  emit(value: T): Promise<void> {
    if (this.idle()) return Promise.resolve();
    if (this.waiting) {
      this.waiting.resolve({ value, done: false });
      this.waiting = null;
      return Promise.resolve();
    }
    return new Promise((taken) => (this.offered = { value, taken }));
  }

  /** Runs the queued handlers in order; the first one starts within the event's dispatch. */
  private async drain(): Promise<void> {
    this.working = true;
    try {
      while (this.work.length > 0 && !this.idle()) {
        const item = this.work.shift()!;
        await (item === START ? this.handlers.start!(this) : this.handlers.event(item, this));
      }
    } catch (error) {
      this.fail(error);
    }
    this.work.length = 0;
    this.working = false;
  }

  private enqueue(item: ChannelEvent<C> | typeof START): void {
    if (this.idle()) return;
    this.work.push(item);
    if (!this.working) void this.drain();
  }

  private start(): void {
    this.started = true;
    this.pubsub.listen(this.channel, this.key, (event) => this.enqueue(event)).then(
      (stopListening) => {
        if (this.idle()) return stopListening();
        this.unlisten = stopListening;
        if (this.handlers.start) this.enqueue(START);
      },
      (error: unknown) => this.fail(error),
    );
  }

  next(): Promise<IteratorResult<T>> {
    if (this.offered) {
      const { value, taken } = this.offered;
      this.offered = null;
      taken();
      return Promise.resolve({ value, done: false });
    }
    if (this.failure && !this.finished) {
      this.finished = true;
      return Promise.reject(this.failure.error);
    }
    if (this.finished) return Promise.resolve(done());
    if (!this.started) this.start();
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.stop();
    return Promise.resolve(done());
  }

  throw(error: unknown): Promise<IteratorResult<T>> {
    this.stop();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

function done<T>(): IteratorResult<T> {
  return { value: undefined, done: true };
}

/** See ChannelStream. */
export function channelStream<C extends Channel, T>(
  pubsub: PubSub,
  channel: C,
  key: string,
  handlers: StreamHandlers<C, T>,
): AsyncIterableIterator<T> {
  return new ChannelStream(pubsub, channel, key, handlers);
}

/** Something with a position in an ordered log, such as a timeline entry. */
export interface Sequenced {
  sequence: number;
}

/** Where the entries are read from. */
export interface EntryLog<T extends Sequenced> {
  /**
   * Entries with `after < sequence`, oldest first, at most `limit`, read once the stream listens
   * (the replay); null when the log is gone. Read afresh for each stream: a read that began before
   * it listened may miss what was announced before it did.
   */
  open(after: number, limit: number): Promise<T[] | null>;
  /** Entries with `after < sequence <= upTo`, oldest first, at most `limit` (after an event announced `upTo`). */
  load(after: number, upTo: number, limit: number): Promise<T[]>;
}

const REPLAY_PAGE = 100;

/**
 * Every entry of an ordered log after `after`, then every new one, each exactly once and in order;
 * it completes when the log is gone.
 *
 * Events only say "entry N was committed" or "the log is gone". Listening starts first; then the
 * log is read past `after` (opened, page by page, which also finds out whether it still exists);
 * then each event reads the entries between the last one sent and N. An entry committed, or an
 * end announced, before listening began is found by that replay; one committed later has its
 * event arrive after it. Entries are
 * numbered under the incident's version lock, so when N is committed every entry before it is
 * too: reading up to N never leaves a gap, even when events arrive late, out of order or from
 * another instance, and `sent` (the high-water mark) drops anything already delivered.
 */
export function sequencedStream<C extends Channel, T extends Sequenced>(
  pubsub: PubSub,
  channel: C,
  key: string,
  options: {
    after: number;
    /** The sequence number an event announces; null when it says the log is gone (the stream completes). */
    sequenceOf: (event: ChannelEvent<C>) => number | null;
    log: EntryLog<T>;
  },
): AsyncIterableIterator<T> {
  return channelStream<C, T>(pubsub, channel, key, new CatchUp(options.after, options.sequenceOf, options.log));
}

/** sequencedStream's handlers: `sent` is the high-water mark. */
class CatchUp<C extends Channel, T extends Sequenced> implements StreamHandlers<C, T> {
  constructor(
    private sent: number,
    private readonly sequenceOf: (event: ChannelEvent<C>) => number | null,
    private readonly log: EntryLog<T>,
  ) {}

  async start(out: Emitter<T>): Promise<void> {
    for (;;) {
      const entries = await this.log.open(this.sent, REPLAY_PAGE);
      if (entries === null) return out.end();
      if (!(await this.send(entries, out))) return;
    }
  }

  event(event: ChannelEvent<C>, out: Emitter<T>): Promise<void> {
    const sequence = this.sequenceOf(event);
    if (sequence === null) {
      out.end();
      return Promise.resolve();
    }
    return this.catchUp(sequence, out);
  }

  private async catchUp(upTo: number, out: Emitter<T>): Promise<void> {
    while (this.sent < upTo) {
      if (!(await this.send(await this.log.load(this.sent, upTo, REPLAY_PAGE), out))) return;
    }
  }

  /** Emits the entries not sent yet; true when the page was full, so more may follow. */
  private async send(entries: T[], out: Emitter<T>): Promise<boolean> {
    for (const entry of entries) {
      if (entry.sequence <= this.sent) continue;
      this.sent = entry.sequence;
      await out.emit(entry);
    }
    return entries.length === REPLAY_PAGE;
  }
}
