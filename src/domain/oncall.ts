import { IANAZone } from 'luxon';
import { DAYS_OF_WEEK, type DayOfWeek } from './types.js';

/** A weekly window, in the schedule's local time, in which a layer has someone on call. */
export interface RestrictionSpec {
  daysOfWeek: DayOfWeek[];
  /** `HH:MM`, inclusive. */
  startTime: string;
  /** `HH:MM`, exclusive; at or before startTime the window runs into the next day. */
  endTime: string;
}

export interface LayerSpec {
  rotationStart: Date;
  shiftLengthSeconds: number;
  participantIds: string[];
  /** None means always on; otherwise the layer has someone only inside one of the windows. */
  restrictions: RestrictionSpec[];
}

export interface OverrideSpec {
  id: string;
  userId: string;
  startsAt: Date;
  endsAt: Date;
  createdAt?: Date;
}

export interface ScheduleSpec {
  timeZone: string;
  /** In priority order: where several layers have someone, the later one wins. */
  layers: LayerSpec[];
  overrides: OverrideSpec[];
}

/** Who is on call at an instant, over the whole continuous period around it. */
export interface OnCallPeriod {
  userId: string;
  startsAt: Date;
  /** null when nobody else takes over within the search horizon. */
  endsAt: Date | null;
  overrideId: string | null;
}

/** One piece of the on-call timeline, clipped to the window it was asked for. */
export interface OnCallShift {
  userId: string;
  startsAt: Date;
  endsAt: Date;
  overrideId: string | null;
}

export interface LocalTime {
  hour: number;
  minute: number;
}

/**
 * How far onCallAt searches either side of its instant for the ends of the current period.
 * A period still going on past the horizon has endsAt null (unless the very change point
 * that crosses the horizon ends it). A period that began before the horizon reports the first
 * change point found at or beyond the horizon as its startsAt: exact when that is where the
 * period began (a one-person rotation started long ago), otherwise a bound, not the true start.
 */
export const ON_CALL_SEARCH_HORIZON_DAYS = 90;

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const HORIZON_MS = ON_CALL_SEARCH_HORIZON_DAYS * DAY_MS;
/** Shift lengths are stored as 32-bit integers. */
const MAX_SHIFT_LENGTH_SECONDS = 2_147_483_647;
const LOCAL_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function isValidTimeZone(timeZone: string): boolean {
  return IANAZone.isValidZone(timeZone);
}

/** `HH:MM` from 00:00 to 23:59, or null. */
export function parseLocalTime(value: string): LocalTime | null {
  const match = LOCAL_TIME.exec(value);
  return match ? { hour: Number(match[1]), minute: Number(match[2]) } : null;
}

export function isValidShiftLength(seconds: number): boolean {
  return Number.isInteger(seconds) && seconds > 0 && seconds <= MAX_SHIFT_LENGTH_SECONDS;
}

/**
 * Who is on call at `at`: the override covering it, else the latest layer with someone.
 * Overlapping overrides: the most recently created wins (the newest instruction, as with
 * layers); overrides without createdAt count as oldest, and ties go to the later one in the list.
 * startsAt/endsAt bound the period in which the answer (user and override) stays the same,
 * across handoffs, layers and restriction windows; see ON_CALL_SEARCH_HORIZON_DAYS for its limits.
 */
export function onCallAt(schedule: ScheduleSpec, at: Date): OnCallPeriod | null {
  const timeline = new ScheduleTimeline(schedule);
  const t = instant(at);
  const current = timeline.whoAt(t);
  if (!current) return null;
  const end = periodEnd(timeline, current, t, t + HORIZON_MS);
  return {
    ...current,
    startsAt: new Date(periodStart(timeline, current, t, t - HORIZON_MS)),
    endsAt: end === null ? null : new Date(end),
  };
}

/**
 * The on-call timeline within [from, to): consecutive pieces with the same user and override
 * merged, the first and last clipped to the window, times when nobody is on call left out.
 */
export function shiftsBetween(schedule: ScheduleSpec, from: Date, to: Date): OnCallShift[] {
  const timeline = new ScheduleTimeline(schedule);
  const windowEnd = instant(to);
  const runs: (Assignment & { start: number; end: number })[] = [];
  for (let start = instant(from); start < windowEnd; ) {
    const end = Math.min(timeline.nextChange(start), windowEnd);
    const current = timeline.whoAt(start);
    if (current) {
      const previous = runs.at(-1);
      if (previous && previous.end === start && sameAssignment(previous, current)) previous.end = end;
      else runs.push({ ...current, start, end });
    }
    start = end;
  }
  return runs.map(({ userId, overrideId, start, end }) => ({
    userId,
    startsAt: new Date(start),
    endsAt: new Date(end),
    overrideId,
  }));
}

interface Assignment {
  userId: string;
  overrideId: string | null;
}

function sameAssignment(a: Assignment, b: Assignment): boolean {
  return a.userId === b.userId && a.overrideId === b.overrideId;
}

/** The first change point after t where someone else (or nobody) takes over; null past the limit. */
function periodEnd(timeline: ScheduleTimeline, current: Assignment, t: number, limit: number): number | null {
  for (let point = timeline.nextChange(t); point !== Infinity; point = timeline.nextChange(point)) {
    const next = timeline.whoAt(point);
    if (!next || !sameAssignment(next, current)) return point;
    if (point >= limit) return null;
  }
  return null;
}

/** The change point at or before t where the current assignment began, or the first one past the limit. */
function periodStart(timeline: ScheduleTimeline, current: Assignment, t: number, limit: number): number {
  // Someone on call at t means a rotation start or override start lies at or before t, so point stays finite.
  for (let point = timeline.lastChange(t); ; point = timeline.lastChange(point - 1)) {
    const previous = timeline.whoAt(point - 1);
    if (!previous || !sameAssignment(previous, current) || point <= limit) return point;
  }
}

function instant(date: Date): number {
  const t = date.getTime();
  if (Number.isNaN(t)) throw new RangeError('Invalid date');
  return t;
}

/**
 * Something whose answer is constant between consecutive change points. Change points are
 * a superset of the real changes: one where nothing changes is harmless.
 * All instants are epoch milliseconds; half-open intervals start at a change point.
 */
interface Source {
  at(t: number): Assignment | null;
  /** The first change point after t, or Infinity. */
  nextChange(t: number): number;
  /** The last change point at or before t, or -Infinity. */
  lastChange(t: number): number;
}

/** The whole schedule as one source: overrides over layers, later layers over earlier ones. */
class ScheduleTimeline {
  private readonly overrides: OverrideSource;
  /** Latest layer first, as it wins. */
  private readonly layersByPriority: LayerSource[];

  constructor(schedule: ScheduleSpec) {
    if (!isValidTimeZone(schedule.timeZone)) throw new RangeError(`Unknown time zone: ${schedule.timeZone}`);
    const zone = IANAZone.create(schedule.timeZone);
    this.overrides = new OverrideSource(schedule.overrides);
    this.layersByPriority = schedule.layers.map((layer) => new LayerSource(layer, zone)).reverse();
  }

  whoAt(t: number): Assignment | null {
    const override = this.overrides.at(t);
    if (override) return override;
    for (const layer of this.layersByPriority) {
      const assignment = layer.at(t);
      if (assignment) return assignment;
    }
    return null;
  }

  nextChange(t: number): number {
    return Math.min(this.overrides.nextChange(t), ...this.layersByPriority.map((layer) => layer.nextChange(t)));
  }

  lastChange(t: number): number {
    return Math.max(this.overrides.lastChange(t), ...this.layersByPriority.map((layer) => layer.lastChange(t)));
  }
}

class OverrideSource implements Source {
  private readonly byPriority: OverrideSpec[];
  private readonly edges: number[];

  constructor(overrides: readonly OverrideSpec[]) {
    const createdAt = (override: OverrideSpec) => override.createdAt?.getTime() ?? -Infinity;
    this.byPriority = overrides
      .map((override, index) => ({ override, index }))
      .sort((a, b) => createdAt(b.override) - createdAt(a.override) || b.index - a.index)
      .map(({ override }) => override);
    const edges = new Set(overrides.flatMap((override) => [override.startsAt.getTime(), override.endsAt.getTime()]));
    this.edges = [...edges].sort((a, b) => a - b);
  }

  at(t: number): Assignment | null {
    const covering = this.byPriority.find((override) => override.startsAt.getTime() <= t && t < override.endsAt.getTime());
    return covering ? { userId: covering.userId, overrideId: covering.id } : null;
  }

  nextChange(t: number): number {
    return this.edges[countAtOrBefore(this.edges, t)] ?? Infinity;
  }

  lastChange(t: number): number {
    return this.edges[countAtOrBefore(this.edges, t) - 1] ?? -Infinity;
  }
}

/** Participants take turns of fixed length (absolute time, unaffected by DST) from rotationStart. */
class LayerSource implements Source {
  private readonly participants: string[];
  private readonly rotationStart: number;
  private readonly shiftMs: number;
  private readonly windows: RestrictionWindows | null;

  constructor(layer: LayerSpec, zone: IANAZone) {
    if (!isValidShiftLength(layer.shiftLengthSeconds)) {
      throw new RangeError(`Invalid shift length: ${layer.shiftLengthSeconds} seconds`);
    }
    this.participants = layer.participantIds;
    this.rotationStart = instant(layer.rotationStart);
    this.shiftMs = layer.shiftLengthSeconds * 1000;
    this.windows = layer.restrictions.length > 0 ? new RestrictionWindows(layer.restrictions, zone) : null;
  }

  at(t: number): Assignment | null {
    if (this.participants.length === 0 || t < this.rotationStart) return null;
    if (this.windows && !this.windows.contains(t)) return null;
    return { userId: this.userOfShift(this.shiftIndex(t)), overrideId: null };
  }

  nextChange(t: number): number {
    if (this.participants.length === 0) return Infinity;
    return Math.min(this.nextHandoff(t), this.windows?.nextEdge(t) ?? Infinity);
  }

  lastChange(t: number): number {
    if (this.participants.length === 0) return -Infinity;
    return Math.max(this.lastHandoff(t), this.windows?.lastEdge(t) ?? -Infinity);
  }

  private shiftIndex(t: number): number {
    return Math.floor((t - this.rotationStart) / this.shiftMs);
  }

  private userOfShift(index: number): string {
    return this.participants[index % this.participants.length];
  }

  /** Handing over to the same person (a one-person rotation, a name listed twice in a row) changes nothing. */
  private changesHands(index: number): boolean {
    return index === 0 || this.userOfShift(index) !== this.userOfShift(index - 1);
  }

  private nextHandoff(t: number): number {
    if (t < this.rotationStart) return this.rotationStart;
    const current = this.shiftIndex(t);
    // The rotation repeats after one round, so a round without a change means there is none.
    for (let index = current + 1; index <= current + this.participants.length; index++) {
      if (this.changesHands(index)) return this.rotationStart + index * this.shiftMs;
    }
    return Infinity;
  }

  private lastHandoff(t: number): number {
    if (t < this.rotationStart) return -Infinity;
    const current = this.shiftIndex(t);
    for (let index = current; index >= 0 && index > current - this.participants.length; index--) {
      if (this.changesHands(index)) return this.rotationStart + index * this.shiftMs;
    }
    return this.rotationStart;
  }
}

interface Interval {
  start: number;
  end: number;
}

interface ParsedRestriction {
  isoWeekdays: Set<number>;
  startMinute: number;
  endMinute: number;
}

/**
 * The windows of a layer's restrictions, computed per local day as needed. Days are counted
 * as whole days since 1970-01-01 on the local calendar. A window lasts at most a day of local
 * time, so one containing t starts on t's local day or the day before.
 */
class RestrictionWindows {
  private readonly restrictions: ParsedRestriction[];
  private readonly windowsByDay = new Map<number, Interval[]>();

  constructor(
    restrictions: readonly RestrictionSpec[],
    private readonly zone: IANAZone,
  ) {
    this.restrictions = restrictions.map(parseRestriction);
  }

  contains(t: number): boolean {
    return this.windowsAround(t, 1, 0).some((window) => window.start <= t && t < window.end);
  }

  nextEdge(t: number): number {
    // Every restricted weekday recurs within a week, so eight days ahead always reach the next window.
    const edges = this.windowsAround(t, 1, 8).flatMap((window) => [window.start, window.end]);
    return Math.min(...edges.filter((edge) => edge > t));
  }

  lastEdge(t: number): number {
    const edges = this.windowsAround(t, 8, 0).flatMap((window) => [window.start, window.end]);
    return Math.max(...edges.filter((edge) => edge <= t));
  }

  private windowsAround(t: number, daysBefore: number, daysAfter: number): Interval[] {
    const today = Math.floor((t + this.zone.offset(t) * MINUTE_MS) / DAY_MS);
    const windows: Interval[] = [];
    for (let day = today - daysBefore; day <= today + daysAfter; day++) windows.push(...this.windowsStartingOn(day));
    return windows;
  }

  private windowsStartingOn(day: number): Interval[] {
    let windows = this.windowsByDay.get(day);
    if (!windows) {
      // 1970-01-01 was a Thursday, ISO weekday 4.
      const isoWeekday = modulo(day + 3, 7) + 1;
      windows = this.restrictions
        .filter((restriction) => restriction.isoWeekdays.has(isoWeekday))
        .map((restriction) => {
          const endDay = restriction.endMinute <= restriction.startMinute ? day + 1 : day;
          return {
            start: this.localToInstant(day * DAY_MS + restriction.startMinute * MINUTE_MS),
            end: this.localToInstant(endDay * DAY_MS + restriction.endMinute * MINUTE_MS),
          };
        })
        // A window squeezed away by a DST gap (e.g. 02:00-03:00 on a spring-forward night) is empty.
        .filter((window) => window.start < window.end);
      this.windowsByDay.set(day, windows);
    }
    return windows;
  }

  /**
   * The instant a local wall-clock time (given as milliseconds on the local calendar) happens.
   * Deterministic at DST changes, like Temporal's "compatible" choice: a time that happens twice
   * takes the first occurrence, a time skipped by a gap moves forward by the gap's length.
   * (luxon's own conversion picks by the offset in effect today, so it is not used here.)
   */
  private localToInstant(wallClock: number): number {
    const offsetBefore = this.zone.offset(wallClock - DAY_MS) * MINUTE_MS;
    const offsetAfter = this.zone.offset(wallClock + DAY_MS) * MINUTE_MS;
    const matching = [wallClock - offsetBefore, wallClock - offsetAfter].filter(
      (candidate) => candidate + this.zone.offset(candidate) * MINUTE_MS === wallClock,
    );
    return matching.length > 0 ? Math.min(...matching) : wallClock - offsetBefore;
  }
}

function parseRestriction(restriction: RestrictionSpec): ParsedRestriction {
  const start = parseLocalTime(restriction.startTime);
  const end = parseLocalTime(restriction.endTime);
  if (!start || !end) throw new RangeError(`Invalid restriction times: ${restriction.startTime}-${restriction.endTime}`);
  return {
    isoWeekdays: new Set(restriction.daysOfWeek.map((day) => DAYS_OF_WEEK.indexOf(day) + 1)),
    startMinute: start.hour * 60 + start.minute,
    endMinute: end.hour * 60 + end.minute,
  };
}

/** Index of the first element of ascending `sorted` greater than t, i.e. how many are at or before t. */
function countAtOrBefore(sorted: readonly number[], t: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle] <= t) low = middle + 1;
    else high = middle;
  }
  return low;
}

function modulo(value: number, divisor: number): number {
  return ((value % divisor) + divisor) % divisor;
}
