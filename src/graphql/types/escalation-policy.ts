import { InputCheck } from '../../domain/validation.js';
import { checkEscalationPolicy } from '../../domain/oncall-input.js';
import * as policies from '../../services/escalation-policies.js';
import { builder } from '../builder.js';
import type { GatewayContext } from '../context.js';
import { actorOf, decodeId, decodeIdOrRaw, definePayload, orgWideList, rejected, scopedNodeWhere, settle, type PayloadShape } from '../common.js';
import { deletionTypes } from '../deletion.js';
import './schedule.js';

builder.prismaObject('EscalationTarget', {
  description: 'Who a rule pages: a schedule (whoever is on call) or a user. Exactly one of the two is set.',
  fields: (t) => ({
    schedule: t.relation('schedule', { nullable: true, description: 'The schedule paged; null when the target is a user.' }),
    user: t.relation('user', { nullable: true, description: 'The user paged; null when the target is a schedule.' }),
  }),
});

builder.prismaObject('EscalationRule', {
  description: 'One step of an escalation policy.',
  fields: (t) => ({
    position: t.exposeInt('position', { description: 'Place in the policy, 0 first.' }),
    delayMinutes: t.exposeInt('delayMinutes', { description: 'Minutes to wait for an acknowledgement before the next rule.' }),
    targets: t.relation('targets', { description: 'Who this step pages, in order.', query: { orderBy: { position: 'asc' } } }),
  }),
});

export const EscalationPolicyRef = builder.prismaNode('EscalationPolicy', {
  id: { field: 'id', description: 'Global ID of the policy.' },
  description: 'Who gets paged, and when, until someone acknowledges an incident.',
  authScopes: { read: true },
  findUnique: scopedNodeWhere,
  nullable: true,
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Display name.' }),
    repeatCount: t.exposeInt('repeatCount', { description: 'How often the rules run again from the top when nobody acknowledges.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created; the oldest policy targeting a schedule is attached to its incidents.' }),
    rules: t.relation('rules', { description: 'Its rules in order.', query: { orderBy: { position: 'asc' } } }),
  }),
});

builder.queryFields((t) => ({
  escalationPolicy: t.prismaField({
    type: 'EscalationPolicy',
    nullable: true,
    description: 'One escalation policy by global ID; null when it does not exist in your organization.',
    authScopes: { read: true },
    args: { id: t.arg.id({ required: true, description: 'Global ID of the policy.' }) },
    resolve: (query, _root, args, context) => {
      const id = decodeId(String(args.id), 'EscalationPolicy');
      return id ? context.db.prisma.escalationPolicy.findFirst({ ...query, where: scopedNodeWhere(id, context) }) : null;
    },
  }),
  escalationPolicies: t.prismaConnection(
    {
      type: 'EscalationPolicy',
      cursor: 'id',
      description: 'The escalation policies of your organization, oldest first. Page size 1..100, default 25.',
      authScopes: { read: true },
      ...orgWideList('escalationPolicy', [{ createdAt: 'asc' }, { id: 'asc' }]),
    },
    { description: 'A page of escalation policies.' },
    { description: 'An escalation policy in a page.' },
  ),
}));

const TargetInput = builder.inputType('EscalationTargetInput', {
  description: 'Who a rule pages: give exactly one of scheduleId and userId.',
  fields: (t) => ({
    scheduleId: t.id({ description: 'Global ID of a schedule: whoever is on call there.' }),
    userId: t.id({ description: 'Global ID of a user.' }),
  }),
});

const RuleInput = builder.inputType('EscalationRuleInput', {
  description: 'One step of an escalation policy.',
  fields: (t) => ({
    delayMinutes: t.int({ required: true, description: 'Minutes to wait before the next rule, 0 to 10,080.' }),
    targets: t.field({ type: [TargetInput], required: true, description: 'Who to page (1 to 10).' }),
  }),
});

const CreateEscalationPolicyInput = builder.inputType('CreateEscalationPolicyInput', {
  description: 'A new escalation policy.',
  fields: (t) => ({
    name: t.string({ required: true, description: '1 to 255 characters after trimming.' }),
    repeatCount: t.int({ description: 'How often to run the rules again, 0 to 10 (default 0).' }),
    rules: t.field({ type: [RuleInput], required: true, description: 'Its rules in order (1 to 20).' }),
  }),
});

const CreateEscalationPolicyPayload = definePayload<{ escalationPolicyId: string }>(
  'CreateEscalationPolicyPayload',
  'Result of createEscalationPolicy.',
  (t) => ({
    escalationPolicy: t.prismaField({
      type: 'EscalationPolicy',
      nullable: true,
      description: 'The new policy; null when the input was rejected.',
      resolve: (query, payload: PayloadShape<{ escalationPolicyId: string }>, _args, context: GatewayContext) =>
        payload.result ? context.db.prisma.escalationPolicy.findUnique({ ...query, where: { id: payload.result.escalationPolicyId } }) : null,
    }),
  }),
);

builder.mutationField('createEscalationPolicy', (t) =>
  t.field({
    type: CreateEscalationPolicyPayload,
    description: 'Creates an escalation policy. Targets must exist in your organization (NOT_FOUND at their path otherwise).',
    authScopes: { write: true },
    args: { input: t.arg({ type: CreateEscalationPolicyInput, required: true, description: 'The policy.' }) },
    resolve: async (_root, { input }, context) => {
      const check = new InputCheck();
      const policy = checkEscalationPolicy(check, {
        ...input,
        rules: input.rules.map((rule) => ({
          delayMinutes: rule.delayMinutes,
          targets: rule.targets.map((target) => ({
            scheduleId: target.scheduleId == null ? null : decodeIdOrRaw(String(target.scheduleId), 'Schedule'),
            userId: target.userId == null ? null : decodeIdOrRaw(String(target.userId), 'User'),
          })),
        })),
      });
      if (!check.ok) return rejected(check.errors);
      return settle(context, await policies.createEscalationPolicy(context.db.prisma, actorOf(context), policy));
    },
  }),
);

const deletion = deletionTypes('EscalationPolicy', 'deletedEscalationPolicyId');

builder.mutationField('deleteEscalationPolicy', (t) =>
  t.field({
    type: deletion.payload,
    description: 'Deletes an escalation policy; incidents it was attached to keep going without one.',
    authScopes: { write: true },
    args: { input: t.arg({ type: deletion.input, required: true, description: 'The policy.' }) },
    resolve: async (_root, { input }, context) =>
      settle(context, await policies.deleteEscalationPolicy(context.db.prisma, actorOf(context), decodeId(String(input.id), 'EscalationPolicy'))),
  }),
);
