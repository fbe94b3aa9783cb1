import { readFileSync } from 'node:fs';
import { formatPrismaCursor } from '@pothos/plugin-prisma';
import { encodeGlobalID } from '@pothos/plugin-relay';
import fc from 'fast-check';
import { getNamedType, isLeafType, isObjectType, type GraphQLEnumType } from 'graphql';
import { schema } from '../../src/graphql/schema.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, startTestGateway, type TestGateway } from '../support/gateway.js';
import { generalPathOf } from '../support/general-path.js';

/**
 * Compiled reads (src/graphql/compiled/) must answer exactly as graphql-js resolving the same
 * fields through Pothos and Prisma. A directive the compiler does not take (`@include(if: true)`,
 * which changes nothing in the answer) sends the same query down the general path: both answers
 * are compared as bytes, and the statements show which path ran.
 */

interface Raw {
  status: number;
  contentType: string | null;
  body: string;
}

async function post(gateway: TestGateway, key: string, query: string, variables?: Record<string, unknown>): Promise<Raw> {
  const response = await fetch(gateway.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, contentType: response.headers.get('content-type'), body: await response.text() };
}

/** Every field of a type that takes no arguments and returns a scalar or enum: compiled reads answer them all. */
function leavesOf(typename: string): string[] {
  const type = schema.getType(typename);
  if (!isObjectType(type)) throw new Error(`${typename} is not an object type`);
  return ['__typename', ...Object.values(type.getFields()).filter((field) => isLeafType(getNamedType(field.type)) && field.args.length === 0).map((field) => field.name)];
}
const [INCIDENT_LEAVES, USER_LEAVES, COMPONENT_LEAVES, ENTRY_LEAVES] = ['Incident', 'User', 'Component', 'IncidentUpdate'].map(leavesOf);

const INCIDENT_SELECTION = `
  ${INCIDENT_LEAVES.join(' ')}
  createdBy { __typename keyId name }
  owner { ${USER_LEAVES.join(' ')} }
  affectedComponents { __typename status component { ${COMPONENT_LEAVES.join(' ')} } }
  timeline(first: 2) {
    __typename totalCount
    nodes { ${ENTRY_LEAVES.join(' ')} postedBy { keyId name } author { id } }
    edges { __typename cursor node { id body } }
    pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }
  }
  escalation { __typename state level nextEscalationAt pages(last: 2) { totalCount nodes { level at user { id name } } pageInfo { hasNextPage hasPreviousPage } } }`;

/** Random selections over every field compiled reads know, with aliases and repeats, as GraphQL text. */
const pick = (fields: string[]) =>
  fc.subarray(fields, { minLength: 1 }).chain((chosen) =>
    fc.tuple(...chosen.map((field) => fc.tuple(fc.constant(field), fc.boolean()))).map((entries) =>
      entries.map(([field, aliased], index) => (aliased ? `a${index}: ${field}` : field)).join(' '),
    ),
  );
const USER = pick(USER_LEAVES);
const COMPONENT = pick(COMPONENT_LEAVES);
const ACTOR = pick(['__typename', 'keyId', 'name']);
const ENTRY = fc.tuple(pick(ENTRY_LEAVES), ACTOR).map(([scalars, actor]) => `${scalars} postedBy { ${actor} }`);
/** Page arguments without cursors: first, last, or neither. */
const pageSizes = (sizes: number[]) =>
  fc.oneof(fc.constant(''), fc.constantFrom(...sizes).map((size) => `first: ${size}`), fc.constantFrom(...sizes).map((size) => `last: ${size}`));
const connectionOf = (node: fc.Arbitrary<string>, pageArguments: fc.Arbitrary<string>) =>
  fc
    .tuple(
      pageArguments,
      fc.subarray(['__typename', 'totalCount', 'nodes', 'edges', 'pageInfo'], { minLength: 1 }),
      node,
      pick(['__typename', 'hasNextPage', 'hasPreviousPage', 'startCursor', 'endCursor']),
      fc.subarray(['__typename', 'cursor', 'node'], { minLength: 1 }),
    )
    .map(([first, parts, nodeSelection, pageInfo, edgeParts]) => {
      const selection = parts
        .map((part) =>
          part === 'nodes' ? `nodes { ${nodeSelection} }`
          : part === 'pageInfo' ? `pageInfo { ${pageInfo} }`
          : part === 'edges' ? `edges { ${edgeParts.map((edgePart) => (edgePart === 'node' ? `node { ${nodeSelection} }` : edgePart)).join(' ')} }`
          : part,
        )
        .join(' ');
      return `${first === '' ? '' : `(${first})`} { ${selection} }`;
    });
const INCIDENT = fc
  .tuple(
    pick(INCIDENT_LEAVES),
    fc.option(USER, { nil: null }),
    fc.option(ACTOR, { nil: null }),
    fc.option(fc.tuple(pick(['__typename', 'status']), COMPONENT), { nil: null }),
    fc.option(connectionOf(ENTRY, pageSizes([1, 2, 3, 10])), { nil: null }),
    fc.option(fc.tuple(pick(['__typename', 'state', 'level', 'nextEscalationAt']), connectionOf(pick(['__typename', 'level', 'at']), pageSizes([1, 2]))), { nil: null }),
  )
  .map(([scalars, owner, createdBy, affected, timeline, escalation]) =>
    [
      scalars,
      owner && `owner { ${owner} }`,
      createdBy && `createdBy { ${createdBy} }`,
      affected && `affectedComponents { ${affected[0]} component { ${affected[1]} } }`,
      timeline && `timeline${timeline}`,
      escalation && `escalation { ${escalation[0]} pages${escalation[1]} }`,
    ]
      .filter(Boolean)
      .join(' '),
  );

const enumValues = (name: string) => (schema.getType(name) as GraphQLEnumType).getValues().map((value) => value.name);
const comparator = <T>(values: T[]) => fc.record({ eq: fc.constantFrom(...values), in: fc.subarray(values), notIn: fc.subarray(values) }, { requiredKeys: [] });
const NO_ROW = '00000000-0000-4000-8000-000000000000';
const INSTANTS = ['2026-11-01T12:00:00.000Z', '2026-11-02T12:00:00.007Z', '2026-11-03T00:00:00.000Z', '2030-01-01T00:00:00.000Z'];
const DATE = fc.record(
  { gt: fc.constantFrom(...INSTANTS), gte: fc.constantFrom(...INSTANTS), lt: fc.constantFrom(...INSTANTS), lte: fc.constantFrom(...INSTANTS), isNull: fc.boolean() },
  { requiredKeys: [] },
);

/** Random IncidentFilters over the seeded values (and some that match nothing), nested two levels deep. */
function filters(ownerIds: string[], componentIds: string[]) {
  const conditions = {
    status: comparator(enumValues('IncidentStatus')),
    severity: comparator(enumValues('IncidentSeverity')),
    impact: comparator(enumValues('IncidentImpact')),
    kind: comparator(enumValues('IncidentKind')),
    ownerId: comparator([...ownerIds, 'garbage']),
    componentId: comparator([...componentIds, 'garbage']),
    tag: comparator(['db', 'EU', 'ops', 'none', '%', 'nul\u0000']),
    startedAt: DATE,
    acknowledgedAt: DATE,
    resolvedAt: DATE,
    search: fc.constantFrom('incident', 'QUOTES', '%', '_', '\\', 'line TWO', '  ', 'ünï', 'nul\u0000'),
  };
  const level = (inner: fc.Arbitrary<Record<string, unknown>> | null): fc.Arbitrary<Record<string, unknown>> =>
    inner
      ? fc.record({ ...conditions, and: fc.array(inner, { maxLength: 2 }), or: fc.array(inner, { maxLength: 2 }) }, { requiredKeys: [] })
      : fc.record(conditions, { requiredKeys: [] });
  // Few conditions per level, so that filters still match some incidents.
  const sparse = (arbitrary: fc.Arbitrary<Record<string, unknown>>) =>
    arbitrary.chain((filter) => fc.subarray(Object.keys(filter), { maxLength: 2 }).map((keys) => Object.fromEntries(keys.map((key) => [key, filter[key]]))));
  return sparse(level(sparse(level(sparse(level(null))))));
}

describe.each(backends)('compiled reads on %s', (backend) => {
  let gateway: TestGateway;
  let key: string;
  let otherKey: string;
  let incidentIds: string[] = [];
  let quietIncidentId: string;
  let ownerIds: string[];
  let componentIds: string[];

  async function ok(query: string, variables?: Record<string, unknown>) {
    const response = await post(gateway, key, query, variables);
    const parsed = JSON.parse(response.body) as { data?: any; errors?: unknown[] };
    expect(parsed.errors, response.body).toBeUndefined();
    return parsed.data;
  }

  /** Asserts both paths give the same bytes, that the compiled one ran one statement, and returns the answer. */
  async function sameOnBothPaths(query: string, variables?: Record<string, unknown>, callerKey = key, general = generalPathOf(query)): Promise<any> {
    const answer = await sameAnswers(query, variables, callerKey, general);
    // The key lookup, then one statement building the whole answer.
    const reads = answer.statements.filter((statement) => !statement.sql.includes('"ApiKey"'));
    expect(reads).toHaveLength(1);
    expect(reads[0].sql).toMatch(/^SELECT .*json_build_object/s);
    return answer.body;
  }

  /** Asserts both paths give the same bytes; returns the answer and the compiled path's statements. */
  async function sameAnswers(query: string, variables: Record<string, unknown> | undefined, callerKey: string, generalQuery: string) {
    const compiled = await gateway.statementsDuring(() => post(gateway, callerKey, query, variables));
    const general = await gateway.statementsDuring(() => post(gateway, callerKey, generalQuery, variables));
    expect(generalQuery).not.toBe(query);
    expect(compiled.result.body).toBe(general.result.body);
    expect(JSON.parse(compiled.result.body).errors, compiled.result.body).toBeUndefined();
    expect(compiled.result.status).toBe(general.result.status);
    expect(compiled.result.contentType).toBe(general.result.contentType);
    return { body: JSON.parse(compiled.result.body), statements: compiled.statements };
  }

  beforeAll(async () => {
    // The notification outbox does not poll meanwhile: only requests' statements are counted.
    // Random selections may alias more fields and cost more than the defaults allow.
    gateway = await startTestGateway(backend, { COMPILED_READS: 'on', NOTIFY_POLL_MS: '3600000', ESCALATION_POLL_MS: '3600000', MAX_ALIASES: '1000', MAX_COST: '100000', MAX_TOKENS: '100000' });
    ({ key } = await gateway.createOrg(['admin']));
    ({ key: otherKey } = await gateway.createOrg(['read']));
    const created = await ok(`mutation {
      a: createComponent(input: { name: "API", description: "Public API", group: "Core", position: 1 }) { component { id } }
      b: createComponent(input: { name: "Web", status: DEGRADED_PERFORMANCE }) { component { id } }
      u: createUser(input: { name: "Ada", email: "ada@example.com", timeZone: "Europe/Berlin" }) { user { id } }
    }`);
    const [apiId, webId, ownerId] = [created.a.component.id, created.b.component.id, created.u.user.id];
    ownerIds = [ownerId];
    componentIds = [apiId, webId];
    for (let index = 0; index < 4; index += 1) {
      const incident = await ok(
        `mutation($input: CreateIncidentInput!) { createIncident(input: $input) { incident { id } userErrors { code } } }`,
        {
          input: {
            title: `Incident ${index} with "quotes", \\ and ünïcödé`,
            severity: index % 2 ? 'HIGH' : 'LOW',
            startedAt: new Date(Date.UTC(2026, 10, 1 + index, 12, 0, 0, 7 * index)).toISOString(),
            ...(index === 0 ? { description: 'Line one\nline two', tags: ['db', 'eu'], externalRef: 'PD-1', ownerId } : {}),
            ...(index === 1 ? { components: [{ componentId: apiId, status: 'PARTIAL_OUTAGE' }, { componentId: webId, status: 'MAJOR_OUTAGE' }] } : {}),
            ...(index === 2 ? { kind: 'MAINTENANCE', tags: ['EU', 'Ops'], scheduledFor: '2026-12-01T00:00:00.000Z', scheduledUntil: '2026-12-01T02:00:00.000Z' } : {}),
            ...(index === 3 ? { status: 'RESOLVED', resolvedAt: '2026-11-04T13:00:00.000Z', tags: ['db'] } : {}),
          },
        },
      );
      incidentIds.push(incident.createIncident.incident.id);
    }
    for (const body of ['Looking', 'Found it', 'Fixed']) {
      await ok(`mutation($id: ID!, $body: String!) { postIncidentUpdate(input: { incidentId: $id, body: $body }) { userErrors { code } } }`, {
        id: incidentIds[1],
        body,
      });
    }
    await ok(`mutation($id: ID!) { acknowledgeIncident(input: { id: $id }) { userErrors { code } } }`, { id: incidentIds[1] });
    quietIncidentId = incidentIds[3];
    // Incident 0's owner is paged once, in the background: done before statements are counted.
    for (let wait = 0; (await gateway.running.db.prisma.escalationStep.count()) > 0; wait += 1) {
      if (wait > 200) throw new Error('paging steps still pending');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  afterAll(() => gateway?.stop());

  it('answers incident(id) with every compiled field as the general path does', async () => {
    for (const id of incidentIds) {
      const answer = await sameOnBothPaths(`query($id: ID!) { incident(id: $id) { ${INCIDENT_SELECTION} } }`, { id });
      expect(answer.data.incident.id).toBe(id);
    }
    const busy = await sameOnBothPaths(`query($id: ID!) { incident(id: $id) { ${INCIDENT_SELECTION} } }`, { id: incidentIds[1] });
    expect(busy.data.incident.timeline.totalCount).toBe(5);
    expect(busy.data.incident.timeline.pageInfo.hasNextPage).toBe(true);
    expect(busy.data.incident.affectedComponents).toHaveLength(2);
    expect(busy.data.incident.acknowledgedAt).not.toBeNull();
  });

  it('answers incidents pages, aliases, fragments and defaults as the general path does', async () => {
    const pages = await sameOnBothPaths(`
      query Pages($first: Int) {
        all: incidents { totalCount nodes { ...Brief } }
        page: incidents(first: $first) { ...Page }
        __typename
      }
      fragment Brief on Incident { id title ... on Node { id } severity }
      fragment Page on QueryIncidentsConnection { pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { ...Brief number } } total: totalCount }`,
      { first: 3 },
    );
    expect(pages.data.all.totalCount).toBe(4);
    expect(pages.data.page.edges).toHaveLength(3);
    expect(pages.data.page.pageInfo.hasNextPage).toBe(true);
    await sameOnBothPaths(`{ incidents(first: 100) { nodes { ${INCIDENT_SELECTION} } } }`);
    await sameOnBothPaths(`{ incidents(first: 4) { pageInfo { hasNextPage endCursor } nodes { timeline { totalCount nodes { body } } } } }`);
    // Connections that fetch no rows still follow the page-size rules.
    await sameOnBothPaths(`{ incidents { totalCount } }`);
    await sameOnBothPaths(`{ incidents(first: 3) { __typename } }`);
    await sameOnBothPaths(`query($id: ID!) { incident(id: $id) { timeline { totalCount } } }`, { id: incidentIds[1] });
  });

  it('treats unknown, malformed and foreign ids as missing, like the general path', async () => {
    const foreign = await sameOnBothPaths(`query($id: ID!) { incident(id: $id) { id title } }`, { id: quietIncidentId }, otherKey);
    expect(foreign.data.incident).toBeNull();
    const foreignNumber = await sameOnBothPaths(`{ incidentByNumber(number: 1) { id } }`, undefined, otherKey);
    expect(foreignNumber.data.incidentByNumber).toBeNull();
    for (const id of ['garbage', encodeGlobalID('Incident', 'not-a-uuid'), encodeGlobalID('User', '00000000-0000-4000-8000-000000000000')]) {
      const answer = await sameOnBothPaths(`query($id: ID!) { incident(id: $id) { id } }`, { id });
      expect(answer.data.incident).toBeNull();
    }
    const empty = await sameOnBothPaths(`{ incidents(first: 5) { totalCount nodes { id } pageInfo { hasNextPage startCursor endCursor } } }`, undefined, otherKey);
    expect(empty.data.incidents).toEqual({ totalCount: 0, nodes: [], pageInfo: { hasNextPage: false, startCursor: null, endCursor: null } });
  });

  it('leaves what it does not compile to the general path, errors included', async () => {
    const cases: [string, Record<string, unknown>?][] = [
      [`{ incidents(first: 0) { nodes { id } } }`],
      [`{ incidents(first: 0) { totalCount } }`],
      [`query($n: Int) { incidents(first: $n) { nodes { id } } }`, { n: 101 }],
      [`query($id: ID!) { incident(id: $id) { timeline(first: 1000) { nodes { id } } } }`, { id: incidentIds[1] }],
      [`query($id: ID!) { incident(id: $id) { id } }`, {}],
      [`query($after: String) { incidents(first: 1, after: $after) { nodes { id } } }`, { after: 'bad cursor' }],
      [`query($after: String) { incidents(first: 1, after: $after) { nodes { id } } }`, { after: formatPrismaCursor({ id: 42 }, 'id') }],
      [`{ incidents(first: 1, last: 1) { nodes { id } } }`],
      [`query($id: ID!, $after: String) { incident(id: $id) { timeline(first: 1, after: $after) { nodes { id } } } }`, { id: incidentIds[1], after: formatPrismaCursor({ id: NO_ROW }, 'id') }],
      [`query($id: ID!) { incident(id: $id) { timeline { nodes { changes { field } } } } }`, { id: incidentIds[1] }],
    ];
    for (const [query, variables] of cases) {
      const compiled = await gateway.statementsDuring(() => post(gateway, key, query, variables));
      const general = await post(gateway, key, generalPathOf(query), variables);
      expect(compiled.result.body.replace(/"locations":\[[^\]]*\],?/g, '')).toBe(general.body.replace(/"locations":\[[^\]]*\],?/g, ''));
      expect(compiled.statements.some((statement) => statement.sql.includes('json_build_array'))).toBe(false);
    }
  });

  it('answers random selections of the compiled fields exactly as the general path does', async () => {
    const operation = fc.oneof(
      fc.tuple(INCIDENT, fc.integer({ min: 0, max: 3 })).map(([selection, index]) => ({ query: `query($id: ID!) { incident(id: $id) { ${selection} } }`, variables: { id: incidentIds[index] } })),
      fc
        .tuple(connectionOf(INCIDENT, fc.constantFrom('first: 1', 'first: 3', 'first: 5')), fc.option(fc.record({ field: fc.constantFrom('STARTED_AT', 'CREATED_AT', 'UPDATED_AT', 'NUMBER', 'SEVERITY'), direction: fc.constantFrom('ASC', 'DESC') }), { nil: null }))
        .map(([connection, order]) => ({
          // `incidents(first: n) { ... }` with the order as a variable.
          query: `query($order: IncidentOrder) { incidents${connection.replace(/^\(first: (\d+)\)/, '(first: $1, orderBy: $order)')} }`,
          variables: { order },
        })),
      fc.tuple(INCIDENT, fc.integer({ min: 0, max: 6 })).map(([selection, number]) => ({ query: `query($n: Int!) { incidentByNumber(number: $n) { ${selection} } }`, variables: { n: number } })),
    );
    await fc.assert(
      fc.asyncProperty(operation, async ({ query, variables }) => {
        await sameOnBothPaths(query, variables);
      }),
      { numRuns: 80 },
    );
  });

  it('answers random filters, orders and cursor pages exactly as the general path does', async () => {
    const rowIds = [...incidentIds.map((id) => Buffer.from(id, 'base64').toString().split(':')[1]), NO_ROW];
    const cursor = fc.constantFrom(...rowIds).map((id) => formatPrismaCursor({ id }, 'id'));
    const size = fc.integer({ min: 1, max: 5 });
    const page = fc.oneof(
      fc.constant({}),
      fc.record({ first: size }),
      fc.record({ last: size }),
      fc.record({ first: size, after: cursor }),
      fc.record({ after: cursor }),
      fc.record({ last: size, before: cursor }),
      fc.record({ before: cursor }),
    );
    const order = fc.option(fc.record({ field: fc.constantFrom(...enumValues('IncidentOrderField')), direction: fc.constantFrom('ASC', 'DESC') }, { requiredKeys: ['field'] }), { nil: null });
    const operation = fc.tuple(connectionOf(INCIDENT, fc.constant('')), fc.option(filters(ownerIds, componentIds), { nil: null }), order, page).map(([connection, filter, orderBy, pageArguments]) => ({
      query: `query($filter: IncidentFilter, $order: IncidentOrder, $first: Int, $last: Int, $after: String, $before: String) {
        incidents(filter: $filter, orderBy: $order, first: $first, last: $last, after: $after, before: $before) ${connection}
      }`,
      variables: { filter, order: orderBy, ...pageArguments },
    }));
    await fc.assert(
      fc.asyncProperty(operation, async ({ query, variables }) => {
        await sameOnBothPaths(query, variables);
      }),
      { numRuns: 100 },
    );
  }, 240_000);

  it('compiles the queries clients send: open incidents, page 2, a status, severity and tag filter', async () => {
    const openIncidents = readFileSync(new URL('../../schema/operations/open-incidents.graphql', import.meta.url), 'utf8');
    const open = await sameOnBothPaths(openIncidents);
    expect(open.data.incidents.totalCount).toBe(3);
    const PAGE = `query($after: String) { incidents(first: 2, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } nodes { id number } } }`;
    const first = await sameOnBothPaths(PAGE, { after: null });
    const second = await sameOnBothPaths(PAGE, { after: first.data.incidents.pageInfo.endCursor });
    expect(second.data.incidents.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    expect([...first.data.incidents.nodes, ...second.data.incidents.nodes].map((node: { id: string }) => node.id).sort()).toEqual([...incidentIds].sort());
    const filtered = await sameOnBothPaths(
      `query($filter: IncidentFilter) { incidents(first: 10, filter: $filter, orderBy: { field: SEVERITY }) { totalCount nodes { number severity tags } } }`,
      { filter: { status: { in: ['INVESTIGATING', 'RESOLVED'] }, severity: { in: ['LOW', 'HIGH'] }, tag: { eq: 'DB' } } },
    );
    expect(filtered.data.incidents.totalCount).toBe(2);
  });

  it("answers the board's snapshot with one statement for its incidents, the rest as before", async () => {
    const board = readFileSync(new URL('../../schema/operations/board.graphql', import.meta.url), 'utf8');
    const now = new Date();
    const variables = { open: ['INVESTIGATING', 'IDENTIFIED', 'MONITORING', 'SCHEDULED', 'IN_PROGRESS', 'VERIFYING'], now: now.toISOString(), horizon: new Date(now.getTime() + 86_400_000).toISOString() };
    const send = (query: string) => gateway.statementsDuring(() => fetch(gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables, operationName: 'BoardSnapshot' }),
    }).then((response) => response.text()));
    // A directive on a root field of the snapshot sends all of it down the general path.
    const general = board.replace('  viewer {', '  viewer @include(if: true) {');
    expect(general).not.toBe(board);
    const [compiled, reference] = [await send(board), await send(general)];
    expect(compiled.result).toBe(reference.result);
    const answer = JSON.parse(compiled.result);
    expect(answer.errors).toBeUndefined();
    expect(answer.data.incidents.nodes.map((node: { escalation: unknown }) => node.escalation !== null)).toContain(true);
    expect(compiled.statements.filter((statement) => statement.sql.includes('json_build_object'))).toHaveLength(1);
    expect(reference.statements.some((statement) => statement.sql.includes('json_build_object'))).toBe(false);
  });

  it('costs one statement whatever the page size, and what it fetches does not grow with the timeline', async () => {
    const query = `query($first: Int) { incidents(first: $first) { totalCount nodes { id owner { name } timeline(first: 1) { nodes { body } } affectedComponents { component { name } } } } }`;
    const counts: number[] = [];
    const bytes: number[] = [];
    for (const first of [1, 2, 4]) {
      const { statements } = await gateway.statementsDuring(() => post(gateway, key, query, { first }));
      counts.push(statements.length);
      bytes.push(statements.find((statement) => statement.sql.includes('json_build_array'))?.result?.bytes ?? -1);
    }
    expect(new Set(counts).size).toBe(1);
    expect(counts[0]).toBeLessThanOrEqual(2);
    const before = await gateway.statementsDuring(() => post(gateway, key, `query($id: ID!) { incident(id: $id) { timeline(first: 1) { nodes { body } } } }`, { id: incidentIds[1] }));
    for (let index = 0; index < 5; index += 1) {
      await ok(`mutation($id: ID!) { postIncidentUpdate(input: { incidentId: $id, body: "more" }) { userErrors { code } } }`, { id: incidentIds[1] });
    }
    const after = await gateway.statementsDuring(() => post(gateway, key, `query($id: ID!) { incident(id: $id) { timeline(first: 1) { nodes { body } } } }`, { id: incidentIds[1] }));
    const sizeOf = (statements: typeof before.statements) => statements.find((statement) => statement.sql.includes('json_build_array'))?.result;
    expect(sizeOf(after.statements)).toEqual(sizeOf(before.statements));
    expect(bytes.every((size) => size > 0)).toBe(true);
  });
});
