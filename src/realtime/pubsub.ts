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
};

export type PubSub = ReturnType<typeof createPubSub<Channels>> & { close(): Promise<void> };

/** In-process by default; through Redis when a URL is given, so several instances share events. */
export function createGatewayPubSub(redisUrl?: string): PubSub {
  if (!redisUrl) {
    return Object.assign(createPubSub<Channels>(), { close: async () => undefined });
  }
  const publishClient = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 3 });
  const subscribeClient = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 3 });
  const eventTarget = createRedisEventTarget({ publishClient, subscribeClient });
  return Object.assign(createPubSub<Channels>({ eventTarget }), {
    close: async () => {
      await Promise.allSettled([publishClient.quit(), subscribeClient.quit()]);
    },
  });
}
