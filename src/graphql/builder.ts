import SchemaBuilder, { BasePlugin, type SchemaTypes, type PothosOutputFieldConfig } from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin, { resolveNodes } from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import DirectivePlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import type { GraphQLFieldResolver } from 'graphql';
import type PrismaTypes from '../generated/pothos-types.js';
import { getDatamodel } from '../generated/pothos-types.js';
import type { GatewayContext } from './context.js';
import { forbidden, unauthenticated, badUserInput } from './errors.js';
import { NODES_IDS_MAX, PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX, PAGE_SIZE_MIN } from '../domain/validation.js';
import { isNodeTypename, NO_NODE, parseGlobalId } from './global-id.js';
import type { ListArgumentExtensions } from './plugins/input-limits.js';

/**
 * Pothos clamps page sizes silently; our contract says sizes outside 1..100 are an error.
 * This plugin checks `first`/`last` on every connection field, root or nested, before it resolves.
 */
class PageSizeGuardPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    if (!('first' in fieldConfig.args && 'last' in fieldConfig.args)) return resolver;
    return (parent, args, context, info) => {
      for (const name of ['first', 'last'] as const) {
        const size = (args as Record<string, unknown>)[name];
        if (size != null && (typeof size !== 'number' || size < PAGE_SIZE_MIN || size > PAGE_SIZE_MAX)) {
          throw badUserInput(`"${name}" must be between ${PAGE_SIZE_MIN} and ${PAGE_SIZE_MAX}, got ${String(size)}`);
        }
      }
      return resolver(parent, args, context, info);
    };
  }

  // plugin-prisma adds `totalCount` to connections without a way to describe it.
  override onOutputFieldConfig(fieldConfig: PothosOutputFieldConfig<Types>): PothosOutputFieldConfig<Types> {
    if (fieldConfig.extensions?.pothosPrismaTotalCount && !fieldConfig.description) {
      return { ...fieldConfig, description: 'How many items match, across all pages.' };
    }
    return fieldConfig;
  }
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      pageSizeGuard: PageSizeGuardPlugin<Types>;
    }
  }
}
SchemaBuilder.registerPlugin('pageSizeGuard', PageSizeGuardPlugin);

export const builder = new SchemaBuilder<{
  PrismaTypes: PrismaTypes;
  Context: GatewayContext;
  AuthScopes: { read: boolean; write: boolean; admin: boolean; authenticated: boolean };
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
}>({
  plugins: ['pageSizeGuard', ScopeAuthPlugin, PrismaPlugin, RelayPlugin, DataloaderPlugin, DirectivePlugin, FederationPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    // Subscriptions check scopes when they start, not only when each event resolves.
    authorizeOnSubscribe: true,
    // A missing key is UNAUTHENTICATED, a key without the scope is FORBIDDEN.
    unauthorizedError: (_parent, context) => (context.auth ? forbidden() : unauthenticated()),
    authScopes: (context) => ({
      authenticated: context.auth !== null,
      read: context.auth?.scopes.has('read') ?? false,
      write: context.auth?.scopes.has('write') ?? false,
      admin: context.auth?.scopes.has('admin') ?? false,
    }),
  },
  prisma: {
    client: (context) => context.db.prisma,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
    defaultConnectionSize: PAGE_SIZE_DEFAULT,
    maxConnectionSize: PAGE_SIZE_MAX,
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    // One decoder for every id: a malformed one names nothing, so node(id) answers null as for a missing id.
    decodeGlobalID: (globalId) => parseGlobalId(globalId) ?? NO_NODE,
    nodeQueryOptions: {
      description: 'Fetches any object by its global ID; an unknown, malformed or foreign id is null.',
      args: { id: { description: 'A global ID.' } },
      resolve: (_root, args, _context, info, resolveNode) => (isNodeTypename(info.schema, args.id.typename) ? resolveNode(args.id) : null),
    },
    nodesQueryOptions: {
      description: `Fetches objects by their global IDs, in order; unknown, malformed or foreign ids give null. At most ${NODES_IDS_MAX} ids.`,
      args: {
        ids: {
          description: `Global IDs, at most ${NODES_IDS_MAX}; each one costs what the selection costs.`,
          extensions: { maxItems: NODES_IDS_MAX, costPerItem: true } satisfies ListArgumentExtensions,
        },
      },
      resolve: (_root, args, context, info): Promise<unknown[]> =>
        resolveNodes(builder, context, info, args.ids.map((id) => (isNodeTypename(info.schema, id.typename) ? id : null))),
    },
    nodeTypeOptions: { description: 'An object with a global ID.' },
    idFieldOptions: { description: 'Global ID: pass it to node(id) or to mutations.' },
    pageInfoTypeOptions: { description: 'Where a page sits in a connection.' },
    pageInfoFieldOptions: { description: 'Where this page sits: cursors and whether more pages exist.' },
    hasNextPageFieldOptions: { description: 'True when there are items after this page.' },
    hasPreviousPageFieldOptions: { description: 'True when there are items before this page.' },
    startCursorFieldOptions: { description: 'Cursor of the first item of this page; pass as `before` for the previous page.' },
    endCursorFieldOptions: { description: 'Cursor of the last item of this page; pass as `after` for the next page.' },
    edgesFieldOptions: { description: 'The items of this page with their cursors.' },
    nodesOnConnection: { description: 'The items of this page.' },
    cursorFieldOptions: { description: 'Opaque position of this item; pass as `after` or `before`.' },
    nodeFieldOptions: { description: 'The item.' },
    firstArgOptions: { description: 'Page size from the start or from `after`: 1..100, default 25.' },
    afterArgOptions: { description: 'Return items after this cursor.' },
    lastArgOptions: { description: 'Page size from the end or from `before`: 1..100.' },
    beforeArgOptions: { description: 'Return items before this cursor.' },
  },
});

builder.addScalarType('DateTime', DateTimeResolver, {
  description: 'An instant as an ISO 8601 string in UTC, e.g. "2026-03-28T12:00:00.000Z".',
});
builder.addScalarType('JSON', JSONResolver, { description: 'Arbitrary JSON.' });

builder.queryType({ description: 'Reads. Every field needs a key with the read scope unless it says otherwise.' });
builder.mutationType({ description: 'Writes. Each takes one input and returns a payload with userErrors.' });
builder.subscriptionType({ description: 'Live updates over graphql-ws or SSE on /graphql. Same keys, scopes and tenancy as queries.' });
