import { expect } from 'vitest';
import { gql, type TestGateway } from './gateway.js';

export async function ok<T = Record<string, any>>(gateway: TestGateway, key: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await gql<T>(gateway, key, query, variables);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data as T;
}

export const INTEGRATION_FIELDS = 'id name autoResolve owner { id name } schedule { id name } components { id name } createdAt lastEventAt';

export interface CreatedIntegration {
  integration: { id: string; name: string; autoResolve: boolean; lastEventAt: string | null; [field: string]: unknown };
  integrationKey: string;
}

/** createIntegration that must succeed. */
export async function createIntegration(gateway: TestGateway, key: string, input: Record<string, unknown>): Promise<CreatedIntegration> {
  const data = await ok<{ createIntegration: CreatedIntegration & { userErrors: unknown[] } }>(
    gateway,
    key,
    `mutation ($input: CreateIntegrationInput!) { createIntegration(input: $input) { integration { ${INTEGRATION_FIELDS} } integrationKey userErrors { code field message } } }`,
    { input },
  );
  expect(data.createIntegration.userErrors).toEqual([]);
  return data.createIntegration;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: any;
}

async function answerOf(response: Response): Promise<HttpAnswer> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: the test sees the text.
  }
  return { status: response.status, headers: response.headers, body };
}

/** POST /v2/enqueue as a PagerDuty client sends it; a string body goes as it is. */
export async function enqueue(gateway: TestGateway, event: unknown): Promise<HttpAnswer> {
  const response = await fetch(`${gateway.url}/v2/enqueue`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof event === 'string' ? event : JSON.stringify(event),
  });
  return answerOf(response);
}

/** POST /integrations/alertmanager as Alertmanager's webhook sends it. */
export async function notifyAlertmanager(gateway: TestGateway, key: string | null, notification: unknown): Promise<HttpAnswer> {
  const response = await fetch(`${gateway.url}/integrations/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'Alertmanager/0.25.0', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: typeof notification === 'string' ? notification : JSON.stringify(notification),
  });
  return answerOf(response);
}

/** The trigger of PagerDuty's documentation (Events API v2, "Send an alert event"), for this key. */
export function documentedTrigger(routingKey: string, overrides: { dedup_key?: string; payload?: Record<string, unknown> } = {}) {
  return {
    payload: {
      summary: 'DISK at 99% on machine prod-datapipe03.example.com',
      timestamp: '2015-07-17T08:42:58.315+0000',
      severity: 'critical',
      source: 'prod-datapipe03.example.com',
      component: 'mysql',
      group: 'prod-datapipe',
      class: 'deploy',
      custom_details: { 'free space': '1%', 'ping time': '1500ms', 'load avg': 0.75 },
      ...overrides.payload,
    },
    routing_key: routingKey,
    dedup_key: overrides.dedup_key ?? 'samplekeyhere',
    images: [{ src: 'https://www.pagerduty.com/wp-content/uploads/2016/05/pagerduty-logo-green.png', href: 'https://example.com/', alt: 'Example text' }],
    links: [{ href: 'https://example.com/', text: 'Link text' }],
    event_action: 'trigger',
    client: 'Sample Monitoring Service',
    client_url: 'https://monitoring.example.com',
  };
}

export const ALERT_FIELDS = 'id status dedupKey summary severity source labels details links { href text } firstSeenAt lastSeenAt resolvedAt count integration { id } incident { id }';

export const INCIDENT_FIELDS = `id number title status severity source autoCreated acknowledgedAt resolvedAt version
  owner { id } affectedComponents { component { id name } }
  timeline(first: 10) { totalCount nodes { kind status body } }
  alerts(first: 10) { totalCount nodes { ${ALERT_FIELDS} } }`;

/** Every incident of the org, oldest first, with their alerts and timelines. */
export async function incidentsOf(gateway: TestGateway, key: string): Promise<any[]> {
  const data = await ok<{ incidents: { nodes: any[] } }>(
    gateway,
    key,
    `{ incidents(first: 10, orderBy: { field: NUMBER, direction: ASC }) { nodes { ${INCIDENT_FIELDS} } } }`,
  );
  return data.incidents.nodes;
}

export async function alertsOf(gateway: TestGateway, key: string, filter?: Record<string, unknown>): Promise<any[]> {
  const data = await ok<{ alerts: { totalCount: number; nodes: any[] } }>(
    gateway,
    key,
    `query ($filter: AlertFilter) { alerts(first: 100, filter: $filter) { totalCount nodes { ${ALERT_FIELDS} } } }`,
    { filter },
  );
  expect(data.alerts.totalCount).toBe(data.alerts.nodes.length);
  return data.alerts.nodes;
}

/** What an org's alert intake can write: to prove that a refused request wrote nothing. */
export async function intakeFootprint(gateway: TestGateway, orgId: string) {
  const prisma = gateway.running.db.prisma;
  const [alerts, incidents, updates, records] = await Promise.all([
    prisma.alert.findMany({ where: { orgId }, orderBy: { id: 'asc' } }),
    prisma.incident.findMany({ where: { orgId }, orderBy: { id: 'asc' } }),
    prisma.incidentUpdate.count({ where: { orgId } }),
    prisma.idempotencyRecord.count({ where: { orgId } }),
  ]);
  return { alerts, incidents, updates, records };
}

/** An Alertmanager webhook notification (version 4) as its documentation lays it out. */
export function alertmanagerNotification(options: {
  groupKey: string;
  status?: 'firing' | 'resolved';
  groupLabels?: Record<string, string>;
  commonLabels?: Record<string, string>;
  commonAnnotations?: Record<string, string>;
  alerts: { status: 'firing' | 'resolved'; labels: Record<string, string>; annotations?: Record<string, string>; fingerprint: string; startsAt?: string; endsAt?: string }[];
}) {
  const status = options.status ?? (options.alerts.some((alert) => alert.status === 'firing') ? 'firing' : 'resolved');
  return {
    receiver: 'gateway',
    status,
    alerts: options.alerts.map((alert) => ({
      status: alert.status,
      labels: alert.labels,
      annotations: alert.annotations ?? {},
      startsAt: alert.startsAt ?? '2026-12-01T10:00:00.000Z',
      endsAt: alert.endsAt ?? (alert.status === 'resolved' ? '2026-12-01T10:05:00.000Z' : '0001-01-01T00:00:00Z'),
      generatorURL: 'http://prometheus.example.com:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1',
      fingerprint: alert.fingerprint,
    })),
    groupLabels: options.groupLabels ?? {},
    commonLabels: options.commonLabels ?? {},
    commonAnnotations: options.commonAnnotations ?? {},
    externalURL: 'http://alertmanager.example.com:9093',
    version: '4',
    groupKey: options.groupKey,
    truncatedAlerts: 0,
  };
}
