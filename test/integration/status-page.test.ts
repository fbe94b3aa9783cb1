import { describe, expect, it } from 'vitest';
import { backends, gql, useGateway } from '../support/gateway.js';
import { countOf, createComponent, createUser, created, errorsOf, mutate, ok } from '../support/catalog-fixtures.js';

const PAGE = 'statusPage { id slug name public components { id name status } }';

/** Everything a public page shows, plus fields it shows only to its organization. */
const PUBLIC_VIEW = `query ($slug: String!) {
  statusPage(slug: $slug) {
    name slug public createdAt
    components { name group status id component { id } }
    incidents(first: 10) {
      totalCount
      nodes {
        title kind status impact startedAt resolvedAt id incident { severity }
        timeline(first: 50) { totalCount nodes { kind body postedAt } }
      }
    }
  }
}`;

let slugCounter = 0;
const uniqueSlug = (base: string) => `${base}-${process.pid}-${++slugCounter}`;

describe.each(backends)('status pages on %s', (backend) => {
  const gateway = useGateway(backend);

  it('creates a page with ordered components, updates and deletes it', async () => {
    const { key } = await gateway.createOrg(['write']);
    const api = await createComponent(gateway, key, { name: 'API' });
    const web = await createComponent(gateway, key, { name: 'Web' });
    const slug = uniqueSlug('acme');
    const page = await created(gateway, key, 'createStatusPage', { slug, name: ' Acme ', componentIds: [web, api] }, PAGE);
    expect(page.statusPage).toMatchObject({ slug, name: 'Acme', public: true, components: [{ id: web, name: 'Web' }, { id: api, name: 'API' }] });
    const id = page.statusPage.id;

    const updated = await created(gateway, key, 'updateStatusPage', { id, name: 'Acme Cloud', public: false, componentIds: [api] }, PAGE);
    expect(updated.statusPage).toMatchObject({ slug, name: 'Acme Cloud', public: false, components: [{ id: api }] });
    const list = await ok(gateway, key, '{ statusPages(first: 5) { totalCount nodes { id slug } } }');
    expect(list.statusPages).toEqual({ totalCount: 1, nodes: [{ id, slug }] });

    const deleted = await created(gateway, key, 'deleteStatusPage', { id }, 'deletedStatusPageId');
    expect(deleted.deletedStatusPageId).toBe(id);
    expect(await countOf(gateway, key, 'statusPages')).toBe(0);
    const again = await mutate(gateway, key, 'deleteStatusPage', { id }, 'deletedStatusPageId');
    expect(errorsOf(again)).toEqual([{ code: 'NOT_FOUND', field: ['id'] }]);
  });

  it('rejects a taken or malformed slug and bad components, writing nothing', async () => {
    const a = await gateway.createOrg(['write']);
    const b = await gateway.createOrg(['write']);
    const slug = uniqueSlug('taken');
    await created(gateway, a.key, 'createStatusPage', { slug, name: 'A' }, 'statusPage { id }');
    // Slugs are unique across organizations: they name public pages.
    const taken = await mutate(gateway, b.key, 'createStatusPage', { slug, name: 'B' }, 'statusPage { id }');
    expect(taken.statusPage).toBeNull();
    expect(errorsOf(taken)).toEqual([{ code: 'INVALID_INPUT', field: ['slug'] }]);
    for (const bad of ['Upper', '-dash', 'dash-', 'sp ace', 'x'.repeat(64), '']) {
      const payload = await mutate(gateway, b.key, 'createStatusPage', { slug: bad, name: 'B' }, 'statusPage { id }');
      expect(errorsOf(payload), bad).toEqual([{ code: 'INVALID_INPUT', field: ['slug'] }]);
    }
    const mine = await createComponent(gateway, b.key, { name: 'Mine' });
    const theirs = await createComponent(gateway, a.key, { name: 'Theirs' });
    const components = await mutate(
      gateway,
      b.key,
      'createStatusPage',
      { slug: uniqueSlug('ok'), name: 'B', componentIds: [mine, mine, theirs, 'garbage'] },
      'statusPage { id }',
    );
    expect(errorsOf(components)).toEqual([
      { code: 'DUPLICATE_COMPONENT_ID', field: ['componentIds', '1'] },
      { code: 'INVALID_COMPONENT_ID', field: ['componentIds', '2'] },
      { code: 'INVALID_COMPONENT_ID', field: ['componentIds', '3'] },
    ]);
    expect(await countOf(gateway, b.key, 'statusPages')).toBe(0);

    const own = await created(gateway, b.key, 'createStatusPage', { slug: uniqueSlug('own'), name: 'B' }, 'statusPage { id slug }');
    const renamed = await mutate(gateway, b.key, 'updateStatusPage', { id: own.statusPage.id, slug, name: 'Renamed' }, 'statusPage { slug name }');
    expect(errorsOf(renamed)).toEqual([{ code: 'INVALID_INPUT', field: ['slug'] }]);
    const unchanged = await ok(gateway, b.key, '{ statusPages { nodes { slug name } } }');
    expect(unchanged.statusPages.nodes).toEqual([{ slug: own.statusPage.slug, name: 'B' }]);
    // Keeping its own slug is fine.
    await created(gateway, b.key, 'updateStatusPage', { id: own.statusPage.id, slug: own.statusPage.slug }, 'statusPage { id }');
  });

  it('publishes incidents, once, and only within the organization', async () => {
    const a = await gateway.createOrg(['write']);
    const b = await gateway.createOrg(['write']);
    const page = await created(gateway, a.key, 'createStatusPage', { slug: uniqueSlug('pub'), name: 'A' }, 'statusPage { id }');
    const pageId = page.statusPage.id;
    const incident = await created(gateway, a.key, 'createIncident', { title: 'Down' }, 'incident { id }');
    const incidentId = incident.incident.id;
    const selection = 'incident { id statusPages { totalCount nodes { id } } } statusPage { id incidents { totalCount } }';
    const published = await created(gateway, a.key, 'publishIncident', { incidentId, statusPageId: pageId }, selection);
    expect(published.incident.statusPages).toEqual({ totalCount: 1, nodes: [{ id: pageId }] });
    expect(published.statusPage.incidents.totalCount).toBe(1);
    const again = await created(gateway, a.key, 'publishIncident', { incidentId, statusPageId: pageId }, selection);
    expect(again.statusPage.incidents.totalCount).toBe(1);

    const foreignIncident = await created(gateway, b.key, 'createIncident', { title: 'Theirs' }, 'incident { id }');
    const crossed = await mutate(gateway, a.key, 'publishIncident', { incidentId: foreignIncident.incident.id, statusPageId: pageId }, selection);
    expect(crossed.incident).toBeNull();
    expect(errorsOf(crossed)).toEqual([{ code: 'NOT_FOUND', field: ['incidentId'] }]);
    const fromB = await mutate(gateway, b.key, 'publishIncident', { incidentId: foreignIncident.incident.id, statusPageId: pageId }, selection);
    expect(errorsOf(fromB)).toEqual([{ code: 'NOT_FOUND', field: ['statusPageId'] }]);
    const after = await ok(gateway, a.key, 'query ($id: ID!) { node(id: $id) { ... on StatusPage { incidents { totalCount } } } }', { id: pageId });
    expect(after.node.incidents.totalCount).toBe(1);

    // createIncident can publish too.
    const direct = await created(gateway, a.key, 'createIncident', { title: 'Also', statusPageIds: [pageId] }, 'incident { statusPages { nodes { id } } }');
    expect(direct.incident.statusPages.nodes).toEqual([{ id: pageId }]);
  });

  it('answers a public page without a key with its public fields only', async () => {
    const { key } = await gateway.createOrg(['write']);
    const api = await createComponent(gateway, key, { name: 'API', group: 'Core' });
    const slug = uniqueSlug('public');
    const page = await created(gateway, key, 'createStatusPage', { slug, name: 'Acme Status', componentIds: [api] }, 'statusPage { id }');
    const owner = await createUser(gateway, key, 'Owner Person');
    const older = await created(
      gateway,
      key,
      'createIncident',
      { title: 'Older', severity: 'CRITICAL', message: 'Looking.', ownerId: owner, statusPageIds: [page.statusPage.id], startedAt: '2026-01-01T00:00:00Z' },
      'incident { id }',
    );
    const newer = await created(
      gateway,
      key,
      'createIncident',
      { title: 'Newer', components: [{ componentId: api, status: 'PARTIAL_OUTAGE' }], statusPageIds: [page.statusPage.id] },
      'incident { id }',
    );
    const incidentId = older.incident.id;
    await created(gateway, key, 'updateIncident', { id: incidentId, severity: 'LOW' }, 'incident { id }');
    await created(gateway, key, 'acknowledgeIncident', { id: incidentId }, 'incident { id }');
    await created(gateway, key, 'postIncidentUpdate', { incidentId, body: 'Found it.' }, 'incident { id }');
    await created(gateway, key, 'transitionIncident', { id: incidentId, status: 'RESOLVED', message: 'Fixed.' }, 'incident { id }');
    await created(gateway, key, 'transitionIncident', { id: incidentId, status: 'INVESTIGATING', message: 'Back.' }, 'incident { id }');

    const anonymous = await gql(gateway, null, PUBLIC_VIEW, { slug });
    expect(anonymous.status).toBe(200);
    expect(anonymous.errors).toBeUndefined();
    const view = anonymous.data!.statusPage;
    expect(view).toMatchObject({
      name: 'Acme Status',
      slug,
      public: null,
      createdAt: null,
      components: [{ name: 'API', group: 'Core', status: 'PARTIAL_OUTAGE', id: null, component: null }],
    });
    expect(view.incidents.totalCount).toBe(2);
    expect(view.incidents.nodes.map((node: { title: string }) => node.title)).toEqual(['Newer', 'Older']);
    const shown = view.incidents.nodes[1];
    expect(shown).toMatchObject({ title: 'Older', kind: 'INCIDENT', status: 'INVESTIGATING', impact: 'NONE', id: null, incident: null });
    expect(shown.startedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(shown.resolvedAt).toBeNull();
    expect(shown.timeline.nodes.map((entry: { kind: string; body: string }) => [entry.kind, entry.body])).toEqual([
      ['CREATED', 'Looking.'],
      ['MESSAGE', 'Found it.'],
      ['STATUS_CHANGED', 'Fixed.'],
      ['REOPENED', 'Back.'],
    ]);
    expect(shown.timeline.totalCount).toBe(4);
    expect(view.incidents.nodes[0].impact).toBe('MAJOR');

    // A key of the organization sees everything, including the entries the public does not.
    const member = await ok(gateway, key, PUBLIC_VIEW, { slug });
    expect(member.statusPage).toMatchObject({ public: true, components: [{ id: api, component: { id: api } }] });
    expect(member.statusPage.createdAt).toEqual(expect.any(String));
    const memberIncident = member.statusPage.incidents.nodes[1];
    expect(memberIncident).toMatchObject({ id: incidentId, incident: { severity: 'LOW' } });
    expect(memberIncident.timeline.nodes.map((entry: { kind: string }) => entry.kind)).toEqual([
      'CREATED',
      'SEVERITY_CHANGED',
      'ACKNOWLEDGED',
      'MESSAGE',
      'STATUS_CHANGED',
      'REOPENED',
    ]);
    expect(newer.incident.id).toBe(member.statusPage.incidents.nodes[0].id);

    // A key of another organization is a stranger to the page.
    const stranger = await gateway.createOrg(['read']);
    const foreign = await ok(gateway, stranger.key, PUBLIC_VIEW, { slug });
    expect(foreign.statusPage).toMatchObject({ public: null, components: [{ id: null, component: null }] });
    expect(foreign.statusPage.incidents.nodes[1].timeline.totalCount).toBe(4);

    // Anonymous callers reach nothing else.
    const other = await gql(gateway, null, 'query ($id: ID!) { node(id: $id) { id } }', { id: page.statusPage.id });
    expect(other.data?.node ?? null).toBeNull();
    expect((await gql(gateway, null, '{ statusPages { totalCount } }')).status).toBe(401);
  });

  it('pages through published incidents, newest first', async () => {
    const { key } = await gateway.createOrg(['write']);
    const page = await created(gateway, key, 'createStatusPage', { slug: uniqueSlug('pages'), name: 'P' }, 'statusPage { id slug }');
    for (const day of [3, 1, 2]) {
      await created(gateway, key, 'createIncident', { title: `Day ${day}`, startedAt: `2026-02-0${day}T00:00:00Z`, statusPageIds: [page.statusPage.id] }, 'incident { id }');
    }
    const query = 'query ($slug: String!, $after: String) { statusPage(slug: $slug) { incidents(first: 2, after: $after) { edges { cursor node { title } } pageInfo { hasNextPage endCursor } } } }';
    const first = await gql(gateway, null, query, { slug: page.statusPage.slug });
    expect(first.data!.statusPage.incidents.edges.map((edge: { node: { title: string } }) => edge.node.title)).toEqual(['Day 3', 'Day 2']);
    expect(first.data!.statusPage.incidents.pageInfo.hasNextPage).toBe(true);
    const second = await gql(gateway, null, query, { slug: page.statusPage.slug, after: first.data!.statusPage.incidents.pageInfo.endCursor });
    expect(second.data!.statusPage.incidents.edges.map((edge: { node: { title: string } }) => edge.node.title)).toEqual(['Day 1']);
    expect(second.data!.statusPage.incidents.pageInfo.hasNextPage).toBe(false);
    const tooMany = await gql(gateway, null, 'query ($slug: String!) { statusPage(slug: $slug) { incidents(first: 101) { totalCount } } }', { slug: page.statusPage.slug });
    expect(tooMany.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('hides a private page from everyone but its organization', async () => {
    const { key } = await gateway.createOrg(['write']);
    const slug = uniqueSlug('private');
    await created(gateway, key, 'createStatusPage', { slug, name: 'Internal', public: false }, 'statusPage { id }');
    const anonymous = await gql(gateway, null, PUBLIC_VIEW, { slug });
    expect(anonymous.status).toBe(200);
    expect(anonymous.errors).toBeUndefined();
    expect(anonymous.data).toEqual({ statusPage: null });
    const stranger = await gateway.createOrg(['read']);
    expect(await ok(gateway, stranger.key, PUBLIC_VIEW, { slug })).toEqual({ statusPage: null });
    expect((await ok(gateway, key, PUBLIC_VIEW, { slug })).statusPage).toMatchObject({ name: 'Internal', public: false });
    expect(await ok(gateway, null, PUBLIC_VIEW, { slug: 'no-such-page' })).toEqual({ statusPage: null });
  });

  it('keeps status pages of one organization out of reach of another', async () => {
    const a = await gateway.createOrg(['write']);
    const b = await gateway.createOrg(['write']);
    const page = await created(gateway, a.key, 'createStatusPage', { slug: uniqueSlug('iso'), name: 'A', public: false }, 'statusPage { id }');
    const id = page.statusPage.id;
    const seen = await ok(gateway, b.key, 'query ($id: ID!) { node(id: $id) { id } statusPages { totalCount } }', { id });
    expect(seen).toEqual({ node: null, statusPages: { totalCount: 0 } });
    for (const [name, input] of [
      ['updateStatusPage', { id, name: 'Mine' }],
      ['deleteStatusPage', { id }],
    ] as const) {
      expect(errorsOf(await mutate(gateway, b.key, name, input, '__typename'))).toEqual([{ code: 'NOT_FOUND', field: ['id'] }]);
    }
    const foreignPage = await mutate(gateway, b.key, 'createIncident', { title: 'x', statusPageIds: [id] }, 'incident { id }');
    expect(errorsOf(foreignPage)).toEqual([{ code: 'NOT_FOUND', field: ['statusPageIds', '0'] }]);
    expect((await ok(gateway, a.key, '{ statusPages { nodes { name } } }')).statusPages.nodes).toEqual([{ name: 'A' }]);
  });
});
