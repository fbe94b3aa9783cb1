import { encodeGlobalID } from '@pothos/plugin-relay';
import { expect } from 'vitest';
import type { Scope } from '../../src/auth/keys.js';
import type { ComponentStatus } from '../../src/domain/types.js';
import { gql, type TestGateway } from './gateway.js';

/** The incident fields the incident tests look at. */
export const INCIDENT_FIELDS = `
  id number title description kind status severity impact impactOverridden tags source externalRef
  reopenCount version startedAt acknowledgedAt resolvedAt createdAt updatedAt
  owner { id name }
  affectedComponents { component { id status } status }
  timeline(first: 100) { totalCount nodes { id kind status body changes { field from to } } }
`;

export const USER_ERRORS = 'userErrors { code field message }';

export interface UserErrorShape {
  code: string;
  field: string[] | null;
  message: string;
}

export interface TimelineEntry {
  id: string;
  kind: string;
  status: string;
  body: string;
  changes: { field: string; from: string | null; to: string | null }[];
}

export interface IncidentShape {
  id: string;
  number: number;
  title: string;
  description: string | null;
  kind: string;
  status: string;
  severity: string;
  impact: string;
  impactOverridden: boolean;
  tags: string[];
  source: string;
  externalRef: string | null;
  reopenCount: number;
  version: number;
  startedAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  createdAt: string;
  updatedAt: string;
  owner: { id: string; name: string } | null;
  affectedComponents: { component: { id: string; status: ComponentStatus }; status: ComponentStatus }[];
  timeline: { totalCount: number; nodes: TimelineEntry[] };
}

export interface Payload {
  incident: IncidentShape | null;
  userErrors: UserErrorShape[];
}

/** Sends an operation and fails the test on any top-level error. */
export async function ok<T = Record<string, any>>(
  gateway: TestGateway,
  key: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<T> {
  const response = await gql<T>(gateway, key, query, variables);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  expect(response.status).toBe(200);
  return response.data as T;
}

/** Runs mutation `name` with `input`, selecting the incident and userErrors. */
export async function mutate(
  gateway: TestGateway,
  key: string,
  name: string,
  input: Record<string, unknown>,
): Promise<Payload> {
  const data = await ok<Record<string, Payload>>(
    gateway,
    key,
    `mutation ($input: ${name[0].toUpperCase()}${name.slice(1)}Input!) { ${name}(input: $input) { incident { ${INCIDENT_FIELDS} } ${USER_ERRORS} } }`,
    { input },
  );
  return data[name];
}

/** createIncident that must succeed. */
export async function createIncident(gateway: TestGateway, key: string, input: Record<string, unknown>): Promise<IncidentShape> {
  const payload = await mutate(gateway, key, 'createIncident', input);
  expect(payload.userErrors).toEqual([]);
  return payload.incident!;
}

/** A mutation that must be rejected: returns its userErrors. */
export async function rejectedWith(
  gateway: TestGateway,
  key: string,
  name: string,
  input: Record<string, unknown>,
): Promise<UserErrorShape[]> {
  const payload = await mutate(gateway, key, name, input);
  expect(payload.incident).toBeNull();
  expect(payload.userErrors.length).toBeGreaterThan(0);
  return payload.userErrors;
}

export async function readIncident(gateway: TestGateway, key: string, id: string): Promise<IncidentShape | null> {
  const data = await ok<{ incident: IncidentShape | null }>(gateway, key, `query ($id: ID!) { incident(id: $id) { ${INCIDENT_FIELDS} } }`, { id });
  return data.incident;
}

export interface TestOrg {
  orgId: string;
  key: string;
  slug: string;
}

export function createOrg(gateway: TestGateway, scopes: Scope[] = ['write']): Promise<TestOrg> {
  return gateway.createOrg(scopes);
}

// Components and users are other issues' APIs; the incident tests put them straight into the database.

export async function createComponent(
  gateway: TestGateway,
  orgId: string,
  name: string,
  status: ComponentStatus = 'OPERATIONAL',
): Promise<string> {
  const row = await gateway.running.db.prisma.component.create({ data: { orgId, name, status } });
  return encodeGlobalID('Component', row.id);
}

export async function createUser(gateway: TestGateway, orgId: string, name: string): Promise<string> {
  const email = `${name.toLowerCase().replace(/\W+/g, '.')}.${Math.random().toString(36).slice(2, 8)}@example.com`;
  const row = await gateway.running.db.prisma.user.create({ data: { orgId, name, email } });
  return encodeGlobalID('User', row.id);
}

export async function componentStatus(gateway: TestGateway, key: string, id: string): Promise<ComponentStatus> {
  const data = await ok<{ node: { status: ComponentStatus } }>(gateway, key, 'query ($id: ID!) { node(id: $id) { ... on Component { status } } }', { id });
  return data.node.status;
}

/** Everything an org's incident writes can touch, to prove a rejected input wrote nothing. */
export async function orgFootprint(gateway: TestGateway, orgId: string) {
  const prisma = gateway.running.db.prisma;
  const [org, incidents, updates, links, components, componentChanges, pageLinks, idempotency] = await Promise.all([
    prisma.organization.findUniqueOrThrow({ where: { id: orgId }, select: { nextIncidentNumber: true } }),
    prisma.incident.findMany({ where: { orgId }, orderBy: { id: 'asc' } }),
    prisma.incidentUpdate.count({ where: { orgId } }),
    prisma.incidentComponent.findMany({ where: { incident: { orgId } }, orderBy: [{ incidentId: 'asc' }, { componentId: 'asc' }] }),
    prisma.component.findMany({ where: { orgId }, select: { id: true, status: true }, orderBy: { id: 'asc' } }),
    prisma.componentStatusChange.count({ where: { orgId } }),
    prisma.statusPageIncident.count({ where: { incident: { orgId } } }),
    prisma.idempotencyRecord.count({ where: { orgId } }),
  ]);
  return { nextIncidentNumber: org.nextIncidentNumber, incidents, updates, links, components, componentChanges, pageLinks, idempotency };
}

/** Runs `work` and checks that the org's data is exactly as before. */
export async function expectNothingWritten(gateway: TestGateway, orgId: string, work: () => Promise<unknown>): Promise<void> {
  const before = await orgFootprint(gateway, orgId);
  await work();
  expect(await orgFootprint(gateway, orgId)).toEqual(before);
}
