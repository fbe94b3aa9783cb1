import { describe, expect, it } from 'vitest';
import { BoardState, nextOnCallChange, ON_CALL_HORIZON_MS, OPEN_STATUSES, RECENT_ENTRIES } from '../../src/http/board/page/state.js';
import { formatAge, humanize } from '../../src/http/board/page/format.js';
import type { BoardIncidentFragment, BoardSchedulesFragment, BoardTimelineEntryFragment } from '../../src/client/generated/graphql.js';

const T0 = Date.parse('2026-03-28T12:00:00.000Z');

function entry(sequence: number, overrides: Partial<BoardTimelineEntryFragment> = {}): BoardTimelineEntryFragment {
  return {
    id: `entry-${overrides.id ?? sequence}`,
    kind: 'MESSAGE',
    status: 'INVESTIGATING',
    body: `entry ${sequence}`,
    postedAt: new Date(T0 + sequence * 1000).toISOString(),
    sequence,
    cursor: String(sequence),
    ...overrides,
  };
}

function incident(number: number, overrides: Partial<BoardIncidentFragment> = {}): BoardIncidentFragment {
  return {
    id: `incident-${number}`,
    number,
    title: `Incident ${number}`,
    kind: 'INCIDENT',
    severity: 'MEDIUM',
    status: 'INVESTIGATING',
    impact: 'NONE',
    startedAt: new Date(T0 + number * 60_000).toISOString(),
    scheduledFor: null,
    version: 1,
    owner: null,
    affectedComponents: [],
    timeline: { nodes: [{ ...entry(1), id: `incident-${number}-entry-1` }] },
    escalation: null,
    ...overrides,
  };
}

const numbers = (state: BoardState) => state.sortedIncidents().map((item) => item.number);

describe('board state', () => {
  it('shows only open statuses', () => {
    expect(OPEN_STATUSES).toEqual(['INVESTIGATING', 'IDENTIFIED', 'MONITORING', 'SCHEDULED', 'IN_PROGRESS', 'VERIFYING']);
  });

  it('sorts by severity, then longest running first', () => {
    const state = new BoardState();
    state.applySnapshot([
      incident(1, { severity: 'LOW' }),
      incident(2, { severity: 'CRITICAL' }),
      incident(3, { severity: 'HIGH' }),
      incident(4, { severity: 'CRITICAL', startedAt: new Date(T0 - 3600_000).toISOString() }),
    ]);
    expect(numbers(state)).toEqual([4, 2, 3, 1]);
  });

  it('adds created incidents, drops resolved and deleted ones, ignores stale versions', () => {
    const state = new BoardState();
    state.applySnapshot([incident(1, { version: 3 })]);
    expect(state.applyChange('CREATED', incident(2))).toBe('added');
    expect(state.applyChange('UPDATED', incident(1, { version: 2, title: 'older' }))).toBe('ignored');
    expect(state.applyChange('UPDATED', incident(1, { version: 4, title: 'newer' }))).toBe('updated');
    expect(state.incidents.get('incident-1')?.title).toBe('newer');
    expect(state.applyChange('TRANSITIONED', incident(1, { version: 5, status: 'RESOLVED' }))).toBe('removed');
    expect(state.applyChange('DELETED', incident(2, { version: 2 }))).toBe('removed');
    expect(state.applyChange('TRANSITIONED', incident(3, { status: 'POSTMORTEM' }))).toBe('ignored');
    expect(numbers(state)).toEqual([]);
  });

  it('keeps incidents that events changed while a snapshot was in flight', () => {
    const state = new BoardState();
    state.applySnapshot([incident(1), incident(2)]);
    state.beginSnapshot();
    state.applyChange('CREATED', incident(3));
    state.applyChange('UPDATED', incident(1, { version: 2, title: 'changed meanwhile' }));
    // The snapshot was read before those events: it misses #3 and has #1 at version 1; #2 was resolved.
    const { added, removed } = state.applySnapshot([incident(1)]);
    expect(added).toEqual([]);
    expect(removed).toEqual(['incident-2']);
    expect(numbers(state)).toEqual([1, 3]);
    expect(state.incidents.get('incident-1')?.title).toBe('changed meanwhile');
  });

  it('resumes each timeline after the newest entry seen, wherever it came from', () => {
    const state = new BoardState();
    expect(state.resumeCursor('incident-1')).toBeNull();
    state.applySnapshot([incident(1, { timeline: { nodes: [entry(4)] } })]);
    expect(state.resumeCursor('incident-1')).toBe('4');
    expect(state.applyEntry('incident-1', entry(5))).toBe(true);
    expect(state.applyEntry('incident-1', entry(5))).toBe(false);
    expect(state.resumeCursor('incident-1')).toBe('5');
    // A replayed older entry fills the feed but moves neither the cursor nor the latest entry.
    expect(state.applyEntry('incident-1', entry(3))).toBe(true);
    expect(state.resumeCursor('incident-1')).toBe('5');
    expect(state.incidents.get('incident-1')?.timeline.nodes[0].sequence).toBe(5);
  });

  it('takes the latest entry and its status onto the incident', () => {
    const state = new BoardState();
    state.applySnapshot([incident(1)]);
    state.applyEntry('incident-1', entry(2, { status: 'MONITORING', body: 'watching' }));
    expect(state.incidents.get('incident-1')).toMatchObject({ status: 'MONITORING', timeline: { nodes: [{ body: 'watching' }] } });
  });

  it('lists the newest entries across incidents, each once, with their incident number', () => {
    const state = new BoardState();
    state.applySnapshot([incident(1, { timeline: { nodes: [] } }), incident(2, { timeline: { nodes: [] } })]);
    for (let sequence = 1; sequence <= RECENT_ENTRIES * 5; sequence += 1) {
      state.applyEntry(sequence % 2 ? 'incident-1' : 'incident-2', entry(sequence));
    }
    const recent = state.recentEntries();
    expect(recent).toHaveLength(RECENT_ENTRIES);
    expect(recent[0]).toMatchObject({ sequence: RECENT_ENTRIES * 5, incidentNumber: 2 });
    expect(recent[1]).toMatchObject({ sequence: RECENT_ENTRIES * 5 - 1, incidentNumber: 1 });
  });
});

describe('next on-call change', () => {
  const schedules = (nodes: { endsAt?: string | null; upcoming?: string[] }[]): BoardSchedulesFragment => ({
    schedules: {
      nodes: nodes.map((node, index) => ({
        id: `schedule-${index}`,
        name: `Schedule ${index}`,
        upcoming: (node.upcoming ?? []).map((startsAt) => ({ startsAt })),
        onCall:
          node.endsAt === undefined
            ? null
            : { startsAt: new Date(T0 - 3600_000).toISOString(), endsAt: node.endsAt, user: { id: 'u', name: 'Ada' }, override: null },
      })),
    },
  });
  const at = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();

  it('is the earliest shift end or shift start after now', () => {
    expect(nextOnCallChange(schedules([{ endsAt: at(7200_000) }, { upcoming: [at(-60_000), at(3600_000)] }]), T0)).toBe(T0 + 3600_000);
  });

  it('is the horizon when nothing changes before it', () => {
    expect(nextOnCallChange(schedules([{ endsAt: null }, {}]), T0)).toBe(T0 + ON_CALL_HORIZON_MS);
  });
});

describe('board text', () => {
  it('turns enum values into labels', () => {
    expect(humanize('MAJOR_OUTAGE')).toBe('Major outage');
    expect(humanize('CRITICAL')).toBe('Critical');
  });

  it('shows ages in the two largest units', () => {
    const since = new Date(T0).toISOString();
    expect(formatAge(since, T0 + 30_000)).toBe('just now');
    expect(formatAge(since, T0 + 59 * 60_000)).toBe('59m');
    expect(formatAge(since, T0 + 125 * 60_000)).toBe('2h 05m');
    expect(formatAge(since, T0 + (3 * 24 + 7) * 3600_000)).toBe('3d 7h');
  });
});
