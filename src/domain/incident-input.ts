import type { IncidentImpact, IncidentKind, IncidentSeverity, IncidentStatus } from './types.js';
import { hasResolvedAt, initialStatus, isStatusOfKind } from './lifecycle.js';
import { BODY_MAX, CLOCK_SKEW_MS, DESCRIPTION_MAX, InputCheck, TITLE_MAX, isStorableText, normalizeText, textLength } from './validation.js';

export const TAGS_MAX = 20;
export const TAG_MAX_LENGTH = 50;
export const EXTERNAL_REF_MAX = 255;
export const SOURCE_MAX = 32;
export const IDEMPOTENCY_KEY_MAX = 255;
/** Incident.impactDescription: a short public summary of what customers experience. */
export const IMPACT_DESCRIPTION_MAX = 1_000;
/** An incident (not maintenance) may start at most this far ahead: later is a typo that would sort first for ever. */
export const STARTED_AT_FUTURE_MAX_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_CREATED_MESSAGE = {
  INCIDENT: 'We are investigating this incident.',
  MAINTENANCE: 'Maintenance has been scheduled.',
} as const satisfies Record<IncidentKind, string>;

/** How the tag filter compares tags: case-insensitively (the same key decides duplicates). */
export function tagKey(tag: string): string {
  return tag.toLowerCase();
}

/** Trimmed, de-duplicated tags (first spelling kept), each 1..50 characters, at most 20. */
export function checkTags(check: InputCheck, tags: readonly string[] | null | undefined): string[] | undefined {
  if (tags === undefined || tags === null) return undefined;
  const seen = new Set<string>();
  const result: string[] = [];
  tags.forEach((raw, index) => {
    const tag = normalizeText(raw);
    if (tag.length === 0 || textLength(tag) > TAG_MAX_LENGTH || !isStorableText(tag)) {
      check.fail(['tags', index], `a tag must be 1 to ${TAG_MAX_LENGTH} characters, without NUL`);
    } else if (!seen.has(tagKey(tag))) {
      seen.add(tagKey(tag));
      result.push(tag);
    }
  });
  if (result.length > TAGS_MAX) check.fail(['tags'], `at most ${TAGS_MAX} tags`);
  return result;
}

export interface CreateIncidentFields {
  title: string;
  description?: string | null;
  kind?: IncidentKind | null;
  severity?: IncidentSeverity | null;
  impact?: IncidentImpact | null;
  status?: IncidentStatus | null;
  message?: string | null;
  tags?: string[] | null;
  externalRef?: string | null;
  source?: string | null;
  startedAt?: Date | null;
  acknowledgedAt?: Date | null;
  resolvedAt?: Date | null;
  impactDescription?: string | null;
  scheduledFor?: Date | null;
  scheduledUntil?: Date | null;
  idempotencyKey?: string | null;
}

export interface CheckedCreateIncident {
  title: string;
  description: string | null;
  kind: IncidentKind;
  severity: IncidentSeverity;
  impactOverride: IncidentImpact | null;
  status: IncidentStatus;
  message: string;
  tags: string[];
  externalRef: string | null;
  source: string;
  startedAt: Date | null;
  /** Backfilled instants: the incident was acknowledged / resolved then (null: not given). */
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
  impactDescription: string | null;
  scheduledFor: Date | null;
  scheduledUntil: Date | null;
  idempotencyKey: string | null;
}

/** The instants of an incident's lifecycle, as they are or would be after a change. */
export interface LifecycleTimes {
  status: IncidentStatus;
  startedAt: Date;
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
}

/**
 * Rules for acknowledgedAt and resolvedAt given by a client (backfills, imports), each reported at
 * its own field: neither before startedAt nor later than now (give or take CLOCK_SKEW_MS), the
 * acknowledgement not after the resolution, and a resolvedAt only in a status that has one.
 * `given` names the fields the client set: only those are reported.
 */
export function checkLifecycleTimes(
  check: InputCheck,
  times: LifecycleTimes,
  given: { acknowledgedAt: boolean; resolvedAt: boolean },
  now: Date,
  path: (string | number)[] = [],
): void {
  const latest = now.getTime() + CLOCK_SKEW_MS;
  const field = (name: string) => [...path, name];
  for (const name of ['acknowledgedAt', 'resolvedAt'] as const) {
    const value = times[name];
    if (!given[name] || !value) continue;
    if (value.getTime() > latest) check.fail(field(name), `${name} cannot be in the future`);
    else if (value < times.startedAt) check.fail(field(name), `${name} cannot be before startedAt (${times.startedAt.toISOString()})`);
  }
  if (given.resolvedAt && times.resolvedAt && !hasResolvedAt(times.status)) {
    check.fail(field('resolvedAt'), `resolvedAt needs a resolved status (RESOLVED, POSTMORTEM or COMPLETED), not ${times.status}`);
  }
  if ((given.acknowledgedAt || given.resolvedAt) && times.acknowledgedAt && times.resolvedAt && times.acknowledgedAt > times.resolvedAt) {
    check.fail(field(given.acknowledgedAt ? 'acknowledgedAt' : 'resolvedAt'), 'acknowledgedAt cannot be after resolvedAt');
  }
}

/** scheduledFor/scheduledUntil belong to maintenance; an incident's startedAt may be at most 24 hours ahead. */
export function checkSchedule(
  check: InputCheck,
  input: { kind: IncidentKind; startedAt?: Date | null; scheduledFor?: Date | null; scheduledUntil?: Date | null },
  now: Date,
  path: (string | number)[] = [],
): void {
  if (input.kind !== 'MAINTENANCE') {
    for (const name of ['scheduledFor', 'scheduledUntil'] as const) {
      if (input[name]) check.fail([...path, name], `${name} is only for maintenance (kind MAINTENANCE)`);
    }
    if (input.startedAt && input.startedAt.getTime() > now.getTime() + STARTED_AT_FUTURE_MAX_MS) {
      check.fail([...path, 'startedAt'], 'startedAt of an incident can be at most 24 hours in the future');
    }
  } else if (input.scheduledFor && input.scheduledUntil && input.scheduledUntil <= input.scheduledFor) {
    check.fail([...path, 'scheduledUntil'], 'scheduledUntil must be after scheduledFor');
  }
}

/** The scalar part of createIncident; references (owner, components, pages) are checked against the database. */
export function checkCreateIncident(check: InputCheck, input: CreateIncidentFields, now: Date = new Date()): CheckedCreateIncident {
  const kind = input.kind ?? 'INCIDENT';
  const status = input.status ?? initialStatus(kind);
  if (!isStatusOfKind(kind, status)) check.fail(['status'], `${status} is not a status of a ${kind}`);
  checkSchedule(check, { ...input, kind }, now);
  checkLifecycleTimes(
    check,
    { status, startedAt: input.startedAt ?? now, acknowledgedAt: input.acknowledgedAt ?? null, resolvedAt: input.resolvedAt ?? null },
    { acknowledgedAt: input.acknowledgedAt != null, resolvedAt: input.resolvedAt != null },
    now,
  );
  const source = check.text(input.source, 'source', { min: 1, max: SOURCE_MAX });
  const message = check.text(input.message, 'message', { min: 1, max: BODY_MAX });
  return {
    title: check.requiredText(input.title, 'title', TITLE_MAX),
    description: check.text(input.description, 'description', { max: DESCRIPTION_MAX }) || null,
    kind,
    severity: input.severity ?? 'MEDIUM',
    impactOverride: input.impact ?? null,
    status,
    message: message ?? DEFAULT_CREATED_MESSAGE[kind],
    tags: checkTags(check, input.tags) ?? [],
    externalRef: check.text(input.externalRef, 'externalRef', { min: 1, max: EXTERNAL_REF_MAX }) ?? null,
    source: source ? source.toUpperCase() : 'API',
    startedAt: input.startedAt ?? null,
    acknowledgedAt: input.acknowledgedAt ?? null,
    resolvedAt: input.resolvedAt ?? null,
    impactDescription: check.text(input.impactDescription, 'impactDescription', { max: IMPACT_DESCRIPTION_MAX }) || null,
    scheduledFor: input.scheduledFor ?? null,
    scheduledUntil: input.scheduledUntil ?? null,
    idempotencyKey: check.text(input.idempotencyKey, 'idempotencyKey', { min: 1, max: IDEMPOTENCY_KEY_MAX }) ?? null,
  };
}
