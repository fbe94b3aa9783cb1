export const TITLE_MAX = 255;
export const DESCRIPTION_MAX = 10_000;
/** Timeline entry body. */
export const BODY_MAX = 10_000;
export const MAX_COMPONENTS = 50;
export const PAGE_SIZE_MIN = 1;
export const PAGE_SIZE_MAX = 100;
export const PAGE_SIZE_DEFAULT = 25;
/** nodes(ids:) takes at most this many ids. */
export const NODES_IDS_MAX = 100;
/** How deeply `and`/`or` may nest in a filter: `{ and: [{ status }] }` is one level. */
export const FILTER_NESTING_MAX = 5;
/** How many filter objects one filter may hold in all, the outermost and every `and`/`or` entry. */
export const FILTER_CONDITIONS_MAX = 100;
/** How many items a list inside a filter (`and`, `or`, `in`, `notIn`) may hold. */
export const FILTER_LIST_MAX = 100;

export type ErrorCode =
  | 'INVALID_INPUT'
  | 'NOT_FOUND'
  | 'INVALID_COMPONENT_ID'
  | 'DUPLICATE_COMPONENT_ID'
  | 'TOO_MANY_COMPONENTS'
  | 'INVALID_TRANSITION'
  | 'VERSION_CONFLICT'
  | 'IDEMPOTENCY_CONFLICT'
  | 'EMAIL_UNAVAILABLE';

/** One entry of a payload's `userErrors`; `field` is the path inside the input. */
export interface UserError {
  code: ErrorCode;
  field: string[] | null;
  message: string;
}

/** Strings are trimmed before any length check. */
export function normalizeText(value: string): string {
  return value.trim();
}

/**
 * The length every text limit counts: Unicode code points, as a person counts characters
 * ("😀" is one, though JavaScript's `length` and UTF-16 make it two).
 */
export function textLength(value: string): number {
  let count = 0;
  for (const _codePoint of value) count += 1;
  return count;
}

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
    else if (textLength(text) < min) this.fail([field], min === 1 ? `${field} must not be blank` : `${field} needs at least ${min} characters`);
    else if (textLength(text) > limits.max) this.fail([field], `${field} must be at most ${limits.max} characters`);
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

/**
 * How far ahead of the server's clock a client's "now" may be: a timestamp that claims to be in
 * the past (acknowledgedAt, resolvedAt) may lie up to this far in the future.
 */
export const CLOCK_SKEW_MS = 60_000;

/** Page sizes outside 1..100 are rejected, never clamped. */
export function isValidPageSize(size: number): boolean {
  return Number.isInteger(size) && size >= PAGE_SIZE_MIN && size <= PAGE_SIZE_MAX;
}

/**
 * Checks a list of component ids at input path `fieldName`. Too many ids is reported alone;
 * otherwise each later occurrence of a repeated id is a duplicate, and each id not in `existing` is invalid.
 */
export function checkComponentRefs(ids: readonly string[], existing: ReadonlySet<string>, fieldName: string): UserError[] {
  if (ids.length > MAX_COMPONENTS) {
    return [{ code: 'TOO_MANY_COMPONENTS', field: [fieldName], message: `At most ${MAX_COMPONENTS} components, got ${ids.length}` }];
  }
  const errors: UserError[] = [];
  const seen = new Set<string>();
  ids.forEach((id, index) => {
    const field = [fieldName, String(index)];
    if (seen.has(id)) {
      errors.push({ code: 'DUPLICATE_COMPONENT_ID', field, message: `Component ${id} is listed more than once` });
    } else if (!existing.has(id)) {
      errors.push({ code: 'INVALID_COMPONENT_ID', field, message: `No component with id ${id}` });
    }
    seen.add(id);
  });
  return errors;
}

/** Optimistic concurrency: no expected version means the caller does not care. */
export function checkExpectedVersion(expected: number | null | undefined, actual: number): UserError | null {
  if (expected === null || expected === undefined || expected === actual) return null;
  return {
    code: 'VERSION_CONFLICT',
    field: ['expectedVersion'],
    message: `Expected version ${expected}, but the current version is ${actual}`,
  };
}
