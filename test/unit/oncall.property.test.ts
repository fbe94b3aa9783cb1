import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { onCallAt, shiftsBetween, type LayerSpec, type OverrideSpec, type RestrictionSpec, type ScheduleSpec } from '../../src/domain/oncall.js';
import { DAYS_OF_WEEK } from '../../src/domain/types.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const YEAR_START = Date.parse('2025-01-01T00:00:00Z');
const YEAR_END = Date.parse('2026-01-01T00:00:00Z');
/** DST changes in these zones happen between 00:00 and 03:59 local time (Lord Howe shifts by 30 minutes). */
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata'];

const localTime = (hours: fc.Arbitrary<number>) =>
  fc.tuple(hours, fc.constantFrom(0, 15, 30, 59)).map(([hour, minute]) => `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`);

const restriction = (hours: fc.Arbitrary<number>): fc.Arbitrary<RestrictionSpec> =>
  fc.record({
    daysOfWeek: fc.subarray([...DAYS_OF_WEEK], { minLength: 1 }),
    startTime: localTime(hours),
    endTime: localTime(hours),
  });

const layer = (hours: fc.Arbitrary<number>): fc.Arbitrary<LayerSpec> =>
  fc.record({
    rotationStart: fc.integer({ min: YEAR_START - 20 * DAY_MS, max: YEAR_END }).map((t) => new Date(t)),
    shiftLengthSeconds: fc.oneof(fc.constantFrom(3600, 8 * 3600, 12 * 3600, 86_400, 7 * 86_400), fc.integer({ min: 60, max: 3 * 86_400 })),
    participantIds: fc.array(fc.constantFrom('alice', 'bob', 'carol'), { maxLength: 4 }),
    restrictions: fc.array(restriction(hours), { maxLength: 2 }),
  });

const override: fc.Arbitrary<OverrideSpec> = fc
  .record({
    id: fc.uuid(),
    userId: fc.constantFrom('alice', 'dave'),
    start: fc.integer({ min: YEAR_START, max: YEAR_END }),
    length: fc.integer({ min: MINUTE_MS, max: 3 * DAY_MS }),
    createdAt: fc.option(fc.integer({ min: YEAR_START, max: YEAR_END }), { nil: undefined }),
  })
  .map(({ id, userId, start, length, createdAt }) => ({
    id,
    userId,
    startsAt: new Date(start),
    endsAt: new Date(start + length),
    ...(createdAt === undefined ? {} : { createdAt: new Date(createdAt) }),
  }));

const scheduleOf = (hours: fc.Arbitrary<number>): fc.Arbitrary<ScheduleSpec> =>
  fc.record({
    timeZone: fc.constantFrom(...ZONES),
    layers: fc.array(layer(hours), { maxLength: 3 }),
    overrides: fc.array(override, { maxLength: 3 }),
  });

const window = fc
  .record({ from: fc.integer({ min: YEAR_START, max: YEAR_END }), length: fc.integer({ min: HOUR_MS, max: 10 * DAY_MS }) })
  .map(({ from, length }) => ({ from, to: from + length }));

const fractions = fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 8 });

/** Instants to look at: random ones, and both sides of some boundaries of the timeline. */
function samplesOf(shifts: { startsAt: Date; endsAt: Date }[], from: number, to: number, picks: number[]): number[] {
  const edges = shifts.flatMap((shift) => [shift.startsAt.getTime(), shift.endsAt.getTime()]);
  const pickedEdges = edges.length === 0 ? [] : picks.map((pick) => edges[Math.floor(pick * edges.length)]);
  return [...picks.map((pick) => from + Math.floor(pick * (to - from))), ...pickedEdges, ...pickedEdges.map((edge) => edge - 1)].filter(
    (t) => t >= from && t < to,
  );
}

/** A deliberately naive reading of the rules, in local wall-clock time, to check the real one against. */
function naiveOnCall(spec: ScheduleSpec, t: number): { userId: string; overrideId: string | null } | null {
  const covering = spec.overrides
    .map((candidate, index) => ({ candidate, index }))
    .filter(({ candidate }) => candidate.startsAt.getTime() <= t && t < candidate.endsAt.getTime())
    .sort(
      (a, b) =>
        (b.candidate.createdAt?.getTime() ?? -Infinity) - (a.candidate.createdAt?.getTime() ?? -Infinity) || b.index - a.index,
    );
  if (covering.length > 0) return { userId: covering[0].candidate.userId, overrideId: covering[0].candidate.id };
  const local = DateTime.fromMillis(t, { zone: spec.timeZone });
  const minute = local.hour * 60 + local.minute;
  const today = DAYS_OF_WEEK[local.weekday - 1];
  const yesterday = DAYS_OF_WEEK[(local.weekday + 5) % 7];
  const inWindow = ({ daysOfWeek, startTime, endTime }: RestrictionSpec) => {
    const [start, end] = [startTime, endTime].map((time) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3)));
    if (start < end) return daysOfWeek.includes(today) && start <= minute && minute < end;
    return (daysOfWeek.includes(today) && minute >= start) || (daysOfWeek.includes(yesterday) && minute < end);
  };
  for (const candidate of [...spec.layers].reverse()) {
    const rotationStart = candidate.rotationStart.getTime();
    if (candidate.participantIds.length === 0 || t < rotationStart) continue;
    if (candidate.restrictions.length > 0 && !candidate.restrictions.some(inWindow)) continue;
    const shift = Math.floor((t - rotationStart) / (candidate.shiftLengthSeconds * 1000));
    return { userId: candidate.participantIds[shift % candidate.participantIds.length], overrideId: null };
  }
  return null;
}

// 300 random schedules each: about 10 s of CPU on a quiet 2-core machine, several times that while
// integration files share the cores.
describe('on-call properties', { timeout: 240_000 }, () => {
  it('shiftsBetween and onCallAt agree at every instant, and the timeline is well formed', () => {
    fc.assert(
      fc.property(scheduleOf(fc.integer({ min: 0, max: 23 })), window, fractions, (spec, { from, to }, picks) => {
        const shifts = shiftsBetween(spec, new Date(from), new Date(to));
        shifts.forEach((shift, index) => {
          expect(shift.startsAt.getTime()).toBeLessThan(shift.endsAt.getTime());
          expect(shift.startsAt.getTime()).toBeGreaterThanOrEqual(from);
          expect(shift.endsAt.getTime()).toBeLessThanOrEqual(to);
          const previous = shifts[index - 1];
          if (!previous) return;
          expect(previous.endsAt.getTime()).toBeLessThanOrEqual(shift.startsAt.getTime());
          const touching = previous.endsAt.getTime() === shift.startsAt.getTime();
          expect(touching && previous.userId === shift.userId && previous.overrideId === shift.overrideId).toBe(false);
        });
        for (const t of samplesOf(shifts, from, to, picks)) {
          const period = onCallAt(spec, new Date(t));
          const shift = shifts.find((candidate) => candidate.startsAt.getTime() <= t && t < candidate.endsAt.getTime());
          if (!shift) {
            expect(period).toBeNull();
            continue;
          }
          expect(period).not.toBeNull();
          expect({ userId: period?.userId, overrideId: period?.overrideId }).toEqual({ userId: shift.userId, overrideId: shift.overrideId });
          expect(Math.max(period!.startsAt.getTime(), from)).toBe(shift.startsAt.getTime());
          expect(Math.min(period!.endsAt?.getTime() ?? Infinity, to)).toBe(shift.endsAt.getTime());
        }
      }),
      { numRuns: 300 },
    );
  });

  it('onCallAt matches a naive local-time reading of the rules (restriction edges away from DST changes)', () => {
    fc.assert(
      fc.property(scheduleOf(fc.integer({ min: 4, max: 23 })), window, fractions, (spec, { from, to }, picks) => {
        const shifts = shiftsBetween(spec, new Date(from), new Date(to));
        for (const t of samplesOf(shifts, from, to, picks)) {
          const period = onCallAt(spec, new Date(t));
          expect(period && { userId: period.userId, overrideId: period.overrideId }).toEqual(naiveOnCall(spec, t));
        }
      }),
      { numRuns: 300 },
    );
  });
});
