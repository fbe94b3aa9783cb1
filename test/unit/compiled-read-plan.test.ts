import { encodeGlobalID } from '@pothos/plugin-relay';
import { parse, print } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/graphql/schema.js';
import { compileReadPlan, prepareReadPlan, readPlanFor, type ReadPlan, type RunStatement } from '../../src/graphql/compiled/read-plan.js';

const runReadPlan = async (plan: ReadPlan, run: RunStatement, orgId: string, variables: Record<string, unknown>) =>
  prepareReadPlan(plan, schema, orgId, variables)?.run(run) ?? null;

const compiles = (query: string, operationName?: string) => compileReadPlan(schema, parse(query), operationName) !== null;

describe('which operations compiled reads take', () => {
  it('takes plain reads of incidents, with aliases, fragments and repeated scalars', () => {
    expect(compiles('query($id: ID!) { incident(id: $id) { id title owner { name } timeline(first: 5) { nodes { body } } } }')).toBe(true);
    expect(compiles('{ a: incidents(first: 2) { totalCount } b: incidents { edges { cursor node { id } } pageInfo { endCursor } } }')).toBe(true);
    expect(compiles('{ incidents { nodes { ...F id ... on Node { id } } } } fragment F on Incident { id number }')).toBe(true);
    expect(compiles('query A { __typename } query B { incidents { totalCount } }', 'B')).toBe(true);
    expect(compiles('{ incidentByNumber(number: 3) { title createdBy { name } } }')).toBe(true);
    // Filters, orders, cursors and backward pages; the paging of an incident.
    expect(compiles('{ incidents(filter: { tag: { eq: "db" }, or: [{ severity: { in: [HIGH] } }] }, orderBy: { field: SEVERITY }) { totalCount } }')).toBe(true);
    expect(compiles('query($a: String) { incidents(first: 5, after: $a) { nodes { id } pageInfo { hasPreviousPage } } }')).toBe(true);
    expect(compiles('{ incidents(last: 5) { nodes { timeline(last: 1) { nodes { body } } escalation { state pages(last: 1) { nodes { at user { name } } } } } } }')).toBe(true);
  });

  it('answers the root fields it knows and leaves the others to the general path', () => {
    const plan = compileReadPlan(schema, parse('{ viewer { organization { name } } incidents { totalCount } __typename }'), undefined)!;
    expect(plan.keys).toEqual(['incidents', '__typename']);
    expect(plan.order).toEqual(['viewer', 'incidents', '__typename']);
    expect(plan.rest && print(plan.rest)).toBe('{\n  viewer {\n    organization {\n      name\n    }\n  }\n}');
  });

  it('leaves everything else to the general path', () => {
    // Not a query, or a field it does not know.
    expect(compiles('mutation { __typename }')).toBe(false);
    expect(compiles('{ __typename }')).toBe(false);
    expect(compiles('subscription { incidentChanged { type } }')).toBe(false);
    expect(compiles('{ viewer { organization { name } } }')).toBe(false);
    expect(compiles('query($id: ID!) { incident(id: $id) { timeline { nodes { changes { field } } } } }')).toBe(false);
    expect(compiles('query($id: ID!) { incident(id: $id) { statusPages { totalCount } } }')).toBe(false);
    // Directives, a fragment on another type, one key asked twice with different selections.
    expect(compiles('query($id: ID!, $x: Boolean!) { incident(id: $id) { id @include(if: $x) } }')).toBe(false);
    expect(compiles('{ incidents { nodes { ... on User { id } } } }')).toBe(false);
    expect(compiles('{ incidents { nodes { owner { id } owner { name } } } }')).toBe(false);
    expect(compiles('{ incidents { nodes { x: title x: number } } }')).toBe(false);
    // An operation name that names nothing.
    expect(compiles('query A { __typename }', 'B')).toBe(false);
    // A key that would set an object's prototype; more node selections than a SQL function takes.
    expect(compiles('{ __proto__: incidents { totalCount } }')).toBe(false);
    expect(compiles('{ incidents { edges { __proto__: cursor } } }')).toBe(false);
    expect(compiles(`{ incidents { ${Array.from({ length: 100 }, (_, index) => `n${index}: nodes { id }`).join(' ')} } }`)).toBe(false);
    expect(compiles(`{ incidents { ${Array.from({ length: 99 }, (_, index) => `n${index}: nodes { id }`).join(' ')} } }`)).toBe(true);
  });

  it('compiles once per parsed operation, and keeps nothing for names that match none', () => {
    const document = parse('query A { incidents { totalCount } }');
    expect(readPlanFor(schema, document, undefined)).toBe(readPlanFor(schema, document, 'A'));
    expect(readPlanFor(schema, document, 'B')).toBeNull();
  });
});

describe('running a compiled read', () => {
  const orgId = '11111111-1111-4111-8111-111111111111';
  const incidentId = '22222222-2222-4222-8222-222222222222';

  /** Runs a plan against a statement runner that records what it was asked. */
  async function run(query: string, variables: Record<string, unknown>, row: Record<string, unknown>) {
    const plan = compileReadPlan(schema, parse(query), undefined)!;
    const calls: unknown[][] = [];
    const result = await runReadPlan(plan, async (_sql, params) => (calls.push([...params]), [row]), orgId, variables);
    return { result, calls };
  }

  it('scopes every statement to the caller and decodes ids into parameters', async () => {
    const { result, calls } = await run('query($id: ID!) { incident(id: $id) { title } }', { id: encodeGlobalID('Incident', incidentId) }, { r0: { title: 'x' } });
    expect(calls).toEqual([[orgId, incidentId]]);
    expect(result).toEqual({ incident: { title: 'x' } });
  });

  it('asks for no row with an id of another type or a malformed one', async () => {
    for (const id of [encodeGlobalID('User', incidentId), 'garbage', encodeGlobalID('Incident', 'nope')]) {
      const { calls } = await run('query($id: ID!) { incident(id: $id) { title } }', { id }, { r0: null });
      expect(calls).toEqual([[orgId, null]]);
    }
  });

  it('fetches first + 1 rows and pages them as plugin-prisma does', async () => {
    const rows = [['a1', { id: 'A' }], ['a2', { id: 'B' }], ['a3', { id: 'C' }]];
    const { result, calls } = await run(
      '{ incidents(first: 2) { totalCount nodes { id } pageInfo { hasNextPage hasPreviousPage } } }',
      {},
      { r0: { rows, count: 7 } },
    );
    expect(calls).toEqual([[orgId, 3]]);
    expect(result).toEqual({ incidents: { totalCount: 7, nodes: [{ id: 'A' }, { id: 'B' }], pageInfo: { hasNextPage: true, hasPreviousPage: false } } });
  });

  it('writes the order the arguments ask for into the statement, ties by id', async () => {
    const plan = compileReadPlan(schema, parse('query($order: IncidentOrder) { incidents(first: 2, orderBy: $order) { nodes { id } } }'), undefined)!;
    const statements: string[] = [];
    const run = async (sql: string) => (statements.push(sql), [{ r0: { rows: [] } }]);
    await runReadPlan(plan, run, orgId, {});
    await runReadPlan(plan, run, orgId, { order: { field: 'SEVERITY', direction: 'ASC' } });
    await runReadPlan(plan, run, orgId, { order: { field: 'NUMBER' } });
    expect(statements[0]).toMatch(/ORDER BY t\d+\."startedAt" DESC, t\d+\."id" DESC LIMIT/);
    await runReadPlan(plan, run, orgId, { order: { field: 'UPDATED_AT' } });
    expect(statements[1]).toMatch(/ORDER BY t\d+\."severity" ASC, t\d+\."id" ASC LIMIT/);
    expect(statements[2]).toMatch(/ORDER BY t\d+\."number" DESC, t\d+\."id" DESC LIMIT/);
    expect(statements.join('')).not.toContain('/*choice');
  });

  it('binds only the parameters its statement uses', async () => {
    const { calls } = await run('{ incidents { totalCount } }', {}, { r0: { count: 2 } });
    expect(calls).toEqual([[orgId]]);
  });

  it('declines arguments it does not handle, so the general path answers them', async () => {
    for (const [query, variables] of [
      ['query($n: Int) { incidents(first: $n) { totalCount } }', { n: 0 }],
      ['query($n: Int) { incidents(first: $n) { totalCount } }', { n: 101 }],
      ['query($n: Int) { incidents(first: $n) { totalCount } }', { n: 'many' }],
      ['query($a: String) { incidents(after: $a) { totalCount } }', { a: 'x' }],
      ['{ incidents(first: 2, last: 2) { totalCount } }', {}],
      ['query($a: String) { incidents(last: 2, after: $a) { totalCount } }', { a: 'R1BDOlM6MDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAw' }],
      ['{ incidents(first: 500) { totalCount } }', {}],
      ['query($id: ID!, $a: String) { incident(id: $id) { timeline(first: 2, after: $a) { totalCount } } }', { id: 'x', a: 'R1BDOlM6MDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAw' }],
      ['query($id: ID!) { incident(id: $id, asOf: "2026-01-01T00:00:00Z") { title } }', { id: 'x' }],
    ] as const) {
      const plan = compileReadPlan(schema, parse(query), undefined)!;
      expect(plan).not.toBeNull();
      const result = await runReadPlan(plan, async () => { throw new Error('must not run'); }, orgId, variables);
      expect(result).toBeNull();
    }
  });
});
