import { encodeGlobalID } from '@pothos/plugin-relay';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, startTestGateway, type TestGateway } from '../support/gateway.js';

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

/** The same query with its root selection wrapped in `... @include(if: true) { }`: not compilable, same answer. */
function generalPathOf(query: string): string {
  const open = query.indexOf('{');
  let depth = 0;
  for (let index = open; index < query.length; index += 1) {
    if (query[index] === '{') depth += 1;
    if (query[index] === '}' && --depth === 0) {
      return `${query.slice(0, open)}{ ... @include(if: true) ${query.slice(open, index + 1)} }${query.slice(index + 1)}`;
    }
  }
  throw new Error(`unbalanced query: ${query}`);
}

const INCIDENT_SELECTION = `
  __typename id number title description kind status severity impact impactOverridden tags source externalRef
  autoCreated reopenCount version startedAt acknowledgedAt resolvedAt scheduledFor scheduledUntil createdAt updatedAt
  createdBy { __typename keyId name }
  owner { __typename id name email timeZone createdAt }
  affectedComponents { __typename status component { __typename id name description group status position createdAt updatedAt } }
  timeline(first: 2) {
    __typename totalCount
    nodes { __typename id kind status body notifySubscribers postedAt sequence cursor postedBy { keyId name } }
    edges { __typename cursor node { id body } }
    pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }
  }`;

/** Random selections over every field compiled reads know, with aliases and repeats, as GraphQL text. */
const pick = (fields: string[]) =>
  fc.subarray(fields, { minLength: 1 }).chain((chosen) =>
    fc.tuple(...chosen.map((field) => fc.tuple(fc.constant(field), fc.boolean()))).map((entries) =>
      entries.map(([field, aliased], index) => (aliased ? `a${index}: ${field}` : field)).join(' '),
    ),
  );
const USER = pick(['__typename', 'id', 'name', 'email', 'timeZone', 'createdAt']);
const COMPONENT = pick(['__typename', 'id', 'name', 'description', 'group', 'status', 'position', 'createdAt', 'updatedAt']);
const ACTOR = pick(['__typename', 'keyId', 'name']);
const ENTRY = fc.tuple(pick(['__typename', 'id', 'kind', 'status', 'body', 'notifySubscribers', 'postedAt', 'sequence', 'cursor']), ACTOR).map(
  ([scalars, actor]) => `${scalars} postedBy { ${actor} }`,
);
const connectionOf = (node: fc.Arbitrary<string>, firsts: (number | null)[]) =>
  fc
    .tuple(
      fc.constantFrom(...firsts),
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
      return `${first === null ? '' : `(first: ${first})`} { ${selection} }`;
    });
const INCIDENT = fc
  .tuple(
    pick(['__typename', 'id', 'number', 'title', 'description', 'kind', 'status', 'severity', 'impact', 'impactOverridden', 'tags', 'source', 'externalRef', 'autoCreated', 'reopenCount', 'version', 'startedAt', 'acknowledgedAt', 'resolvedAt', 'scheduledFor', 'scheduledUntil', 'createdAt', 'updatedAt']),
    fc.option(USER, { nil: null }),
    fc.option(ACTOR, { nil: null }),
    fc.option(fc.tuple(pick(['__typename', 'status']), COMPONENT), { nil: null }),
    fc.option(connectionOf(ENTRY, [null, 1, 2, 3, 10]), { nil: null }),
  )
  .map(([scalars, owner, createdBy, affected, timeline]) =>
    [
      scalars,
      owner && `owner { ${owner} }`,
      createdBy && `createdBy { ${createdBy} }`,
      affected && `affectedComponents { ${affected[0]} component { ${affected[1]} } }`,
      timeline && `timeline${timeline}`,
    ]
      .filter(Boolean)
      .join(' '),
  );

describe.each(backends)('compiled reads on %s', (backend) => {
  let gateway: TestGateway;
  let key: string;
  let otherKey: string;
  let incidentIds: string[] = [];
  let quietIncidentId: string;

  async function ok(query: string, variables?: Record<string, unknown>) {
    const response = await post(gateway, key, query, variables);
    const parsed = JSON.parse(response.body) as { data?: any; errors?: unknown[] };
    expect(parsed.errors, response.body).toBeUndefined();
    return parsed.data;
  }

  /** Asserts both paths give the same bytes, that the compiled one ran one statement, and returns the answer. */
  async function sameOnBothPaths(query: string, variables?: Record<string, unknown>, callerKey = key): Promise<any> {
    const compiled = await gateway.statementsDuring(() => post(gateway, callerKey, query, variables));
    const general = await gateway.statementsDuring(() => post(gateway, callerKey, generalPathOf(query), variables));
    expect(generalPathOf(query)).not.toBe(query);
    expect(compiled.result.body).toBe(general.result.body);
    expect(JSON.parse(compiled.result.body).errors, compiled.result.body).toBeUndefined();
    expect(compiled.result.status).toBe(general.result.status);
    expect(compiled.result.contentType).toBe(general.result.contentType);
    // The key lookup, then one statement building the whole answer.
    const reads = compiled.statements.filter((statement) => !statement.sql.includes('"ApiKey"'));
    expect(reads).toHaveLength(1);
    expect(reads[0].sql).toMatch(/^SELECT .*json_build_object/s);
    return JSON.parse(compiled.result.body);
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
            ...(index === 2 ? { kind: 'MAINTENANCE', scheduledFor: '2026-12-01T00:00:00.000Z', scheduledUntil: '2026-12-01T02:00:00.000Z' } : {}),
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
      [`{ incidents(first: 2, filter: { severity: { eq: HIGH } }) { nodes { title severity } } }`],
      [`{ incidents(first: 2, filter: { severity: { eq: HIGH } }, orderBy: { field: NUMBER }) { nodes { title severity } } }`],
      [`query($after: String) { incidents(first: 1, after: $after) { nodes { id } } }`, { after: 'bad cursor' }],
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
        .tuple(connectionOf(INCIDENT, [1, 3, 5]), fc.option(fc.record({ field: fc.constantFrom('STARTED_AT', 'CREATED_AT', 'UPDATED_AT', 'NUMBER', 'SEVERITY'), direction: fc.constantFrom('ASC', 'DESC') }), { nil: null }))
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
