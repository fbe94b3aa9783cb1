import { describe, expect, it } from 'vitest';
import { DEFAULT_CREATED_MESSAGE, TAGS_MAX, TAG_MAX_LENGTH, checkCreateIncident, checkTags } from '../../src/domain/incident-input.js';
import { InputCheck, isStorableText } from '../../src/domain/validation.js';
import { INCIDENT_STATUSES } from '../../src/domain/types.js';

const fields = (check: InputCheck) => check.errors.map((error) => error.field);

describe('InputCheck', () => {
  it('starts ok and collects every failure with its path as strings', () => {
    const check = new InputCheck();
    expect(check.ok).toBe(true);
    check.fail(['tags', 3], 'bad tag');
    check.fail(null, 'not about one field', 'NOT_FOUND');
    expect(check.ok).toBe(false);
    expect(check.errors).toEqual([
      { code: 'INVALID_INPUT', field: ['tags', '3'], message: 'bad tag' },
      { code: 'NOT_FOUND', field: null, message: 'not about one field' },
    ]);
  });

  it('text trims, then checks length; undefined and null pass through', () => {
    const check = new InputCheck();
    expect(check.text(undefined, 'a', { max: 3 })).toBeUndefined();
    expect(check.text(null, 'a', { max: 3 })).toBeNull();
    expect(check.text('  abc  ', 'a', { max: 3 })).toBe('abc');
    expect(check.text('', 'a', { max: 3 })).toBe('');
    expect(check.ok).toBe(true);
    check.text('abcd', 'long', { max: 3 });
    check.text('   ', 'blank', { min: 1, max: 3 });
    check.text('ab', 'short', { min: 3, max: 5 });
    expect(fields(check)).toEqual([['long'], ['blank'], ['short']]);
    expect(check.errors[1].message).toMatch(/blank/);
  });

  it('text refuses NUL characters, which PostgreSQL cannot store', () => {
    const check = new InputCheck();
    check.text('a\u0000b', 'title', { max: 10 });
    expect(check.errors).toEqual([{ code: 'INVALID_INPUT', field: ['title'], message: expect.stringMatching(/NUL/) }]);
    expect(isStorableText('a\u0000b')).toBe(false);
    expect(isStorableText('ünïcödé ✓')).toBe(true);
  });

  it('requiredText reports missing, blank and too long values', () => {
    const check = new InputCheck();
    expect(check.requiredText(undefined, 'a', 5)).toBe('');
    expect(check.requiredText(null, 'b', 5)).toBe('');
    expect(check.requiredText(' \t ', 'c', 5)).toBe('');
    expect(check.requiredText('123456', 'd', 5)).toBe('123456');
    expect(check.requiredText(' 12345 ', 'e', 5)).toBe('12345');
    expect(fields(check)).toEqual([['a'], ['b'], ['c'], ['d']]);
  });
});

describe('checkTags', () => {
  it('passes undefined and null through as "not given"', () => {
    const check = new InputCheck();
    expect(checkTags(check, undefined)).toBeUndefined();
    expect(checkTags(check, null)).toBeUndefined();
    expect(check.ok).toBe(true);
  });

  it('trims and drops repeats case-insensitively, keeping the first spelling', () => {
    const check = new InputCheck();
    expect(checkTags(check, [' DB ', 'db', 'Api', 'api ', 'eu'])).toEqual(['DB', 'Api', 'eu']);
    expect(check.ok).toBe(true);
  });

  it('reports each bad tag at its index', () => {
    const check = new InputCheck();
    checkTags(check, ['ok', '  ', 'x'.repeat(TAG_MAX_LENGTH + 1), 'x'.repeat(TAG_MAX_LENGTH), 'nul\u0000']);
    expect(fields(check)).toEqual([
      ['tags', '1'],
      ['tags', '2'],
      ['tags', '4'],
    ]);
  });

  it('allows at most 20 distinct tags', () => {
    const many = (count: number) => Array.from({ length: count }, (_, index) => `t${index}`);
    const fine = new InputCheck();
    expect(checkTags(fine, [...many(TAGS_MAX), 'T0'])).toHaveLength(TAGS_MAX);
    expect(fine.ok).toBe(true);
    const tooMany = new InputCheck();
    checkTags(tooMany, many(TAGS_MAX + 1));
    expect(fields(tooMany)).toEqual([['tags']]);
  });
});

describe('checkCreateIncident', () => {
  it('fills the defaults of an incident', () => {
    const check = new InputCheck();
    expect(checkCreateIncident(check, { title: '  Down  ' })).toEqual({
      title: 'Down',
      description: null,
      kind: 'INCIDENT',
      severity: 'MEDIUM',
      impactOverride: null,
      status: 'INVESTIGATING',
      message: DEFAULT_CREATED_MESSAGE.INCIDENT,
      tags: [],
      externalRef: null,
      source: 'API',
      startedAt: null,
      acknowledgedAt: null,
      resolvedAt: null,
      impactDescription: null,
      scheduledFor: null,
      scheduledUntil: null,
      idempotencyKey: null,
    });
    expect(check.ok).toBe(true);
  });

  it('fills the defaults of maintenance', () => {
    const check = new InputCheck();
    expect(checkCreateIncident(check, { title: 'Upgrade', kind: 'MAINTENANCE' })).toMatchObject({
      kind: 'MAINTENANCE',
      status: 'SCHEDULED',
      message: DEFAULT_CREATED_MESSAGE.MAINTENANCE,
    });
  });

  it('keeps and normalizes what is given', () => {
    const check = new InputCheck();
    const startedAt = new Date('2026-01-01T00:00:00Z');
    expect(
      checkCreateIncident(check, {
        title: 'T',
        description: '  text ',
        severity: 'LOW',
        impact: 'MAJOR',
        message: ' hello ',
        tags: ['a'],
        externalRef: ' ext-1 ',
        source: ' monitor ',
        startedAt,
        idempotencyKey: ' key ',
      }),
    ).toMatchObject({
      description: 'text',
      severity: 'LOW',
      impactOverride: 'MAJOR',
      message: 'hello',
      tags: ['a'],
      externalRef: 'ext-1',
      source: 'MONITOR',
      startedAt,
      idempotencyKey: 'key',
    });
    expect(check.ok).toBe(true);
  });

  it('a blank description is no description', () => {
    const check = new InputCheck();
    expect(checkCreateIncident(check, { title: 'T', description: '   ' }).description).toBeNull();
    expect(check.ok).toBe(true);
  });

  it('accepts every status of the kind and refuses the others at ["status"]', () => {
    const incident = ['INVESTIGATING', 'IDENTIFIED', 'MONITORING', 'RESOLVED', 'POSTMORTEM'];
    for (const kind of ['INCIDENT', 'MAINTENANCE'] as const) {
      for (const status of INCIDENT_STATUSES) {
        const check = new InputCheck();
        const checked = checkCreateIncident(check, { title: 'T', kind, status });
        const valid = incident.includes(status) === (kind === 'INCIDENT');
        expect(check.ok, `${kind} ${status}`).toBe(valid);
        if (valid) expect(checked.status).toBe(status);
        else expect(fields(check)).toEqual([['status']]);
      }
    }
  });

  it('enforces the limits: title 1..255, description up to 10,000, message 1..10,000', () => {
    const limits = new InputCheck();
    checkCreateIncident(limits, { title: 'x'.repeat(255), description: 'd'.repeat(10_000), message: 'm'.repeat(10_000) });
    expect(limits.ok).toBe(true);
    const over = new InputCheck();
    checkCreateIncident(over, { title: 'x'.repeat(256), description: 'd'.repeat(10_001), message: 'm'.repeat(10_001) });
    expect(fields(over)).toEqual(expect.arrayContaining([['title'], ['description'], ['message']]));
    expect(over.errors).toHaveLength(3);
  });

  it('reports every problem at once, each at its own path', () => {
    const check = new InputCheck();
    checkCreateIncident(check, {
      title: '',
      kind: 'MAINTENANCE',
      status: 'RESOLVED',
      message: ' ',
      source: '',
      externalRef: ' ',
      tags: ['', 'fine'],
      scheduledFor: new Date('2026-01-02T00:00:00Z'),
      scheduledUntil: new Date('2026-01-01T00:00:00Z'),
      idempotencyKey: '',
    });
    expect(fields(check)).toEqual(
      expect.arrayContaining([['title'], ['status'], ['message'], ['source'], ['externalRef'], ['tags', '0'], ['scheduledUntil'], ['idempotencyKey']]),
    );
    expect(check.errors).toHaveLength(8);
    expect(check.errors.every((error) => error.code === 'INVALID_INPUT')).toBe(true);
  });

  it('a maintenance window must end after it starts', () => {
    const same = new Date('2026-01-01T00:00:00Z');
    const check = new InputCheck();
    checkCreateIncident(check, { title: 'M', kind: 'MAINTENANCE', scheduledFor: same, scheduledUntil: same });
    expect(fields(check)).toEqual([['scheduledUntil']]);
    const fine = new InputCheck();
    checkCreateIncident(fine, { title: 'M', kind: 'MAINTENANCE', scheduledFor: same, scheduledUntil: new Date('2026-01-01T01:00:00Z') });
    expect(fine.ok).toBe(true);
  });
});
