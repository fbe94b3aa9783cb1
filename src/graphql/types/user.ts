import { InputCheck } from '../../domain/validation.js';
import { checkUserFields } from '../../domain/catalog.js';
import * as users from '../../services/users.js';
import { builder } from '../builder.js';
import type { GatewayContext } from '../context.js';
import { actorOf, decodeId, definePayload, orgWideList, rejected, scopedNodeWhere, settle, type PayloadShape } from '../common.js';

export const UserRef = builder.prismaNode('User', {
  id: { field: 'id', description: 'Global ID of the user.' },
  description: 'A person who can own incidents and be on call.',
  authScopes: { read: true },
  findUnique: scopedNodeWhere,
  nullable: true,
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Display name.' }),
    email: t.exposeString('email', { description: 'Email address, unique within the organization.' }),
    timeZone: t.exposeString('timeZone', { description: 'IANA time zone, e.g. "Europe/Berlin".' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the user was added.' }),
  }),
});

builder.queryField('users', (t) =>
  t.prismaConnection(
    {
      type: 'User',
      cursor: 'id',
      description: 'The users of your organization, oldest first.',
      authScopes: { read: true },
      ...orgWideList('user', [{ createdAt: 'asc' }, { id: 'asc' }]),
    },
    { description: 'A page of users.' },
    { description: 'A user in a page.' },
  ),
);

builder.queryField('user', (t) =>
  t.prismaField({
    type: 'User',
    nullable: true,
    description: 'One user by global ID; null when it does not exist in your organization.',
    authScopes: { read: true },
    args: { id: t.arg.id({ required: true, description: 'Global ID of the user.' }) },
    resolve: (query, _root, args, context) => {
      const id = decodeId(String(args.id), 'User');
      return id ? context.db.prisma.user.findFirst({ ...query, where: scopedNodeWhere(id, context) }) : null;
    },
  }),
);

const CreateUserInput = builder.inputType('CreateUserInput', {
  description: 'A new user of your organization.',
  fields: (t) => ({
    name: t.string({ required: true, description: '1 to 255 characters after trimming.' }),
    email: t.string({ required: true, description: 'Email address, unique within your organization (ignoring case).' }),
    timeZone: t.string({ description: 'IANA time zone such as "Europe/Berlin" (default UTC).' }),
  }),
});

const CreateUserPayload = definePayload<{ userId: string }>('CreateUserPayload', 'Result of createUser.', (t) => ({
  user: t.prismaField({
    type: 'User',
    nullable: true,
    description: 'The new user; null when the input was rejected.',
    resolve: (query, payload: PayloadShape<{ userId: string }>, _args, context: GatewayContext) =>
      payload.result ? context.db.prisma.user.findUnique({ ...query, where: { id: payload.result.userId } }) : null,
  }),
}));

builder.mutationField('createUser', (t) =>
  t.field({
    type: CreateUserPayload,
    description: 'Adds a person who can own incidents and be on call. A taken email is INVALID_INPUT on ["email"].',
    authScopes: { write: true },
    args: { input: t.arg({ type: CreateUserInput, required: true, description: 'The user.' }) },
    resolve: async (_root, { input }, context) => {
      const check = new InputCheck();
      const fields = checkUserFields(check, input);
      if (!check.ok) return rejected(check.errors);
      return settle(context, await users.createUser(context.db.prisma, actorOf(context), fields));
    },
  }),
);
