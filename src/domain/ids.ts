const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Row ids are UUIDs; anything else can name no row. */
export function isUuid(value: string | null | undefined): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** A UUID no row has: where an id cannot name a row, queries use it to match nothing. */
export const NO_ROW_ID = '00000000-0000-0000-0000-000000000000';

/**
 * The global ID clients know a row by: base64 of `Type:uuid`, plugin-relay's encoding. Payloads
 * written outside GraphQL (webhooks, pages) carry the same ids, so a receiver can pass them to node(id).
 */
export function globalIdOf(typename: string, id: string): string {
  return Buffer.from(`${typename}:${id}`).toString('base64');
}
