const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Row ids are UUIDs; anything else can name no row. */
export function isUuid(value: string | null | undefined): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** A UUID no row has: where an id cannot name a row, queries use it to match nothing. */
export const NO_ROW_ID = '00000000-0000-0000-0000-000000000000';
