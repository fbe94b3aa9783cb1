import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { bearerToken } from '../auth/keys.js';

/** Prometheus metrics of one gateway instance (its own registry, so tests can run several). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by route and status code.',
      labelNames: ['route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route.',
      labelNames: ['route'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    httpInFlight: new Gauge({
      name: 'http_requests_in_flight',
      help: 'HTTP requests received and not yet answered (a shutdown waits for them).',
      registers: [registry],
    }),
    graphqlOperations: new Counter({
      name: 'graphql_operations_total',
      help: 'GraphQL operations by type and outcome.',
      labelNames: ['operation_type', 'outcome'] as const,
      registers: [registry],
    }),
    websocketConnections: new Gauge({
      name: 'graphql_ws_connections',
      help: 'Open graphql-ws connections.',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Whether a request may read /metrics: always without METRICS_TOKEN, else with it as a Bearer token. */
export function metricsAuthorized(req: IncomingMessage, metricsToken: string | undefined): boolean {
  if (!metricsToken) return true;
  const token = bearerToken(req.headers.authorization ?? null);
  if (!token) return false;
  // Compared as digests: equal lengths, and the time taken tells nothing about the token.
  return timingSafeEqual(digest(token), digest(metricsToken));
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
