import { setMaxListeners } from 'node:events';
import { createPubSub } from 'graphql-yoga';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { RedisConnections } from './redis.js';

/** Events travel as JSON (they may cross Redis), so they carry ids and plain values only. */
export type TimelineEvent = TimelineEntryEvent | TimelineEndEvent;

/** Entry `sequence` of an incident's timeline was committed. */
export interface TimelineEntryEvent {
  orgId: string;
  incidentId: string;
  updateId: string;
  sequence: number;
}

/** The incident was deleted, and its timeline with it: its subscriptions complete. */
export interface TimelineEndEvent {
  orgId: string;
  incidentId: string;
  deleted: true;
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

function redisTarget(subscribeClient: Redis, publishClient: Redis, logger: Logger): GatewayEventTarget {
  // While Redis is down an event cannot reach the other instances: it is dropped with a warning
  // (the publisher's transaction is committed already), never left as an unhandled rejection.
  const publisher = {
    publish: (channel: string, message: string) =>
      publishClient.publish(channel, message).catch((error: unknown) => {
        logger.warn({ err: error, channel: channel.split(':')[0] }, 'event not published: redis is unavailable');
        return 0;
      }),
  } as unknown as Redis;
  // (Un)subscribing waits in the queue while Redis is down; it fails only when the gateway closes.
  const subscriber = {
    on: (event: 'message', listener: (channel: string, message: string) => void) => subscribeClient.on(event, listener),
    subscribe: (channel: string) => subscribeClient.subscribe(channel).catch(() => 0),
    unsubscribe: (channel: string) => subscribeClient.unsubscribe(channel).catch(() => 0),
  } as unknown as Redis;
  const target = createRedisEventTarget({ publishClient: publisher, subscribeClient: subscriber }) as unknown as EventTarget;
  return Object.assign(target, {
    // SUBSCRIBE is sent without waiting for its reply; Redis answers a connection's commands in
    // order, so once a PING on the same connection returns, every earlier SUBSCRIBE is in force.
    // While Redis is down the SUBSCRIBE waits in the client's queue and goes out on reconnection:
    // the subscriber starts now and hears events from then on.
    settled: async () => {
      if (subscribeClient.status === 'ready') await subscribeClient.ping();
    },
  });
}

/**
 * In-process by default; through Redis when given its connections, so several instances share
 * events. The subscribing connection queues its commands while Redis is down (and re-subscribes on
 * reconnection); the publishing one fails at once, so a write never waits for Redis.
 */
export function createGatewayPubSub(logger: Logger, redis?: RedisConnections): PubSub {
  const clients = redis
    ? [redis.open('subscriber', { maxRetriesPerRequest: null }), redis.open('publisher', { enableOfflineQueue: false })]
    : [];
  const { target, count } = countingTarget(clients.length ? redisTarget(clients[0], clients[1], logger) : inProcessTarget());
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
  });
}
