import type { ComponentStatus, TimelineEntryKind } from './types.js';
import { isValidTimeZone } from './oncall.js';
import { DESCRIPTION_MAX, normalizeText, textLength, type InputCheck } from './validation.js';

/** Names of components, status pages, users, schedules, layers and policies. */
export const NAME_MAX = 255;
export const GROUP_MAX = 255;
export const SLUG_MAX = 63;
export const EMAIL_MAX = 254;

/** Lower-case letters, digits and inner hyphens: safe in a URL path as it is. */
const SLUG = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
/** Deliberately loose: one @, no spaces, a dot in the domain. Deliverability is not ours to judge. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** What a status page shows of an incident's timeline to anyone outside its organization. */
export const PUBLIC_TIMELINE_KINDS: readonly TimelineEntryKind[] = ['CREATED', 'MESSAGE', 'STATUS_CHANGED', 'REOPENED'];

/**
 * A field of a partial update: undefined leaves it as it is; null is refused for fields that
 * cannot be cleared.
 */
function notNull<T>(check: InputCheck, value: T | null | undefined, field: string): value is T {
  if (value === null) {
    check.fail([field], `${field} cannot be null`);
    return false;
  }
  return value !== undefined;
}

export function checkName(check: InputCheck, value: string | null | undefined, field = 'name'): string {
  return check.requiredText(value, field, NAME_MAX);
}

/** A name nested inside an input (e.g. a schedule layer's), reported at its own path. */
export function checkNameAt(check: InputCheck, value: string, path: (string | number)[]): string {
  const name = normalizeText(value);
  if (name.length === 0) check.fail(path, 'name must not be blank');
  else if (textLength(name) > NAME_MAX) check.fail(path, `name must be at most ${NAME_MAX} characters`);
  return name;
}

export function checkSlug(check: InputCheck, value: string | null | undefined): string {
  const slug = check.requiredText(value, 'slug', SLUG_MAX);
  if (slug && textLength(slug) <= SLUG_MAX && !SLUG.test(slug)) {
    check.fail(['slug'], 'slug may hold lower-case letters, digits and hyphens, and must start and end with a letter or digit');
  }
  return slug;
}

export function checkEmail(check: InputCheck, value: string | null | undefined): string {
  const email = check.requiredText(value, 'email', EMAIL_MAX);
  if (email && textLength(email) <= EMAIL_MAX && !EMAIL.test(email)) check.fail(['email'], 'email is not an email address');
  return email;
}

/** An IANA time zone such as "Europe/Berlin"; UTC when not given. */
export function checkTimeZone(check: InputCheck, value: string | null | undefined, field: (string | number)[] = ['timeZone']): string {
  if (value === undefined || value === null) return 'UTC';
  const timeZone = normalizeText(value);
  if (!isValidTimeZone(timeZone)) check.fail(field, `${timeZone} is not an IANA time zone (e.g. "Europe/Berlin")`);
  return timeZone;
}

export function checkPosition(check: InputCheck, value: number, field = 'position'): number {
  if (!Number.isInteger(value) || value < 0) check.fail([field], `${field} must be 0 or more`);
  return value;
}

export interface ComponentFields {
  name?: string | null;
  description?: string | null;
  group?: string | null;
  status?: ComponentStatus | null;
  position?: number | null;
}

export interface CheckedComponentFields {
  name?: string;
  description?: string | null;
  group?: string | null;
  status?: ComponentStatus;
  position?: number;
}

/**
 * A component's fields, for create (name required, defaults applied) or for a partial update
 * (only what is given; description and group may be cleared with null or a blank string).
 */
export function checkComponentFields(check: InputCheck, input: ComponentFields, mode: 'create' | 'update'): CheckedComponentFields {
  const checked: CheckedComponentFields = {};
  if (mode === 'create' || input.name !== undefined) checked.name = checkName(check, input.name);
  if (input.description !== undefined) checked.description = check.text(input.description, 'description', { max: DESCRIPTION_MAX }) || null;
  if (input.group !== undefined) checked.group = check.text(input.group, 'group', { max: GROUP_MAX }) || null;
  if (notNull(check, input.status, 'status')) checked.status = input.status;
  if (notNull(check, input.position, 'position')) checked.position = checkPosition(check, input.position);
  if (mode === 'create') {
    checked.status ??= 'OPERATIONAL';
    checked.position ??= 0;
  }
  return checked;
}

export interface StatusPageFields {
  slug?: string | null;
  name?: string | null;
  public?: boolean | null;
}

export interface CheckedStatusPageFields {
  slug?: string;
  name?: string;
  public?: boolean;
}

/** A status page's own fields, for create (slug and name required, public by default) or a partial update. */
export function checkStatusPageFields(check: InputCheck, input: StatusPageFields, mode: 'create' | 'update'): CheckedStatusPageFields {
  const checked: CheckedStatusPageFields = {};
  if (mode === 'create' || input.slug !== undefined) checked.slug = checkSlug(check, input.slug);
  if (mode === 'create' || input.name !== undefined) checked.name = checkName(check, input.name);
  if (notNull(check, input.public, 'public')) checked.public = input.public;
  if (mode === 'create') checked.public ??= true;
  return checked;
}

export interface UserFields {
  name: string;
  email: string;
  timeZone?: string | null;
}

export interface CheckedUserFields {
  name: string;
  email: string;
  timeZone: string;
}

export function checkUserFields(check: InputCheck, input: UserFields): CheckedUserFields {
  return { name: checkName(check, input.name), email: checkEmail(check, input.email), timeZone: checkTimeZone(check, input.timeZone) };
}
