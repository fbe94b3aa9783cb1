import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  isValidShiftLength,
  isValidTimeZone,
  onCallAt,
  parseLocalTime,
  shiftsBetween,
  type LayerSpec,
  type OverrideSpec,
  type RestrictionSpec,
  type ScheduleSpec,
} from '../../src/domain/oncall.js';
import { DAYS_OF_WEEK } from '../../src/domain/types.js';

const HOUR = 3600;
const DAY = 24 * HOUR;
const EVERY_DAY = [...DAYS_OF_WEEK];

function layer(participantIds: string[], options: { start?: string; shift?: number; restrictions?: RestrictionSpec[] } = {}): LayerSpec {
  return {
    rotationStart: new Date(options.start ?? '2025-01-06T09:00:00Z'),
    shiftLengthSeconds: options.shift ?? DAY,
    participantIds,
    restrictions: options.restrictions ?? [],
  };
}

function override(id: string, userId: string, startsAt: string, endsAt: string, createdAt?: string): OverrideSpec {
  return {
    id,
    userId,
    startsAt: new Date(startsAt),
    endsAt: new Date(endsAt),
    ...(createdAt ? { createdAt: new Date(createdAt) } : {}),
  };
}

function schedule(layers: LayerSpec[], overrides: OverrideSpec[] = [], timeZone = 'UTC'): ScheduleSpec {
  return { timeZone, layers, overrides };
}

/** The expected answer, written with ISO strings. */
function period(userId: string, startsAt: string, endsAt: string | null, overrideId: string | null = null) {
  return { userId, startsAt: new Date(startsAt), endsAt: endsAt === null ? null : new Date(endsAt), overrideId };
}

const onCall = (spec: ScheduleSpec, at: string) => onCallAt(spec, new Date(at));
const shifts = (spec: ScheduleSpec, from: string, to: string) =>
  shiftsBetween(spec, new Date(from), new Date(to)).map(({ userId, startsAt, endsAt, overrideId }) => ({
    userId,
    from: startsAt.toISOString(),
    to: endsAt.toISOString(),
    ...(overrideId ? { overrideId } : {}),
  }));

describe('a rotation', () => {
  const threePeople = schedule([layer(['alice', 'bob', 'carol'])]);

  it('has nobody before its rotation start, and its first participant from exactly then', () => {
    expect(onCall(threePeople, '2025-01-06T08:59:59.999Z')).toBeNull();
    expect(onCall(threePeople, '2025-01-06T09:00:00Z')).toEqual(period('alice', '2025-01-06T09:00:00Z', '2025-01-07T09:00:00Z'));
  });

  it('gives the handoff instant to the next person (shifts are half-open)', () => {
    expect(onCall(threePeople, '2025-01-07T08:59:59.999Z')?.userId).toBe('alice');
    expect(onCall(threePeople, '2025-01-07T09:00:00Z')).toEqual(period('bob', '2025-01-07T09:00:00Z', '2025-01-08T09:00:00Z'));
  });

  it('starts over after the last participant', () => {
    expect(onCall(threePeople, '2025-01-09T12:00:00Z')).toEqual(period('alice', '2025-01-09T09:00:00Z', '2025-01-10T09:00:00Z'));
    expect(onCall(threePeople, '2025-03-01T12:00:00Z')?.userId).toBe(['alice', 'bob', 'carol'][54 % 3]);
  });

  it('keeps one person on call across handoffs to themselves', () => {
    const twice = schedule([layer(['alice', 'alice', 'bob'])]);
    expect(onCall(twice, '2025-01-07T12:00:00Z')).toEqual(period('alice', '2025-01-06T09:00:00Z', '2025-01-08T09:00:00Z'));
    expect(onCall(twice, '2025-01-09T12:00:00Z')).toEqual(period('alice', '2025-01-09T09:00:00Z', '2025-01-11T09:00:00Z'));
  });

  it('makes a one-person rotation one period from its start, with no end', () => {
    const solo = schedule([layer(['alice'], { shift: 8 * HOUR, start: '2020-02-01T00:00:00Z' })]);
    expect(onCall(solo, '2025-06-01T12:00:00Z')).toEqual(period('alice', '2020-02-01T00:00:00Z', null));
  });

  it('has nobody when it has no participants, without hiding earlier layers', () => {
    expect(onCall(schedule([layer([])]), '2025-01-07T00:00:00Z')).toBeNull();
    expect(shifts(schedule([layer([])]), '2025-01-01T00:00:00Z', '2025-02-01T00:00:00Z')).toEqual([]);
    expect(onCall(schedule([layer(['alice'], { shift: HOUR }), layer([])]), '2025-01-07T00:00:00Z')?.userId).toBe('alice');
  });

  it('counts shifts in absolute time, unaffected by DST', () => {
    const berlin = schedule([layer(['alice', 'bob'], { start: '2025-03-29T12:00:00Z', shift: DAY })], [], 'Europe/Berlin');
    expect(onCall(berlin, '2025-03-31T11:00:00Z')).toEqual(period('bob', '2025-03-30T12:00:00Z', '2025-03-31T12:00:00Z'));
  });
});

describe('layers', () => {
  const businessHours: RestrictionSpec = { daysOfWeek: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'], startTime: '09:00', endTime: '17:00' };
  const spec = schedule([
    layer(['alice'], { start: '2025-01-06T00:00:00Z' }),
    layer(['bob'], { start: '2025-01-06T00:00:00Z', restrictions: [businessHours] }),
  ]);

  it('lets the later layer win where it has someone', () => {
    expect(onCall(spec, '2025-01-06T10:00:00Z')).toEqual(period('bob', '2025-01-06T09:00:00Z', '2025-01-06T17:00:00Z'));
    expect(onCall(spec, '2025-01-06T17:00:00Z')).toEqual(period('alice', '2025-01-06T17:00:00Z', '2025-01-07T09:00:00Z'));
    expect(onCall(spec, '2025-01-11T12:00:00Z')).toEqual(period('alice', '2025-01-10T17:00:00Z', '2025-01-13T09:00:00Z'));
  });

  it('falls back to an earlier layer outside the later layer', () => {
    expect(shifts(spec, '2025-01-06T00:00:00Z', '2025-01-08T00:00:00Z')).toEqual([
      { userId: 'alice', from: '2025-01-06T00:00:00.000Z', to: '2025-01-06T09:00:00.000Z' },
      { userId: 'bob', from: '2025-01-06T09:00:00.000Z', to: '2025-01-06T17:00:00.000Z' },
      { userId: 'alice', from: '2025-01-06T17:00:00.000Z', to: '2025-01-07T09:00:00.000Z' },
      { userId: 'bob', from: '2025-01-07T09:00:00.000Z', to: '2025-01-07T17:00:00.000Z' },
      { userId: 'alice', from: '2025-01-07T17:00:00.000Z', to: '2025-01-08T00:00:00.000Z' },
    ]);
  });

  it('merges one person on call across a layer change and a handoff into one period', () => {
    const merged = schedule([
      layer(['alice', 'bob'], { start: '2025-01-06T00:00:00Z', shift: 12 * HOUR }),
      layer(['bob'], { start: '2025-01-06T00:00:00Z', restrictions: [{ daysOfWeek: EVERY_DAY, startTime: '08:00', endTime: '14:00' }] }),
    ]);
    // bob: top layer 08:00-14:00, base layer from its 12:00 handoff until alice's shift at midnight.
    expect(onCall(merged, '2025-01-06T10:00:00Z')).toEqual(period('bob', '2025-01-06T08:00:00Z', '2025-01-07T00:00:00Z'));
    expect(onCall(merged, '2025-01-06T20:00:00Z')).toEqual(period('bob', '2025-01-06T08:00:00Z', '2025-01-07T00:00:00Z'));
  });
});

describe('restrictions', () => {
  it('include their start and exclude their end', () => {
    const mondays = schedule([layer(['alice'], { restrictions: [{ daysOfWeek: ['MONDAY'], startTime: '09:00', endTime: '17:00' }] })]);
    expect(onCall(mondays, '2025-01-06T08:59:59.999Z')).toBeNull();
    expect(onCall(mondays, '2025-01-06T09:00:00Z')).toEqual(period('alice', '2025-01-06T09:00:00Z', '2025-01-06T17:00:00Z'));
    expect(onCall(mondays, '2025-01-06T16:59:59.999Z')?.userId).toBe('alice');
    expect(onCall(mondays, '2025-01-06T17:00:00Z')).toBeNull();
    expect(onCall(mondays, '2025-01-07T10:00:00Z')).toBeNull();
    expect(onCall(mondays, '2025-01-13T12:00:00Z')).toEqual(period('alice', '2025-01-13T09:00:00Z', '2025-01-13T17:00:00Z'));
  });

  it('run past midnight when the end is before the start, on the day the window starts', () => {
    const fridayNights = schedule([
      layer(['alice'], { start: '2025-01-01T00:00:00Z', restrictions: [{ daysOfWeek: ['FRIDAY'], startTime: '22:00', endTime: '06:00' }] }),
    ]);
    expect(onCall(fridayNights, '2025-01-09T23:00:00Z')).toBeNull(); // Thursday night
    expect(onCall(fridayNights, '2025-01-10T21:59:59.999Z')).toBeNull();
    expect(onCall(fridayNights, '2025-01-10T22:00:00Z')).toEqual(period('alice', '2025-01-10T22:00:00Z', '2025-01-11T06:00:00Z'));
    expect(onCall(fridayNights, '2025-01-11T05:59:59.999Z')?.userId).toBe('alice');
    expect(onCall(fridayNights, '2025-01-11T06:00:00Z')).toBeNull();
    expect(onCall(fridayNights, '2025-01-11T23:00:00Z')).toBeNull(); // Saturday night
  });

  it('last a whole day when the end equals the start', () => {
    const saturdays = schedule([
      layer(['alice'], { start: '2025-01-01T00:00:00Z', restrictions: [{ daysOfWeek: ['SATURDAY'], startTime: '08:00', endTime: '08:00' }] }),
    ]);
    expect(onCall(saturdays, '2025-01-12T07:00:00Z')).toEqual(period('alice', '2025-01-11T08:00:00Z', '2025-01-12T08:00:00Z'));
    expect(onCall(saturdays, '2025-01-12T08:00:00Z')).toBeNull();
  });

  it('combine: someone is on call inside any of the windows', () => {
    const split = schedule([
      layer(['alice'], {
        start: '2025-01-01T00:00:00Z',
        restrictions: [
          { daysOfWeek: ['MONDAY'], startTime: '09:00', endTime: '12:00' },
          { daysOfWeek: ['MONDAY'], startTime: '11:00', endTime: '14:00' },
          { daysOfWeek: ['MONDAY'], startTime: '15:00', endTime: '16:00' },
        ],
      }),
    ]);
    expect(shifts(split, '2025-01-06T00:00:00Z', '2025-01-07T00:00:00Z')).toEqual([
      { userId: 'alice', from: '2025-01-06T09:00:00.000Z', to: '2025-01-06T14:00:00.000Z' },
      { userId: 'alice', from: '2025-01-06T15:00:00.000Z', to: '2025-01-06T16:00:00.000Z' },
    ]);
  });

  it('are local to the schedule time zone', () => {
    const kolkata = schedule(
      [layer(['alice'], { start: '2025-01-01T00:00:00Z', restrictions: [{ daysOfWeek: ['MONDAY'], startTime: '09:00', endTime: '17:00' }] })],
      [],
      'Asia/Kolkata',
    );
    expect(onCall(kolkata, '2025-01-06T05:00:00Z')).toEqual(period('alice', '2025-01-06T03:30:00Z', '2025-01-06T11:30:00Z'));
  });
});

describe('restrictions across DST changes', () => {
  const daily = (timeZone: string, startTime: string, endTime: string, daysOfWeek = EVERY_DAY) =>
    schedule([layer(['alice'], { start: '2024-01-01T00:00:00Z', restrictions: [{ daysOfWeek, startTime, endTime }] })], [], timeZone);
  const windows = (spec: ScheduleSpec, from: string, to: string) => shifts(spec, from, to).map((shift) => [shift.from, shift.to]);

  it('keeps 09:00-17:00 Europe/Berlin at 09:00 local around the March change', () => {
    expect(windows(daily('Europe/Berlin', '09:00', '17:00'), '2025-03-29T00:00:00Z', '2025-03-31T00:00:00Z')).toEqual([
      ['2025-03-29T08:00:00.000Z', '2025-03-29T16:00:00.000Z'],
      ['2025-03-30T07:00:00.000Z', '2025-03-30T15:00:00.000Z'],
    ]);
  });

  it('keeps 09:00-17:00 Europe/Berlin at 09:00 local around the October change', () => {
    expect(windows(daily('Europe/Berlin', '09:00', '17:00'), '2025-10-25T00:00:00Z', '2025-10-27T00:00:00Z')).toEqual([
      ['2025-10-25T07:00:00.000Z', '2025-10-25T15:00:00.000Z'],
      ['2025-10-26T08:00:00.000Z', '2025-10-26T16:00:00.000Z'],
    ]);
  });

  it('keeps 09:00-17:00 America/New_York at 09:00 local around the March and November changes', () => {
    const newYork = daily('America/New_York', '09:00', '17:00');
    expect(windows(newYork, '2025-03-08T00:00:00Z', '2025-03-10T00:00:00Z')).toEqual([
      ['2025-03-08T14:00:00.000Z', '2025-03-08T22:00:00.000Z'],
      ['2025-03-09T13:00:00.000Z', '2025-03-09T21:00:00.000Z'],
    ]);
    expect(windows(newYork, '2025-11-01T00:00:00Z', '2025-11-03T00:00:00Z')).toEqual([
      ['2025-11-01T13:00:00.000Z', '2025-11-01T21:00:00.000Z'],
      ['2025-11-02T14:00:00.000Z', '2025-11-02T22:00:00.000Z'],
    ]);
  });

  it('makes an overnight window shorter or longer on the night of the change', () => {
    const saturdayNights = daily('Europe/Berlin', '22:00', '06:00', ['SATURDAY']);
    expect(onCall(saturdayNights, '2025-03-30T03:00:00Z')).toEqual(period('alice', '2025-03-29T21:00:00Z', '2025-03-30T04:00:00Z'));
    expect(onCall(saturdayNights, '2025-10-26T03:00:00Z')).toEqual(period('alice', '2025-10-25T20:00:00Z', '2025-10-26T05:00:00Z'));
  });

  it('moves a start skipped by the spring gap forward, and empties a window inside the gap', () => {
    expect(windows(daily('Europe/Berlin', '02:30', '04:00', ['SUNDAY']), '2025-03-29T00:00:00Z', '2025-04-07T00:00:00Z')).toEqual([
      ['2025-03-30T01:30:00.000Z', '2025-03-30T02:00:00.000Z'],
      ['2025-04-06T00:30:00.000Z', '2025-04-06T02:00:00.000Z'],
    ]);
    expect(windows(daily('Europe/Berlin', '02:00', '03:00', ['SUNDAY']), '2025-03-29T00:00:00Z', '2025-04-07T00:00:00Z')).toEqual([
      ['2025-04-06T00:00:00.000Z', '2025-04-06T01:00:00.000Z'],
    ]);
  });

  describe('a local time that happens twice', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('takes its first occurrence, whatever the date today', () => {
      const repeatedHour = daily('Europe/Berlin', '02:30', '03:00', ['SUNDAY']);
      const expected = [['2025-10-26T00:30:00.000Z', '2025-10-26T02:00:00.000Z']];
      for (const today of ['2025-01-15T12:00:00Z', '2025-07-15T12:00:00Z']) {
        vi.useFakeTimers({ now: new Date(today) });
        expect(windows(repeatedHour, '2025-10-25T00:00:00Z', '2025-10-27T00:00:00Z')).toEqual(expected);
      }
    });
  });
});

describe('overrides', () => {
  const alwaysAlice = layer(['alice'], { start: '2025-01-01T00:00:00Z' });

  it('beat every layer, and cut the period of whoever they interrupt', () => {
    const spec = schedule([alwaysAlice], [override('o1', 'bob', '2025-01-06T10:00:00Z', '2025-01-06T12:00:00Z')]);
    expect(onCall(spec, '2025-01-06T09:59:59.999Z')).toEqual(period('alice', '2025-01-01T00:00:00Z', '2025-01-06T10:00:00Z'));
    expect(onCall(spec, '2025-01-06T10:00:00Z')).toEqual(period('bob', '2025-01-06T10:00:00Z', '2025-01-06T12:00:00Z', 'o1'));
    expect(onCall(spec, '2025-01-06T12:00:00Z')).toEqual(period('alice', '2025-01-06T12:00:00Z', null));
  });

  it('are their own period even for the person the layer has on call', () => {
    const spec = schedule([alwaysAlice], [override('o1', 'alice', '2025-01-06T10:00:00Z', '2025-01-06T12:00:00Z')]);
    expect(onCall(spec, '2025-01-06T11:00:00Z')).toEqual(period('alice', '2025-01-06T10:00:00Z', '2025-01-06T12:00:00Z', 'o1'));
    expect(onCall(spec, '2025-01-06T09:00:00Z')?.endsAt).toEqual(new Date('2025-01-06T10:00:00Z'));
  });

  it('cover times when no layer has anyone', () => {
    const mondays = layer(['alice'], { start: '2025-01-01T00:00:00Z', restrictions: [{ daysOfWeek: ['MONDAY'], startTime: '09:00', endTime: '17:00' }] });
    const spec = schedule([mondays], [override('o1', 'carol', '2025-01-05T20:00:00Z', '2025-01-06T10:00:00Z')]);
    expect(onCall(spec, '2025-01-05T21:00:00Z')).toEqual(period('carol', '2025-01-05T20:00:00Z', '2025-01-06T10:00:00Z', 'o1'));
    expect(onCall(spec, '2025-01-06T09:30:00Z')?.userId).toBe('carol');
    expect(onCall(spec, '2025-01-06T10:00:00Z')).toEqual(period('alice', '2025-01-06T10:00:00Z', '2025-01-06T17:00:00Z'));
  });

  it('overlap: the most recently created wins', () => {
    const older = override('old', 'carol', '2025-01-06T10:00:00Z', '2025-01-06T14:00:00Z', '2025-01-01T00:00:00Z');
    const newer = override('new', 'dave', '2025-01-06T12:00:00Z', '2025-01-06T16:00:00Z', '2025-01-02T00:00:00Z');
    for (const overrides of [[older, newer], [newer, older]]) {
      expect(shifts(schedule([alwaysAlice], overrides), '2025-01-06T08:00:00Z', '2025-01-06T18:00:00Z')).toEqual([
        { userId: 'alice', from: '2025-01-06T08:00:00.000Z', to: '2025-01-06T10:00:00.000Z' },
        { userId: 'carol', from: '2025-01-06T10:00:00.000Z', to: '2025-01-06T12:00:00.000Z', overrideId: 'old' },
        { userId: 'dave', from: '2025-01-06T12:00:00.000Z', to: '2025-01-06T16:00:00.000Z', overrideId: 'new' },
        { userId: 'alice', from: '2025-01-06T16:00:00.000Z', to: '2025-01-06T18:00:00.000Z' },
      ]);
    }
  });

  it('overlap: a later-created override hides an earlier one it contains, even one starting later', () => {
    const short = override('short', 'dave', '2025-01-06T12:00:00Z', '2025-01-06T13:00:00Z', '2025-01-01T00:00:00Z');
    const long = override('long', 'carol', '2025-01-06T08:00:00Z', '2025-01-06T20:00:00Z', '2025-01-02T00:00:00Z');
    const spec = schedule([alwaysAlice], [short, long]);
    expect(onCall(spec, '2025-01-06T12:30:00Z')).toEqual(period('carol', '2025-01-06T08:00:00Z', '2025-01-06T20:00:00Z', 'long'));
  });

  it('overlap without creation times: the later one in the list wins', () => {
    const first = override('first', 'carol', '2025-01-06T10:00:00Z', '2025-01-06T14:00:00Z');
    const second = override('second', 'dave', '2025-01-06T12:00:00Z', '2025-01-06T16:00:00Z');
    expect(onCall(schedule([alwaysAlice], [first, second]), '2025-01-06T13:00:00Z')?.overrideId).toBe('second');
    expect(onCall(schedule([alwaysAlice], [second, first]), '2025-01-06T13:00:00Z')?.overrideId).toBe('first');
  });

  it('back to back for one person stay separate periods, one per override', () => {
    const spec = schedule(
      [alwaysAlice],
      [override('o1', 'bob', '2025-01-06T10:00:00Z', '2025-01-06T12:00:00Z'), override('o2', 'bob', '2025-01-06T12:00:00Z', '2025-01-06T14:00:00Z')],
    );
    expect(onCall(spec, '2025-01-06T11:00:00Z')).toEqual(period('bob', '2025-01-06T10:00:00Z', '2025-01-06T12:00:00Z', 'o1'));
    expect(onCall(spec, '2025-01-06T12:00:00Z')).toEqual(period('bob', '2025-01-06T12:00:00Z', '2025-01-06T14:00:00Z', 'o2'));
  });

  it('cover nothing when they end before they start', () => {
    const spec = schedule([alwaysAlice], [override('o1', 'bob', '2025-01-06T12:00:00Z', '2025-01-06T10:00:00Z')]);
    expect(onCall(spec, '2025-01-06T11:00:00Z')?.userId).toBe('alice');
  });
});

describe('the search horizon', () => {
  it('finds an end far away when it is the first change point', () => {
    const spec = schedule([], [override('o1', 'bob', '2025-01-01T00:00:00Z', '2025-12-31T00:00:00Z')]);
    expect(onCall(spec, '2025-06-01T00:00:00Z')).toEqual(period('bob', '2025-01-01T00:00:00Z', '2025-12-31T00:00:00Z', 'o1'));
  });

  it('gives up 90 days out when the same person goes on and on', () => {
    const roundTheClock = schedule([
      layer(['alice'], { start: '2024-01-01T00:00:00Z', restrictions: [{ daysOfWeek: EVERY_DAY, startTime: '00:00', endTime: '00:00' }] }),
    ]);
    // Change points are every midnight; the walk back stops at the first one at least 90 days before.
    expect(onCall(roundTheClock, '2025-06-01T12:00:00Z')).toEqual(period('alice', '2025-03-03T00:00:00Z', null));
  });
});

describe('shiftsBetween', () => {
  const weeklyMondays = schedule([
    layer(['alice', 'bob'], {
      start: '2025-01-06T00:00:00Z',
      shift: 7 * DAY,
      restrictions: [{ daysOfWeek: ['MONDAY'], startTime: '09:00', endTime: '17:00' }],
    }),
  ]);

  it('clips to the window and leaves out the gaps', () => {
    expect(shifts(weeklyMondays, '2025-01-06T12:00:00Z', '2025-01-13T10:00:00Z')).toEqual([
      { userId: 'alice', from: '2025-01-06T12:00:00.000Z', to: '2025-01-06T17:00:00.000Z' },
      { userId: 'bob', from: '2025-01-13T09:00:00.000Z', to: '2025-01-13T10:00:00.000Z' },
    ]);
  });

  it('is empty for an empty window', () => {
    expect(shifts(weeklyMondays, '2025-01-06T12:00:00Z', '2025-01-06T12:00:00Z')).toEqual([]);
    expect(shifts(weeklyMondays, '2025-01-06T13:00:00Z', '2025-01-06T12:00:00Z')).toEqual([]);
  });
});

describe('input checks', () => {
  it('knows IANA time zones', () => {
    expect(['Europe/Berlin', 'America/New_York', 'UTC', 'Mars/Olympus_Mons', ''].map(isValidTimeZone)).toEqual([true, true, true, false, false]);
  });

  it('parses HH:MM from 00:00 to 23:59', () => {
    expect(parseLocalTime('00:00')).toEqual({ hour: 0, minute: 0 });
    expect(parseLocalTime('09:05')).toEqual({ hour: 9, minute: 5 });
    expect(parseLocalTime('23:59')).toEqual({ hour: 23, minute: 59 });
    for (const invalid of ['24:00', '9:00', '09:60', '09:00:00', ' 09:00', '', 'ab:cd']) expect(parseLocalTime(invalid)).toBeNull();
  });

  it('accepts whole positive shift lengths that fit 32 bits', () => {
    expect([1, 3600, 2_147_483_647, 0, -60, 1.5, 2_147_483_648, Number.NaN].map(isValidShiftLength)).toEqual([
      true, true, true, false, false, false, false, false,
    ]);
  });

  it('refuses to compute with what validation should have rejected', () => {
    expect(() => onCall(schedule([layer(['alice'])], [], 'Nowhere/Land'), '2025-01-06T10:00:00Z')).toThrow(RangeError);
    expect(() => onCall(schedule([layer(['alice'], { shift: 0 })]), '2025-01-06T10:00:00Z')).toThrow(RangeError);
    const badTime = layer(['alice'], { restrictions: [{ daysOfWeek: ['MONDAY'], startTime: '25:00', endTime: '17:00' }] });
    expect(() => onCall(schedule([badTime]), '2025-01-06T10:00:00Z')).toThrow(RangeError);
    expect(() => onCallAt(schedule([layer(['alice'])]), new Date(Number.NaN))).toThrow(RangeError);
  });
});
