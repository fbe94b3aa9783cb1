import { encodeGlobalID } from '@pothos/plugin-relay';
import { beforeAll, describe, expect, it } from 'vitest';
import { backends, gql, useGateway } from '../support/gateway.js';

const SNAPSHOT = 'status severity impact acknowledgedAt owner { id } affectedComponents { component { id } status }';

interface Snapshot {
  status: string;
  severity: string;
  impact: string;
  acknowledgedAt: string | null;
  owner: { id: string } | null;
  affectedComponents: { component: { id: string }; status: string }[];
}

describe.each(backends)('incident history and asOf on %s', (backend) => {
  const gateway = useGateway(backend, { RATE_LIMIT: 'off', NOTIFY_POLL_MS: '3600000', ESCALATION_POLL_MS: '3600000' });
  let org: { orgId: string; key: string };

  async function ok<T = any>(query: string, variables?: Record<string, unknown>, key = org.key): Promise<T> {
    const response = await gql<T>(gateway, key, query, variables);
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    return response.data as T;
  }

  async function mutate(name: string, input: Record<string, unknown>): Promise<void> {
    const type = `${name[0].toUpperCase()}${name.slice(1)}Input`;
    const data = await ok(`mutation ($input: ${type}!) { ${name}(input: $input) { userErrors { code field message } } }`, { input });
    expect(data[name].userErrors).toEqual([]);
  }

  async function snapshot(id: string, asOf?: string): Promise<Snapshot | null> {
    const data = await ok<{ incident: Snapshot | null }>(`query ($id: ID!, $asOf: DateTime) { incident(id: $id, asOf: $asOf) { ${SNAPSHOT} } }`, { id, asOf });
    return data.incident;
  }

  /** When each timeline entry was written; waits a millisecond so that the next one is later. */
  async function entryTimes(id: string): Promise<string[]> {
    const data = await ok(`query ($id: ID!) { incident(id: $id) { timeline(first: 100) { nodes { postedAt } } } }`, { id });
    const times: string[] = data.incident.timeline.nodes.map((node: { postedAt: string }) => node.postedAt);
    while (Date.now() <= Date.parse(times[times.length - 1])) await new Promise((resolve) => setTimeout(resolve, 1));
    return times;
  }

  beforeAll(async () => {
    org = await gateway.createOrg(['write']);
  });

  it('rebuilds every step of a scripted sequence with asOf, and lists every change in history', async () => {
    const prisma = gateway.running.db.prisma;
    const api = encodeGlobalID('Component', (await prisma.component.create({ data: { orgId: org.orgId, name: 'API' } })).id);
    const db = encodeGlobalID('Component', (await prisma.component.create({ data: { orgId: org.orgId, name: 'DB' } })).id);
    const alice = encodeGlobalID('User', (await prisma.user.create({ data: { orgId: org.orgId, name: 'Alice', email: 'alice@example.com' } })).id);

    const created = await ok(
      `mutation { createIncident(input: { title: "Checkout down", components: [{ componentId: "${api}", status: DEGRADED_PERFORMANCE }] }) { incident { id } } }`,
    );
    const id: string = created.createIncident.incident.id;
    // Each step: the times of its first and last timeline entries (one mutation may write several), and the state after it.
    const steps: { firstAt: string; at: string; state: Snapshot }[] = [];
    let seen = 0;
    const record = async () => {
      const times = await entryTimes(id);
      steps.push({ firstAt: times[seen], at: times[times.length - 1], state: (await snapshot(id))! });
      seen = times.length;
    };

    await record(); // created: INVESTIGATING, MEDIUM, MINOR, api degraded
    await mutate('acknowledgeIncident', { id });
    await record();
    await mutate('updateIncident', { id, severity: 'HIGH', ownerId: alice });
    await record();
    await mutate('setIncidentComponents', { id, components: [{ componentId: api, status: 'MAJOR_OUTAGE' }, { componentId: db, status: 'PARTIAL_OUTAGE' }] });
    await record();
    await mutate('transitionIncident', { id, status: 'RESOLVED' });
    await record();
    await mutate('transitionIncident', { id, status: 'INVESTIGATING' });
    await record();
    await mutate('updateIncident', { id, ownerId: null, severity: 'LOW' });
    await record();

    // The scripted sequence, written out by hand.
    const expected: Partial<Snapshot>[] = [
      { status: 'INVESTIGATING', severity: 'MEDIUM', impact: 'MINOR', acknowledgedAt: null, owner: null, affectedComponents: [{ component: { id: api }, status: 'DEGRADED_PERFORMANCE' }] },
      { status: 'INVESTIGATING', severity: 'MEDIUM', impact: 'MINOR', owner: null },
      { status: 'INVESTIGATING', severity: 'HIGH', impact: 'MINOR', owner: { id: alice } },
      {
        status: 'INVESTIGATING',
        severity: 'HIGH',
        impact: 'CRITICAL',
        owner: { id: alice },
        affectedComponents: [
          { component: { id: api }, status: 'MAJOR_OUTAGE' },
          { component: { id: db }, status: 'PARTIAL_OUTAGE' },
        ],
      },
      { status: 'RESOLVED', severity: 'HIGH', impact: 'CRITICAL' },
      { status: 'INVESTIGATING', severity: 'HIGH', owner: { id: alice } },
      { status: 'INVESTIGATING', severity: 'LOW', impact: 'CRITICAL', owner: null },
    ];
    steps.forEach((step, index) => expect(step.state, `step ${index}`).toMatchObject(expected[index]));
    expect(steps[1].state.acknowledgedAt).not.toBeNull();

    // asOf at each step's last entry is that step; a millisecond before its first entry is the step before.
    for (const [index, step] of steps.entries()) {
      expect(await snapshot(id, step.at), `asOf step ${index}`).toEqual(step.state);
      const justBefore = new Date(Date.parse(step.firstAt) - 1).toISOString();
      expect(await snapshot(id, justBefore), `just before step ${index}`).toEqual(index === 0 ? null : steps[index - 1].state);
    }

    const history = await ok(
      `query ($id: ID!) { incident(id: $id) { history(first: 100) { totalCount nodes { at actor { name } field from to } } } }`,
      { id },
    );
    const changes = history.incident.history.nodes.map((entry: any) => [entry.field, entry.from, entry.to]);
    expect(changes).toEqual([
      ['acknowledgedAt', null, steps[1].at],
      ['severity', 'MEDIUM', 'HIGH'],
      ['owner', null, alice],
      ['components', JSON.stringify([{ componentId: api, status: 'DEGRADED_PERFORMANCE' }]), JSON.stringify([{ componentId: api, status: 'MAJOR_OUTAGE' }, { componentId: db, status: 'PARTIAL_OUTAGE' }])],
      ['impact', 'MINOR', 'CRITICAL'],
      ['status', 'INVESTIGATING', 'RESOLVED'],
      ['status', 'RESOLVED', 'INVESTIGATING'],
      ['severity', 'HIGH', 'LOW'],
      ['owner', alice, null],
    ]);
    expect(history.incident.history.totalCount).toBe(9);
    expect(new Set(history.incident.history.nodes.map((entry: any) => entry.actor.name))).toEqual(new Set(['test key write']));
    expect(history.incident.history.nodes[1].at).toBe(steps[2].firstAt);
  });

  it('stamps an acknowledgement and a resolution with the instants the incident stores: history and asOf agree with acknowledgedAt and resolvedAt', async () => {
    const created = await ok('mutation { createIncident(input: { title: "Instants" }) { incident { id } } }');
    const id: string = created.createIncident.incident.id;
    await mutate('acknowledgeIncident', { id });
    await mutate('transitionIncident', { id, status: 'RESOLVED' });
    const data = await ok(
      `query ($id: ID!) { incident(id: $id) {
        acknowledgedAt resolvedAt
        timeline(first: 10) { nodes { kind postedAt } }
        history(first: 10) { nodes { at field to } }
      } }`,
      { id },
    );
    const { acknowledgedAt, resolvedAt } = data.incident;
    expect(acknowledgedAt).not.toBeNull();
    expect(resolvedAt).not.toBeNull();
    const entries = data.incident.timeline.nodes.map((node: { kind: string; postedAt: string }) => [node.kind, node.postedAt]);
    expect(entries).toEqual([
      ['CREATED', expect.any(String)],
      ['ACKNOWLEDGED', acknowledgedAt],
      ['STATUS_CHANGED', resolvedAt],
    ]);
    expect(data.incident.history.nodes).toEqual([
      { at: acknowledgedAt, field: 'acknowledgedAt', to: acknowledgedAt },
      { at: resolvedAt, field: 'status', to: 'RESOLVED' },
    ]);

    // At its own acknowledgedAt the incident is acknowledged; a millisecond before, not yet.
    expect(await snapshot(id, acknowledgedAt)).toMatchObject({ acknowledgedAt });
    expect(await snapshot(id, new Date(Date.parse(acknowledgedAt) - 1).toISOString())).toMatchObject({ acknowledgedAt: null });
    // At its own resolvedAt it is resolved; a millisecond before, still open.
    expect(await snapshot(id, resolvedAt)).toMatchObject({ status: 'RESOLVED' });
    expect(await snapshot(id, new Date(Date.parse(resolvedAt) - 1).toISOString())).toMatchObject({ status: 'INVESTIGATING' });
  });

  it('pages the history as a connection', async () => {
    const created = await ok('mutation { createIncident(input: { title: "Paging" }) { incident { id } } }');
    const id: string = created.createIncident.incident.id;
    for (const severity of ['HIGH', 'LOW', 'CRITICAL']) await mutate('updateIncident', { id, severity });
    const page = await ok(`query ($id: ID!) { incident(id: $id) { history(first: 2) { totalCount pageInfo { hasNextPage endCursor } nodes { to } } } }`, { id });
    expect(page.incident.history).toMatchObject({ totalCount: 3, pageInfo: { hasNextPage: true }, nodes: [{ to: 'HIGH' }, { to: 'LOW' }] });
    const rest = await ok(`query ($id: ID!, $after: String) { incident(id: $id) { history(first: 2, after: $after) { nodes { to } } } }`, {
      id,
      after: page.incident.history.pageInfo.endCursor,
    });
    expect(rest.incident.history.nodes).toEqual([{ to: 'CRITICAL' }]);
  });

  it('reads histories of a list of incidents without one query per incident', async () => {
    const other = await gateway.createOrg(['write']);
    for (const title of ['a', 'b', 'c', 'd']) {
      await ok(`mutation { createIncident(input: { title: "${title}", severity: HIGH }) { incident { id } } }`, undefined, other.key);
    }
    const query = '{ incidents(first: 10) { nodes { title history(first: 10) { totalCount nodes { field } } } } }';
    const fourIncidents = await gateway.statementsDuring(() => ok(query, undefined, other.key));
    expect(fourIncidents.result.incidents.nodes).toHaveLength(4);
    for (const title of ['e', 'f', 'g', 'h']) {
      await ok(`mutation { createIncident(input: { title: "${title}" }) { incident { id } } }`, undefined, other.key);
    }
    const eightIncidents = await gateway.statementsDuring(() => ok(query, undefined, other.key));
    expect(eightIncidents.result.incidents.nodes).toHaveLength(8);
    expect(eightIncidents.statements.length).toBe(fourIncidents.statements.length);
  });

  it('treats an incident of another organization as missing, with or without asOf', async () => {
    const created = await ok('mutation { createIncident(input: { title: "Mine" }) { incident { id } } }');
    const id: string = created.createIncident.incident.id;
    const stranger = await gateway.createOrg(['read']);
    const query = `query ($id: ID!, $asOf: DateTime) { incident(id: $id, asOf: $asOf) { status history(first: 5) { totalCount } } }`;
    for (const asOf of [undefined, new Date().toISOString()]) {
      expect((await ok(query, { id, asOf }, stranger.key)).incident).toBeNull();
    }
  });
});
