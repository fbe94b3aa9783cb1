import { builder } from '../builder.js';
import { orgOf } from '../context.js';
import { scopedNodeWhere } from '../common.js';

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
      resolve: (query, _root, _args, context) =>
        context.prisma.user.findMany({ ...query, where: { orgId: orgOf(context) }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
      totalCount: (_connection, _args, context) => context.prisma.user.count({ where: { orgId: orgOf(context) } }),
    },
    { description: 'A page of users.' },
    { description: 'A user in a page.' },
  ),
);
