import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { describe, expect, it } from 'vitest';
import { backends, gql, useGateway } from '../support/gateway.js';
import { pubsubListeners, untilListeners, wsClient } from '../support/subscriptions.js';
import { countOf, createComponent, createUser, created, errorsOf, mutate, ok } from './catalog-fixtures.js';

const COMPONENT = 'component { id name description group status position }';

describe.each(backends)('components and users on %s', (backend) => {
  const gateway = useGateway(backend);

  it('creates components and lists them by group, then position', async () => {
    const { key } = await gateway.createOrg(['write']);
    const payments = await createComponent(gateway, key, { name: 'Payments', group: 'Billing', position: 1 });
    const invoices = await createComponent(gateway, key, { name: 'Invoices', group: 'Billing', position: 0 });
    const api = await createComponent(gateway, key, { name: 'API', group: 'Core' });
    const status = await createComponent(gateway, key, { name: '  Status  ', status: 'DEGRADED_PERFORMANCE' });
    const data = await ok(gateway, key, '{ components(first: 10) { totalCount nodes { id name group status position } } }');
    expect(data.components.totalCount).toBe(4);
    expect(data.components.nodes.map((node: { id: string }) => node.id)).toEqual([status, invoices, payments, api]);
    expect(data.components.nodes[0]).toMatchObject({ name: 'Status', group: null, status: 'DEGRADED_PERFORMANCE', position: 0 });
    const paged = await ok(gateway, key, '{ components(first: 2) { pageInfo { endCursor hasNextPage } } }');
    const next = await ok(gateway, key, 'query ($after: String) { components(first: 2, after: $after) { nodes { id } pageInfo { hasNextPage } } }', {
      after: paged.components.pageInfo.endCursor,
    });
    expect(next.components.nodes.map((node: { id: string }) => node.id)).toEqual([payments, api]);
    expect(next.components.pageInfo.hasNextPage).toBe(false);
  });

  it('rejects invalid component input with field paths and writes nothing', async () => {
    const { key } = await gateway.createOrg(['write']);
    const payload = await mutate(gateway, key, 'createComponent', { name: '   ', position: -1, group: 'x'.repeat(256) }, COMPONENT);
    expect(payload.component).toBeNull();
    expect(errorsOf(payload)).toEqual([
      { code: 'INVALID_INPUT', field: ['name'] },
      { code: 'INVALID_INPUT', field: ['group'] },
      { code: 'INVALID_INPUT', field: ['position'] },
    ]);
    expect(await countOf(gateway, key, 'components')).toBe(0);
  });

  it('updates a component partially, and refuses null for required fields', async () => {
    const { key } = await gateway.createOrg(['write']);
    const id = await createComponent(gateway, key, { name: 'API', description: 'Public API', group: 'Core', position: 3 });
    const updated = await created(gateway, key, 'updateComponent', { id, name: 'REST API', group: null }, COMPONENT);
    expect(updated.component).toEqual({ id, name: 'REST API', description: 'Public API', group: null, status: 'OPERATIONAL', position: 3 });
    const rejected = await mutate(gateway, key, 'updateComponent', { id, name: null, position: null, description: 'changed' }, COMPONENT);
    expect(errorsOf(rejected)).toEqual([
      { code: 'INVALID_INPUT', field: ['name'] },
      { code: 'INVALID_INPUT', field: ['position'] },
    ]);
    const after = await ok(gateway, key, 'query ($id: ID!) { component(id: $id) { description } }', { id });
    expect(after.component.description).toBe('Public API');
  });

  it('sets a component status, keeps its history and shows it on incidents of the component', async () => {
    const { key } = await gateway.createOrg(['write']);
    const id = await createComponent(gateway, key, { name: 'API' });
    const set = await created(gateway, key, 'setComponentStatus', { id, status: 'MAJOR_OUTAGE' }, 'component { status }');
    expect(set.component.status).toBe('MAJOR_OUTAGE');
    const again = await created(gateway, key, 'setComponentStatus', { id, status: 'MAJOR_OUTAGE' }, 'component { status }');
    expect(again.component.status).toBe('MAJOR_OUTAGE');
    const { running } = gateway;
    const history = await running.db.prisma.componentStatusChange.findMany({ where: { componentId: decodeGlobalID(id).id } });
    expect(history.map((change) => change.status)).toEqual(['MAJOR_OUTAGE']);

    const open = await created(gateway, key, 'createIncident', { title: 'Open', componentIds: [id] }, 'incident { id }');
    const closed = await created(gateway, key, 'createIncident', { title: 'Old', componentIds: [id], status: 'RESOLVED', startedAt: '2020-01-01T00:00:00Z' }, 'incident { id }');
    const incidents = await ok(
      gateway,
      key,
      'query ($id: ID!) { component(id: $id) { all: incidents(first: 10) { totalCount nodes { id } } open: incidents(open: true) { totalCount nodes { id } } closed: incidents(open: false) { nodes { id } } } }',
      { id },
    );
    expect(incidents.component.all.nodes).toEqual([{ id: open.incident.id }, { id: closed.incident.id }]);
    expect(incidents.component.open).toEqual({ totalCount: 1, nodes: [{ id: open.incident.id }] });
    expect(incidents.component.all.totalCount).toBe(2);
    expect(incidents.component.closed.nodes).toEqual([{ id: closed.incident.id }]);
  });

  it('deletes a component; incidents stop listing it', async () => {
    const { key } = await gateway.createOrg(['write']);
    const id = await createComponent(gateway, key, { name: 'API' });
    const incident = await created(gateway, key, 'createIncident', { title: 'Down', componentIds: [id] }, 'incident { id }');
    const deleted = await created(gateway, key, 'deleteComponent', { id }, 'deletedComponentId');
    expect(deleted.deletedComponentId).toBe(id);
    const after = await ok(gateway, key, 'query ($id: ID!, $incident: ID!) { component(id: $id) { id } incident(id: $incident) { affectedComponents { status } } }', {
      id,
      incident: incident.incident.id,
    });
    expect(after).toEqual({ component: null, incident: { affectedComponents: [] } });
    const again = await mutate(gateway, key, 'deleteComponent', { id }, 'deletedComponentId');
    expect(again.deletedComponentId).toBeNull();
    expect(errorsOf(again)).toEqual([{ code: 'NOT_FOUND', field: ['id'] }]);
  });

  it('deleting a component re-derives the impact of the incidents that listed it: IMPACT_CHANGED entry, new version, incidentChanged; an override stays', async () => {
    const { key } = await gateway.createOrg(['write']);
    const api = await createComponent(gateway, key, { name: 'API' });
    const db = await createComponent(gateway, key, { name: 'DB' });
    const INCIDENT = 'incident { id impact impactOverridden version }';
    const both = await created(gateway, key, 'createIncident', {
      title: 'Both',
      components: [
        { componentId: api, status: 'MAJOR_OUTAGE' },
        { componentId: db, status: 'DEGRADED_PERFORMANCE' },
      ],
    }, INCIDENT);
    const overridden = await created(gateway, key, 'createIncident', { title: 'Overridden', components: [{ componentId: api, status: 'MAJOR_OUTAGE' }] }, INCIDENT);
    await created(gateway, key, 'updateIncident', { id: overridden.incident.id, impact: 'MAJOR' }, 'incident { id }');
    const dbOnly = await created(gateway, key, 'createIncident', { title: 'DB only', components: [{ componentId: db, status: 'DEGRADED_PERFORMANCE' }] }, INCIDENT);
    expect(both.incident).toMatchObject({ impact: 'CRITICAL', version: 1 });
    expect(dbOnly.incident).toMatchObject({ impact: 'MINOR', version: 1 });

    const ws = wsClient(gateway, key);
    try {
      const listening = await pubsubListeners(gateway);
      const changes = ws.subscribe('subscription { incidentChanged { type incident { id impact version } } }');
      const firstChange = changes.next();
      await untilListeners(gateway, listening + 1);
      await created(gateway, key, 'deleteComponent', { id: api }, 'deletedComponentId');
      const change = await Promise.race([firstChange, new Promise<null>((resolve) => setTimeout(() => resolve(null), 5_000))]);
      expect(change?.data?.incidentChanged).toEqual({ type: 'UPDATED', incident: { id: both.incident.id, impact: 'MINOR', version: 2 } });
    } finally {
      await ws.dispose();
    }

    const TIMELINE = 'timeline(last: 1) { totalCount nodes { kind changes { field from to } } }';
    const after = await ok(gateway, key, `query ($both: ID!, $overridden: ID!, $dbOnly: ID!) {
      both: incident(id: $both) { impact version affectedComponents { status } ${TIMELINE} history(first: 10) { nodes { field from to } } }
      overridden: incident(id: $overridden) { impact impactOverridden version ${TIMELINE} }
      dbOnly: incident(id: $dbOnly) { impact version }
    }`, { both: both.incident.id, overridden: overridden.incident.id, dbOnly: dbOnly.incident.id });
    expect(after.both).toMatchObject({ impact: 'MINOR', version: 2, affectedComponents: [{ status: 'DEGRADED_PERFORMANCE' }] });
    expect(after.both.timeline).toEqual({ totalCount: 2, nodes: [{ kind: 'IMPACT_CHANGED', changes: [{ field: 'impact', from: 'CRITICAL', to: 'MINOR' }] }] });
    expect(after.both.history.nodes).toContainEqual({ field: 'impact', from: 'CRITICAL', to: 'MINOR' });
    // The override decides its impact: nothing changes, nothing is written.
    expect(after.overridden).toMatchObject({ impact: 'MAJOR', impactOverridden: true, version: 2 });
    expect(after.overridden.timeline.nodes[0].kind).toBe('IMPACT_CHANGED');
    expect(after.overridden.timeline.totalCount).toBe(2);
    expect(after.dbOnly).toEqual({ impact: 'MINOR', version: 1 });
  });

  it('creates users with a unique email per organization and a valid time zone', async () => {
    const { key } = await gateway.createOrg(['write']);
    const user = await created(gateway, key, 'createUser', { name: 'Ada', email: 'ada@example.com', timeZone: 'Europe/London' }, 'user { id name email timeZone }');
    expect(user.user).toMatchObject({ name: 'Ada', email: 'ada@example.com', timeZone: 'Europe/London' });
    const byDefault = await created(gateway, key, 'createUser', { name: 'Grace', email: 'grace@example.com' }, 'user { timeZone }');
    expect(byDefault.user.timeZone).toBe('UTC');

    const taken = await mutate(gateway, key, 'createUser', { name: 'Ada 2', email: 'ADA@example.com' }, 'user { id }');
    expect(taken.user).toBeNull();
    expect(errorsOf(taken)).toEqual([{ code: 'INVALID_INPUT', field: ['email'] }]);
    const invalid = await mutate(gateway, key, 'createUser', { name: '', email: 'not-an-email', timeZone: 'Mars/Olympus' }, 'user { id }');
    expect(errorsOf(invalid)).toEqual([
      { code: 'INVALID_INPUT', field: ['name'] },
      { code: 'INVALID_INPUT', field: ['email'] },
      { code: 'INVALID_INPUT', field: ['timeZone'] },
    ]);
    expect(await countOf(gateway, key, 'users')).toBe(2);

    // Another organization may use the same address.
    const other = await gateway.createOrg(['write']);
    await created(gateway, other.key, 'createUser', { name: 'Ada', email: 'ada@example.com' }, 'user { id }');
  });

  it('keeps components and users of one organization invisible to another', async () => {
    const a = await gateway.createOrg(['write']);
    const b = await gateway.createOrg(['write']);
    const component = await createComponent(gateway, a.key, { name: 'Secret' });
    const user = await createUser(gateway, a.key, 'Hidden Person');
    const seen = await ok(
      gateway,
      b.key,
      'query ($c: ID!, $u: ID!) { component(id: $c) { id } user(id: $u) { id } node(id: $c) { id } components { totalCount } users { totalCount } }',
      { c: component, u: user },
    );
    expect(seen).toEqual({ component: null, user: null, node: null, components: { totalCount: 0 }, users: { totalCount: 0 } });
    for (const [name, input] of [
      ['updateComponent', { id: component, name: 'Mine' }],
      ['setComponentStatus', { id: component, status: 'MAJOR_OUTAGE' }],
      ['deleteComponent', { id: component }],
    ] as const) {
      const payload = await mutate(gateway, b.key, name, input, '__typename');
      expect(errorsOf(payload)).toEqual([{ code: 'NOT_FOUND', field: ['id'] }]);
    }
    const still = await ok(gateway, a.key, 'query ($c: ID!) { component(id: $c) { name status } }', { c: component });
    expect(still.component).toEqual({ name: 'Secret', status: 'OPERATIONAL' });
    // Ids that are not component ids at all are just as missing.
    const wrongType = await mutate(gateway, a.key, 'setComponentStatus', { id: user, status: 'MAJOR_OUTAGE' }, '__typename');
    expect(errorsOf(wrongType)).toEqual([{ code: 'NOT_FOUND', field: ['id'] }]);
    const garbage = await mutate(gateway, a.key, 'deleteComponent', { id: encodeGlobalID('Component', 'nope') }, '__typename');
    expect(errorsOf(garbage)).toEqual([{ code: 'NOT_FOUND', field: ['id'] }]);
  });

  it('needs the write scope to change the catalog', async () => {
    const { key } = await gateway.createOrg(['read']);
    const response = await gql(gateway, key, 'mutation { createComponent(input: { name: "x" }) { component { id } } }');
    expect(response.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const anonymous = await gql(gateway, null, '{ components { totalCount } }');
    expect(anonymous.status).toBe(401);
  });
});
