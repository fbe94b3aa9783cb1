import { describe, expect, it } from 'vitest';
import {
  componentStatusAfterRelease,
  deriveImpact,
  effectiveImpact,
  impactOfComponentStatus,
  worstComponentStatus,
} from '../../src/domain/impact.js';
import { COMPONENT_STATUSES } from '../../src/domain/types.js';

describe('impact', () => {
  it('maps each component status to an impact', () => {
    expect(COMPONENT_STATUSES.map((status) => [status, impactOfComponentStatus(status)])).toEqual([
      ['OPERATIONAL', 'NONE'],
      ['DEGRADED_PERFORMANCE', 'MINOR'],
      ['PARTIAL_OUTAGE', 'MAJOR'],
      ['MAJOR_OUTAGE', 'CRITICAL'],
      ['UNDER_MAINTENANCE', 'NONE'],
    ]);
  });

  it.each([
    [[], 'NONE'],
    [['OPERATIONAL'], 'NONE'],
    [['UNDER_MAINTENANCE', 'OPERATIONAL'], 'NONE'],
    [['OPERATIONAL', 'DEGRADED_PERFORMANCE'], 'MINOR'],
    [['DEGRADED_PERFORMANCE', 'PARTIAL_OUTAGE', 'OPERATIONAL'], 'MAJOR'],
    [['MAJOR_OUTAGE', 'DEGRADED_PERFORMANCE'], 'CRITICAL'],
    [['PARTIAL_OUTAGE', 'MAJOR_OUTAGE', 'PARTIAL_OUTAGE'], 'CRITICAL'],
  ] as const)('derives %j as %s (worst wins, order does not matter)', (statuses, impact) => {
    expect(deriveImpact([...statuses])).toBe(impact);
    expect(deriveImpact([...statuses].reverse())).toBe(impact);
  });

  it('prefers an explicit impact over the derived one', () => {
    expect(effectiveImpact(null, 'MAJOR')).toBe('MAJOR');
    expect(effectiveImpact('NONE', 'CRITICAL')).toBe('NONE');
    expect(effectiveImpact('CRITICAL', 'NONE')).toBe('CRITICAL');
  });
});

describe('component statuses', () => {
  it('ranks OPERATIONAL < UNDER_MAINTENANCE < DEGRADED_PERFORMANCE < PARTIAL_OUTAGE < MAJOR_OUTAGE', () => {
    const ascending = ['OPERATIONAL', 'UNDER_MAINTENANCE', 'DEGRADED_PERFORMANCE', 'PARTIAL_OUTAGE', 'MAJOR_OUTAGE'] as const;
    ascending.forEach((status, index) => {
      expect(worstComponentStatus(ascending.slice(0, index + 1))).toBe(status);
      expect(worstComponentStatus([...ascending.slice(0, index + 1)].reverse())).toBe(status);
    });
    expect(worstComponentStatus([])).toBe('OPERATIONAL');
  });

  it('goes back to OPERATIONAL on release unless another open incident still lists the component', () => {
    expect(componentStatusAfterRelease([])).toBe('OPERATIONAL');
    expect(componentStatusAfterRelease(['UNDER_MAINTENANCE'])).toBe('UNDER_MAINTENANCE');
    expect(componentStatusAfterRelease(['DEGRADED_PERFORMANCE', 'MAJOR_OUTAGE', 'OPERATIONAL'])).toBe('MAJOR_OUTAGE');
    expect(componentStatusAfterRelease(['UNDER_MAINTENANCE', 'PARTIAL_OUTAGE'])).toBe('PARTIAL_OUTAGE');
  });
});
