import { parse, getOperationAST } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/graphql/schema.js';
import { actualCost, requestedCost } from '../../src/graphql/plugins/cost.js';
import { takeFromBucket } from '../../src/limits/rate-limit.js';

const settings = { bucket: 100, refillPerSecond: 10 };

describe('token bucket', () => {
  it('starts full, takes the cost, and refuses without taking when the cost does not fit', () => {
    const first = takeFromBucket(undefined, 0, settings, 60);
    expect(first.status).toMatchObject({ allowed: true, remaining: 40, limit: 100, resetAt: 6000 });
    const second = takeFromBucket(first.next, 0, settings, 60);
    expect(second.status).toMatchObject({ allowed: false, remaining: 40, retryAfterSeconds: 2 });
    expect(second.next.tokens).toBe(40);
  });

  it('refills at the configured rate, never above the bucket size', () => {
    const drained = takeFromBucket(undefined, 0, settings, 100).next;
    expect(takeFromBucket(drained, 1500, settings, 15).status).toMatchObject({ allowed: true, remaining: 0 });
    expect(takeFromBucket(drained, 60_000, settings, 1).status).toMatchObject({ allowed: true, remaining: 99 });
  });

  it('charges an operation dearer than the whole bucket the whole bucket', () => {
    expect(takeFromBucket(undefined, 0, settings, 5000).status).toMatchObject({ allowed: true, remaining: 0 });
  });
});

describe('operation cost', () => {
  const cost = (query: string, variables?: Record<string, unknown>) => {
    const document = parse(query);
    return requestedCost(schema, document, getOperationAST(document)!, variables);
  };

  it('is 1 per object, free for scalars, and multiplies connections by their page size (default 25)', () => {
    expect(cost('{ viewer { scopes } }')).toBe(1);
    expect(cost('{ incidents { totalCount } }')).toBe(1);
    expect(cost('{ incidents { nodes { id owner { name } } } }')).toBe(1 + 25 * 2);
    expect(cost('query ($n: Int) { incidents(first: $n) { nodes { id } } }', { n: 4 })).toBe(1 + 4);
    expect(cost('{ incidents(last: 3) { edges { node { id } } } }')).toBe(1 + 3 * 2);
  });

  it('follows fragments and adds 10 per mutation field', () => {
    expect(cost('{ incidents(first: 2) { ...page } } fragment page on IncidentConnection { nodes { owner { id } } }')).toBe(1 + 2 * 2);
    expect(cost('mutation { createIncident(input: { title: "x" }) { incident { id } } }')).toBe(10 + 2);
  });

  it('counts what was returned on the same scale', () => {
    const mutation = getOperationAST(parse('mutation { a: __typename }'))!;
    expect(actualCost({ createIncident: { incident: { id: 'x', owner: null } } }, mutation)).toBe(10 + 2);
    const query = getOperationAST(parse('{ __typename }'))!;
    expect(actualCost({ incidents: { nodes: [{ id: 1 }, { id: 2 }] } }, query)).toBe(3);
    // DateTime values are still Date objects when the cost is counted: scalars, free.
    expect(actualCost({ incident: { startedAt: new Date(), owner: { createdAt: new Date() } } }, query)).toBe(2);
  });
});
