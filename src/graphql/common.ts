import type { FieldMap } from '@pothos/core';
import type PrismaTypes from '../generated/pothos-types.js';
import { MAX_COMPONENTS, type UserError } from '../domain/validation.js';
import type { Outcome, Actor } from '../services/transaction.js';
import { publishAll } from '../realtime/events.js';
import { builder } from './builder.js';
import { orgOf, type GatewayContext } from './context.js';
import { parseGlobalId } from './global-id.js';

export const ErrorCodeEnum = builder.enumType('ErrorCode', {
  description: 'Why a mutation rejected its input.',
  values: {
    INVALID_INPUT: { description: 'A field is missing, malformed, too long or out of range; `field` says which.' },
    NOT_FOUND: { description: 'A referenced object does not exist in your organization.' },
    INVALID_COMPONENT_ID: { description: 'A component id does not name a component of your organization.' },
    DUPLICATE_COMPONENT_ID: { description: 'A component is listed more than once.' },
    TOO_MANY_COMPONENTS: { description: `More than ${MAX_COMPONENTS} components were given.` },
    INVALID_TRANSITION: { description: 'The lifecycle does not allow this status change.' },
    VERSION_CONFLICT: { description: 'expectedVersion is not the current version: someone else changed the object.' },
    IDEMPOTENCY_CONFLICT: { description: 'The idempotency key was already used with a different input.' },
    EMAIL_UNAVAILABLE: { description: 'Email cannot be sent by this gateway (no SMTP server is configured).' },
  } as const,
});

export const UserErrorRef = builder.objectRef<UserError>('UserError').implement({
  description: 'A problem with a mutation input. When there is any, nothing was written.',
  fields: (t) => ({
    code: t.field({ type: ErrorCodeEnum, description: 'Machine-readable reason.', resolve: (error) => error.code }),
    field: t.stringList({
      nullable: true,
      description: 'Path inside the input, e.g. ["title"] or ["componentIds", "3"]; null when not about one field.',
      resolve: (error) => error.field,
    }),
    message: t.exposeString('message', { description: 'Human-readable explanation.' }),
  }),
});

/** Every mutation payload carries these; the object field(s) come from the result. */
export interface PayloadShape<T> {
  result: T | null;
  userErrors: UserError[];
}

type BuilderTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer Types> ? Types : never;

/** `FooPayload`: the fields `objectFields` adds (the object, null when rejected) plus `userErrors`. */
export function definePayload<T>(
  name: string,
  description: string,
  objectFields: (t: PothosSchemaTypes.ObjectFieldBuilder<BuilderTypes, PayloadShape<T>>) => FieldMap,
) {
  return builder.objectRef<PayloadShape<T>>(name).implement({
    description,
    fields: (t) => ({
      ...objectFields(t),
      userErrors: t.field({
        type: [UserErrorRef],
        description: 'Why the input was rejected; empty on success.',
        resolve: (payload) => payload.userErrors,
      }),
    }),
  });
}

/** The row id inside a global ID when it is a well-formed id of a `typename`; null for anything else (treated as not found). */
export function decodeId(globalId: string | null | undefined, typename: string): string | null {
  const decoded = parseGlobalId(globalId);
  return decoded?.typename === typename ? decoded.id : null;
}

/**
 * Like decodeId, but keeps what cannot be decoded, quoted as the client sent it, so that it is
 * reported against its own index. Quoted, it is never empty (an empty id is not an absent one) and
 * never a uuid (a bare uuid is not a global ID), so it names no row.
 */
export function decodeIdOrRaw(globalId: string, typename: string): string {
  return decodeId(globalId, typename) ?? JSON.stringify(globalId);
}

export function actorOf(context: GatewayContext): Actor {
  if (!context.auth) throw new Error('actorOf called without an authenticated caller');
  return { orgId: context.auth.orgId, keyId: context.auth.keyId, keyName: context.auth.keyName };
}

/** Publishes a committed outcome's events, then shapes it as a payload. */
export function settle<T>(context: GatewayContext, outcome: Outcome<T>): PayloadShape<T> {
  if (!outcome.ok) return { result: null, userErrors: outcome.errors };
  publishAll(context.pubsub, outcome.events);
  return { result: outcome.value, userErrors: [] };
}

export function rejected(errors: UserError[]): PayloadShape<never> {
  return { result: null, userErrors: errors };
}

/** Where-clause for a Relay node lookup, scoped to the caller's org; `id` comes from parseGlobalId, so it is a uuid. */
export function scopedNodeWhere(id: string, context: GatewayContext) {
  return { id, orgId: orgOf(context) };
}

/** The models an organization owns outright (an `orgId` column), by their Prisma delegate: `user`, `apiKey`... */
type OrgOwned = Uncapitalize<{ [Name in keyof PrismaTypes]: PrismaTypes[Name]['Shape'] extends { orgId: string } ? Name : never }[keyof PrismaTypes]>;
type ModelOf<Delegate extends OrgOwned> = PrismaTypes[Capitalize<Delegate>];

/** What Pothos hands a connection's resolver: the selection as Prisma's include, and the page. */
interface PageQuery<Delegate extends OrgOwned> {
  include?: ModelOf<Delegate>['Include'];
  cursor?: ModelOf<Delegate>['WhereUnique'];
  take: number;
  skip: number;
}

/** The two calls an org-wide list makes on a delegate; orgWideList has the compiler check the client against this, model by model. */
type OrgListDelegates = {
  [Delegate in OrgOwned]: {
    findMany(args: PageQuery<Delegate> & { where: { orgId: string }; orderBy: ModelOf<Delegate>['OrderBy'][] }): Promise<ModelOf<Delegate>['Shape'][]>;
    count(args: { where: { orgId: string } }): Promise<number>;
  };
};

/**
 * `resolve` and `totalCount` of a connection over every row of a model in the caller's organization,
 * in `orderBy`: both are scoped to orgOf(context) here, so such a list cannot leave out the scope.
 */
export function orgWideList<Delegate extends OrgOwned>(delegate: Delegate, orderBy: ModelOf<Delegate>['OrderBy'][]) {
  const delegateOf = (context: GatewayContext) => {
    const delegates: OrgListDelegates = context.db.prisma;
    return delegates[delegate];
  };
  return {
    resolve: (query: PageQuery<Delegate>, _parent: unknown, _args: unknown, context: GatewayContext) =>
      delegateOf(context).findMany({ ...query, where: { orgId: orgOf(context) }, orderBy }),
    totalCount: (_parent: unknown, _args: unknown, context: GatewayContext) => delegateOf(context).count({ where: { orgId: orgOf(context) } }),
  };
}
