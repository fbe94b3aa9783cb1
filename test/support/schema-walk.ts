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
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import { gql, type GraphQLResponse, type TestGateway } from './gateway.js';

/**
 * Walks the schema as a client sees it (introspection) to reach every id position of every root
 * field, and builds the operation and variables that reach one: the security tests send ids that
 * must behave like missing ones (malformed ones, another organization's) to all of them.
 */

/** The schema the gateway serves, as `key` introspects it. */
export async function introspectSchema(gateway: Pick<TestGateway, 'graphqlUrl'>, key: string): Promise<GraphQLSchema> {
  const introspection = await gql<IntrospectionQuery>(gateway, key, getIntrospectionQuery());
  return buildClientSchema(introspection.data!);
}

/** The types that implement Node: Incident, Component, ... */
export function nodeTypesOf(schema: GraphQLSchema): string[] {
  return schema.getPossibleTypes(schema.getType('Node') as never).map((type) => type.name);
}

/** Placeholders for required arguments and input fields that are not ids, by name where the type alone does not do. */
const PLACEHOLDERS: Record<string, unknown> = {
  email: 'someone@example.com',
  // A contact method's address, for its first kind (EMAIL).
  address: 'someone@example.com',
  slug: 'placeholder-page',
  timeZone: 'UTC',
  shiftLengthSeconds: 3600,
  webhookUrl: 'https://example.com/hook',
  // Windows that hold every incident, and an override's end after its start (2026-01-05, as any DateTime).
  from: '2000-01-01T00:00:00.000Z',
  to: '2100-01-01T00:00:00.000Z',
  endsAt: '2026-01-06T00:00:00.000Z',
};

/** Optional fields an input needs to get as far as its ids (e.g. subscribe wants a page and an address). */
const ALSO_FILL: Record<string, string[]> = { SubscribeInput: ['statusPageId', 'email'] };

/** Names that do not say their type: the user behind an owner, a participant or postAs, the subscriber of unsubscribe. */
const ALIASES: Record<string, string> = { owner: 'User', participant: 'User', postAs: 'User', unsubscribe: 'Subscriber', node: 'Incident', nodes: 'Incident' };

export type RootOperation = 'query' | 'mutation' | 'subscription';

/** One id position: a root field and the path to an ID inside its arguments, e.g. createIncident input.componentIds.0. */
export interface IdSite {
  operation: RootOperation;
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

function rootOf(schema: GraphQLSchema, operation: RootOperation) {
  return { query: schema.getQueryType(), mutation: schema.getMutationType(), subscription: schema.getSubscriptionType() }[operation];
}

/** Every id position in the arguments of every root field of `operations`. */
export function idSites(schema: GraphQLSchema, operations: RootOperation[] = ['query', 'mutation']): IdSite[] {
  return operations.flatMap((operation) =>
    Object.values(rootOf(schema, operation)?.getFields() ?? {}).flatMap((field) =>
      field.args.flatMap((argument) => idPaths(argument.type, [argument.name], new Set()).map((path) => ({ operation, field, path }))),
    ),
  );
}

/** The type an id position names, from its name (`incidentId`, `componentIds`) or, for a bare `id`, its field (`deleteScheduleOverride`). */
export function typeNamed(site: IdSite, nodeTypes: string[]): string {
  const named = [...site.path].reverse().find((segment) => !/^\d+$/.test(segment) && !['eq', 'in', 'notIn', 'id', 'ids', 'input', 'filter'].includes(segment));
  const hint = (named ?? site.field.name).replace(/Ids?$/, '');
  if (ALIASES[hint]) return ALIASES[hint];
  const candidates = nodeTypes
    .map((type) => ({ type, at: hint.toLowerCase().indexOf(type.toLowerCase()) }))
    .filter((candidate) => candidate.at >= 0)
    .sort((a, b) => a.at - b.at || b.type.length - a.type.length);
  return candidates[0]?.type ?? 'Incident';
}

/** What a field's result is asked for: its scalars and, `depth` levels down, its objects (userErrors included). */
export function selectionOf(type: GraphQLCompositeType, depth: number): string {
  if (depth === 0 || !(isObjectType(type) || isInterfaceType(type))) return '__typename';
  const fields = Object.values(type.getFields()).filter((field) => !field.args.some((argument) => isNonNullType(argument.type)));
  const parts = fields.map((field) => {
    const named = getNamedType(field.type);
    if (isLeafType(named)) return field.name;
    return isCompositeType(named) ? `${field.name} { ${selectionOf(named, depth - 1)} }` : '';
  });
  return ['__typename', ...parts].join(' ');
}

/**
 * Operations that reach id sites. Every other id they need names an object of `existing` (by type)
 * when there is one, else nothing; other required values are placeholders, or `values` by name.
 */
export function siteRequests(nodeTypes: string[], existing: Record<string, string>, values: Record<string, unknown> = {}) {
  const placeholders = { ...PLACEHOLDERS, ...values };

  /** A real object for an id position other than the one under test, else an id that names nothing. */
  function existingOrMissing(site: IdSite, name: string): string {
    const type = typeNamed({ ...site, path: [name] }, nodeTypes);
    return existing[type] ?? encodeGlobalID(type, randomUUID());
  }

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
    if (name in placeholders) return placeholders[name];
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

  return {
    /** The operation calling the site's field with all its arguments as variables, selecting `selection` (default: two levels of the result). */
    operationFor(site: IdSite, selection?: string): string {
      const variables = site.field.args.map((argument) => `$${argument.name}: ${String(argument.type)}`);
      const args = site.field.args.map((argument) => `${argument.name}: $${argument.name}`);
      const named = getNamedType(site.field.type);
      const wanted = selection ?? (isCompositeType(named) ? selectionOf(named, 2) : null);
      return `${site.operation}${variables.length ? ` (${variables.join(', ')})` : ''} { ${site.field.name}${args.length ? `(${args.join(', ')})` : ''}${wanted ? ` { ${wanted} }` : ''} }`;
    },

    /** The variables with `id` at the site, the field's other required arguments filled. */
    variablesFor(site: IdSite, id: string): Record<string, unknown> {
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
    },
  };
}

/** The response as a client acts on it: status, data, error codes and paths; messages may quote the id sent, so they are left out. */
export function outcomeOf(response: GraphQLResponse): unknown {
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
