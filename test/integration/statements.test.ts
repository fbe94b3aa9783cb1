import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, gql, startTestGateway, type TestGateway } from '../support/gateway.js';
import { seedCatalog, seedIncidentBoard } from '../support/statements-fixtures.js';

const PAGE_SIZES = [10, 50, 100];
/**
 * Requests only: no rate limit on the one key, and the notification outbox does not poll meanwhile.
 * These tests hold the general path (Pothos and Prisma) to its statement counts; the compiled one
 * has its own in compiled-reads.test.ts.
 */
const QUIET_GATEWAY = { RATE_LIMIT: 'off', NOTIFY_POLL_MS: '3600000', ESCALATION_POLL_MS: '3600000', COMPILED_READS: 'off' };
/** Auth lookup, the list with all its relations, and totalCount: anything more is per-row work. */
const MAX_STATEMENTS_PER_REQUEST = 4;
/** With a cursor, one more: the cursor row's sort keys (src/db/keyset-cursor.ts). */
const MAX_STATEMENTS_PER_CURSOR_REQUEST = MAX_STATEMENTS_PER_REQUEST + 1;

const INCIDENT_LIST = `
  query IncidentList($first: Int!, $after: String) {
    incidents(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        id number title status
        owner { id name email }
        impactDescription
        timeline(first: 5) { totalCount nodes { id kind body postedAt author { id name } } }
        affectedComponents { status component { id name status } }
        statusPages(first: 5) { totalCount edges { publishedAt } nodes { id name slug } }
      }
    }
  }`;

const COMPONENT_LIST = `
  query ComponentList($first: Int!) {
    components(first: $first) {
      totalCount
      nodes { id name status incidents(first: 5, open: true) { totalCount nodes { id title status owner { name } } } }
    }
  }`;

const SCHEDULE_LIST = `
  query ScheduleList($first: Int!) {
    schedules(first: $first) {
      totalCount
      nodes { id name layers { name position participants { id name } } }
    }
  }`;

const STATUS_PAGE_LIST = `
  query StatusPageList($first: Int!) {
    statusPages(first: $first) {
      totalCount
      nodes { id slug components { component { id name status } } incidents(first: 5) { totalCount nodes { id title } } }
    }
  }`;

const ONE_INCIDENT = `
  query OneIncident($id: ID!) {
    incident(id: $id) {
      id title
      owner { id name }
      timeline(first: 5) { totalCount nodes { id body } }
      affectedComponents { status component { id name } }
    }
  }`;

const TIMELINE_PAGE = `
  query Timelines($first: Int!, $after: String) {
    incidents(first: $first, after: $after) {
      pageInfo { endCursor }
      nodes { id timeline(first: 5) { nodes { id kind body postedAt sequence } } }
    }
  }`;

describe.each(backends)('SQL statements per request on %s', (backend) => {
  let gateway: TestGateway;
  let key: string;
  let firstIncidentId: string;

  beforeAll(async () => {
    gateway = await startTestGateway(backend, QUIET_GATEWAY);
    const org = await gateway.createOrg(['read']);
    key = org.key;
    const { incidentIds } = await seedIncidentBoard(gateway.running.db.prisma, org.orgId, { incidents: 120, updatesPerIncident: 8 });
    await seedCatalog(gateway.running.db.prisma, org.orgId, incidentIds, 120);
    // The first request of a key also records lastUsedAt; keep that write out of the counts.
    const warmUp = await gql(gateway, key, INCIDENT_LIST, { first: 1 });
    firstIncidentId = warmUp.data?.incidents.nodes[0].id;
  });
  afterAll(async () => gateway?.stop());

  /** Runs one request and returns what it cost in statements, failing on GraphQL errors. */
  async function statementsOf(query: string, variables: Record<string, unknown>) {
    const { result: response, statements } = await gateway.statementsDuring(() => gql(gateway, key, query, variables));
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    return { data: response.data!, statements: statements.map((statement) => statement.sql) };
  }


  it('loads incidents with owner, timeline, components and totalCount in the same few statements for 10, 50 and 100 rows', async () => {
    const counts: number[] = [];
    for (const first of PAGE_SIZES) {
      const { data, statements } = await statementsOf(INCIDENT_LIST, { first });
      expect(data.incidents.nodes).toHaveLength(first);
      for (const incident of data.incidents.nodes) {
        expect(incident.owner).not.toBeNull();
        expect(incident.timeline.nodes).toHaveLength(5);
        expect(incident.timeline.totalCount).toBe(8);
        expect(incident.timeline.nodes.every((entry: { author: unknown }) => entry.author !== null)).toBe(true);
        expect(incident.affectedComponents.length).toBeGreaterThanOrEqual(2);
        expect(incident.statusPages.nodes.length).toBe(incident.statusPages.totalCount);
      }
      expect(statements.length, statements.join('\n---\n')).toBeLessThanOrEqual(MAX_STATEMENTS_PER_REQUEST);
      counts.push(statements.length);
    }
    expect(new Set(counts).size, `statements per page size ${PAGE_SIZES.join('/')}: ${counts.join('/')}`).toBe(1);
  });

  const catalogLists: [string, string, (data: Record<string, any>) => void][] = [
    [
      'components with their open incidents and owners',
      COMPONENT_LIST,
      (data) => expect(data.components.nodes.some((component: any) => component.incidents.nodes.length > 0)).toBe(true),
    ],
    [
      'schedules with layers and participants',
      SCHEDULE_LIST,
      (data) => expect(data.schedules.nodes.every((schedule: any) => schedule.layers.length === 2 && schedule.layers[1].participants.length === 3)).toBe(true),
    ],
    [
      'status pages with components and incidents',
      STATUS_PAGE_LIST,
      (data) => expect(data.statusPages.nodes.every((page: any) => page.components.length === 2 && page.incidents.nodes.length > 0)).toBe(true),
    ],
  ];

  it.each(catalogLists)('loads %s in the same few statements for 10, 50 and 100 rows', async (_name, query, check) => {
    const counts: number[] = [];
    for (const first of PAGE_SIZES) {
      const { data, statements } = await statementsOf(query, { first });
      const list = Object.values(data)[0] as { nodes: unknown[] };
      expect(list.nodes).toHaveLength(first);
      check(data);
      expect(statements.length, statements.join('\n---\n')).toBeLessThanOrEqual(MAX_STATEMENTS_PER_REQUEST);
      counts.push(statements.length);
    }
    expect(new Set(counts).size, `statements per page size ${PAGE_SIZES.join('/')}: ${counts.join('/')}`).toBe(1);
  });

  it('loads a later page (after a cursor) in the same few statements for 10, 50 and 100 rows', async () => {
    const { data } = await statementsOf(INCIDENT_LIST, { first: 10 });
    const after = data.incidents.pageInfo.endCursor;
    const counts: number[] = [];
    for (const first of PAGE_SIZES) {
      const page = await statementsOf(INCIDENT_LIST, { first, after });
      expect(page.data.incidents.nodes).toHaveLength(Math.min(first, 110));
      expect(page.statements.length, page.statements.join('\n---\n')).toBeLessThanOrEqual(MAX_STATEMENTS_PER_CURSOR_REQUEST);
      counts.push(page.statements.length);
    }
    expect(new Set(counts).size, `statements per page size ${PAGE_SIZES.join('/')}: ${counts.join('/')}`).toBe(1);
  });

  it('loads one incident with its relations in a constant number of statements', async () => {
    const { data, statements } = await statementsOf(ONE_INCIDENT, { id: firstIncidentId });
    expect(data.incident.timeline.nodes).toHaveLength(5);
    expect(statements.length, statements.join('\n---\n')).toBeLessThanOrEqual(MAX_STATEMENTS_PER_REQUEST);
  });
});

describe.each(backends)('rows fetched for timeline(first: 5) on %s', (backend) => {
  let gateway: TestGateway;
  const keys: Record<'short' | 'long', string> = { short: '', long: '' };

  beforeAll(async () => {
    gateway = await startTestGateway(backend, QUIET_GATEWAY);
    // Two organizations whose incidents are alike except for the length of their timelines.
    for (const [name, updatesPerIncident] of [['short', 10], ['long', 100]] as const) {
      const org = await gateway.createOrg(['read']);
      keys[name] = org.key;
      await seedIncidentBoard(gateway.running.db.prisma, org.orgId, { incidents: 20, updatesPerIncident });
      await gql(gateway, org.key, TIMELINE_PAGE, { first: 1 });
    }
  });
  afterAll(async () => gateway?.stop());

  async function timelineFetch(name: 'short' | 'long', page: 'first' | 'second') {
    const after = page === 'second' ? (await gql(gateway, keys[name], TIMELINE_PAGE, { first: 10 })).data?.incidents.pageInfo.endCursor : null;
    const { result: response, statements } = await gateway.statementsDuring(() => gql(gateway, keys[name], TIMELINE_PAGE, { first: 10, after }));
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    expect(response.data!.incidents.nodes).toHaveLength(10);
    for (const incident of response.data!.incidents.nodes) {
      expect(incident.timeline.nodes.map((entry: { sequence: number }) => entry.sequence)).toEqual([1, 2, 3, 4, 5]);
    }
    const timelineReads = statements.filter((statement) => statement.sql.includes('"IncidentUpdate"'));
    expect(timelineReads.length).toBeGreaterThan(0);
    return timelineReads.map((statement) => statement.result);
  }

  it.each(['first', 'second'] as const)('reads as many rows and bytes on the %s page with 100 updates per incident as with 10', async (page) => {
    const short = await timelineFetch('short', page);
    const long = await timelineFetch('long', page);
    expect(short.every((result) => result !== undefined && result.rows > 0)).toBe(true);
    expect(long).toEqual(short);
  });
});
