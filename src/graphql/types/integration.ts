import { encodeGlobalID } from '@pothos/plugin-relay';
import { InputCheck, MAX_COMPONENTS } from '../../domain/validation.js';
import * as integrations from '../../services/integrations.js';
import { builder } from '../builder.js';
import type { GatewayContext } from '../context.js';
import { actorOf, decodeId, decodeIdOrRaw, definePayload, orgWideList, rejected, scopedNodeWhere, type PayloadShape } from '../common.js';
import { ComponentRef } from './component.js';

const INTEGRATION_NAME_MAX = 100;

export const IntegrationRef = builder.prismaNode('Integration', {
  id: { field: 'id', description: 'Global ID of the integration.' },
  description:
    'Where alerts from monitoring come in: its key routes PagerDuty Events API v2 events (POST /v2/enqueue) and Alertmanager webhooks (POST /integrations/alertmanager) to it, and the incidents they open get its owner, schedule and components.',
  authScopes: { read: true },
  findUnique: scopedNodeWhere,
  nullable: true,
  fields: (t) => ({
    name: t.exposeString('name', { description: 'What it is for; also the `source` of the incidents it opens.' }),
    autoResolve: t.exposeBoolean('autoResolve', {
      description: 'Whether an incident it opened is resolved when all of its alerts are resolved.',
    }),
    owner: t.relation('owner', { nullable: true, description: 'Owner of the incidents it opens (wins over the schedule for the owner).' }),
    schedule: t.relation('schedule', {
      nullable: true,
      description: 'Schedule whose on-call person owns the incidents it opens; the escalation policy targeting it is attached.',
    }),
    components: t.field({
      type: [ComponentRef],
      description: 'Components the incidents it opens affect, in order.',
      select: (_args, _context, nestedSelection) => ({
        components: { orderBy: { position: 'asc' }, select: { component: nestedSelection(true) } },
      }),
      resolve: (integration) => integration.components.map((link) => link.component),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    lastEventAt: t.expose('lastEventAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When its last event arrived (to the second); null before the first.',
    }),
  }),
});

builder.queryField('integrations', (t) =>
  t.prismaConnection(
    {
      type: 'Integration',
      cursor: 'id',
      description: 'The integrations of your organization, oldest first. Page size 1..100, default 25.',
      authScopes: { read: true },
      ...orgWideList('integration', [{ createdAt: 'asc' }, { id: 'asc' }]),
    },
    { description: 'A page of integrations.' },
    { description: 'An integration in a page.' },
  ),
);

type IntegrationPayload = PayloadShape<{ integrationId: string; key?: string }>;

function integrationPayload(name: string, description: string, withKey: boolean) {
  return definePayload<{ integrationId: string; key?: string }>(name, description, (t) => ({
    integration: t.prismaField({
      type: 'Integration',
      nullable: true,
      description: 'The integration; null when the input was rejected.',
      resolve: (query, payload: IntegrationPayload, _args, context: GatewayContext) =>
        payload.result ? context.db.prisma.integration.findUnique({ ...query, where: { id: payload.result.integrationId } }) : null,
    }),
    ...(withKey
      ? {
          integrationKey: t.string({
            nullable: true,
            description:
              'The integration key: the `routing_key` of Events API events, or "Authorization: Bearer <key>" for Alertmanager. Shown only here, once: store it now.',
            resolve: (payload) => payload.result?.key ?? null,
          }),
        }
      : {}),
  }));
}

const CreateIntegrationInput = builder.inputType('CreateIntegrationInput', {
  description: 'A new integration. Owner and components of its incidents follow the rules of createIncident.',
  fields: (t) => ({
    name: t.string({ required: true, description: `What it is for, 1 to ${INTEGRATION_NAME_MAX} characters.` }),
    ownerScheduleId: t.id({
      description: 'Global ID of a schedule: whoever is on call when an incident opens owns it, and the escalation policy targeting the schedule is attached.',
    }),
    ownerId: t.id({ description: 'Global ID of the user who owns its incidents. Wins over ownerScheduleId for the owner.' }),
    componentIds: t.idList({ description: `Components its incidents affect, at their current status (at most ${MAX_COMPONENTS}).` }),
    autoResolve: t.boolean({
      defaultValue: true,
      description: 'Resolve an incident it opened when all of its alerts are resolved (default true).',
    }),
  }),
});

builder.mutationField('createIntegration', (t) =>
  t.field({
    type: integrationPayload('CreateIntegrationPayload', 'Result of createIntegration.', true),
    description: 'Creates an integration and returns its key once (only a hash is stored).',
    authScopes: { write: true },
    args: { input: t.arg({ type: CreateIntegrationInput, required: true, description: 'The integration.' }) },
    resolve: async (_root, { input }, context) => {
      const check = new InputCheck();
      const name = check.requiredText(input.name, 'name', INTEGRATION_NAME_MAX);
      if (!check.ok) return rejected(check.errors);
      const outcome = await integrations.createIntegration(context.db.prisma, actorOf(context), {
        name,
        ownerId: input.ownerId == null ? null : decodeIdOrRaw(String(input.ownerId), 'User'),
        ownerScheduleId: input.ownerScheduleId == null ? null : decodeIdOrRaw(String(input.ownerScheduleId), 'Schedule'),
        componentIds: input.componentIds?.map((id) => decodeIdOrRaw(String(id), 'Component')) ?? [],
        autoResolve: input.autoResolve ?? true,
      });
      return outcome.ok ? { result: outcome.value, userErrors: [] } : rejected(outcome.errors);
    },
  }),
);

const IntegrationIdInput = (name: string, description: string) =>
  builder.inputType(name, {
    description,
    fields: (t) => ({ id: t.id({ required: true, description: 'Global ID of the integration.' }) }),
  });

builder.mutationField('rotateIntegrationKey', (t) =>
  t.field({
    type: integrationPayload('RotateIntegrationKeyPayload', 'Result of rotateIntegrationKey.', true),
    description: 'Gives the integration a new key, returned once; the old key stops working at once.',
    authScopes: { write: true },
    args: {
      input: t.arg({ type: IntegrationIdInput('RotateIntegrationKeyInput', 'The integration whose key to replace.'), required: true, description: 'The integration.' }),
    },
    resolve: async (_root, { input }, context) => {
      const outcome = await integrations.rotateIntegrationKey(context.db.prisma, actorOf(context), decodeId(String(input.id), 'Integration'));
      return outcome.ok ? { result: outcome.value, userErrors: [] } : rejected(outcome.errors);
    },
  }),
);

const DeleteIntegrationPayload = definePayload<{ deletedIntegrationId: string }>(
  'DeleteIntegrationPayload',
  'Result of deleteIntegration.',
  (t) => ({
    deletedIntegrationId: t.id({
      nullable: true,
      description: 'Global ID of the deleted integration; null when rejected.',
      resolve: (payload) => (payload.result ? encodeGlobalID('Integration', payload.result.deletedIntegrationId) : null),
    }),
  }),
);

builder.mutationField('deleteIntegration', (t) =>
  t.field({
    type: DeleteIntegrationPayload,
    description: 'Deletes an integration and its alerts; its key stops working. The incidents it opened stay.',
    authScopes: { write: true },
    args: {
      input: t.arg({ type: IntegrationIdInput('DeleteIntegrationInput', 'The integration to delete.'), required: true, description: 'The integration.' }),
    },
    resolve: async (_root, { input }, context) => {
      const outcome = await integrations.deleteIntegration(context.db.prisma, actorOf(context), decodeId(String(input.id), 'Integration'));
      return outcome.ok ? { result: outcome.value, userErrors: [] } : rejected(outcome.errors);
    },
  }),
);
