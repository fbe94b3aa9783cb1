import { describe, expect, it } from 'vitest';
import {
  MAX_COMPONENTS,
  checkComponentRefs,
  checkExpectedVersion,
  isValidPageSize,
  normalizeText,
} from '../../src/domain/validation.js';

const existing = new Set(['a', 'b', 'c']);
const manyIds = (count: number) => Array.from({ length: count }, (_, index) => `id-${index}`);

describe('checkComponentRefs', () => {
  it('accepts distinct existing ids, and no ids at all', () => {
    expect(checkComponentRefs(['a', 'b', 'c'], existing, 'componentIds')).toEqual([]);
    expect(checkComponentRefs([], existing, 'componentIds')).toEqual([]);
  });

  it('accepts exactly 50 and rejects 51 with one TOO_MANY_COMPONENTS on the list itself', () => {
    expect(checkComponentRefs(manyIds(MAX_COMPONENTS), new Set(manyIds(MAX_COMPONENTS)), 'componentIds')).toEqual([]);
    const errors = checkComponentRefs(manyIds(51), new Set(), 'componentIds');
    expect(errors).toEqual([{ code: 'TOO_MANY_COMPONENTS', field: ['componentIds'], message: expect.any(String) }]);
  });

  it('points at each later occurrence of a repeated id', () => {
    const errors = checkComponentRefs(['a', 'b', 'a', 'c', 'a'], existing, 'componentIds');
    expect(errors.map(({ code, field }) => ({ code, field }))).toEqual([
      { code: 'DUPLICATE_COMPONENT_ID', field: ['componentIds', '2'] },
      { code: 'DUPLICATE_COMPONENT_ID', field: ['componentIds', '4'] },
    ]);
  });

  it('points at each unknown id, under the given field name', () => {
    const errors = checkComponentRefs(['a', 'nope', 'b', 'gone'], existing, 'components');
    expect(errors.map(({ code, field }) => ({ code, field }))).toEqual([
      { code: 'INVALID_COMPONENT_ID', field: ['components', '1'] },
      { code: 'INVALID_COMPONENT_ID', field: ['components', '3'] },
    ]);
  });

  it('reports an unknown id once as invalid, then its repeats as duplicates', () => {
    const errors = checkComponentRefs(['nope', 'a', 'nope'], existing, 'componentIds');
    expect(errors.map(({ code, field }) => ({ code, field }))).toEqual([
      { code: 'INVALID_COMPONENT_ID', field: ['componentIds', '0'] },
      { code: 'DUPLICATE_COMPONENT_ID', field: ['componentIds', '2'] },
    ]);
  });
});

describe('checkExpectedVersion', () => {
  it('passes when no version is expected or it matches', () => {
    expect(checkExpectedVersion(null, 3)).toBeNull();
    expect(checkExpectedVersion(undefined, 3)).toBeNull();
    expect(checkExpectedVersion(3, 3)).toBeNull();
  });

  it('reports a VERSION_CONFLICT otherwise', () => {
    expect(checkExpectedVersion(2, 3)).toEqual({ code: 'VERSION_CONFLICT', field: ['expectedVersion'], message: expect.stringMatching(/3/) });
    expect(checkExpectedVersion(4, 3)?.code).toBe('VERSION_CONFLICT');
  });
});

describe('text and page sizes', () => {
  it('trims text', () => {
    expect(normalizeText('  Payments down \n')).toBe('Payments down');
    expect(normalizeText(' \t ')).toBe('');
  });

  it('accepts page sizes 1..100 only', () => {
    expect([0, 1, 25, 100, 101, -1, 2.5, Number.NaN].map(isValidPageSize)).toEqual([false, true, true, true, false, false, false, false]);
  });
});
