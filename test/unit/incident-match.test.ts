import { describe, expect, it } from 'vitest';
import { filterUsesComponents, incidentMatches, type IncidentFacts } from '../../src/domain/incident-match.js';

const incident: IncidentFacts = {
  status: 'INVESTIGATING',
  severity: 'HIGH',
  impact: 'MAJOR',
  kind: 'INCIDENT',
  ownerId: 'owner-1',
  tags: ['db', 'eu'],
  title: 'Checkout is Slow',
  description: null,
  startedAt: new Date('2026-03-28T12:00:00Z'),
  acknowledgedAt: null,
  resolvedAt: null,
  componentIds: ['api'],
};

describe('incidentMatches', () => {
  it('matches everything without a filter', () => {
    expect(incidentMatches(null, incident)).toBe(true);
    expect(incidentMatches({}, incident)).toBe(true);
  });

  it('applies eq, in and notIn together', () => {
    expect(incidentMatches({ severity: { eq: 'HIGH' } }, incident)).toBe(true);
    expect(incidentMatches({ severity: { in: ['LOW', 'MEDIUM'] } }, incident)).toBe(false);
    expect(incidentMatches({ status: { in: ['INVESTIGATING'], notIn: ['INVESTIGATING'] } }, incident)).toBe(false);
    expect(incidentMatches({ kind: { notIn: [] } }, incident)).toBe(true);
    expect(incidentMatches({ kind: { in: [] } }, incident)).toBe(false);
  });

  it('treats an unset owner as SQL does: eq and in fail, notIn holds', () => {
    const unowned = { ...incident, ownerId: null };
    expect(incidentMatches({ ownerId: { eq: 'owner-1' } }, unowned)).toBe(false);
    expect(incidentMatches({ ownerId: { in: ['owner-1'] } }, unowned)).toBe(false);
    expect(incidentMatches({ ownerId: { notIn: ['owner-1'] } }, unowned)).toBe(true);
    expect(incidentMatches({ ownerId: { notIn: ['owner-1'] } }, incident)).toBe(false);
  });

  it('matches tags and components as sets, and ignores components when they are unknown', () => {
    expect(incidentMatches({ tag: { eq: 'db' } }, incident)).toBe(true);
    expect(incidentMatches({ tag: { in: ['us', 'eu'] } }, incident)).toBe(true);
    expect(incidentMatches({ tag: { notIn: ['eu'] } }, incident)).toBe(false);
    expect(incidentMatches({ componentId: { eq: 'web' } }, incident)).toBe(false);
    expect(incidentMatches({ componentId: { eq: 'web' } }, { ...incident, componentIds: null })).toBe(true);
  });

  it('compares dates, with unset ones failing every bound', () => {
    expect(incidentMatches({ startedAt: { gte: new Date('2026-03-28T12:00:00Z'), lt: new Date('2026-03-29T00:00:00Z') } }, incident)).toBe(true);
    expect(incidentMatches({ startedAt: { gt: new Date('2026-03-28T12:00:00Z') } }, incident)).toBe(false);
    expect(incidentMatches({ resolvedAt: { isNull: true } }, incident)).toBe(true);
    expect(incidentMatches({ resolvedAt: { lte: new Date('2030-01-01T00:00:00Z') } }, incident)).toBe(false);
    expect(incidentMatches({ resolvedAt: { isNull: false } }, incident)).toBe(false);
  });

  it('searches title and description case-insensitively, ignoring surrounding spaces', () => {
    expect(incidentMatches({ search: '  checkout IS ' }, incident)).toBe(true);
    expect(incidentMatches({ search: 'payments' }, { ...incident, description: 'Payments fail' })).toBe(true);
    expect(incidentMatches({ search: 'payments' }, incident)).toBe(false);
    expect(incidentMatches({ search: '   ' }, incident)).toBe(true);
  });

  it('combines with and / or; an empty or places no condition, as in the incidents query', () => {
    expect(incidentMatches({ and: [{ severity: { eq: 'HIGH' } }, { tag: { eq: 'db' } }] }, incident)).toBe(true);
    expect(incidentMatches({ or: [{ severity: { eq: 'LOW' } }, { tag: { eq: 'db' } }] }, incident)).toBe(true);
    expect(incidentMatches({ or: [{ severity: { eq: 'LOW' } }] }, incident)).toBe(false);
    expect(incidentMatches({ or: [] }, incident)).toBe(true);
    expect(incidentMatches({ and: [] }, incident)).toBe(true);
  });

  it('says whether a filter needs the components, at any depth', () => {
    expect(filterUsesComponents({ severity: { eq: 'HIGH' } })).toBe(false);
    expect(filterUsesComponents({ or: [{ and: [{ componentId: { eq: 'api' } }] }] })).toBe(true);
  });
});
