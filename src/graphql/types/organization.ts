import { builder } from '../builder.js';
import { orgOf } from '../context.js';
import { NO_ROW_ID } from '../../domain/ids.js';

builder.prismaNode('Organization', {
  id: { field: 'id', description: 'Global ID of the organization.' },
  description: 'A tenant: every object belongs to exactly one organization and is invisible to the others.',
  authScopes: { read: true },
  // Only your own organization can be looked up.
  findUnique: (id, context) => ({ id: id === orgOf(context) ? id : NO_ROW_ID }),
  nullable: true,
  fields: (t) => ({
    slug: t.exposeString('slug', { description: 'Short unique name, used by the CLI.' }),
    name: t.exposeString('name', { description: 'Display name.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
  }),
});

interface ViewerShape {
  orgId: string;
  keyName: string;
  scopes: string[];
}

const ViewerRef = builder.objectRef<ViewerShape>('Viewer').implement({
  description: 'The caller: the API key and its organization.',
  fields: (t) => ({
    organization: t.prismaField({
      type: 'Organization',
      description: 'Your organization.',
      resolve: (query, viewer, _args, context) =>
        context.db.prisma.organization.findUniqueOrThrow({ ...query, where: { id: viewer.orgId } }),
    }),
    apiKeyName: t.exposeString('keyName', { description: 'Name of the API key in use.' }),
    scopes: t.exposeStringList('scopes', { description: 'Effective scopes: read, write, admin (admin implies write implies read).' }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: ViewerRef,
    description: 'Who you are. Needs any valid key.',
    authScopes: { authenticated: true },
    resolve: (_root, _args, context) => ({
      orgId: orgOf(context),
      keyName: context.auth!.keyName,
      scopes: [...context.auth!.scopes],
    }),
  }),
);
