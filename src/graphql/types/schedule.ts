import type { Prisma } from '../../generated/prisma/client.js';
import { InputCheck } from '../../domain/validation.js';
import { ON_CALL_SEARCH_HORIZON_DAYS, type RestrictionSpec } from '../../domain/oncall.js';
import { checkOverridePeriod, checkSchedule } from '../../domain/oncall-input.js';
import * as schedules from '../../services/schedules.js';
import type { ResolvedShift } from '../../services/schedules.js';
import { builder } from '../builder.js';
import type { GatewayContext } from '../context.js';
import { badUserInput } from '../errors.js';
import { actorOf, decodeId, decodeIdOrRaw, definePayload, orgWideList, rejected, scopedNodeWhere, settle, type PayloadShape } from '../common.js';
import { deletionTypes } from '../deletion.js';
import { UserRef } from './user.js';

/** A shifts window longer than this is refused: a calendar needs weeks, not years. */
const SHIFTS_WINDOW_MAX_DAYS = 93;
const DAY_MS = 86_400_000;

export const DayOfWeekEnum = builder.enumType('DayOfWeek', {
  description: 'A day of the week, in the schedule time zone.',
  values: {
    MONDAY: { description: 'Monday.' },
    TUESDAY: { description: 'Tuesday.' },
    WEDNESDAY: { description: 'Wednesday.' },
    THURSDAY: { description: 'Thursday.' },
    FRIDAY: { description: 'Friday.' },
    SATURDAY: { description: 'Saturday.' },
    SUNDAY: { description: 'Sunday.' },
  } as const,
});

const RestrictionRef = builder.objectRef<RestrictionSpec>('ScheduleRestriction').implement({
  description: 'A weekly window, in local time of the schedule, in which a layer has someone on call.',
  fields: (t) => ({
    daysOfWeek: t.field({ type: [DayOfWeekEnum], description: 'Days on which the window starts.', resolve: (r) => r.daysOfWeek }),
    startTime: t.exposeString('startTime', { description: 'Local start, HH:MM, inclusive.' }),
    endTime: t.exposeString('endTime', {
      description: 'Local end, HH:MM, exclusive; at or before startTime the window runs past midnight into the next day.',
    }),
  }),
});

builder.prismaObject('ScheduleLayer', {
  description: 'A rotation: participants take turns of shiftLengthSeconds from rotationStart, within its restrictions.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Display name.' }),
    position: t.exposeInt('position', { description: 'Place in the schedule, 0 first; a later layer wins where several have someone.' }),
    rotationStart: t.expose('rotationStart', { type: 'DateTime', description: 'When the first turn starts; before it the layer has nobody.' }),
    shiftLengthSeconds: t.exposeInt('shiftLengthSeconds', { description: 'Length of one turn (absolute time, unaffected by DST).' }),
    restrictions: t.field({
      type: [RestrictionRef],
      description: 'Weekly windows that limit when the layer has someone; empty means always.',
      resolve: (layer) => layer.restrictions as unknown as RestrictionSpec[],
    }),
    participants: t.field({
      type: [UserRef],
      description: 'The people taking turns, in turn order.',
      select: (_args, _context, nestedSelection) => ({
        participants: { orderBy: { position: 'asc' }, select: { user: nestedSelection(true) } },
      }),
      resolve: (layer) => layer.participants.map((participant) => participant.user),
    }),
  }),
});

export const ScheduleOverrideRef = builder.prismaNode('ScheduleOverride', {
  id: { field: 'id', description: 'Global ID of the override.' },
  description: 'Someone taking over a schedule for a while; beats every layer. Where overrides overlap, the newest wins.',
  authScopes: { read: true },
  findUnique: scopedNodeWhere,
  nullable: true,
  fields: (t) => ({
    user: t.relation('user', { description: 'Who is on call instead.' }),
    startsAt: t.expose('startsAt', { type: 'DateTime', description: 'Start, inclusive.' }),
    endsAt: t.expose('endsAt', { type: 'DateTime', description: 'End, exclusive.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was made; the newest wins where overrides overlap.' }),
    schedule: t.relation('schedule', { description: 'The schedule it overrides.' }),
  }),
});

const OnCallRef = builder.objectRef<ResolvedShift>('OnCall').implement({
  description: 'Who is on call, over one continuous period.',
  fields: (t) => ({
    user: t.field({ type: UserRef, description: 'The person on call.', resolve: (shift) => shift.user }),
    startsAt: t.field({ type: 'DateTime', description: 'When this person took over.', resolve: (shift) => shift.startsAt }),
    endsAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: `When someone else (or nobody) takes over; null when that is more than ${ON_CALL_SEARCH_HORIZON_DAYS} days ahead.`,
      resolve: (shift) => shift.endsAt,
    }),
    override: t.field({
      type: ScheduleOverrideRef,
      nullable: true,
      description: 'The override that puts this person on call; null when a layer does.',
      resolve: (shift) => shift.override,
    }),
  }),
});

const timelineSelection = { timeZone: true, ...schedules.scheduleTimelineInclude } satisfies Prisma.ScheduleSelect;

export const ScheduleRef = builder.prismaNode('Schedule', {
  id: { field: 'id', description: 'Global ID of the schedule.' },
  description: 'An on-call schedule: ordered layers of rotations, and overrides on top.',
  authScopes: { read: true },
  findUnique: scopedNodeWhere,
  nullable: true,
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Display name.' }),
    timeZone: t.exposeString('timeZone', { description: 'IANA time zone of the restriction windows.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    layers: t.relation('layers', {
      description: 'Its layers in order; where several have someone, the later one wins.',
      query: { orderBy: { position: 'asc' } },
    }),
    overrides: t.relatedConnection(
      'overrides',
      {
        cursor: 'id',
        description: 'Its overrides, earliest start first; `endingAfter` leaves out those already over at that instant.',
        args: { endingAfter: t.arg({ type: 'DateTime', description: 'Only overrides ending after this instant.' }) },
        query: (args) => ({
          where: args.endingAfter ? { endsAt: { gt: args.endingAfter } } : {},
          orderBy: [{ startsAt: 'asc' }, { id: 'asc' }],
        }),
        totalCount: true,
      },
      { name: 'ScheduleOverrideConnection', description: 'A page of overrides.' },
      { name: 'ScheduleOverrideEdge', description: 'An override in a page.' },
    ),
    onCall: t.field({
      type: OnCallRef,
      nullable: true,
      description: 'Who is on call at `at` (default now); null when nobody is.',
      args: { at: t.arg({ type: 'DateTime', description: 'The instant (default now).' }) },
      select: timelineSelection,
      resolve: (schedule, args) => schedules.onCallOf(schedule, args.at ?? new Date()),
    }),
    shifts: t.field({
      type: [OnCallRef],
      description: `The final on-call timeline in [from, to): overrides and layers resolved, gaps left out, pieces clipped to the window (at most ${SHIFTS_WINDOW_MAX_DAYS} days).`,
      args: {
        from: t.arg({ type: 'DateTime', required: true, description: 'Window start, inclusive.' }),
        to: t.arg({ type: 'DateTime', required: true, description: 'Window end, exclusive; after from.' }),
      },
      select: timelineSelection,
      resolve: (schedule, { from, to }) => {
        if (to.getTime() <= from.getTime()) throw badUserInput('"to" must be after "from"');
        if (to.getTime() - from.getTime() > SHIFTS_WINDOW_MAX_DAYS * DAY_MS) {
          throw badUserInput(`The window may span at most ${SHIFTS_WINDOW_MAX_DAYS} days`);
        }
        return schedules.shiftsOf(schedule, from, to);
      },
    }),
  }),
});

builder.queryFields((t) => ({
  schedule: t.prismaField({
    type: 'Schedule',
    nullable: true,
    description: 'One schedule by global ID; null when it does not exist in your organization.',
    authScopes: { read: true },
    args: { id: t.arg.id({ required: true, description: 'Global ID of the schedule.' }) },
    resolve: (query, _root, args, context) => {
      const id = decodeId(String(args.id), 'Schedule');
      return id ? context.db.prisma.schedule.findFirst({ ...query, where: scopedNodeWhere(id, context) }) : null;
    },
  }),
  schedules: t.prismaConnection(
    {
      type: 'Schedule',
      cursor: 'id',
      description: 'The on-call schedules of your organization, oldest first. Page size 1..100, default 25.',
      authScopes: { read: true },
      ...orgWideList('schedule', [{ createdAt: 'asc' }, { id: 'asc' }]),
    },
    { description: 'A page of schedules.' },
    { description: 'A schedule in a page.' },
  ),
  onCall: t.field({
    type: OnCallRef,
    nullable: true,
    description: 'Who is on call on a schedule at `at` (default now), with the period they cover; null when nobody is or the schedule does not exist in your organization.',
    authScopes: { read: true },
    args: {
      scheduleId: t.arg.id({ required: true, description: 'Global ID of the schedule.' }),
      at: t.arg({ type: 'DateTime', description: 'The instant (default now).' }),
    },
    resolve: async (_root, args, context) => {
      const id = decodeId(String(args.scheduleId), 'Schedule');
      const schedule = id
        ? await context.db.prisma.schedule.findFirst({ where: scopedNodeWhere(id, context), include: schedules.scheduleTimelineInclude })
        : null;
      return schedule ? schedules.onCallOf(schedule, args.at ?? new Date()) : null;
    },
  }),
}));

// ---------------------------------------------------------------- mutations

const RestrictionInput = builder.inputType('ScheduleRestrictionInput', {
  description: 'A weekly window in local time of the schedule.',
  fields: (t) => ({
    daysOfWeek: t.field({ type: [DayOfWeekEnum], required: true, description: 'Days on which the window starts (at least one).' }),
    startTime: t.string({ required: true, description: 'Local start, HH:MM, inclusive.' }),
    endTime: t.string({ required: true, description: 'Local end, HH:MM, exclusive; at or before startTime it ends the next day.' }),
  }),
});

const LayerInput = builder.inputType('ScheduleLayerInput', {
  description: 'A rotation layer.',
  fields: (t) => ({
    name: t.string({ description: 'Display name (default "Layer N").' }),
    rotationStart: t.field({ type: 'DateTime', required: true, description: 'When the first turn starts.' }),
    shiftLengthSeconds: t.int({ required: true, description: 'Length of one turn in seconds, at least 60.' }),
    participantIds: t.idList({ required: true, description: 'Users taking turns, in order (1 to 50; a user may appear more than once).' }),
    restrictions: t.field({ type: [RestrictionInput], description: 'Weekly windows limiting when the layer has someone (default: always).' }),
  }),
});

const CreateScheduleInput = builder.inputType('CreateScheduleInput', {
  description: 'A new on-call schedule.',
  fields: (t) => ({
    name: t.string({ required: true, description: '1 to 255 characters after trimming.' }),
    timeZone: t.string({ description: 'IANA time zone of the restriction windows (default UTC).' }),
    layers: t.field({ type: [LayerInput], required: true, description: 'Layers in order (1 to 10); a later layer wins.' }),
  }),
});

function schedulePayload(name: string, description: string) {
  return definePayload<{ scheduleId: string }>(name, description, (t) => ({
    schedule: t.prismaField({
      type: 'Schedule',
      nullable: true,
      description: 'The schedule; null when the input was rejected.',
      resolve: (query, payload: PayloadShape<{ scheduleId: string }>, _args, context: GatewayContext) =>
        payload.result ? context.db.prisma.schedule.findUnique({ ...query, where: { id: payload.result.scheduleId } }) : null,
    }),
  }));
}

builder.mutationField('createSchedule', (t) =>
  t.field({
    type: schedulePayload('CreateSchedulePayload', 'Result of createSchedule.'),
    description: 'Creates an on-call schedule. Participants must be users of your organization (NOT_FOUND at their path otherwise).',
    authScopes: { write: true },
    args: { input: t.arg({ type: CreateScheduleInput, required: true, description: 'The schedule.' }) },
    resolve: async (_root, { input }, context) => {
      const check = new InputCheck();
      const schedule = checkSchedule(check, {
        ...input,
        layers: input.layers.map((layer) => ({
          ...layer,
          participantIds: layer.participantIds.map((id) => decodeIdOrRaw(String(id), 'User')),
        })),
      });
      if (!check.ok) return rejected(check.errors);
      return settle(context, await schedules.createSchedule(context.db.prisma, actorOf(context), schedule));
    },
  }),
);

const scheduleDeletion = deletionTypes('Schedule', 'deletedScheduleId');

builder.mutationField('deleteSchedule', (t) =>
  t.field({
    type: scheduleDeletion.payload,
    description: 'Deletes a schedule with its layers and overrides; escalation rules stop targeting it.',
    authScopes: { write: true },
    args: { input: t.arg({ type: scheduleDeletion.input, required: true, description: 'The schedule.' }) },
    resolve: async (_root, { input }, context) =>
      settle(context, await schedules.deleteSchedule(context.db.prisma, actorOf(context), decodeId(String(input.id), 'Schedule'))),
  }),
);

const CreateScheduleOverrideInput = builder.inputType('CreateScheduleOverrideInput', {
  description: 'Someone taking over a schedule for a while.',
  fields: (t) => ({
    scheduleId: t.id({ required: true, description: 'Global ID of the schedule.' }),
    userId: t.id({ required: true, description: 'Global ID of the user on call instead.' }),
    startsAt: t.field({ type: 'DateTime', required: true, description: 'Start, inclusive.' }),
    endsAt: t.field({ type: 'DateTime', required: true, description: 'End, exclusive; after startsAt.' }),
  }),
});

const CreateScheduleOverridePayload = definePayload<{ scheduleOverrideId: string }>(
  'CreateScheduleOverridePayload',
  'Result of createScheduleOverride.',
  (t) => ({
    scheduleOverride: t.prismaField({
      type: 'ScheduleOverride',
      nullable: true,
      description: 'The new override; null when the input was rejected.',
      resolve: (query, payload: PayloadShape<{ scheduleOverrideId: string }>, _args, context: GatewayContext) =>
        payload.result ? context.db.prisma.scheduleOverride.findUnique({ ...query, where: { id: payload.result.scheduleOverrideId } }) : null,
    }),
  }),
);

builder.mutationField('createScheduleOverride', (t) =>
  t.field({
    type: CreateScheduleOverridePayload,
    description: 'Puts someone on call for a while, over every layer of the schedule.',
    authScopes: { write: true },
    args: { input: t.arg({ type: CreateScheduleOverrideInput, required: true, description: 'The override.' }) },
    resolve: async (_root, { input }, context) => {
      const check = new InputCheck();
      checkOverridePeriod(check, input.startsAt, input.endsAt);
      if (!check.ok) return rejected(check.errors);
      return settle(
        context,
        await schedules.createScheduleOverride(context.db.prisma, actorOf(context), {
          scheduleId: decodeId(String(input.scheduleId), 'Schedule'),
          userId: decodeIdOrRaw(String(input.userId), 'User'),
          startsAt: input.startsAt,
          endsAt: input.endsAt,
        }),
      );
    },
  }),
);

const overrideDeletion = deletionTypes('ScheduleOverride', 'deletedScheduleOverrideId');

builder.mutationField('deleteScheduleOverride', (t) =>
  t.field({
    type: overrideDeletion.payload,
    description: 'Removes an override; the layers decide again.',
    authScopes: { write: true },
    args: { input: t.arg({ type: overrideDeletion.input, required: true, description: 'The override.' }) },
    resolve: async (_root, { input }, context) =>
      settle(
        context,
        await schedules.deleteScheduleOverride(context.db.prisma, actorOf(context), decodeId(String(input.id), 'ScheduleOverride')),
      ),
  }),
);
