import type { Prisma } from '../generated/prisma/client.js';
import type { ScheduleSpec } from '../domain/oncall.js';
import type { DayOfWeek } from '../domain/types.js';

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
