import fc from 'fast-check';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/graphql/schema.js';
import { backends, gql, startTestGateway, type TestGateway } from '../support/gateway.js';

/** Signs that an internal detail reached the client. */
const LEAK = /\bat .+:\d+:\d+|\bSELECT\b|\bINSERT\b|\brelation "|prisma|PrismaClient|invalid input syntax|violates|stack/i;

const garbageStrings = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '\u0000', 'a\u0000b', '\uD800', '💥🔥', "'; DROP TABLE \"Incident\"; --", '%_\\', 'null', '-1', '1e309'),
  fc.string({ minLength: 10_001, maxLength: 10_050 }),
);
const hugeNumbers = fc.oneof(
  fc.integer(),
  fc.constantFrom(0, -1, 2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, 1e308, -1e308, 0.5, -0),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const wrongTypes = fc.oneof(hugeNumbers, fc.boolean(), garbageStrings, fc.constant({}), fc.constant([]), fc.constant({ nested: { deeper: [1, 'x'] } }));

function b64(text: string): string {
  return Buffer.from(text).toString('base64');
}

describe.each(backends)('fuzzing every mutation and the incidents list on %s', (backend) => {
  let gateway: TestGateway;
  let key: string;
  /** Real ids of this org and of another one, mixed with garbage, so that lookups get past decoding too. */
  let ids: fc.Arbitrary<string>;
  let cursors: fc.Arbitrary<string>;

  beforeAll(async () => {
    gateway = await startTestGateway(backend);
    ({ key } = await gateway.createOrg(['admin']));
    const other = await gateway.createOrg(['admin']);
    const seed = async (apiKey: string) => {
      const incident = await gql(gateway, apiKey, 'mutation { createIncident(input: { title: "seed" }) { incident { id timeline { nodes { id } } } } }');
      const component = await gql(gateway, apiKey, 'mutation { createComponent(input: { name: "seed" }) { component { id } } }');
      const user = await gql(gateway, apiKey, 'mutation { createUser(input: { name: "Seed", email: "seed@example.com", timeZone: "UTC" }) { user { id } } }');
      const viewer = await gql(gateway, apiKey, '{ apiKeys(first: 1) { nodes { id } } }');
      return [
        incident.data?.createIncident.incident?.id,
        incident.data?.createIncident.incident?.timeline.nodes[0]?.id,
        component.data?.createComponent.component?.id,
        user.data?.createUser.user?.id,
        viewer.data?.apiKeys.nodes[0]?.id,
      ].filter((id): id is string => typeof id === 'string');
    };
    const known = [...(await seed(key)), ...(await seed(other.key))];
    expect(known.length).toBeGreaterThanOrEqual(8);
    const page = await gql(gateway, key, '{ incidents(first: 1) { edges { cursor } } }');
    const realCursor = page.data?.incidents.edges[0]?.cursor as string;
    ids = fc.oneof(
      fc.constantFrom(...known),
      garbageStrings,
      garbageStrings.map((text) => b64(`Incident:${text}`)),
      fc.constantFrom(b64('Incident:00000000-0000-0000-0000-000000000000'), b64('Nope:1'), b64('Incident:'), '=', '!!!'),
    );
    cursors = fc.oneof(fc.constant(realCursor), garbageStrings, garbageStrings.map(b64), garbageStrings.map((text) => b64(`GPC:S:${text}`)));
  });
  afterAll(async () => gateway?.stop());

  /**
   * A value for a GraphQL input type. `typed`: always of the right GraphQL type (so it reaches the
   * resolvers) but hostile in content; otherwise sometimes null or of a wrong type too.
   */
  function valueFor(type: GraphQLInputType, name: string, typed: boolean, depth = 0): fc.Arbitrary<unknown> {
    if (isNonNullType(type)) {
      const value = valueFor(type.ofType, name, typed, depth);
      return typed ? value : fc.oneof({ weight: 12, arbitrary: value }, { weight: 1, arbitrary: fc.constant(null) });
    }
    const shaped = shapedValue(type, name, typed, depth);
    if (typed) return fc.oneof({ weight: 3, arbitrary: shaped }, { weight: 1, arbitrary: fc.constant(undefined) });
    return fc.oneof({ weight: 10, arbitrary: shaped }, { weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: wrongTypes });
  }

  function shapedValue(type: GraphQLInputType, name: string, typed: boolean, depth: number): fc.Arbitrary<unknown> {
    if (isListType(type)) return fc.array(valueFor(type.ofType, name, typed, depth + 1), { maxLength: depth > 1 ? 1 : 4 });
    const named = getNamedType(type);
    if (isInputObjectType(named)) {
      if (depth > 3) return fc.constant({});
      const fields = Object.values(named.getFields());
      const required = fields.filter((field) => typed && isNonNullType(field.type)).map((field) => field.name);
      return fc.record(Object.fromEntries(fields.map((field) => [field.name, valueFor(field.type, field.name, typed, depth + 1)])), { requiredKeys: required });
    }
    if (isEnumType(named)) {
      const values = named.getValues().map((value) => value.name);
      return typed ? fc.constantFrom(...values) : fc.constantFrom(...values, 'NOT_A_VALUE', 'investigating');
    }
    switch (named.name) {
      case 'ID':
        return ids;
      case 'Int':
        return typed ? fc.oneof(fc.integer(), fc.constantFrom(0, -1, 2 ** 31 - 1, -(2 ** 31))) : hugeNumbers;
      case 'Float':
        return hugeNumbers;
      case 'Boolean':
        return fc.boolean();
      case 'DateTime':
        return typed
          ? fc.oneof(fc.date({ noInvalidDate: true, min: new Date('0001-01-01'), max: new Date('9999-12-31') }).map((date) => date.toISOString()), fc.constantFrom('1970-01-01T00:00:00Z', '2026-01-01T00:00:00+14:00'))
          : fc.oneof(fc.date({ noInvalidDate: true }).map((date) => date.toISOString()), garbageStrings, fc.constantFrom('2026-02-30T00:00:00Z', '+275760-09-13T00:00:00.000Z'));
      case 'JSON':
        return fc.jsonValue({ maxDepth: 2 });
      default:
        return /cursor|after|before/i.test(name) ? cursors : garbageStrings;
    }
  }

  function selectionFor(field: GraphQLField<unknown, unknown>): string {
    const payload = getNamedType(field.type);
    return isObjectType(payload) && payload.getFields().userErrors ? '{ __typename userErrors { code field message } }' : '{ __typename }';
  }

  function operationFor(kind: 'mutation' | 'query', field: GraphQLField<unknown, unknown>, args: readonly GraphQLArgument[]) {
    const declarations = args.map((arg) => `$${arg.name}: ${arg.type.toString()}`).join(', ');
    const passing = args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
    const selection = kind === 'query' ? '{ totalCount edges { cursor node { id title } } pageInfo { hasNextPage } }' : selectionFor(field);
    return `${kind}${declarations ? ` (${declarations})` : ''} { ${field.name}${passing ? `(${passing})` : ''} ${selection} }`;
  }

  /** Rows and versions: any write at all changes it. */
  async function fingerprint(): Promise<string> {
    const rows = await gateway.running.db.prisma.$queryRawUnsafe<Record<string, unknown>[]>(`
      SELECT (SELECT count(*) FROM "Incident")::text AS incidents,
             (SELECT coalesce(sum(version), 0) FROM "Incident")::text AS versions,
             (SELECT count(*) FROM "IncidentUpdate")::text AS updates,
             (SELECT count(*) FROM "Component")::text AS components,
             (SELECT max("updatedAt") FROM "Component")::text AS "componentsChanged",
             (SELECT count(*) FROM "User")::text AS users,
             (SELECT count(*) FROM "ApiKey")::text AS keys,
             (SELECT count(*) FROM "ApiKey" WHERE "revokedAt" IS NOT NULL)::text AS revoked,
             (SELECT count(*) FROM "StatusPage")::text AS pages,
             (SELECT count(*) FROM "Schedule")::text AS schedules,
             (SELECT count(*) FROM "ScheduleOverride")::text AS overrides,
             (SELECT count(*) FROM "EscalationPolicy")::text AS policies`);
    return JSON.stringify(rows[0]);
  }

  it('never answers 5xx or leaks internals, writes nothing when it rejects, and stays healthy', async () => {
    const mutationType = schema.getMutationType()!;
    // revokeApiKey would eventually revoke the key the fuzzer uses; it gets its own garbage-only case.
    const mutations = Object.values(mutationType.getFields()).filter((field) => field.name !== 'revokeApiKey');
    const incidentsField = schema.getQueryType()!.getFields().incidents;
    const targets = [
      ...mutations.map((field) => ({ kind: 'mutation' as const, field })),
      { kind: 'query' as const, field: incidentsField },
    ];
    const request = fc.oneof(
      ...targets.map(({ kind, field }) =>
        fc.boolean().chain((typed) => fc.record(Object.fromEntries(field.args.map((arg) => [arg.name, valueFor(arg.type, arg.name, typed)])))).map((variables) => ({
          kind,
          name: field.name,
          query: operationFor(kind, field, field.args),
          variables,
        })),
      ),
      fc.record({ id: fc.oneof(garbageStrings, garbageStrings.map((text) => b64(`ApiKey:${text}`))) }).map((input) => ({
        kind: 'mutation' as const,
        name: 'revokeApiKey',
        query: 'mutation ($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { __typename userErrors { code field message } } }',
        variables: { input } as Record<string, unknown>,
      })),
    );

    await fc.assert(
      fc.asyncProperty(request, async ({ kind, name, query, variables }) => {
        const before = await fingerprint();
        const response = await fetch(gateway.graphqlUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ query, variables }),
        });
        const text = await response.text();
        const context = `${name} ${JSON.stringify(variables).slice(0, 500)} -> ${response.status} ${text.slice(0, 500)}`;
        expect(response.status, context).toBeLessThan(500);
        const body = JSON.parse(text) as {
          data?: Record<string, { userErrors?: { message: string }[] } | null> | null;
          errors?: { message: string; extensions?: Record<string, unknown> }[];
        };
        for (const error of body.errors ?? []) {
          expect(error.extensions?.code, context).not.toBe('INTERNAL_SERVER_ERROR');
          expect(Object.keys(error.extensions ?? {}).filter((field) => !['code', 'retryAfterSeconds'].includes(field)), context).toEqual([]);
          // BAD_USER_INPUT messages quote the offending input, which is random here.
          if (error.extensions?.code !== 'BAD_USER_INPUT') expect(error.message, context).not.toMatch(LEAK);
        }
        const payload = body.data?.[name];
        for (const userError of payload?.userErrors ?? []) expect(userError.message, context).not.toMatch(LEAK);
        const rejected = Boolean(body.errors?.length) || !payload || (payload.userErrors?.length ?? 0) > 0;
        if (kind === 'mutation' && rejected) expect(await fingerprint(), context).toBe(before);
      }),
      { numRuns: 300, endOnFailure: true, ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}) },
    );

    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    const healthy = await gql(gateway, key, '{ viewer { scopes } incidents(first: 1) { totalCount } }');
    expect(healthy.errors).toBeUndefined();
  });
});
