import { decodeGlobalID } from '@pothos/plugin-relay';
import { isObjectType, type GraphQLSchema } from 'graphql';
import { isUuid } from '../domain/ids.js';

/** What a global ID names: a type and the uuid of one of its rows. */
export interface GlobalId {
  typename: string;
  id: string;
}

/**
 * Every global ID a client sends is decoded here, by node(id)/nodes(ids) and by every other id
 * argument (common.ts decodeId). Well formed means base64 of `Type:uuid`; anything else (not
 * base64, no type, a payload that is not a uuid, empty) names no row: callers treat it exactly as
 * a missing id, and its text never reaches the database.
 */
export function parseGlobalId(globalId: unknown): GlobalId | null {
  if (typeof globalId !== 'string' || globalId === '') return null;
  try {
    const decoded = decodeGlobalID(globalId);
    return isUuid(decoded.id) ? decoded : null;
  } catch {
    return null;
  }
}

/** What plugin-relay is handed for an id that names nothing: no type has an empty name, so it loads as null. */
export const NO_NODE: GlobalId = { typename: '', id: '' };

/** Whether node(id) can load `typename`: an object type of the schema that implements Node. */
export function isNodeTypename(schema: GraphQLSchema, typename: string): boolean {
  const type = typename ? schema.getType(typename) : undefined;
  return isObjectType(type) && type.getInterfaces().some((face) => face.name === 'Node');
}
