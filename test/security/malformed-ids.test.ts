import { randomUUID } from 'node:crypto';
import { encodeGlobalID } from '@pothos/plugin-relay';
import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  getNullableType,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLArgument,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { backends, gql, useGateway, type GraphQLResponse } from '../support/gateway.js';

/** What database or driver text looks like; none of it may reach a client. */
const LEAK = /invalid input syntax|syntax error|violates|\bSQL\b|prisma|postgres|pglite|\bSELECT\b|\bWHERE\b|stack|at .*\.(ts|js):\d+/i;

/** Placeholders for required arguments and input fields that are not ids, by name where the type alone does not do. */
const PLACEHOLDERS: Record<string, unknown> = {
  email: 'someone@example.com',
  slug: 'malformed-ids-page',
  timeZone: 'UTC',
  shiftLengthSeconds: 3600,
  webhookUrl: 'https://example.com/hook',
};

/** Optional fields an input needs to get as far as its ids (e.g. subscribe wants a page and an address). */
const ALSO_FILL: Record<string, string[]> = { SubscribeInput: ['statusPageId', 'email'] };

/** Names that do not say their type: the user behind an owner or a participant, the subscriber of unsubscribe. */
const ALIASES: Record<string, string> = { owner: 'User', participant: 'User', unsubscribe: 'Subscriber', node: 'Incident', nodes: 'Incident' };

/** One id position: a root field and the path to an ID inside its arguments, e.g. createIncident input.componentIds.0. */
interface IdSite {
  operation: 'query' | 'mutation';
  field: GraphQLField<unknown, unknown>;
  path: string[];
}

/** Every ID inside a type, as paths (list items as "0"); a recursive input (IncidentFilter) is entered once per path. */
function idPaths(type: GraphQLInputType, prefix: string[], entered: ReadonlySet<string>): string[][] {
  const inner = getNullableType(type);
  if (isListType(inner)) return idPaths(inner.ofType, [...prefix, '0'], entered);
  if (getNamedType(inner).name === 'ID') return [prefix];
  if (!isInputObjectType(inner) || entered.has(inner.name)) return [];
  const next = new Set(entered).add(inner.name);
  return Object.values(inner.getFields()).flatMap((field) => idPaths(field.type, [...prefix, field.name], next));
}

function idSites(schema: GraphQLSchema): IdSite[] {
  const roots = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ] as const;
  return roots.flatMap(([operation, root]) =>
    Object.values(root?.getFields() ?? {}).flatMap((field) =>
      field.args.flatMap((argument) => idPaths(argument.type, [argument.name], new Set()).map((path) => ({ operation, field, path }))),
    ),
  );
}

/** The type an id position names, from its name (`incidentId`, `componentIds`) or, for a bare `id`, its field (`deleteScheduleOverride`). */
function typeNamed(site: IdSite, nodeTypes: string[]): string {
  const named = [...site.path].reverse().find((segment) => !/^\d+$/.test(segment) && !['eq', 'in', 'notIn', 'id', 'ids', 'input', 'filter'].includes(segment));
  const hint = (named ?? site.field.name).replace(/Ids?$/, '');
  if (ALIASES[hint]) return ALIASES[hint];
  const candidates = nodeTypes
    .map((type) => ({ type, at: hint.toLowerCase().indexOf(type.toLowerCase()) }))
    .filter((candidate) => candidate.at >= 0)
    .sort((a, b) => a.at - b.at || b.type.length - a.type.length);
  return candidates[0]?.type ?? 'Incident';
}

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
    const introspection = await gql<IntrospectionQuery>(gateway, key, getIntrospectionQuery());
    schema = buildClientSchema(introspection.data!);
    nodeTypes = schema.getPossibleTypes(schema.getType('Node') as never).map((type) => type.name);

    const prisma = gateway.running.db.prisma;
    const orgId = org.orgId;
    existing.Component = encodeGlobalID('Component', (await prisma.component.create({ data: { orgId, name: 'API' } })).id);
    existing.User = encodeGlobalID('User', (await prisma.user.create({ data: { orgId, name: 'Alice', email: 'alice@example.com' } })).id);
    existing.StatusPage = encodeGlobalID('StatusPage', (await prisma.statusPage.create({ data: { orgId, slug: `page-${randomUUID()}`, name: 'Status' } })).id);
    existing.Schedule = encodeGlobalID('Schedule', (await prisma.schedule.create({ data: { orgId, name: 'Primary', timeZone: 'UTC' } })).id);
    const created = await gql(gateway, key, 'mutation { createIncident(input: { title: "Existing" }) { incident { id } } }');
    existing.Incident = created.data!.createIncident.incident.id;
  });

  /** A value of `type` with its required parts filled; the ID at `path` (relative) is `id`, other IDs name real objects or nothing. */
  function valueOf(type: GraphQLInputType, path: string[], id: string, site: IdSite, name: string): unknown {
    const inner = getNullableType(type);
    if (isListType(inner)) return [valueOf(inner.ofType, path.slice(1), id, site, name)];
    if (path.length === 0 && getNamedType(inner).name === 'ID') return id;
    if (isInputObjectType(inner)) {
      const fields = inner.getFields();
      const wanted = new Set([
        ...Object.values(fields)
          .filter((field) => isNonNullType(field.type) && field.defaultValue === undefined)
          .map((field) => field.name),
        ...(ALSO_FILL[inner.name] ?? []),
        ...(path.length > 0 ? [path[0]] : []),
      ]);
      return Object.fromEntries(
        [...wanted].map((fieldName) => [
          fieldName,
          fieldName === path[0]
            ? valueOf(fields[fieldName].type, path.slice(1), id, site, fieldName)
            : valueOf(fields[fieldName].type, [], existingOrMissing(site, fieldName), site, fieldName),
        ]),
      );
    }
    if (getNamedType(inner).name === 'ID') return id;
    if (name in PLACEHOLDERS) return PLACEHOLDERS[name];
    if (isEnumType(inner)) return inner.getValues()[0].value;
    switch (inner.name) {
      case 'Int':
        return 1;
      case 'Float':
        return 1.5;
      case 'Boolean':
        return false;
      case 'DateTime':
        return '2026-01-05T00:00:00.000Z';
      case 'JSON':
        return {};
      default:
        return 'x';
    }
  }

  /** A real object for an id position other than the one under test, else an id that names nothing. */
  function existingOrMissing(site: IdSite, name: string): string {
    const type = typeNamed({ ...site, path: [name] }, nodeTypes);
    return existing[type] ?? encodeGlobalID(type, randomUUID());
  }

  /** What a field's result is asked for: its scalars and, two levels down, its objects (userErrors included). */
  function selectionOf(type: GraphQLCompositeType, depth: number): string {
    if (depth === 0 || !(isObjectType(type) || isInterfaceType(type))) return '__typename';
    const fields = Object.values(type.getFields()).filter((field) => !field.args.some((argument) => isNonNullType(argument.type)));
    const parts = fields.map((field) => {
      const named = getNamedType(field.type);
      if (isLeafType(named)) return field.name;
      return isCompositeType(named) ? `${field.name} { ${selectionOf(named, depth - 1)} }` : '';
    });
    return ['__typename', ...parts].join(' ');
  }

  function operationFor(site: IdSite): string {
    const variables = site.field.args.map((argument: GraphQLArgument) => `$${argument.name}: ${String(argument.type)}`);
    const args = site.field.args.map((argument) => `${argument.name}: $${argument.name}`);
    const named = getNamedType(site.field.type);
    const selection = isCompositeType(named) ? ` { ${selectionOf(named, 2)} }` : '';
    return `${site.operation}${variables.length ? ` (${variables.join(', ')})` : ''} { ${site.field.name}${args.length ? `(${args.join(', ')})` : ''}${selection} }`;
  }

  function variablesFor(site: IdSite, id: string): Record<string, unknown> {
    const [argumentName, ...rest] = site.path;
    return Object.fromEntries(
      site.field.args
        .filter((argument) => argument.name === argumentName || (isNonNullType(argument.type) && argument.defaultValue === undefined))
        .map((argument) => [
          argument.name,
          argument.name === argumentName
            ? valueOf(argument.type, rest, id, site, argument.name)
            : valueOf(argument.type, [], existingOrMissing(site, argument.name), site, argument.name),
        ]),
    );
  }

  /** The response as a client acts on it: status, data, error codes and paths; messages may quote the id sent, so they are left out. */
  function outcome(response: GraphQLResponse): unknown {
    const withoutMessages = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(withoutMessages)
        : value && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value).filter(([name]) => name !== 'message').map(([name, inner]) => [name, withoutMessages(inner)]))
          : value;
    return {
      status: response.status,
      data: withoutMessages(response.data ?? null),
      errors: response.errors?.map((error) => ({ code: error.extensions?.code, path: error.path })) ?? [],
    };
  }

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
    for (const site of idSites(schema)) {
      const type = typeNamed(site, nodeTypes);
      const otherType = nodeTypes.find((name) => name !== type && name !== 'Organization') ?? 'Organization';
      const query = operationFor(site);
      const where = `${site.field.name}(${site.path.join('.')})`;
      const missing = await gql(gateway, key, query, variablesFor(site, encodeGlobalID(type, randomUUID())));
      const expected = outcome(missing);
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
        const actual = outcome(response);
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
