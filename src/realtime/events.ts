import { ESCALATION_SCOPE, type ComponentStatusEvent, type EscalationDueEvent, type IncidentChangedEvent, type PubSub, type TimelineEvent } from './pubsub.js';

/** What a committed write tells the world; collected inside the transaction, published after it commits. */
export type GatewayEvent =
  | { channel: 'incident.timeline'; event: TimelineEvent }
  | { channel: 'incident.changed'; event: IncidentChangedEvent }
  | { channel: 'component.status'; event: ComponentStatusEvent }
  | { channel: 'escalation.due'; event: EscalationDueEvent };

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
      case 'escalation.due':
        pubsub.publish(channel, ESCALATION_SCOPE, event);
        break;
    }
  }
}
