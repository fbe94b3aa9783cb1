import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/graphql/schema.js';
import { inputProblem } from '../../src/graphql/plugins/input-limits.js';

const check = (document: string, variables?: Record<string, unknown>) => inputProblem(schema, parse(document), variables);

/** `levels` nested `and`s around one condition, built without recursion. */
function nested(levels: number): Record<string, unknown> {
  let filter: Record<string, unknown> = { search: 'x' };
  for (let level = 0; level < levels; level += 1) filter = { and: [filter] };
  return filter;
}
const literal = (levels: number) => `${'{ and: ['.repeat(levels)}{ search: "x" }${'] }'.repeat(levels)}`;
const ids = (count: number) => Array.from({ length: count }, (_, index) => `id${index}`);

describe('inputProblem', () => {
  const FILTERED = 'query ($f: IncidentFilter) { incidents(filter: $f) { totalCount } }';

  it('allows and/or nested 5 levels, in a variable or inline', () => {
    expect(check(FILTERED, { f: nested(5) })).toBeNull();
    expect(check(`{ incidents(filter: ${literal(5)}) { totalCount } }`)).toBeNull();
    expect(check(FILTERED, { f: { or: [nested(4), { and: [nested(3)] }] } })).toBeNull();
  });

  it('refuses 6 levels, wherever the filter comes from, and any depth without recursing', () => {
    expect(check(FILTERED, { f: nested(6) })).toMatch(/more than 5 levels/);
    expect(check(FILTERED, { f: nested(200_000) })).toMatch(/more than 5 levels/);
    expect(check(`{ incidents(filter: ${literal(6)}) { totalCount } }`)).toMatch(/more than 5 levels/);
    expect(check(`query ($f: IncidentFilter = ${literal(6)}) { incidents(filter: $f) { totalCount } }`)).toMatch(/more than 5 levels/);
    // A variable inside a literal, and a single filter where a list is expected (input coercion).
    expect(check('query ($inner: IncidentFilter) { incidents(filter: { or: [$inner] }) { totalCount } }', { inner: nested(5) })).toMatch(/more than 5 levels/);
    expect(check(FILTERED, { f: { and: nested(5) } })).toMatch(/more than 5 levels/);
    // In a fragment, and in a subscription.
    expect(check(`query { ...q } fragment q on Query { incidents(filter: ${literal(6)}) { totalCount } }`)).toMatch(/more than 5 levels/);
    expect(check('subscription ($f: IncidentFilter) { incidentChanged(filter: $f) { type } }', { f: nested(6) })).toMatch(/more than 5 levels/);
  });

  it('bounds the lists inside a filter and the filter objects in all', () => {
    expect(check(FILTERED, { f: { or: Array.from({ length: 100 }, () => ({ search: 'x' })) } })).toMatch(/more than 100/);
    expect(check(FILTERED, { f: { or: Array.from({ length: 99 }, () => ({ search: 'x' })) } })).toBeNull();
    expect(check(FILTERED, { f: { or: Array.from({ length: 101 }, () => ({})) } })).toMatch(/101 items; at most 100/);
    expect(check(FILTERED, { f: { ownerId: { notIn: ids(101) } } })).toMatch(/101 items; at most 100/);
    expect(check(FILTERED, { f: { ownerId: { notIn: ids(100) } } })).toBeNull();
  });

  it('limits nodes(ids:) to 100 ids, however they are written', () => {
    const NODES = 'query ($ids: [ID!]!) { nodes(ids: $ids) { id } }';
    expect(check(NODES, { ids: ids(100) })).toBeNull();
    expect(check(NODES, { ids: ids(101) })).toBe('nodes(ids:) takes at most 100 items, got 101.');
    expect(check(`{ nodes(ids: ${JSON.stringify(ids(101))}) { id } }`)).toMatch(/at most 100/);
    expect(check(`query ($a: ID!) { nodes(ids: [${Array.from({ length: 101 }, () => '$a').join(', ')}]) { id } }`, { a: 'x' })).toMatch(/at most 100/);
  });

  it('leaves other arguments and lists alone', () => {
    expect(check('mutation ($input: CreateIncidentInput!) { createIncident(input: $input) { userErrors { code } } }', { input: { title: 'x', tags: ids(500) } })).toBeNull();
    expect(check('{ incidents(first: 10) { totalCount } }')).toBeNull();
  });
});
