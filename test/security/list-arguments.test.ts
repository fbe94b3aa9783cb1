import { randomUUID } from 'node:crypto';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { beforeAll, describe, expect, it } from 'vitest';
import { backends, gql, useGateway, type GraphQLResponse } from '../support/gateway.js';
import { wsClient } from '../support/subscriptions.js';

const missingIncidents = (count: number) => Array.from({ length: count }, () => encodeGlobalID('Incident', randomUUID()));

/** A filter with `levels` nested `and`s around one condition, as JSON text: built without recursion, so any depth fits. */
const nestedFilterJson = (levels: number) => `${'{"and":['.repeat(levels)}{"search":"x"}${']}'.repeat(levels)}`;

/** The same filter as an inline GraphQL literal. */
const nestedFilterLiteral = (levels: number) => `${'{ and: ['.repeat(levels)}{ search: "x" }${'] }'.repeat(levels)}`;

const FILTERED_QUERIES = {
  incidents: 'query ($filter: IncidentFilter) { incidents(filter: $filter) { totalCount nodes { id } } }',
  incidentStats:
    'query ($filter: IncidentFilter) { incidentStats(filter: $filter, from: "2000-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z") { total { count } } }',
};

describe.each(backends)('list arguments and filter nesting on %s', (backend) => {
  const gateway = useGateway(backend);
  let key: string;
  let incidentId: string;

  /** A request whose variables are sent as written (deep JSON without building it as an object). */
  async function postRaw(query: string, variablesJson: string, accept = 'application/json'): Promise<GraphQLResponse> {
    const response = await fetch(gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${key}` },
      body: `{"query":${JSON.stringify(query)},"variables":${variablesJson}}`,
    });
    return { status: response.status, headers: response.headers, ...((await response.json()) as object) };
  }

  const incidentCount = () => gateway.running.db.prisma.incident.count();

  /** The statements `work` sends that read incidents (not the key check, nor the notification worker's polling). */
  async function statementsOf<T>(work: () => Promise<T>) {
    const { result, statements } = await gateway.statementsDuring(work);
    return { result, statements: statements.filter((statement) => statement.sql.includes('"Incident')) };
  }

  beforeAll(async () => {
    ({ key } = await gateway.createOrg(['write']));
    const created = await gql(gateway, key, 'mutation { createIncident(input: { title: "x marks the spot" }) { incident { id } } }');
    incidentId = created.data!.createIncident.incident.id;
  });

  it('nodes(ids:) answers up to 100 ids, in order', async () => {
    const ids = [incidentId, ...missingIncidents(99)];
    const response = await gql(gateway, key, 'query ($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids });
    expect(response.errors).toBeUndefined();
    expect(response.data!.nodes).toHaveLength(100);
    expect(response.data!.nodes[0]).toEqual({ id: incidentId });
  });

  it('nodes(ids:) with 101 ids (or 10,000) is BAD_USER_INPUT, before anything runs', async () => {
    for (const count of [101, 10_000]) {
      const { result: response, statements } = await statementsOf(() =>
        gql(gateway, key, 'query ($ids: [ID!]!) { nodes(ids: $ids) { id ... on Incident { timeline(first: 100) { nodes { id } } } } }', {
          ids: missingIncidents(count),
        }),
      );
      expect(response.errors?.map((error) => error.extensions?.code), String(count)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors?.[0].message).toMatch(/at most 100/);
      expect(response.data ?? null).toBeNull();
      expect(response.status).toBeLessThan(500);
      expect(statements).toEqual([]);
    }
    // Ids written into the document count the same way.
    const literal = await gql(gateway, key, `{ nodes(ids: ${JSON.stringify(missingIncidents(101))}) { id } }`);
    expect(literal.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });

  it('costs nodes(ids:) per id: 100 ids with timeline(first: 100) cost 100 times one', async () => {
    const query = 'query ($ids: [ID!]!) { nodes(ids: $ids) { id ... on Incident { timeline(first: 100) { nodes { id } } } } }';
    const one = await gql(gateway, key, query, { ids: [incidentId] });
    expect(one.errors).toBeUndefined();
    // The node (1) + its timeline connection (1) + 100 entries (1 each).
    const perId = 1 + 1 + 100;
    expect(one.extensions?.cost).toMatchObject({ requestedQueryCost: perId });
    const ten = await gql(gateway, key, query, { ids: [incidentId, ...missingIncidents(9)] });
    expect(ten.extensions?.cost).toMatchObject({ requestedQueryCost: 10 * perId });
    const hundred = await gql(gateway, key, query, { ids: [incidentId, ...missingIncidents(99)] });
    expect(hundred.errors?.map((error) => error.extensions?.code)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(hundred.extensions?.cost).toEqual({ requestedQueryCost: 100 * perId });
  });

  it('accepts a filter nested 5 levels deep', async () => {
    for (const [field, query] of Object.entries(FILTERED_QUERIES)) {
      const response = await postRaw(query, `{"filter":${nestedFilterJson(5)}}`);
      expect(response.errors, field).toBeUndefined();
    }
    const response = await gql(gateway, key, `{ incidents(filter: ${nestedFilterLiteral(5)}) { totalCount } }`);
    expect(response.data).toEqual({ incidents: { totalCount: 1 } });
    const mixed = await postRaw(FILTERED_QUERIES.incidents, `{"filter":{"or":[${nestedFilterJson(4)},{"and":[${nestedFilterJson(2)}]}]}}`);
    expect(mixed.data?.incidents.totalCount).toBe(1);
  });

  it('refuses a filter nested 6 levels (and 60, 1,000, 100,000) with BAD_USER_INPUT, never a 500', async () => {
    for (const levels of [6, 60, 1_000, 100_000]) {
      for (const [field, query] of Object.entries(FILTERED_QUERIES)) {
        const { result: response, statements } = await statementsOf(() => postRaw(query, `{"filter":${nestedFilterJson(levels)}}`));
        const context = `${field} at ${levels} levels`;
        expect(response.status, context).toBe(200);
        expect(response.errors?.map((error) => error.extensions?.code), context).toEqual(['BAD_USER_INPUT']);
        expect(response.errors?.[0].message, context).toMatch(/more than 5 levels/);
        expect(statements, context).toEqual([]);
      }
    }
    // `or` nests as `and` does, and a literal in the document as a variable does.
    const orNested = await postRaw(FILTERED_QUERIES.incidents, `{"filter":${nestedFilterJson(5).replace('{"and":[', '{"or":[{"or":[')}]}}`);
    expect(orNested.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    for (const levels of [6, 60]) {
      const literal = await gql(gateway, key, `{ incidents(filter: ${nestedFilterLiteral(levels)}) { totalCount } }`);
      expect(literal.errors?.map((error) => error.extensions?.code), String(levels)).toEqual(['BAD_USER_INPUT']);
    }
    // A variable's default counts too.
    const defaulted = await gql(gateway, key, `query ($filter: IncidentFilter = ${nestedFilterLiteral(6)}) { incidents(filter: $filter) { totalCount } }`);
    expect(defaulted.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    // GraphQL over HTTP: a request refused before execution is a 400 for graphql-response+json clients.
    const strict = await postRaw(FILTERED_QUERIES.incidents, `{"filter":${nestedFilterJson(1_000)}}`, 'application/graphql-response+json');
    expect(strict.status).toBe(400);
    expect(strict.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });

  it('bounds a filter\'s width: at most 100 items in each of its lists and 100 filter objects in all', async () => {
    const orOf = (count: number, entry = '{"search":"x"}') => `{"or":[${Array.from({ length: count }, () => entry).join(',')}]}`;
    const tags = (count: number) => JSON.stringify({ tag: { in: Array.from({ length: count }, (_, index) => `t${index}`) } });
    for (const filter of [orOf(99), tags(100), orOf(9, orOf(10))]) {
      const response = await postRaw(FILTERED_QUERIES.incidents, `{"filter":${filter}}`);
      expect(response.errors, filter.slice(0, 60)).toBeUndefined();
    }
    // 101 entries in one list; 101 tags; 1 + 10 + 10 x 10 filter objects; 40,000 entries (once an INTERNAL_SERVER_ERROR after minutes).
    for (const [filter, message] of [
      [orOf(101), /at most 100/],
      [tags(101), /at most 100/],
      [orOf(10, orOf(10)), /more than 100/],
      [orOf(40_000), /at most 100/],
    ] as const) {
      const started = Date.now();
      const { result: response, statements } = await statementsOf(() => postRaw(FILTERED_QUERIES.incidents, `{"filter":${filter}}`));
      expect(response.errors?.map((error) => error.extensions?.code), filter.slice(0, 60)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors?.[0].message).toMatch(message);
      expect(statements).toEqual([]);
      expect(Date.now() - started).toBeLessThan(5_000);
    }
  });

  it('refuses a too deeply nested incidentChanged filter when the subscription starts', async () => {
    const socket = wsClient(gateway, key);
    try {
      const subscription = socket.subscribe('subscription ($filter: IncidentFilter) { incidentChanged(filter: $filter) { type } }', {
        filter: JSON.parse(nestedFilterJson(6)),
      });
      // Refused at once: a subscription that started would wait for events.
      const failure = await Promise.race([subscription.failure(), new Promise((resolve) => setTimeout(() => resolve('still open after 5 s'), 5_000))]);
      expect(JSON.stringify(failure)).toContain('BAD_USER_INPUT');
    } finally {
      await socket.dispose();
    }
    expect(await incidentCount()).toBe(1);
  });
});
