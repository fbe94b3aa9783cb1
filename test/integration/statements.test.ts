import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, gql, startTestGateway, type TestGateway } from '../support/gateway.js';
import { seedIncidentBoard } from './statements-fixtures.js';

const PAGE_SIZES = [10, 50, 100];
/** Auth lookup, the list with all its relations, and totalCount: anything more is per-row work. */
const MAX_STATEMENTS_PER_REQUEST = 4;
/** With a cursor: auth, the page, owners, timelines, components and their components, totalCount. */
const MAX_STATEMENTS_PER_CURSOR_REQUEST = 7;

const INCIDENT_LIST = `
  query IncidentList($first: Int!, $after: String) {
    incidents(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        id number title status
        owner { id name email }
        timeline(first: 5) { totalCount nodes { id kind body postedAt } }
        affectedComponents { status component { id name status } }
      }
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
  query Timelines($first: Int!) {
    incidents(first: $first) { nodes { id timeline(first: 5) { nodes { id kind body postedAt sequence } } } }
  }`;

describe.each(backends)('SQL statements per request on %s', (backend) => {
  let gateway: TestGateway;
  let key: string;
  let firstIncidentId: string;

  beforeAll(async () => {
    // Counting is about statements, not about the rate limit of one key.
    gateway = await startTestGateway(backend, { RATE_LIMIT: 'off' });
    const org = await gateway.createOrg(['read']);
    key = org.key;
    await seedIncidentBoard(gateway.running.db.prisma, org.orgId, { incidents: 120, updatesPerIncident: 8 });
    // The first request of a key also records lastUsedAt; keep that write out of the counts.
    const warmUp = await gql(gateway, key, INCIDENT_LIST, { first: 1 });
    firstIncidentId = warmUp.data?.incidents.nodes[0].id;
  });
  afterAll(async () => gateway?.stop());

  /** Runs one request and returns what it cost in statements, failing on GraphQL errors. */
  async function statementsOf(query: string, variables: Record<string, unknown>) {
    gateway.statements.length = 0;
    gateway.reportedStatements.length = 0;
    gateway.countStatements = true;
    try {
      const response = await gql(gateway, key, query, variables);
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      return { data: response.data!, statements: [...gateway.statements], reported: [...gateway.reportedStatements] };
    } finally {
      gateway.countStatements = false;
    }
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
        expect(incident.affectedComponents).toHaveLength(2);
      }
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
      // Prisma gives up relation joins when a cursor is given: one statement per relation instead.
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
    // Counting is about statements, not about the rate limit of one key.
    gateway = await startTestGateway(backend, { RATE_LIMIT: 'off' });
    // Two organizations whose incidents are alike except for the length of their timelines.
    for (const [name, updatesPerIncident] of [['short', 10], ['long', 100]] as const) {
      const org = await gateway.createOrg(['read']);
      keys[name] = org.key;
      await seedIncidentBoard(gateway.running.db.prisma, org.orgId, { incidents: 20, updatesPerIncident });
      await gql(gateway, org.key, TIMELINE_PAGE, { first: 1 });
    }
  });
  afterAll(async () => gateway?.stop());

  async function timelineFetch(name: 'short' | 'long') {
    gateway.reportedStatements.length = 0;
    gateway.countStatements = true;
    try {
      const response = await gql(gateway, keys[name], TIMELINE_PAGE, { first: 20 });
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      for (const incident of response.data!.incidents.nodes) {
        expect(incident.timeline.nodes.map((entry: { sequence: number }) => entry.sequence)).toEqual([1, 2, 3, 4, 5]);
      }
      const timelineReads = gateway.reportedStatements.filter((statement) => statement.sql.includes('"IncidentUpdate"'));
      expect(timelineReads.length).toBeGreaterThan(0);
      return timelineReads.map((statement) => statement.result);
    } finally {
      gateway.countStatements = false;
    }
  }

  it('reads as many rows and bytes with 100 updates per incident as with 10', async () => {
    const short = await timelineFetch('short');
    const long = await timelineFetch('long');
    expect(short.every((result) => result !== undefined && result.rows > 0)).toBe(true);
    expect(long).toEqual(short);
  });
});
