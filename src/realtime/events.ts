import type { ComponentStatusEvent, IncidentChangedEvent, PubSub, TimelineEvent } from './pubsub.js';

/** What a committed write tells the world; collected inside the transaction, published after it commits. */
export type GatewayEvent =
  | { channel: 'incident.timeline'; event: TimelineEvent }
  | { channel: 'incident.changed'; event: IncidentChangedEvent }
  | { channel: 'component.status'; event: ComponentStatusEvent };

export function publishAll(pubsub: PubSub, events: readonly GatewayEvent[]): void {
  for (const { channel, event } of events) {
    switch (channel) {
      case 'incident.timeline':
        pubsub.publish(channel, event.incidentId, event);
        break;
      case 'incident.changed':
        pubsub.publish(channel, event.orgId, event);
        break;
      case 'component.status':
        pubsub.publish(channel, event.orgId, event);
        break;
    }
  }
}
