import type { Prisma } from '../../generated/prisma/client.js';
import { InputCheck } from '../../domain/validation.js';
import { checkComponentFields } from '../../domain/catalog.js';
import * as components from '../../services/components.js';
import { builder } from '../builder.js';
import type { GatewayContext } from '../context.js';
import { actorOf, decodeId, definePayload, orgWideList, rejected, scopedNodeWhere, settle, type PayloadShape } from '../common.js';
import { deletionTypes } from '../deletion.js';

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

/** Groups alphabetically (ungrouped first), then by position within a group. */
const COMPONENT_ORDER: Prisma.ComponentOrderByWithRelationInput[] = [
  { group: { sort: 'asc', nulls: 'first' } },
  { position: 'asc' },
  { createdAt: 'asc' },
  { id: 'asc' },
];

builder.queryFields((t) => ({
  component: t.prismaField({
    type: 'Component',
    nullable: true,
    description: 'One component by global ID; null when it does not exist in your organization.',
    authScopes: { read: true },
    args: { id: t.arg.id({ required: true, description: 'Global ID of the component.' }) },
    resolve: (query, _root, args, context) => {
      const id = decodeId(String(args.id), 'Component');
      return id ? context.db.prisma.component.findFirst({ ...query, where: scopedNodeWhere(id, context) }) : null;
    },
  }),
  components: t.prismaConnection(
    {
      type: 'Component',
      cursor: 'id',
      description: 'The components of your organization, by group (ungrouped first), then position. Page size 1..100, default 25.',
      authScopes: { read: true },
      ...orgWideList('component', COMPONENT_ORDER),
    },
    { description: 'A page of components.' },
    { description: 'A component in a page.' },
  ),
}));

// ---------------------------------------------------------------- mutations

interface ComponentResult {
  componentId: string;
}

function componentPayload(name: string, description: string) {
  return definePayload<ComponentResult>(name, description, (t) => ({
    component: t.prismaField({
      type: 'Component',
      nullable: true,
      description: 'The component after the change; null when the input was rejected.',
      resolve: (query, payload: PayloadShape<ComponentResult>, _args, context: GatewayContext) =>
        payload.result ? context.db.prisma.component.findUnique({ ...query, where: { id: payload.result.componentId } }) : null,
    }),
  }));
}

const CreateComponentInput = builder.inputType('CreateComponentInput', {
  description: 'A new component. Only name is required.',
  fields: (t) => ({
    name: t.string({ required: true, description: '1 to 255 characters after trimming.' }),
    description: t.string({ description: 'Longer text, up to 10,000 characters.' }),
    group: t.string({ description: 'Group to show it under, up to 255 characters.' }),
    status: t.field({ type: ComponentStatusEnum, description: 'Initial status (default OPERATIONAL).' }),
    position: t.int({ description: 'Sort position within its group, 0 or more (default 0).' }),
  }),
});

builder.mutationField('createComponent', (t) =>
  t.field({
    type: componentPayload('CreateComponentPayload', 'Result of createComponent.'),
    description: 'Adds a component to your catalog.',
    authScopes: { write: true },
    args: { input: t.arg({ type: CreateComponentInput, required: true, description: 'The component.' }) },
    resolve: async (_root, { input }, context) => {
      const check = new InputCheck();
      const fields = checkComponentFields(check, input, 'create');
      if (!check.ok) return rejected(check.errors);
      return settle(context, await components.createComponent(context.db.prisma, actorOf(context), { ...fields, name: fields.name! }));
    },
  }),
);

const UpdateComponentInput = builder.inputType('UpdateComponentInput', {
  description: 'Changes to a component; omitted fields stay as they are.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global ID of the component.' }),
    name: t.string({ description: 'New name, 1 to 255 characters.' }),
    description: t.string({ description: 'New description; null clears it.' }),
    group: t.string({ description: 'New group; null clears it.' }),
    status: t.field({ type: ComponentStatusEnum, description: 'New status (as setComponentStatus).' }),
    position: t.int({ description: 'New sort position, 0 or more.' }),
  }),
});

builder.mutationField('updateComponent', (t) =>
  t.field({
    type: componentPayload('UpdateComponentPayload', 'Result of updateComponent.'),
    description: 'Changes a component.',
    authScopes: { write: true },
    args: { input: t.arg({ type: UpdateComponentInput, required: true, description: 'The changes.' }) },
    resolve: async (_root, { input }, context) => {
      const check = new InputCheck();
      const fields = checkComponentFields(check, input, 'update');
      if (!check.ok) return rejected(check.errors);
      return settle(context, await components.updateComponent(context.db.prisma, actorOf(context), decodeId(String(input.id), 'Component'), fields));
    },
  }),
);

const SetComponentStatusInput = builder.inputType('SetComponentStatusInput', {
  description: 'A component and its new status.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global ID of the component.' }),
    status: t.field({ type: ComponentStatusEnum, required: true, description: 'The new status.' }),
  }),
});

builder.mutationField('setComponentStatus', (t) =>
  t.field({
    type: componentPayload('SetComponentStatusPayload', 'Result of setComponentStatus.'),
    description: 'Sets a component status, keeps its history and announces it on componentStatusChanged; the same status again changes nothing.',
    authScopes: { write: true },
    args: { input: t.arg({ type: SetComponentStatusInput, required: true, description: 'The component and status.' }) },
    resolve: async (_root, { input }, context) =>
      settle(
        context,
        await components.setComponentStatus(context.db.prisma, actorOf(context), decodeId(String(input.id), 'Component'), input.status),
      ),
  }),
);

const deletion = deletionTypes('Component', 'deletedComponentId');

builder.mutationField('deleteComponent', (t) =>
  t.field({
    type: deletion.payload,
    description: 'Deletes a component; incidents and status pages that listed it stop listing it.',
    authScopes: { write: true },
    args: { input: t.arg({ type: deletion.input, required: true, description: 'The component.' }) },
    resolve: async (_root, { input }, context) =>
      settle(context, await components.deleteComponent(context.db.prisma, actorOf(context), decodeId(String(input.id), 'Component'))),
  }),
);
