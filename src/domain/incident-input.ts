import type { IncidentImpact, IncidentKind, IncidentSeverity, IncidentStatus } from './types.js';
import { initialStatus, isStatusOfKind } from './lifecycle.js';
import { BODY_MAX, DESCRIPTION_MAX, TITLE_MAX, normalizeText, type ErrorCode, type UserError } from './validation.js';

/** PostgreSQL text cannot hold NUL characters: such input is the client's mistake, not an internal error. */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000');
}

/** Collects every problem with an input, so a client learns all of them in one round trip. */
export class InputCheck {
  readonly errors: UserError[] = [];

  fail(field: (string | number)[] | null, message: string, code: ErrorCode = 'INVALID_INPUT'): void {
    this.errors.push({ code, field: field ? field.map(String) : null, message });
  }

  get ok(): boolean {
    return this.errors.length === 0;
  }

  /** Trims, then checks length; undefined (not given) and null (cleared) pass through. */
  text(value: string | null | undefined, field: string, limits: { min?: number; max: number }): string | null | undefined {
    if (value === undefined || value === null) return value;
    const text = normalizeText(value);
    const min = limits.min ?? 0;
    if (!isStorableText(text)) this.fail([field], `${field} must not contain NUL characters`);
    else if (text.length < min) this.fail([field], min === 1 ? `${field} must not be blank` : `${field} needs at least ${min} characters`);
    else if (text.length > limits.max) this.fail([field], `${field} must be at most ${limits.max} characters`);
    return text;
  }

  requiredText(value: string | null | undefined, field: string, max: number): string {
    if (value === undefined || value === null) {
      this.fail([field], `${field} is required`);
      return '';
    }
    return this.text(value, field, { min: 1, max }) ?? '';
  }
}

export const TAGS_MAX = 20;
export const TAG_MAX_LENGTH = 50;
export const EXTERNAL_REF_MAX = 255;
export const SOURCE_MAX = 32;
export const IDEMPOTENCY_KEY_MAX = 255;
export const DEFAULT_CREATED_MESSAGE = {
  INCIDENT: 'We are investigating this incident.',
  MAINTENANCE: 'Maintenance has been scheduled.',
} as const satisfies Record<IncidentKind, string>;

/** Trimmed, de-duplicated tags (first spelling kept), each 1..50 characters, at most 20. */
export function checkTags(check: InputCheck, tags: readonly string[] | null | undefined): string[] | undefined {
  if (tags === undefined || tags === null) return undefined;
  const seen = new Set<string>();
  const result: string[] = [];
  tags.forEach((raw, index) => {
    const tag = normalizeText(raw);
    if (tag.length === 0 || tag.length > TAG_MAX_LENGTH || !isStorableText(tag)) {
      check.fail(['tags', index], `a tag must be 1 to ${TAG_MAX_LENGTH} characters, without NUL`);
    } else if (!seen.has(tag.toLowerCase())) {
      seen.add(tag.toLowerCase());
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
  scheduledFor: Date | null;
  scheduledUntil: Date | null;
  idempotencyKey: string | null;
}

/** The scalar part of createIncident; references (owner, components, pages) are checked against the database. */
export function checkCreateIncident(check: InputCheck, input: CreateIncidentFields): CheckedCreateIncident {
  const kind = input.kind ?? 'INCIDENT';
  const status = input.status ?? initialStatus(kind);
  if (!isStatusOfKind(kind, status)) check.fail(['status'], `${status} is not a status of a ${kind}`);
  if (input.scheduledFor && input.scheduledUntil && input.scheduledUntil <= input.scheduledFor) {
    check.fail(['scheduledUntil'], 'scheduledUntil must be after scheduledFor');
  }
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
    scheduledFor: input.scheduledFor ?? null,
    scheduledUntil: input.scheduledUntil ?? null,
    idempotencyKey: check.text(input.idempotencyKey, 'idempotencyKey', { min: 1, max: IDEMPOTENCY_KEY_MAX }) ?? null,
  };
}
