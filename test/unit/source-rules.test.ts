import { describe, expect, it } from 'vitest';
import { IMPACT_DESCRIPTION_MAX, STARTED_AT_FUTURE_MAX_MS, checkCreateIncident, checkLifecycleTimes, checkTags, tagKey } from '../../src/domain/incident-input.js';
import { checkNameAt } from '../../src/domain/catalog.js';
import { CLOCK_SKEW_MS, TITLE_MAX, textLength, InputCheck } from '../../src/domain/validation.js';
import { IMPORT_MAX_ENTRIES, checkPastEntries, pastResolvedAt, planPastTimeline, type PastIncident } from '../../src/domain/backfill.js';
import { incidentMatches, type IncidentFacts } from '../../src/domain/incident-match.js';
import { stateAsOf, historyOf, type TimelineRecord } from '../../src/domain/history.js';

const NOW = new Date('2026-04-01T12:00:00.000Z');
const at = (iso: string) => new Date(iso);
const fields = (check: InputCheck) => check.errors.map((error) => error.field);

describe('lengths count Unicode code points', () => {
  it('counts an emoji as one character', () => {
    expect(textLength('😀')).toBe(1);
    expect('😀'.length).toBe(2);
    expect(textLength('a😀b')).toBe(3);
  });

  it('accepts a title of 128 "😀" (256 UTF-16 units) and refuses 256 of them', () => {
    const fine = new InputCheck();
    checkCreateIncident(fine, { title: '😀'.repeat(128) }, NOW);
    expect(fine.ok).toBe(true);
    const exact = new InputCheck();
    checkCreateIncident(exact, { title: '😀'.repeat(TITLE_MAX) }, NOW);
    expect(exact.ok).toBe(true);
    const over = new InputCheck();
    checkCreateIncident(over, { title: '😀'.repeat(256) }, NOW);
    expect(fields(over)).toEqual([['title']]);
  });

  it('applies to tags and names too', () => {
    const tags = new InputCheck();
    checkTags(tags, ['😀'.repeat(50)]);
    expect(tags.ok).toBe(true);
    const name = new InputCheck();
    checkNameAt(name, '😀'.repeat(255), ['layers', 0, 'name']);
    expect(name.ok).toBe(true);
  });
});

describe('impactDescription', () => {
  it('is trimmed, at most 1,000 characters, blank means none', () => {
    const check = new InputCheck();
    expect(checkCreateIncident(check, { title: 'T', impactDescription: '  Users cannot log in  ' }, NOW).impactDescription).toBe('Users cannot log in');
    expect(checkCreateIncident(check, { title: 'T', impactDescription: ' ' }, NOW).impactDescription).toBeNull();
    expect(checkCreateIncident(check, { title: 'T', impactDescription: 'x'.repeat(IMPACT_DESCRIPTION_MAX) }, NOW).impactDescription).toHaveLength(1000);
    expect(check.ok).toBe(true);
    const over = new InputCheck();
    checkCreateIncident(over, { title: 'T', impactDescription: 'x'.repeat(IMPACT_DESCRIPTION_MAX + 1) }, NOW);
    expect(fields(over)).toEqual([['impactDescription']]);
  });
});

describe('scheduledFor and startedAt', () => {
  it('refuses scheduledFor and scheduledUntil on an incident that is not maintenance', () => {
    const check = new InputCheck();
    checkCreateIncident(check, { title: 'T', scheduledFor: at('2026-04-02T00:00:00Z'), scheduledUntil: at('2026-04-02T01:00:00Z') }, NOW);
    expect(fields(check)).toEqual([['scheduledFor'], ['scheduledUntil']]);
    expect(check.errors.every((error) => error.code === 'INVALID_INPUT')).toBe(true);
    const maintenance = new InputCheck();
    checkCreateIncident(maintenance, { title: 'T', kind: 'MAINTENANCE', scheduledFor: at('2026-04-02T00:00:00Z') }, NOW);
    expect(maintenance.ok).toBe(true);
  });

  it('refuses an incident starting more than 24 hours ahead, not maintenance', () => {
    const limit = new Date(NOW.getTime() + STARTED_AT_FUTURE_MAX_MS);
    const fine = new InputCheck();
    checkCreateIncident(fine, { title: 'T', startedAt: limit }, NOW);
    expect(fine.ok).toBe(true);
    const late = new InputCheck();
    checkCreateIncident(late, { title: 'T', startedAt: new Date(limit.getTime() + 1) }, NOW);
    expect(fields(late)).toEqual([['startedAt']]);
    const maintenance = new InputCheck();
    checkCreateIncident(maintenance, { title: 'T', kind: 'MAINTENANCE', startedAt: at('2030-01-01T00:00:00Z') }, NOW);
    expect(maintenance.ok).toBe(true);
  });
});

describe('backfilled acknowledgedAt and resolvedAt', () => {
  const started = at('2026-03-19T14:30:00Z');

  it('accepts past instants in order with a resolved status', () => {
    const check = new InputCheck();
    const checked = checkCreateIncident(
      check,
      { title: 'old', status: 'RESOLVED', startedAt: started, acknowledgedAt: at('2026-03-19T14:35:00Z'), resolvedAt: at('2026-03-19T15:30:00Z') },
      NOW,
    );
    expect(check.ok).toBe(true);
    expect(checked).toMatchObject({ acknowledgedAt: at('2026-03-19T14:35:00Z'), resolvedAt: at('2026-03-19T15:30:00Z') });
  });

  it('refuses instants before startedAt, an acknowledgement after the resolution, and a resolvedAt without a resolved status', () => {
    const before = new InputCheck();
    checkCreateIncident(before, { title: 'T', status: 'RESOLVED', startedAt: started, acknowledgedAt: at('2026-03-19T14:00:00Z'), resolvedAt: at('2026-03-19T14:00:00Z') }, NOW);
    expect(fields(before)).toEqual([['acknowledgedAt'], ['resolvedAt']]);
    const order = new InputCheck();
    checkCreateIncident(order, { title: 'T', status: 'RESOLVED', startedAt: started, acknowledgedAt: at('2026-03-19T16:00:00Z'), resolvedAt: at('2026-03-19T15:00:00Z') }, NOW);
    expect(fields(order)).toEqual([['acknowledgedAt']]);
    const open = new InputCheck();
    checkCreateIncident(open, { title: 'T', status: 'MONITORING', startedAt: started, resolvedAt: at('2026-03-19T15:00:00Z') }, NOW);
    expect(fields(open)).toEqual([['resolvedAt']]);
    const cancelled = new InputCheck();
    checkCreateIncident(cancelled, { title: 'T', kind: 'MAINTENANCE', status: 'CANCELLED', startedAt: started, resolvedAt: at('2026-03-19T15:00:00Z') }, NOW);
    expect(fields(cancelled)).toEqual([['resolvedAt']]);
  });

  it('allows the clock skew into the future, and not more', () => {
    const times = { status: 'RESOLVED' as const, startedAt: started, acknowledgedAt: null };
    const skewed = new InputCheck();
    checkLifecycleTimes(skewed, { ...times, resolvedAt: new Date(NOW.getTime() + CLOCK_SKEW_MS) }, { acknowledgedAt: false, resolvedAt: true }, NOW);
    expect(skewed.ok).toBe(true);
    const future = new InputCheck();
    checkLifecycleTimes(future, { ...times, resolvedAt: new Date(NOW.getTime() + CLOCK_SKEW_MS + 1) }, { acknowledgedAt: false, resolvedAt: true }, NOW);
    expect(fields(future)).toEqual([['resolvedAt']]);
  });

  it('without startedAt compares with now, so a past acknowledgement needs the start it followed', () => {
    const check = new InputCheck();
    checkCreateIncident(check, { title: 'T', acknowledgedAt: at('2026-03-19T14:35:00Z') }, NOW);
    expect(fields(check)).toEqual([['acknowledgedAt']]);
  });
});

describe('planPastTimeline', () => {
  const past: PastIncident = {
    kind: 'INCIDENT',
    status: 'RESOLVED',
    startedAt: at('2026-03-19T14:30:00Z'),
    acknowledgedAt: at('2026-03-19T14:35:00Z'),
    resolvedAt: at('2026-03-19T15:30:00Z'),
    message: 'Database connection pool exhausted',
    authorId: 'user-1',
    acknowledgedBy: 'Ada',
    entries: [],
  };

  it('writes creation, acknowledgement and resolution at their instants', () => {
    const planned = planPastTimeline(past);
    expect(planned.map((entry) => [entry.kind, entry.status, entry.postedAt.toISOString()])).toEqual([
      ['CREATED', 'INVESTIGATING', '2026-03-19T14:30:00.000Z'],
      ['ACKNOWLEDGED', 'INVESTIGATING', '2026-03-19T14:35:00.000Z'],
      ['STATUS_CHANGED', 'RESOLVED', '2026-03-19T15:30:00.000Z'],
    ]);
    expect(planned[1].body).toBe('Acknowledged by Ada.');
    expect(planned[2].changes).toEqual([{ field: 'status', from: 'INVESTIGATING', to: 'RESOLVED' }]);
    expect(planned.every((entry) => entry.authorId === 'user-1')).toBe(true);
  });

  it('goes through RESOLVED to a POSTMORTEM, both at resolvedAt', () => {
    const planned = planPastTimeline({ ...past, status: 'POSTMORTEM', acknowledgedAt: null });
    expect(planned.map((entry) => [entry.kind, entry.status, entry.postedAt.toISOString()])).toEqual([
      ['CREATED', 'INVESTIGATING', '2026-03-19T14:30:00.000Z'],
      ['STATUS_CHANGED', 'RESOLVED', '2026-03-19T15:30:00.000Z'],
      ['STATUS_CHANGED', 'POSTMORTEM', '2026-03-19T15:30:00.000Z'],
    ]);
  });

  it('keeps an open incident in its status from the start', () => {
    const planned = planPastTimeline({ ...past, status: 'MONITORING', resolvedAt: null });
    expect(planned.map((entry) => [entry.kind, entry.status])).toEqual([
      ['CREATED', 'MONITORING'],
      ['ACKNOWLEDGED', 'MONITORING'],
    ]);
  });

  it('replays imported entries in time order, a new status making a STATUS_CHANGED', () => {
    const planned = planPastTimeline({
      ...past,
      resolvedAt: null,
      entries: [
        { postedAt: at('2026-03-19T15:30:00Z'), body: 'Fixed.', status: 'RESOLVED', authorId: null },
        { postedAt: at('2026-03-19T14:40:00Z'), body: 'Found it.', status: 'IDENTIFIED', authorId: 'user-2' },
        { postedAt: at('2026-03-19T14:50:00Z'), body: 'Still on it.', status: null, authorId: null },
      ],
    });
    expect(planned.map((entry) => [entry.kind, entry.status, entry.body])).toEqual([
      ['CREATED', 'INVESTIGATING', 'Database connection pool exhausted'],
      ['ACKNOWLEDGED', 'INVESTIGATING', 'Acknowledged by Ada.'],
      ['STATUS_CHANGED', 'IDENTIFIED', 'Found it.'],
      ['MESSAGE', 'IDENTIFIED', 'Still on it.'],
      ['STATUS_CHANGED', 'RESOLVED', 'Fixed.'],
    ]);
    expect(planned[2].authorId).toBe('user-2');
    expect(planned[4].changes).toEqual([{ field: 'status', from: 'IDENTIFIED', to: 'RESOLVED' }]);
  });

  it('takes resolvedAt from the entry that resolved it when not given', () => {
    const entries = [{ postedAt: at('2026-03-19T15:10:00Z'), body: 'Fixed.', status: 'RESOLVED' as const, authorId: null }];
    expect(pastResolvedAt('RESOLVED', null, entries, NOW)).toEqual(at('2026-03-19T15:10:00Z'));
    expect(pastResolvedAt('RESOLVED', at('2026-03-19T15:20:00Z'), entries, NOW)).toEqual(at('2026-03-19T15:20:00Z'));
    expect(pastResolvedAt('RESOLVED', null, [], NOW)).toEqual(NOW);
    expect(pastResolvedAt('MONITORING', null, entries, NOW)).toBeNull();
  });

  it('gives history and asOf the real past', () => {
    const records: TimelineRecord[] = planPastTimeline(past).map((entry) => ({
      at: entry.postedAt,
      actor: { keyId: null, name: 'importer' },
      kind: entry.kind,
      changes: entry.changes ?? [],
    }));
    const current = { status: 'RESOLVED' as const, severity: 'HIGH' as const, impact: 'NONE' as const, ownerId: null, components: [], acknowledgedAt: past.acknowledgedAt };
    expect(stateAsOf(records, current, at('2026-03-19T14:00:00Z'))).toBeNull();
    expect(stateAsOf(records, current, at('2026-03-19T14:31:00Z'))).toMatchObject({ status: 'INVESTIGATING', acknowledgedAt: null });
    expect(stateAsOf(records, current, at('2026-03-19T15:00:00Z'))).toMatchObject({ status: 'INVESTIGATING', acknowledgedAt: past.acknowledgedAt });
    expect(stateAsOf(records, current, at('2026-03-19T15:30:00Z'))).toMatchObject({ status: 'RESOLVED' });
    expect(historyOf(records).map((entry) => [entry.field, entry.at.toISOString()])).toEqual([
      ['acknowledgedAt', '2026-03-19T14:35:00.000Z'],
      ['status', '2026-03-19T15:30:00.000Z'],
    ]);
  });
});

describe('checkPastEntries', () => {
  const incident = { kind: 'INCIDENT' as const, startedAt: at('2026-03-19T14:30:00Z') };

  it('checks each entry at its own path', () => {
    const check = new InputCheck();
    checkPastEntries(
      check,
      [
        { postedAt: at('2026-03-19T14:40:00Z'), body: ' ok ' },
        { postedAt: at('2026-03-19T14:00:00Z'), body: ' ' },
        { postedAt: at('2027-01-01T00:00:00Z'), body: 'later', status: 'COMPLETED' },
      ],
      incident,
      NOW,
      ['timeline'],
    );
    expect(fields(check)).toEqual([
      ['timeline', '1', 'body'],
      ['timeline', '1', 'postedAt'],
      ['timeline', '2', 'postedAt'],
      ['timeline', '2', 'status'],
    ]);
  });

  it('takes at most 200 entries', () => {
    const check = new InputCheck();
    const entries = Array.from({ length: IMPORT_MAX_ENTRIES + 1 }, () => ({ postedAt: at('2026-03-19T14:40:00Z'), body: 'x' }));
    checkPastEntries(check, entries, incident, NOW, ['timeline']);
    expect(fields(check)).toEqual([['timeline']]);
  });
});

describe('filters for the new views', () => {
  const incident: IncidentFacts = {
    status: 'INVESTIGATING',
    severity: 'HIGH',
    impact: 'MAJOR',
    kind: 'INCIDENT',
    ownerId: null,
    tags: ['Performance', 'api'],
    title: 'Slow',
    description: null,
    startedAt: at('2026-03-28T12:00:00Z'),
    acknowledgedAt: null,
    resolvedAt: null,
    componentIds: [],
  };

  it('matches tags case-insensitively', () => {
    expect(tagKey('PERFORMANCE')).toBe('performance');
    expect(incidentMatches({ tag: { eq: 'PERFORMANCE' } }, incident)).toBe(true);
    expect(incidentMatches({ tag: { in: ['API'] } }, incident)).toBe(true);
    expect(incidentMatches({ tag: { notIn: ['performance'] } }, incident)).toBe(false);
    expect(incidentMatches({ tag: { eq: 'perf' } }, incident)).toBe(false);
  });

  it('tells new (not acknowledged) from acknowledged incidents', () => {
    const acknowledged = { ...incident, acknowledgedAt: at('2026-03-28T12:05:00Z') };
    const newView = { resolvedAt: { isNull: true }, acknowledgedAt: { isNull: true } };
    expect(incidentMatches(newView, incident)).toBe(true);
    expect(incidentMatches(newView, acknowledged)).toBe(false);
    expect(incidentMatches({ acknowledgedAt: { isNull: false } }, acknowledged)).toBe(true);
    expect(incidentMatches({ acknowledgedAt: { gte: at('2026-03-28T12:05:00Z') } }, acknowledged)).toBe(true);
    expect(incidentMatches({ acknowledgedAt: { lt: at('2026-03-28T12:05:00Z') } }, acknowledged)).toBe(false);
    expect(incidentMatches({ acknowledgedAt: { lt: at('2030-01-01T00:00:00Z') } }, incident)).toBe(false);
  });
});
