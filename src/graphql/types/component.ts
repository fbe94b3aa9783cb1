import { builder } from '../builder.js';
import { scopedNodeWhere } from '../common.js';

export const ComponentStatusEnum = builder.enumType('ComponentStatus', {
  description: 'How a component is doing.',
  values: {
    OPERATIONAL: { description: 'Working normally.' },
    DEGRADED_PERFORMANCE: { description: 'Slow or partly failing; derives MINOR impact.' },
    PARTIAL_OUTAGE: { description: 'Down for some users; derives MAJOR impact.' },
    MAJOR_OUTAGE: { description: 'Down; derives CRITICAL impact.' },
    UNDER_MAINTENANCE: { description: 'Taken down on purpose for maintenance.' },
  } as const,
});

export const ComponentRef = builder.prismaNode('Component', {
  id: { field: 'id', description: 'Global ID of the component.' },
  description: 'A part of your service that incidents can affect and status pages show.',
  authScopes: { read: true },
  findUnique: scopedNodeWhere,
  nullable: true,
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Display name.' }),
    description: t.exposeString('description', { nullable: true, description: 'Longer text about the component.' }),
    group: t.exposeString('group', { nullable: true, description: 'Name of the group it is shown under.' }),
    status: t.expose('status', { type: ComponentStatusEnum, description: 'Current status.' }),
    position: t.exposeInt('position', { description: 'Sort position within its group; lower first.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
  }),
});
