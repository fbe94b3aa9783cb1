import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import { onCallAt, shiftsBetween, type ScheduleSpec } from '../domain/oncall.js';
import type { CheckedSchedule } from '../domain/oncall-input.js';
import type { DayOfWeek } from '../domain/types.js';
import type { UserError } from '../domain/validation.js';
import { isUuid } from '../domain/ids.js';
import { inTransaction, reject, Rejection, type Actor, type Tx } from './transaction.js';

/** What to load with a schedule to compute who is on call. */
export const scheduleSpecInclude = {
  layers: { orderBy: { position: 'asc' }, include: { participants: { orderBy: { position: 'asc' } } } },
  overrides: true,
} satisfies Prisma.ScheduleInclude;

export type ScheduleWithSpec = Prisma.ScheduleGetPayload<{ include: typeof scheduleSpecInclude }>;

interface StoredRestriction {
  daysOfWeek: DayOfWeek[];
  startTime: string;
  endTime: string;
}

/** Maps stored rows to the pure on-call model of src/domain. */
export function scheduleSpecOf(schedule: ScheduleWithSpec): ScheduleSpec {
  return {
    timeZone: schedule.timeZone,
    layers: schedule.layers.map((layer) => ({
      rotationStart: layer.rotationStart,
      shiftLengthSeconds: layer.shiftLengthSeconds,
      participantIds: layer.participants.map((participant) => participant.userId),
      restrictions: layer.restrictions as unknown as StoredRestriction[] as ScheduleSpec['layers'][number]['restrictions'],
    })),
    overrides: schedule.overrides.map((override) => ({
      id: override.id,
      userId: override.userId,
      startsAt: override.startsAt,
      endsAt: override.endsAt,
      createdAt: override.createdAt,
    })),
  };
}

/** scheduleSpecInclude plus the people, so on-call answers can name them without more queries. */
export const scheduleTimelineInclude = {
  layers: { orderBy: { position: 'asc' }, include: { participants: { orderBy: { position: 'asc' }, include: { user: true } } } },
  overrides: { include: { user: true } },
} satisfies Prisma.ScheduleInclude;

export type ScheduleWithTimeline = Prisma.ScheduleGetPayload<{ include: typeof scheduleTimelineInclude }>;
type UserRow = ScheduleWithTimeline['overrides'][number]['user'];
type OverrideRow = ScheduleWithTimeline['overrides'][number];

/** A piece of the final on-call timeline, with its person and override as rows. */
export interface ResolvedShift {
  user: UserRow;
  startsAt: Date;
  endsAt: Date | null;
  override: OverrideRow | null;
}

function resolver(schedule: ScheduleWithTimeline) {
  const users = new Map<string, UserRow>();
  for (const layer of schedule.layers) for (const participant of layer.participants) users.set(participant.userId, participant.user);
  for (const override of schedule.overrides) users.set(override.userId, override.user);
  const overrides = new Map(schedule.overrides.map((override) => [override.id, override]));
  return <T extends { userId: string; overrideId: string | null }>(piece: T) => ({
    user: users.get(piece.userId)!,
    override: piece.overrideId ? overrides.get(piece.overrideId) ?? null : null,
  });
}

/** Who is on call at `at`, over their whole continuous period; null when nobody is. */
export function onCallOf(schedule: ScheduleWithTimeline, at: Date): ResolvedShift | null {
  const period = onCallAt(scheduleSpecOf(schedule), at);
  return period ? { ...resolver(schedule)(period), startsAt: period.startsAt, endsAt: period.endsAt } : null;
}

/** The final on-call timeline within [from, to). */
export function shiftsOf(schedule: ScheduleWithTimeline, from: Date, to: Date): ResolvedShift[] {
  const resolve = resolver(schedule);
  return shiftsBetween(scheduleSpecOf(schedule), from, to).map((shift) => ({ ...resolve(shift), startsAt: shift.startsAt, endsAt: shift.endsAt }));
}

async function findSchedule(tx: Tx, orgId: string, id: string | null, field: string[]) {
  const schedule = isUuid(id) ? await tx.schedule.findFirst({ where: { id, orgId }, select: { id: true } }) : null;
  if (!schedule) reject('NOT_FOUND', field, 'No schedule with this id');
  return schedule;
}

/** The ids among `refs` that name no user of the org, as NOT_FOUND errors at their paths. */
export async function missingUsers(tx: Tx, orgId: string, refs: { id: string; field: string[] }[]): Promise<UserError[]> {
  const candidates = [...new Set(refs.map((ref) => ref.id).filter(isUuid))];
  const found = new Set(
    candidates.length === 0 ? [] : (await tx.user.findMany({ where: { orgId, id: { in: candidates } }, select: { id: true } })).map((user) => user.id),
  );
  return refs
    .filter((ref) => !found.has(ref.id))
    .map((ref) => ({ code: 'NOT_FOUND' as const, field: ref.field, message: 'No user with this id' }));
}

export function createSchedule(prisma: PrismaClient, actor: Actor, schedule: CheckedSchedule) {
  return inTransaction(prisma, async (tx) => {
    const errors = await missingUsers(
      tx,
      actor.orgId,
      schedule.layers.flatMap((layer, l) =>
        layer.participantIds.map((id, p) => ({ id, field: ['layers', String(l), 'participantIds', String(p)] })),
      ),
    );
    if (errors.length > 0) throw new Rejection(errors);
    const created = await tx.schedule.create({
      data: {
        orgId: actor.orgId,
        name: schedule.name,
        timeZone: schedule.timeZone,
        layers: {
          create: schedule.layers.map((layer, position) => ({
            position,
            name: layer.name,
            rotationStart: layer.rotationStart,
            shiftLengthSeconds: layer.shiftLengthSeconds,
            restrictions: layer.restrictions as unknown as Prisma.InputJsonValue,
            participants: { create: layer.participantIds.map((userId, index) => ({ userId, position: index })) },
          })),
        },
      },
      select: { id: true },
    });
    return { scheduleId: created.id };
  });
}

/** Its overrides go with it, and escalation rules stop targeting it. */
export function deleteSchedule(prisma: PrismaClient, actor: Actor, id: string | null) {
  return inTransaction(prisma, async (tx) => {
    const schedule = await findSchedule(tx, actor.orgId, id, ['id']);
    await tx.schedule.delete({ where: { id: schedule.id } });
    return { deletedScheduleId: schedule.id };
  });
}

export interface OverrideRequest {
  scheduleId: string | null;
  userId: string;
  startsAt: Date;
  endsAt: Date;
}

export function createScheduleOverride(prisma: PrismaClient, actor: Actor, request: OverrideRequest) {
  return inTransaction(prisma, async (tx) => {
    const schedule = isUuid(request.scheduleId)
      ? await tx.schedule.findFirst({ where: { id: request.scheduleId, orgId: actor.orgId }, select: { id: true } })
      : null;
    const errors = await missingUsers(tx, actor.orgId, [{ id: request.userId, field: ['userId'] }]);
    if (!schedule) errors.unshift({ code: 'NOT_FOUND', field: ['scheduleId'], message: 'No schedule with this id' });
    if (!schedule || errors.length > 0) throw new Rejection(errors);
    const override = await tx.scheduleOverride.create({
      data: { orgId: actor.orgId, scheduleId: schedule.id, userId: request.userId, startsAt: request.startsAt, endsAt: request.endsAt },
      select: { id: true },
    });
    return { scheduleOverrideId: override.id };
  });
}

export function deleteScheduleOverride(prisma: PrismaClient, actor: Actor, id: string | null) {
  return inTransaction(prisma, async (tx) => {
    const override = isUuid(id) ? await tx.scheduleOverride.findFirst({ where: { id, orgId: actor.orgId }, select: { id: true } }) : null;
    if (!override) reject('NOT_FOUND', ['id'], 'No schedule override with this id');
    await tx.scheduleOverride.delete({ where: { id: override.id } });
    return { deletedScheduleOverrideId: override.id };
  });
}
