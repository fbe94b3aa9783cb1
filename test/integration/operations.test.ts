import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData } from '../../prisma/seed.js';
import { OPEN_STATUSES } from '../../src/http/board/page/state.js';
import { backends, gql, startTestGateway, type TestGateway } from '../support/gateway.js';
import { loadOperations } from '../support/operations.js';
import { wsClient } from '../support/subscriptions.js';

/** What the demo data (prisma/seed.ts) holds, by the names the fixtures need. */
interface Demo {
  key: string;
  incidentIds: string[];
  componentId: string;
  statusPageId: string;
  scheduleId: string;
  userId: string;
}

type Variables = Record<string, unknown>;
const hour = 3600_000;

/**
 * Variables for each operation, over the demo data. An operation added to schema/operations needs
 * an entry here: the test fails on one it cannot run.
 */
const FIXTURES: Record<string, (demo: Demo, gateway: TestGateway) => Variables | Promise<Variables>> = {
  OpenIncidents: () => ({}),
  IncidentTimeline: () => ({ number: 1 }),
  OpenIncident: () => ({ input: { title: 'Checkout returns 502', severity: 'HIGH', message: 'Checkout fails for some users; investigating.', tags: ['checkout'] } }),
  PostUpdate: (demo) => ({ incidentId: demo.incidentIds[0], body: 'Rolled back the deploy.' }),
  ChangeStatus: (demo) => ({ id: demo.incidentIds[1], status: 'MONITORING', message: 'Fix deployed; watching.' }),
  AddComponent: () => ({ input: { name: 'Search', group: 'Core' } }),
  AddUser: () => ({ input: { name: 'Alan Turing', email: 'alan@example.com' } }),
  AddSchedule: (demo) => ({
    input: { name: 'Secondary', layers: [{ rotationStart: new Date(Date.now() - hour).toISOString(), shiftLengthSeconds: 86_400, participantIds: [demo.userId] }] },
  }),
  WhoIsOnCall: (demo) => ({ scheduleId: demo.scheduleId }),
  RemoveIncident: async (demo, gateway) => {
    const created = await gql(gateway, demo.key, 'mutation { createIncident(input: { title: "Opened by mistake" }) { incident { id } } }');
    return { id: created.data!.createIncident.incident.id };
  },
  FollowTimeline: (demo) => ({ id: demo.incidentIds[0], after: null }),
  Reliability: () => ({ from: new Date(Date.now() - 30 * 24 * hour).toISOString(), to: new Date(Date.now() + hour).toISOString() }),
  ComponentUptime: (demo) => ({ id: demo.componentId }),
  SubscribeWebhook: (demo) => ({ statusPageId: demo.statusPageId, webhookUrl: 'https://example.com/hooks/status' }),
  BoardSnapshot: () => ({ open: OPEN_STATUSES, now: new Date().toISOString(), horizon: new Date(Date.now() + 7 * 24 * hour).toISOString() }),
  BoardOnCall: () => ({ now: new Date().toISOString(), horizon: new Date(Date.now() + 7 * 24 * hour).toISOString() }),
  BoardIncidentChanged: () => ({}),
  BoardTimeline: (demo) => ({ incidentId: demo.incidentIds[0], after: null }),
};

/** Collects every `userErrors` list in a result: a rejected input is an error here too. */
function userErrorsIn(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(userErrorsIn);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([field, inner]) => (field === 'userErrors' && Array.isArray(inner) ? inner : userErrorsIn(inner)));
}

const operations = await loadOperations();

describe.each(backends)('schema/operations on %s', (backend) => {
  let gateway: TestGateway;
  let demo: Demo;
  beforeAll(async () => {
    gateway = await startTestGateway(backend);
    const { key } = await seedDemoData(gateway.running.db);
    const prisma = gateway.running.db.prisma;
    const ids = await gql(gateway, key, '{ incidents(first: 10, orderBy: { field: NUMBER, direction: ASC }) { nodes { id } } components { nodes { id } } statusPages { nodes { id } } schedules { nodes { id } } users { nodes { id } } }');
    expect(ids.errors).toBeUndefined();
    demo = {
      key,
      incidentIds: ids.data!.incidents.nodes.map((node: { id: string }) => node.id),
      componentId: ids.data!.components.nodes[0].id,
      statusPageId: ids.data!.statusPages.nodes[0].id,
      scheduleId: ids.data!.schedules.nodes[0].id,
      userId: ids.data!.users.nodes[0].id,
    };
    expect(await prisma.incident.count()).toBeGreaterThan(1);
  });
  afterAll(async () => gateway?.stop());

  it('has variables for every operation', () => {
    expect(operations.map((operation) => operation.name).filter((name) => !FIXTURES[name])).toEqual([]);
  });

  // Queries and mutations as a client sends them; subscriptions until their first event.
  it.each(operations.map((operation) => [`${operation.name} (${operation.file})`, operation] as const))('%s runs without errors', async (_label, operation) => {
    const variables = await FIXTURES[operation.name](demo, gateway);
    if (operation.kind !== 'subscription') {
      const response = await gql(gateway, demo.key, operation.text, variables);
      expect(response.errors).toBeUndefined();
      expect(response.status).toBe(200);
      expect(userErrorsIn(response.data)).toEqual([]);
      return;
    }
    const socket = wsClient(gateway, demo.key);
    try {
      const subscription = socket.subscribe(operation.text, variables);
      const first = subscription.take(1);
      // A timeline from the start replays at once; a change feed needs a change, sent until one arrives.
      let arrived = false;
      void first.finally(() => (arrived = true));
      for (let attempt = 0; attempt < 20 && !arrived; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        if (!arrived) await gql(gateway, demo.key, 'mutation ($id: ID!) { postIncidentUpdate(input: { incidentId: $id, body: "Still on it." }) { userErrors { code } } }', { id: demo.incidentIds[0] });
      }
      const [result] = await first;
      expect(result.errors).toBeUndefined();
      expect(result.data).toBeTruthy();
    } finally {
      await socket.dispose();
    }
  });
});
