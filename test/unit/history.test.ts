import { describe, expect, it } from 'vitest';
import { encodeComponents, historyOf, stateAsOf, type IncidentState, type TimelineRecord } from '../../src/domain/history.js';

const alice = { keyId: 'k1', name: 'alice' };
const bot = { keyId: 'k2', name: 'bot' };
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 10, minute));

/**
 * A scripted incident:
 *  10:00 created INVESTIGATING, MEDIUM, impact NONE, no owner, api DEGRADED_PERFORMANCE
 *  10:05 message
 *  10:10 acknowledged
 *  10:15 severity MEDIUM -> HIGH
 *  10:20 components: api DEGRADED -> api MAJOR_OUTAGE + db PARTIAL_OUTAGE, impact MINOR -> CRITICAL
 *  10:30 owner none -> u1
 *  10:40 status INVESTIGATING -> RESOLVED
 *  10:50 reopened RESOLVED -> INVESTIGATING
 */
const records: TimelineRecord[] = [
  { at: at(0), actor: alice, kind: 'CREATED', changes: [] },
  { at: at(5), actor: alice, kind: 'MESSAGE', changes: [] },
  { at: at(10), actor: bot, kind: 'ACKNOWLEDGED', changes: [] },
  { at: at(15), actor: alice, kind: 'SEVERITY_CHANGED', changes: [{ field: 'severity', from: 'MEDIUM', to: 'HIGH' }] },
  {
    at: at(20),
    actor: alice,
    kind: 'COMPONENTS_CHANGED',
    changes: [
      {
        field: 'components',
        from: JSON.stringify(['api']),
        to: JSON.stringify(['api', 'db']),
        fromStatuses: ['DEGRADED_PERFORMANCE'],
        toStatuses: ['MAJOR_OUTAGE', 'PARTIAL_OUTAGE'],
      },
    ],
  },
  { at: at(20), actor: alice, kind: 'IMPACT_CHANGED', changes: [{ field: 'impact', from: 'MINOR', to: 'CRITICAL' }] },
  { at: at(30), actor: bot, kind: 'OWNER_CHANGED', changes: [{ field: 'owner', from: null, to: 'u1' }] },
  { at: at(40), actor: alice, kind: 'STATUS_CHANGED', changes: [{ field: 'status', from: 'INVESTIGATING', to: 'RESOLVED' }] },
  { at: at(50), actor: alice, kind: 'REOPENED', changes: [{ field: 'status', from: 'RESOLVED', to: 'INVESTIGATING' }] },
];

const current: IncidentState = {
  status: 'INVESTIGATING',
  severity: 'HIGH',
  impact: 'CRITICAL',
  ownerId: 'u1',
  components: [
    { componentId: 'api', status: 'MAJOR_OUTAGE' },
    { componentId: 'db', status: 'PARTIAL_OUTAGE' },
  ],
  acknowledgedAt: at(10),
};

const initial: IncidentState = {
  status: 'INVESTIGATING',
  severity: 'MEDIUM',
  impact: 'MINOR',
  ownerId: null,
  components: [{ componentId: 'api', status: 'DEGRADED_PERFORMANCE' }],
  acknowledgedAt: null,
};

describe('stateAsOf', () => {
  it('is null before the incident was recorded', () => {
    expect(stateAsOf(records, current, new Date(at(0).getTime() - 1))).toBeNull();
    expect(stateAsOf([], current, at(30))).toBeNull();
  });

  it('rebuilds every step of the scripted sequence', () => {
    const expected: [number, IncidentState][] = [
      [0, initial],
      [9, initial],
      [12, { ...initial, acknowledgedAt: at(10) }],
      [15, { ...initial, severity: 'HIGH', acknowledgedAt: at(10) }],
      [
        25,
        {
          ...initial,
          severity: 'HIGH',
          impact: 'CRITICAL',
          components: current.components,
          acknowledgedAt: at(10),
        },
      ],
      [35, { ...current, status: 'INVESTIGATING' }],
      [45, { ...current, status: 'RESOLVED' }],
      [50, current],
      [600, current],
    ];
    for (const [minute, state] of expected) {
      expect(stateAsOf(records, current, at(minute)), `at 10:${minute}`).toEqual(state);
    }
  });

  it('counts an acknowledgement given at creation from its own time', () => {
    const created = [records[0]];
    expect(stateAsOf(created, { ...current, acknowledgedAt: at(0) }, at(0))?.acknowledgedAt).toEqual(at(0));
  });

  it('takes fields that never changed from the current state', () => {
    const created = [records[0]];
    expect(stateAsOf(created, { ...current, acknowledgedAt: null }, at(1))).toEqual({ ...current, acknowledgedAt: null });
  });

  it('counts an entry written exactly at the moment asked', () => {
    expect(stateAsOf(records, current, at(40))?.status).toBe('RESOLVED');
    expect(stateAsOf(records, current, new Date(at(40).getTime() - 1))?.status).toBe('INVESTIGATING');
  });
});

describe('historyOf', () => {
  it('lists every change with its time and actor, acknowledgement included, oldest first', () => {
    const history = historyOf(records);
    expect(history.map((entry) => [entry.at.getUTCMinutes(), entry.actor.name, entry.field, entry.from, entry.to])).toEqual([
      [10, 'bot', 'acknowledgedAt', null, at(10).toISOString()],
      [15, 'alice', 'severity', 'MEDIUM', 'HIGH'],
      [20, 'alice', 'components', encodeComponents(initial.components), encodeComponents(current.components)],
      [20, 'alice', 'impact', 'MINOR', 'CRITICAL'],
      [30, 'bot', 'owner', null, 'u1'],
      [40, 'alice', 'status', 'INVESTIGATING', 'RESOLVED'],
      [50, 'alice', 'status', 'RESOLVED', 'INVESTIGATING'],
    ]);
  });
});
