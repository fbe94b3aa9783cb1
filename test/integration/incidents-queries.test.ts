import { beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { backends, gql, useGateway } from '../support/gateway.js';
import {
  createComponent,
  createIncident,
  createOrg,
  createUser,
  mutate,
  ok,
  type IncidentShape,
  type TestOrg,
} from '../support/incidents-fixtures.js';

interface ListNode {
  id: string;
  number: number;
  title: string;
  startedAt: string;
  severity: string;
}

interface Connection {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  edges: { cursor: string; node: ListNode }[];
  nodes: ListNode[];
}

const CONNECTION_FIELDS = `totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id number title startedAt severity } } nodes { id number title startedAt severity }`;
const LIST = `query ($first: Int, $after: String, $last: Int, $before: String, $filter: IncidentFilter, $orderBy: IncidentOrder) {
  incidents(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) { ${CONNECTION_FIELDS} }
}`;

describe.each(backends)('incident queries on %s', (backend) => {
  const gateway = useGateway(backend);
  let org: TestOrg;
  let other: TestOrg;
  let ada: string;
  let bob: string;
  let database: string;
  let api: string;
  const byTitle: Record<string, IncidentShape> = {};

  const list = async (variables: Record<string, unknown>, key = org.key) =>
    (await ok<{ incidents: Connection }>(gateway, key, LIST, variables)).incidents;

  /** Titles matching a filter, sorted; also checks totalCount agrees with the page. */
  const titles = async (filter: Record<string, unknown>) => {
    const connection = await list({ first: 100, filter });
    expect(connection.totalCount).toBe(connection.nodes.length);
    return connection.nodes.map((node) => node.title).sort();
  };

  beforeAll(async () => {
    org = await createOrg(gateway);
    other = await createOrg(gateway);
    ada = await createUser(gateway, org.orgId, 'Ada');
    bob = await createUser(gateway, org.orgId, 'Bob');
    database = await createComponent(gateway, org.orgId, 'Database');
    api = await createComponent(gateway, org.orgId, 'API', 'DEGRADED_PERFORMANCE');
    const inputs: Record<string, unknown>[] = [
      {
        title: 'Database down',
        description: 'Primary unreachable',
        severity: 'CRITICAL',
        ownerId: ada,
        tags: ['db', 'prod'],
        components: [{ componentId: database, status: 'MAJOR_OUTAGE' }],
        startedAt: '2026-01-01T00:00:00.000Z',
      },
      { title: 'API latency', severity: 'HIGH', ownerId: bob, tags: ['api', 'prod'], componentIds: [api], startedAt: '2026-01-02T00:00:00.000Z' },
      { title: 'Login errors', description: 'Users see a DATABASE timeout', status: 'IDENTIFIED', startedAt: '2026-01-03T00:00:00.000Z' },
      { title: 'Planned upgrade', kind: 'MAINTENANCE', severity: 'LOW', startedAt: '2026-01-04T00:00:00.000Z' },
      { title: 'Old outage', status: 'RESOLVED', impact: 'MAJOR', startedAt: '2025-12-01T00:00:00.000Z' },
      // Six incidents that started at the same instant: pagination must still visit each once.
      ...Array.from({ length: 6 }, (_, index) => ({
        title: `Same moment ${index}`,
        severity: index % 2 === 0 ? 'LOW' : 'MEDIUM',
        startedAt: '2026-01-05T00:00:00.000Z',
      })),
    ];
    for (const input of inputs) {
      const incident = await createIncident(gateway, org.key, input);
      byTitle[incident.title] = incident;
    }
    await mutate(gateway, org.key, 'transitionIncident', { id: byTitle['Database down'].id, status: 'RESOLVED' });
    // Another organization with look-alike data that must never show up.
    const theirUser = await createUser(gateway, other.orgId, 'Ada');
    const theirComponent = await createComponent(gateway, other.orgId, 'Database');
    await createIncident(gateway, other.key, {
      title: 'Database down (theirs)',
      severity: 'CRITICAL',
      tags: ['db', 'prod'],
      ownerId: theirUser,
      components: [{ componentId: theirComponent, status: 'MAJOR_OUTAGE' }],
      startedAt: '2026-01-01T00:00:00.000Z',
    });
  });

  describe('single lookups', () => {
    it('incident(id) and incidentByNumber(number) find the incident; unknown ones are null', async () => {
      const target = byTitle['Login errors'];
      const data = await ok(gateway, org.key, `query ($id: ID!, $n: Int!) {
        incident(id: $id) { id number title }
        incidentByNumber(number: $n) { id }
        missing: incidentByNumber(number: 999) { id }
        malformed: incident(id: "not-a-global-id") { id }
        wrongType: incident(id: "${ada}") { id }
        unknown: incident(id: "${encodeGlobalID('Incident', '5b0f7c9e-3a7e-4f0e-9d55-9f1a2b3c4d5e')}") { id }
      }`, { id: target.id, n: target.number });
      expect(data).toEqual({
        incident: { id: target.id, number: target.number, title: 'Login errors' },
        incidentByNumber: { id: target.id },
        missing: null,
        malformed: null,
        wrongType: null,
        unknown: null,
      });
    });

    it('node(id) and nodes(ids) resolve Incident and IncidentUpdate, in order, null for unknown ids', async () => {
      const incident = byTitle['API latency'];
      const entry = incident.timeline.nodes[0];
      const data = await ok(gateway, org.key, `query ($ids: [ID!]!, $id: ID!, $entry: ID!) {
        node(id: $id) { __typename id ... on Incident { title } }
        entry: node(id: $entry) { __typename id ... on IncidentUpdate { kind incident { id } } }
        nodes(ids: $ids) { __typename id }
      }`, { id: incident.id, entry: entry.id, ids: [entry.id, encodeGlobalID('Incident', '5b0f7c9e-3a7e-4f0e-9d55-9f1a2b3c4d5e'), incident.id] });
      expect(data).toEqual({
        node: { __typename: 'Incident', id: incident.id, title: 'API latency' },
        entry: { __typename: 'IncidentUpdate', id: entry.id, kind: 'CREATED', incident: { id: incident.id } },
        nodes: [{ __typename: 'IncidentUpdate', id: entry.id }, null, { __typename: 'Incident', id: incident.id }],
      });
    });

    it('viewer tells the organization and the scopes of the key', async () => {
      const data = await ok<{ viewer: { organization: { slug: string }; scopes: string[] } }>(gateway, org.key, '{ viewer { organization { slug } scopes } }');
      expect(data.viewer.organization.slug).toBe(org.slug);
      expect(data.viewer.scopes.sort()).toEqual(['read', 'write']);
    });
  });

  describe('incidents connection', () => {
    it('answers totalCount, pageInfo, edges { cursor node } and nodes, newest startedAt first by default', async () => {
      const connection = await list({});
      expect(connection.totalCount).toBe(11);
      expect(connection.nodes).toHaveLength(11);
      expect(connection.edges.map((edge) => edge.node)).toEqual(connection.nodes);
      expect(new Set(connection.edges.map((edge) => edge.cursor)).size).toBe(11);
      expect(connection.pageInfo).toEqual({
        hasNextPage: false,
        hasPreviousPage: false,
        startCursor: connection.edges[0].cursor,
        endCursor: connection.edges[10].cursor,
      });
      const started = connection.nodes.map((node) => Date.parse(node.startedAt));
      expect(started).toEqual([...started].sort((a, b) => b - a));
      expect(connection.nodes.at(-1)!.title).toBe('Old outage');
      expect(connection.nodes.map((node) => node.title)).not.toContain('Database down (theirs)');
    });

    it('orders by every IncidentOrder field in both directions', async () => {
      const numbersAsc = (await list({ first: 100, orderBy: { field: 'NUMBER', direction: 'ASC' } })).nodes.map((node) => node.number);
      expect(numbersAsc).toEqual(Array.from({ length: 11 }, (_, index) => index + 1));
      const numbersDesc = (await list({ first: 100, orderBy: { field: 'NUMBER' } })).nodes.map((node) => node.number);
      expect(numbersDesc).toEqual([...numbersAsc].reverse());
      const rank = { CRITICAL: 0, HIGH: 1, MEDIUM: 2, LOW: 3 } as Record<string, number>;
      const severities = (await list({ first: 100, orderBy: { field: 'SEVERITY', direction: 'ASC' } })).nodes.map((node) => rank[node.severity]);
      expect(severities).toEqual([...severities].sort((a, b) => a - b));
      expect(severities[0]).toBe(0);
      const startedAsc = (await list({ first: 100, orderBy: { field: 'STARTED_AT', direction: 'ASC' } })).nodes.map((node) => Date.parse(node.startedAt));
      expect(startedAsc).toEqual([...startedAsc].sort((a, b) => a - b));
      const createdAsc = (await list({ first: 100, orderBy: { field: 'CREATED_AT', direction: 'ASC' } })).nodes.map((node) => node.number);
      expect(createdAsc).toEqual(numbersAsc);
      const updated = (await list({ first: 1, orderBy: { field: 'UPDATED_AT', direction: 'DESC' } })).nodes[0];
      expect(updated.title).toBe('Database down');
    });

    it('refuses page sizes outside 1..100 with a top-level BAD_USER_INPUT error, never clamping', async () => {
      for (const args of ['first: 0', 'first: 101', 'last: 0', 'last: 101', 'first: -1']) {
        const response = await gql(gateway, org.key, `{ incidents(${args}) { totalCount nodes { id } } }`);
        expect(response.errors?.map((error) => error.extensions?.code), args).toEqual(['BAD_USER_INPUT']);
        expect(response.data?.incidents ?? null, args).toBeNull();
      }
      const nested = await gql(gateway, org.key, `{ incidents(first: 1) { nodes { timeline(first: 101) { totalCount } } } }`);
      expect(nested.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expect((await list({ first: 100 })).nodes).toHaveLength(11);
      expect((await list({ first: 1 })).nodes).toHaveLength(1);
    });

    it('filters by status, severity, impact and kind with eq, in and notIn', async () => {
      expect(await titles({ status: { eq: 'IDENTIFIED' } })).toEqual(['Login errors']);
      expect(await titles({ status: { in: ['RESOLVED', 'SCHEDULED'] } })).toEqual(['Database down', 'Old outage', 'Planned upgrade']);
      expect(await titles({ status: { notIn: ['INVESTIGATING', 'RESOLVED'] } })).toEqual(['Login errors', 'Planned upgrade']);
      expect(await titles({ severity: { eq: 'CRITICAL' } })).toEqual(['Database down']);
      expect(await titles({ severity: { in: ['CRITICAL', 'HIGH'] } })).toEqual(['API latency', 'Database down']);
      expect((await titles({ severity: { notIn: ['LOW', 'MEDIUM'] } }))).toEqual(['API latency', 'Database down']);
      expect(await titles({ impact: { eq: 'CRITICAL' } })).toEqual(['Database down']);
      expect(await titles({ impact: { in: ['MINOR', 'MAJOR'] } })).toEqual(['API latency', 'Old outage']);
      expect((await titles({ impact: { notIn: ['NONE'] } }))).toEqual(['API latency', 'Database down', 'Old outage']);
      expect(await titles({ kind: { eq: 'MAINTENANCE' } })).toEqual(['Planned upgrade']);
      expect(await titles({ kind: { in: ['MAINTENANCE'] } })).toEqual(['Planned upgrade']);
      expect(await titles({ kind: { notIn: ['INCIDENT'] } })).toEqual(['Planned upgrade']);
    });

    it('filters by owner, component and tag with eq, in and notIn', async () => {
      expect(await titles({ ownerId: { eq: ada } })).toEqual(['Database down']);
      expect(await titles({ ownerId: { in: [ada, bob] } })).toEqual(['API latency', 'Database down']);
      // notIn keeps incidents without an owner.
      expect(await titles({ ownerId: { notIn: [ada] } })).toHaveLength(10);
      expect(await titles({ componentId: { eq: database } })).toEqual(['Database down']);
      expect(await titles({ componentId: { in: [database, api] } })).toEqual(['API latency', 'Database down']);
      expect(await titles({ componentId: { notIn: [database] } })).toHaveLength(10);
      expect(await titles({ tag: { eq: 'prod' } })).toEqual(['API latency', 'Database down']);
      expect(await titles({ tag: { in: ['db', 'api'] } })).toEqual(['API latency', 'Database down']);
      expect(await titles({ tag: { notIn: ['db'] } })).toHaveLength(10);
      expect(await titles({ ownerId: { eq: 'garbage' } })).toEqual([]);
      // Global IDs whose inside is no uuid name nothing.
      expect(await titles({ ownerId: { eq: encodeGlobalID('User', 'xyz') } })).toEqual([]);
      expect(await titles({ componentId: { in: [encodeGlobalID('Component', 'xyz')] } })).toEqual([]);
      expect(await titles({ tag: { eq: 'nul\u0000' } })).toEqual([]);
      expect(await titles({ tag: { in: ['nul\u0000', 'api'] } })).toEqual(['API latency']);
      expect(await titles({ tag: { notIn: ['nul\u0000'] } })).toHaveLength(11);
    });

    it('filters by startedAt and resolvedAt ranges', async () => {
      expect(await titles({ startedAt: { lt: '2026-01-01T00:00:00.000Z' } })).toEqual(['Old outage']);
      expect(await titles({ startedAt: { lte: '2026-01-01T00:00:00.000Z' } })).toEqual(['Database down', 'Old outage']);
      expect(await titles({ startedAt: { gt: '2026-01-04T00:00:00.000Z' } })).toHaveLength(6);
      expect(await titles({ startedAt: { gte: '2026-01-02T00:00:00.000Z', lt: '2026-01-04T00:00:00.000Z' } })).toEqual(['API latency', 'Login errors']);
      expect(await titles({ resolvedAt: { gte: '2026-01-01T00:00:00.000Z' } })).toEqual(['Database down', 'Old outage']);
      expect(await titles({ resolvedAt: { lt: '2026-01-01T00:00:00.000Z' } })).toEqual([]);
      expect(await titles({ resolvedAt: { isNull: false } })).toEqual(['Database down', 'Old outage']);
      expect(await titles({ resolvedAt: { isNull: true } })).toHaveLength(9);
      // startedAt is always set.
      expect(await titles({ startedAt: { isNull: true } })).toEqual([]);
      expect(await titles({ startedAt: { isNull: false } })).toHaveLength(11);
    });

    it('search is a case-insensitive substring of title or description', async () => {
      expect(await titles({ search: 'database' })).toEqual(['Database down', 'Login errors']);
      expect(await titles({ search: 'UNREACH' })).toEqual(['Database down']);
      expect(await titles({ search: 'same MOMENT' })).toHaveLength(6);
      expect(await titles({ search: 'no such text' })).toEqual([]);
      // LIKE wildcards are plain characters.
      expect(await titles({ search: '%' })).toEqual([]);
      expect(await titles({ search: 'Same_moment' })).toEqual([]);
      expect(await titles({ search: 'Same\\' })).toEqual([]);
      expect(await titles({ search: 'nul\u0000' })).toEqual([]);
    });

    it('combines filters with and / or, and fields within one filter must all hold', async () => {
      expect(await titles({ severity: { eq: 'CRITICAL' }, status: { eq: 'INVESTIGATING' } })).toEqual([]);
      expect(await titles({ and: [{ tag: { eq: 'prod' } }, { severity: { eq: 'HIGH' } }] })).toEqual(['API latency']);
      expect(await titles({ or: [{ kind: { eq: 'MAINTENANCE' } }, { status: { eq: 'IDENTIFIED' } }] })).toEqual(['Login errors', 'Planned upgrade']);
      expect(
        await titles({ search: 'o', or: [{ severity: { eq: 'CRITICAL' } }, { and: [{ status: { eq: 'RESOLVED' } }, { impact: { eq: 'MAJOR' } }] }] }),
      ).toEqual(['Database down', 'Old outage']);
    });

    it('never shows another organization’s incidents, whatever the filter', async () => {
      const theirs = await list({ first: 100 }, other.key);
      expect(theirs.nodes.map((node) => node.title)).toEqual(['Database down (theirs)']);
      expect(await titles({ search: 'theirs' })).toEqual([]);
      expect(await titles({ or: [{ search: 'theirs' }, { tag: { eq: 'db' } }] })).toEqual(['Database down']);
      const theirComponent = (await gateway.running.db.prisma.component.findFirstOrThrow({ where: { orgId: other.orgId } })).id;
      expect(await titles({ componentId: { eq: encodeGlobalID('Component', theirComponent) } })).toEqual([]);
    });
  });

  describe('pagination', () => {
    let paged: TestOrg;
    let all: ListNode[];

    beforeAll(async () => {
      paged = await createOrg(gateway);
      // 30 incidents in 4 groups sharing a startedAt, so ties are the rule, not the exception.
      for (let index = 0; index < 30; index++) {
        await createIncident(gateway, paged.key, {
          title: `Paged ${index}`,
          severity: ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'][index % 4],
          startedAt: `2026-02-0${1 + (index % 4)}T00:00:00.000Z`,
        });
      }
      all = (await list({ first: 100 }, paged.key)).nodes;
    });

    it('refuses a malformed or tampered cursor with BAD_USER_INPUT', async () => {
      const tampered = Buffer.from('GPC:S:not-a-uuid').toString('base64');
      for (const args of ['after: "garbage"', `after: "${tampered}"`, `last: 2, before: "${tampered}"`]) {
        const response = await gql(gateway, paged.key, `{ incidents(${args}) { nodes { id } } }`);
        expect(response.errors?.map((error) => error.extensions?.code), args).toEqual(['BAD_USER_INPUT']);
      }
    });

    it('pages 25 at a time by default', async () => {
      const first = await list({}, paged.key);
      expect(first.totalCount).toBe(30);
      expect(first.nodes).toHaveLength(25);
      expect(first.pageInfo.hasNextPage).toBe(true);
      expect(first.nodes).toEqual(all.slice(0, 25));
    });

    for (const orderBy of [undefined, { field: 'SEVERITY', direction: 'ASC' }, { field: 'STARTED_AT', direction: 'ASC' }]) {
      it(`visits each incident exactly once forward and backward (${orderBy ? `${orderBy.field} ${orderBy.direction}` : 'default order'})`, async () => {
        const full = (await list({ first: 100, orderBy }, paged.key)).nodes.map((node) => node.id);
        expect(new Set(full).size).toBe(30);

        const forward: string[] = [];
        let after: string | null = null;
        let pages = 0;
        for (;;) {
          const page: Connection = await list({ first: 7, after, orderBy }, paged.key);
          expect(page.totalCount).toBe(30);
          forward.push(...page.nodes.map((node) => node.id));
          pages += 1;
          if (!page.pageInfo.hasNextPage) break;
          after = page.pageInfo.endCursor;
          expect(pages).toBeLessThan(10);
        }
        expect(pages).toBe(5);
        expect(forward).toEqual(full);

        const backward: string[] = [];
        let before: string | null = null;
        pages = 0;
        for (;;) {
          const page: Connection = await list({ last: 7, before, orderBy }, paged.key);
          backward.unshift(...page.nodes.map((node) => node.id));
          pages += 1;
          if (!page.pageInfo.hasPreviousPage) break;
          before = page.pageInfo.startCursor;
          expect(pages).toBeLessThan(10);
        }
        expect(pages).toBe(5);
        expect(backward).toEqual(full);
      });
    }

    it('pages through a filtered list with the filter applied on every page', async () => {
      const filter = { severity: { in: ['CRITICAL', 'LOW'] } };
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page: Connection = await list({ first: 4, after, filter }, paged.key);
        expect(page.totalCount).toBe(15);
        seen.push(...page.nodes.map((node) => node.title));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect(seen).toHaveLength(15);
      expect(new Set(seen).size).toBe(15);
    });
  });

  describe('timeline', () => {
    it('is a connection, oldest first, with first/after and last/before', async () => {
      const incident = await createIncident(gateway, org.key, { title: 'Long story' });
      for (const body of ['one', 'two', 'three', 'four']) {
        await ok(gateway, org.key, 'mutation ($id: ID!, $body: String!) { postIncidentUpdate(input: { incidentId: $id, body: $body }) { update { id } } }', {
          id: incident.id,
          body,
        });
      }
      const page = async (args: string) =>
        (
          await ok<{ incident: { timeline: { totalCount: number; pageInfo: Connection['pageInfo']; edges: { cursor: string; node: { body: string; cursor: string } }[] } } }>(
            gateway,
            org.key,
            `query ($id: ID!) { incident(id: $id) { timeline${args ? `(${args})` : ''} { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { body cursor } } } } }`,
            { id: incident.id },
          )
        ).incident.timeline;
      const everything = await page('first: 100');
      expect(everything.totalCount).toBe(5);
      expect(everything.edges.map((edge) => edge.node.body)).toEqual(['We are investigating this incident.', 'one', 'two', 'three', 'four']);
      expect(everything.edges.map((edge) => Number(edge.node.cursor))).toEqual([1, 2, 3, 4, 5]);

      const first = await page('first: 2');
      expect(first.edges.map((edge) => edge.node.body)).toEqual(['We are investigating this incident.', 'one']);
      expect(first.pageInfo.hasNextPage).toBe(true);
      const next = await page(`first: 2, after: "${first.pageInfo.endCursor}"`);
      expect(next.edges.map((edge) => edge.node.body)).toEqual(['two', 'three']);

      const last = await page('last: 2');
      expect(last.edges.map((edge) => edge.node.body)).toEqual(['three', 'four']);
      expect(last.pageInfo.hasPreviousPage).toBe(true);
      const earlier = await page(`last: 2, before: "${last.pageInfo.startCursor}"`);
      expect(earlier.edges.map((edge) => edge.node.body)).toEqual(['one', 'two']);

      const tampered = await gql(gateway, org.key, `query ($id: ID!) { incident(id: $id) { timeline(after: "${Buffer.from('GPC:S:nope').toString('base64')}") { totalCount } } }`, {
        id: incident.id,
      });
      expect(tampered.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);

      const byDefault = await page('');
      expect(byDefault.edges).toHaveLength(5);
    });
  });
});
