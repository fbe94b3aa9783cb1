import { describe, expect, it } from 'vitest';
import {
  initialStatus,
  initialStatusValid,
  isClosingStatus,
  isOpenStatus,
  isStatusOfKind,
  planTransition,
  setsResolvedAtOnCreate,
  statusesOf,
  type TransitionPlan,
} from '../../src/domain/lifecycle.js';
import { INCIDENT_STATUSES, type IncidentKind, type IncidentStatus } from '../../src/domain/types.js';

/**
 * Every (from, to) pair, written out; columns follow INCIDENT_STATUSES.
 * `.` invalid, `S` plain status change, `C` closes (resolvedAt set, components released),
 * `X` cancels (components released, no resolvedAt), `R` reopens.
 */
const EXPECTED: Record<IncidentKind, string> = {
  INCIDENT: `
    from/to        INV IDE MON RES PM  SCH INP VER COM CAN
    INVESTIGATING  .   S   S   C   .   .   .   .   .   .
    IDENTIFIED     S   .   S   C   .   .   .   .   .   .
    MONITORING     S   S   .   C   .   .   .   .   .   .
    RESOLVED       R   .   .   .   S   .   .   .   .   .
    POSTMORTEM     .   .   .   .   .   .   .   .   .   .
  `,
  MAINTENANCE: `
    from/to        INV IDE MON RES PM  SCH INP VER COM CAN
    SCHEDULED      .   .   .   .   .   .   S   .   .   X
    IN_PROGRESS    .   .   .   .   .   .   .   S   .   .
    VERIFYING      .   .   .   .   .   .   .   .   C   .
    COMPLETED      .   .   .   .   .   .   .   .   .   .
    CANCELLED      .   .   .   .   .   .   .   .   .   .
  `,
};

const PLAN_OF_CELL: Record<string, TransitionPlan | 'invalid'> = {
  '.': 'invalid',
  S: { ok: true, reopen: false, setsResolvedAt: false, clearsResolvedAt: false, releasesComponents: false, entryKind: 'STATUS_CHANGED' },
  C: { ok: true, reopen: false, setsResolvedAt: true, clearsResolvedAt: false, releasesComponents: true, entryKind: 'STATUS_CHANGED' },
  X: { ok: true, reopen: false, setsResolvedAt: false, clearsResolvedAt: false, releasesComponents: true, entryKind: 'STATUS_CHANGED' },
  R: { ok: true, reopen: true, setsResolvedAt: false, clearsResolvedAt: true, releasesComponents: false, entryKind: 'REOPENED' },
};

const cases = Object.entries(EXPECTED).flatMap(([kind, grid]) => {
  const [, ...rows] = grid.trim().split('\n');
  return rows.flatMap((row) => {
    const [from, ...cells] = row.trim().split(/\s+/);
    if (cells.length !== INCIDENT_STATUSES.length) throw new Error(`Malformed row: ${row}`);
    return cells.map((cell, column) => ({
      kind: kind as IncidentKind,
      from: from as IncidentStatus,
      to: INCIDENT_STATUSES[column],
      expected: PLAN_OF_CELL[cell],
    }));
  });
});

describe('planTransition', () => {
  it('covers every pair of statuses of both kinds', () => {
    expect(cases).toHaveLength(2 * 5 * 10);
  });

  it.each(cases)('$kind $from -> $to', ({ kind, from, to, expected }) => {
    const plan = planTransition({ kind, status: from }, to);
    if (expected === 'invalid') {
      expect(plan).toMatchObject({ ok: false, code: 'INVALID_TRANSITION' });
      expect(plan.ok === false && plan.message.length > 0).toBe(true);
    } else {
      expect(plan).toEqual(expected);
    }
  });

  it('explains why a move is refused', () => {
    const same = planTransition({ kind: 'INCIDENT', status: 'MONITORING' }, 'MONITORING');
    const otherKind = planTransition({ kind: 'INCIDENT', status: 'INVESTIGATING' }, 'COMPLETED');
    const final = planTransition({ kind: 'INCIDENT', status: 'POSTMORTEM' }, 'INVESTIGATING');
    expect(same.ok === false && same.message).toMatch(/already MONITORING/);
    expect(otherKind.ok === false && otherKind.message).toMatch(/COMPLETED is not a status of a INCIDENT/);
    expect(final.ok === false && final.message).toMatch(/POSTMORTEM is final/);
  });
});

describe('statuses per kind', () => {
  it('starts each kind in its initial status', () => {
    expect(initialStatus('INCIDENT')).toBe('INVESTIGATING');
    expect(initialStatus('MAINTENANCE')).toBe('SCHEDULED');
  });

  it('lists the statuses of each kind', () => {
    expect(statusesOf('INCIDENT')).toEqual(['INVESTIGATING', 'IDENTIFIED', 'MONITORING', 'RESOLVED', 'POSTMORTEM']);
    expect(statusesOf('MAINTENANCE')).toEqual(['SCHEDULED', 'IN_PROGRESS', 'VERIFYING', 'COMPLETED', 'CANCELLED']);
  });

  it.each(INCIDENT_STATUSES)('%s belongs to exactly one kind', (status) => {
    expect(isStatusOfKind('INCIDENT', status)).not.toBe(isStatusOfKind('MAINTENANCE', status));
    expect(initialStatusValid('INCIDENT', status)).toBe(isStatusOfKind('INCIDENT', status));
    expect(initialStatusValid('MAINTENANCE', status)).toBe(isStatusOfKind('MAINTENANCE', status));
  });

  it('tells open, closing and resolving statuses apart', () => {
    const table = INCIDENT_STATUSES.map((status) => [
      status,
      isOpenStatus(status),
      isClosingStatus(status),
      setsResolvedAtOnCreate(status),
    ]);
    expect(table).toEqual([
      ['INVESTIGATING', true, false, false],
      ['IDENTIFIED', true, false, false],
      ['MONITORING', true, false, false],
      ['RESOLVED', false, true, true],
      ['POSTMORTEM', false, false, true],
      ['SCHEDULED', true, false, false],
      ['IN_PROGRESS', true, false, false],
      ['VERIFYING', true, false, false],
      ['COMPLETED', false, true, true],
      ['CANCELLED', false, true, false],
    ]);
  });
});
