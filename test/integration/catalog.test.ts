import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { describe, expect, it } from 'vitest';
import { backends, gql, useGateway } from '../support/gateway.js';
import { eventually } from '../support/receivers.js';
import { pubsubListeners, untilListeners, wsClient } from '../support/subscriptions.js';
import { countOf, createComponent, createUser, created, errorsOf, mutate, ok } from '../support/catalog-fixtures.js';

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

/**
 * deleteComponent against another write of the same component (one that links it to an incident
 * or a status page, or changes it), interleaved on purpose: the test holds a row that the first of
 * the two needs after it has locked the component, starts the second, which waits for the
 * component, then lets both go on. PostgreSQL only: PGlite runs one transaction at a time.
 */
describe.each(backends.filter((backend) => backend === 'postgres'))('deleteComponent racing another write of the component, on %s', (backend) => {
  const gateway = useGateway(backend);

  /** Sessions of the gateway's database waiting for a lock. */
  async function sessionsWaiting(): Promise<number> {
    const [{ count }] = await gateway.running.db.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      [],
    );
    return count;
  }

  /**
   * Holds the rows `lockSql` locks, runs `first` until it waits for them, runs `second` until it
   * waits too (for what `first` holds), then releases the rows and returns both answers.
   */
  async function interleave<A, B>(lockSql: string, params: unknown[], first: () => Promise<A>, second: () => Promise<B>) {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let held!: () => void;
    const holding = new Promise<void>((resolve) => (held = resolve));
    const holder = gateway.running.db.prisma.$transaction(
      async (tx) => {
        await tx.$queryRawUnsafe(lockSql, ...params);
        held();
        await released;
      },
      { timeout: 30_000 },
    );
    await holding;
    try {
      const firstDone = first();
      await eventually(async () => (await sessionsWaiting()) === 1, 'the first write to wait for the held rows');
      const secondDone = second();
      await eventually(async () => (await sessionsWaiting()) === 2, 'the second write to wait for the component');
      release();
      await holder;
      return [await firstDone, await secondDone] as const;
    } finally {
      release();
    }
  }

  /** Two components of a new organization; the one to delete (MAJOR_OUTAGE) sorts first by id, as writers lock them. */
  async function twoComponents() {
    const { key } = await gateway.createOrg(['write']);
    const ids = [await createComponent(gateway, key, { name: 'API' }), await createComponent(gateway, key, { name: 'Docs' })];
    const [deleted, other] = ids.sort((a, b) => decodeGlobalID(a).id.localeCompare(decodeGlobalID(b).id));
    await created(gateway, key, 'setComponentStatus', { id: deleted, status: 'MAJOR_OUTAGE' }, '__typename');
    return { key, deleted, other };
  }

  /** A linking write locks both components in id order: holding the second stops it holding the first, before it commits. */
  const HOLD_COMPONENT = `SELECT 1 FROM "Component" WHERE "id" = $1::uuid FOR UPDATE`;
  const rowId = (globalId: string) => decodeGlobalID(globalId).id;

  const INCIDENT = 'impact affectedComponents { status } timeline(last: 1) { nodes { kind changes { field from to } } }';
  /** The incident when the delete follows the link: the deleted component's MAJOR_OUTAGE no longer counts. */
  const DERIVED_AGAIN = {
    impact: 'NONE',
    affectedComponents: [{ status: 'OPERATIONAL' }],
    timeline: { nodes: [{ kind: 'IMPACT_CHANGED', changes: [{ field: 'impact', from: 'CRITICAL', to: 'NONE' }] }] },
  };
  const incidentNow = async (key: string, id: string) =>
    (await ok(gateway, key, `query ($id: ID!) { incident(id: $id) { ${INCIDENT} } }`, { id })).incident;

  it('createIncident listing it first: the delete takes it out of that incident too and its impact follows', async () => {
    const { key, deleted, other } = await twoComponents();
    const [linked, deletion] = await interleave(
      HOLD_COMPONENT,
      [rowId(other)],
      () => mutate(gateway, key, 'createIncident', { title: 'API down', componentIds: [deleted, other] }, `incident { id ${INCIDENT} }`),
      () => mutate(gateway, key, 'deleteComponent', { id: deleted }, 'deletedComponentId'),
    );
    expect(linked.userErrors).toEqual([]);
    expect(linked.incident.impact).toBe('CRITICAL');
    expect(deletion).toEqual({ deletedComponentId: deleted, userErrors: [] });
    expect(await incidentNow(key, linked.incident.id)).toEqual(DERIVED_AGAIN);
  });

  it('setIncidentComponents adding it first: the same', async () => {
    const { key, deleted, other } = await twoComponents();
    const incident = (await created(gateway, key, 'createIncident', { title: 'API down' }, 'incident { id }')).incident.id;
    const [linked, deletion] = await interleave(
      HOLD_COMPONENT,
      [rowId(other)],
      () => mutate(gateway, key, 'setIncidentComponents', { id: incident, componentIds: [deleted, other] }, `incident { ${INCIDENT} }`),
      () => mutate(gateway, key, 'deleteComponent', { id: deleted }, 'deletedComponentId'),
    );
    expect(linked.userErrors).toEqual([]);
    expect(linked.incident.impact).toBe('CRITICAL');
    expect(deletion).toEqual({ deletedComponentId: deleted, userErrors: [] });
    expect(await incidentNow(key, incident)).toEqual(DERIVED_AGAIN);
  });

  it('deleteComponent first: createIncident then finds no such component', async () => {
    const { key, deleted, other } = await twoComponents();
    // The delete stops at its cascade, holding the component: the test holds the component's status history.
    const [deletion, refused] = await interleave(
      `SELECT 1 FROM "ComponentStatusChange" WHERE "componentId" = $1::uuid FOR UPDATE`,
      [rowId(deleted)],
      () => mutate(gateway, key, 'deleteComponent', { id: deleted }, 'deletedComponentId'),
      () => mutate(gateway, key, 'createIncident', { title: 'API down', componentIds: [deleted, other] }, 'incident { id }'),
    );
    expect(deletion).toEqual({ deletedComponentId: deleted, userErrors: [] });
    expect(refused.incident).toBeNull();
    expect(errorsOf(refused)).toEqual([{ code: 'INVALID_COMPONENT_ID', field: ['componentIds', '0'] }]);
  });

  /** The delete stops at its cascade, holding the component (as above). */
  const HOLD_STATUS_HISTORY = `SELECT 1 FROM "ComponentStatusChange" WHERE "componentId" = $1::uuid FOR UPDATE`;

  it.each([
    ['updateComponent', { name: 'Public API' }],
    ['setComponentStatus', { status: 'OPERATIONAL' }],
  ])('deleteComponent first: %s then finds no such component', async (name, input) => {
    const { key, deleted } = await twoComponents();
    const [deletion, refused] = await interleave(
      HOLD_STATUS_HISTORY,
      [rowId(deleted)],
      () => mutate(gateway, key, 'deleteComponent', { id: deleted }, 'deletedComponentId'),
      () => mutate(gateway, key, name, { id: deleted, ...input }, 'component { id }'),
    );
    expect(deletion).toEqual({ deletedComponentId: deleted, userErrors: [] });
    expect(refused.component).toBeNull();
    expect(errorsOf(refused)).toEqual([{ code: 'NOT_FOUND', field: ['id'] }]);
  });

  const PAGE_COMPONENTS = 'statusPage { components { id } }';
  const newPage = async (key: string, componentIds: string[]) =>
    (await created(gateway, key, 'createStatusPage', { slug: `race-${crypto.randomUUID()}`, name: 'Status', componentIds }, 'statusPage { id }')).statusPage.id;

  it('updateStatusPage relinking it first: the delete then takes it off the page', async () => {
    const { key, deleted, other } = await twoComponents();
    const page = await newPage(key, [deleted]);
    // The update links `other` before `deleted`: holding `other` stops it once it holds the page's old link to `deleted`.
    const [linked, deletion] = await interleave(
      HOLD_COMPONENT,
      [rowId(other)],
      () => mutate(gateway, key, 'updateStatusPage', { id: page, componentIds: [other, deleted] }, PAGE_COMPONENTS),
      () => mutate(gateway, key, 'deleteComponent', { id: deleted }, 'deletedComponentId'),
    );
    expect(linked).toEqual({ statusPage: { components: [{ id: other }, { id: deleted }] }, userErrors: [] });
    expect(deletion).toEqual({ deletedComponentId: deleted, userErrors: [] });
    const after = await ok(gateway, key, `query ($id: ID!) { node(id: $id) { ... on StatusPage { components { id } } } }`, { id: page });
    expect(after.node).toEqual({ components: [{ id: other }] });
  });

  it.each(['createStatusPage', 'updateStatusPage'])('deleteComponent first: %s then finds no such component', async (name) => {
    const { key, deleted, other } = await twoComponents();
    const input = name === 'createStatusPage' ? { slug: `race-${crypto.randomUUID()}`, name: 'Status' } : { id: await newPage(key, []) };
    const [deletion, refused] = await interleave(
      HOLD_STATUS_HISTORY,
      [rowId(deleted)],
      () => mutate(gateway, key, 'deleteComponent', { id: deleted }, 'deletedComponentId'),
      () => mutate(gateway, key, name, { ...input, componentIds: [deleted, other] }, PAGE_COMPONENTS),
    );
    expect(deletion).toEqual({ deletedComponentId: deleted, userErrors: [] });
    expect(refused.statusPage).toBeNull();
    expect(errorsOf(refused)).toEqual([{ code: 'INVALID_COMPONENT_ID', field: ['componentIds', '0'] }]);
  });
});
