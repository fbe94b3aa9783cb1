import { randomUUID } from 'node:crypto';
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { GraphQLSchema } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { backends, gql, useGateway } from '../support/gateway.js';
import { idSites, introspectSchema, nodeTypesOf, outcomeOf, siteRequests, typeNamed } from '../support/schema-walk.js';

/** What database or driver text looks like; none of it may reach a client. */
const LEAK = /invalid input syntax|syntax error|violates|\bSQL\b|prisma|postgres|pglite|\bSELECT\b|\bWHERE\b|stack|at .*\.(ts|js):\d+/i;

/** The kinds of malformed id sent to every position, besides a well-formed id of the right type that names no row. */
function malformedIds(type: string, otherType: string): Record<string, string> {
  return {
    'not base64': 'not base64!',
    empty: '',
    'a bare uuid': randomUUID(),
    'unknown type name': Buffer.from(`Nope:${randomUUID()}`).toString('base64'),
    'wrong type name': encodeGlobalID(otherType, randomUUID()),
    'non-UUID payload': encodeGlobalID(type, 'zzz'),
    'SQL in the payload': encodeGlobalID(type, "' OR 1=1 --"),
    'no payload': Buffer.from(`${type}:`).toString('base64'),
  };
}

describe.each(backends)('malformed ids on %s', (backend) => {
  const gateway = useGateway(backend);
  let key: string;
  let schema: GraphQLSchema;
  let nodeTypes: string[];
  /** A real object of some types, for the ids an operation needs besides the one under test. */
  const existing: Record<string, string> = {};

  beforeAll(async () => {
    const org = await gateway.createOrg(['admin']);
    key = org.key;
    schema = await introspectSchema(gateway, key);
    nodeTypes = nodeTypesOf(schema);

    const prisma = gateway.running.db.prisma;
    const orgId = org.orgId;
    existing.Component = encodeGlobalID('Component', (await prisma.component.create({ data: { orgId, name: 'API' } })).id);
    existing.User = encodeGlobalID('User', (await prisma.user.create({ data: { orgId, name: 'Alice', email: 'alice@example.com' } })).id);
    existing.StatusPage = encodeGlobalID('StatusPage', (await prisma.statusPage.create({ data: { orgId, slug: `page-${randomUUID()}`, name: 'Status' } })).id);
    existing.Schedule = encodeGlobalID('Schedule', (await prisma.schedule.create({ data: { orgId, name: 'Primary', timeZone: 'UTC' } })).id);
    const created = await gql(gateway, key, 'mutation { createIncident(input: { title: "Existing" }) { incident { id } } }');
    existing.Incident = created.data!.createIncident.incident.id;
  });

  function messagesOf(value: unknown): string[] {
    if (Array.isArray(value)) return value.flatMap(messagesOf);
    if (!value || typeof value !== 'object') return [];
    return Object.entries(value).flatMap(([name, inner]) => (name === 'message' && typeof inner === 'string' ? [inner] : messagesOf(inner)));
  }

  it('covers every id argument of every query and mutation, inside input objects too', () => {
    const sites = idSites(schema).map((site) => `${site.field.name} ${site.path.join('.')}`);
    // A few that the issue names, to show the walk reaches them.
    expect(sites).toEqual(
      expect.arrayContaining([
        'node id',
        'nodes ids.0',
        'subscribers statusPageId',
        'notifications filter.incidentId',
        'notifications filter.subscriberId',
        'unsubscribe input.id',
        'incidents filter.ownerId.in.0',
        'createIncident input.components.0.componentId',
        'createEscalationPolicy input.rules.0.targets.0.scheduleId',
      ]),
    );
  });

  it('answers every malformed id (not base64, wrong type name, non-UUID payload, empty, ...) exactly as a missing one: no 5xx, no INTERNAL_SERVER_ERROR, no SQL', async () => {
    const failures: string[] = [];
    const { operationFor, variablesFor } = siteRequests(nodeTypes, existing);
    for (const site of idSites(schema)) {
      const type = typeNamed(site, nodeTypes);
      const otherType = nodeTypes.find((name) => name !== type && name !== 'Organization') ?? 'Organization';
      const query = operationFor(site);
      const where = `${site.field.name}(${site.path.join('.')})`;
      const missing = await gql(gateway, key, query, variablesFor(site, encodeGlobalID(type, randomUUID())));
      const expected = outcomeOf(missing);
      if (missing.status >= 500 || missing.errors?.some((error) => error.extensions?.code === 'INTERNAL_SERVER_ERROR')) {
        failures.push(`${where} with a missing id: ${JSON.stringify(missing.errors)}`);
      }
      for (const [kind, id] of Object.entries(malformedIds(type, otherType))) {
        const response = await gql(gateway, key, query, variablesFor(site, id));
        const context = `${where} with ${kind} (${JSON.stringify(id)})`;
        if (response.status >= 500) failures.push(`${context}: HTTP ${response.status}`);
        if (response.errors?.some((error) => error.extensions?.code === 'INTERNAL_SERVER_ERROR')) failures.push(`${context}: INTERNAL_SERVER_ERROR`);
        const leaked = messagesOf({ errors: response.errors, data: response.data }).filter((message) => LEAK.test(message));
        if (leaked.length > 0) failures.push(`${context}: leaks ${JSON.stringify(leaked)}`);
        const actual = outcomeOf(response);
        if (JSON.stringify(actual) !== JSON.stringify(expected)) {
          failures.push(`${context}: ${JSON.stringify(actual)} instead of, for a missing id, ${JSON.stringify(expected)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    // Nothing was written on the way: the one incident from the setup is still the only one.
    expect(await gateway.running.db.prisma.incident.count()).toBe(1);
  }, 240_000);
});
