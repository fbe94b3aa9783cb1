import { Gauge, type Registry } from 'prom-client';
import type { PubSub } from './pubsub.js';

/** `gateway_pubsub_listeners`: listeners attached to the pub/sub; it returns to its level when subscribers leave. */
export function registerPubSubMetrics(registry: Registry, pubsub: PubSub): void {
  new Gauge({
    name: 'gateway_pubsub_listeners',
    help: 'Pub/sub listeners attached: one per live subscription (and per revocation watch).',
    registers: [registry],
    collect() {
      this.set(pubsub.listenerCount());
    },
  });
}
