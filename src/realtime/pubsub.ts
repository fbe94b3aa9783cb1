import { setMaxListeners } from 'node:events';
import { createPubSub } from 'graphql-yoga';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis } from 'ioredis';

/** Events travel as JSON (they may cross Redis), so they carry ids and plain values only. */
export interface TimelineEvent {
  orgId: string;
  incidentId: string;
  updateId: string;
  sequence: number;
}

export type IncidentChangeType = 'CREATED' | 'UPDATED' | 'TRANSITIONED' | 'DELETED';

export interface IncidentChangedEvent {
  orgId: string;
  type: IncidentChangeType;
  incidentId: string;
  /** The incident as it was after the change; DELETED events need it since the row is gone. */
  snapshot: Record<string, unknown>;
  cursor: string;
}

export interface ComponentStatusEvent {
  orgId: string;
  componentId: string;
  status: string;
}

type Channels = {
  'incident.timeline': [incidentId: string, event: TimelineEvent];
  'incident.changed': [orgId: string, event: IncidentChangedEvent];
  'component.status': [orgId: string, event: ComponentStatusEvent];
  'apikey.revoked': [keyId: string, event: { keyId: string }];
  'escalation.due': [scope: typeof ESCALATION_SCOPE, event: EscalationDueEvent];
};

/** An escalation step was written: pollers of every instance look at once rather than at their next poll. */
export interface EscalationDueEvent {
  dueAt: string;
}

/** Steps of all organizations are claimed by the same pollers: one topic. */
export const ESCALATION_SCOPE = 'all';

export type Channel = keyof Channels;
export type ChannelEvent<C extends Channel> = Channels[C][1];

export type PubSub = ReturnType<typeof createPubSub<Channels>> & {
  /**
   * Starts delivering `channel`/`key` events to `listener` at once (Yoga's `subscribe` only starts
   * on the first `next()`). Resolves when the subscription is active everywhere, i.e. every event
   * published from then on, by any instance, reaches the listener. Returns the unsubscribe function.
   */
  listen<C extends Channel>(channel: C, key: string, listener: (event: ChannelEvent<C>) => void): Promise<() => void>;
  /** Listeners currently attached, over all channels: what a leak would make grow. */
  listenerCount(): number;
  close(): Promise<void>;
};

type Listener = (event: Event) => void;

/** The event target Yoga's pub/sub needs, plus a way to wait until a new listener is live. */
interface GatewayEventTarget extends EventTarget {
  /** Resolves once listeners added so far receive events published from now on. */
  settled(): Promise<void>;
}

/**
 * Wraps an event target to count listeners per topic, so tests and /metrics can see that every
 * subscriber that leaves also takes its listener away.
 */
function countingTarget(inner: GatewayEventTarget) {
  const topics = new Map<string, Set<Listener>>();
  let count = 0;
  const target: GatewayEventTarget = {
    addEventListener(topic: string, listener: Listener) {
      let listeners = topics.get(topic);
      if (!listeners) topics.set(topic, (listeners = new Set()));
      if (listeners.has(listener)) return;
      listeners.add(listener);
      count += 1;
      inner.addEventListener(topic, listener);
    },
    removeEventListener(topic: string, listener: Listener) {
      const listeners = topics.get(topic);
      if (!listeners?.delete(listener)) return;
      count -= 1;
      if (listeners.size === 0) topics.delete(topic);
      inner.removeEventListener(topic, listener);
    },
    dispatchEvent: (event: Event) => inner.dispatchEvent(event),
    settled: () => inner.settled(),
  };
  return { target, count: () => count };
}

function inProcessTarget(): GatewayEventTarget {
  const target = new EventTarget();
  // Thousands of subscribers on one incident are expected, not a leak (the listener gauge watches for those).
  setMaxListeners(0, target);
  return Object.assign(target, { settled: () => Promise.resolve() });
}

function redisTarget(subscribeClient: Redis, publishClient: Redis): GatewayEventTarget {
  const target = createRedisEventTarget({ publishClient, subscribeClient }) as unknown as EventTarget;
  return Object.assign(target, {
    // SUBSCRIBE is sent without waiting for its reply; Redis answers a connection's commands in
    // order, so once a PING on the same connection returns, every earlier SUBSCRIBE is in force.
    settled: async () => {
      await subscribeClient.ping();
    },
  });
}

/** In-process by default; through Redis when a URL is given, so several instances share events. */
export function createGatewayPubSub(redisUrl?: string): PubSub {
  const clients = redisUrl
    ? [new Redis(redisUrl, { maxRetriesPerRequest: 3 }), new Redis(redisUrl, { maxRetriesPerRequest: 3 })]
    : [];
  const { target, count } = countingTarget(clients.length ? redisTarget(clients[0], clients[1]) : inProcessTarget());
  const pubsub = createPubSub<Channels>({ eventTarget: target });
  return Object.assign(pubsub, {
    async listen<C extends Channel>(channel: C, key: string, listener: (event: ChannelEvent<C>) => void) {
      const topic = `${channel}:${key}`;
      const onEvent = (event: Event) => listener((event as CustomEvent<ChannelEvent<C>>).detail);
      target.addEventListener(topic, onEvent);
      const unlisten = () => target.removeEventListener(topic, onEvent);
      try {
        await target.settled();
      } catch (error) {
        unlisten();
        throw error;
      }
      return unlisten;
    },
    listenerCount: count,
    close: async () => {
      await Promise.allSettled(clients.map((client) => client.quit()));
    },
  });
}
