import { encodeGlobalID } from '@pothos/plugin-relay';
import { builder } from './builder.js';
import { definePayload } from './common.js';

/** `DeleteFooInput { id }` and `DeleteFooPayload { deletedFooId, userErrors }` for a node type `Foo` (`verb` Remove: `RemoveFooInput`, ...). */
export function deletionTypes<Key extends string>(typename: string, resultKey: Key, verb: 'Delete' | 'Remove' = 'Delete') {
  const input = builder.inputType(`${verb}${typename}Input`, {
    description: `The ${typename} to ${verb.toLowerCase()}.`,
    fields: (t) => ({ id: t.id({ required: true, description: `Global ID of the ${typename}.` }) }),
  });
  const payload = definePayload<Record<Key, string>>(`${verb}${typename}Payload`, `Result of ${verb.toLowerCase()}${typename}.`, (t) => ({
    [resultKey]: t.id({
      nullable: true,
      description: `Global ID of the deleted ${typename}; null when rejected.`,
      resolve: (result) => (result.result ? encodeGlobalID(typename, result.result[resultKey]) : null),
    }),
  }));
  return { input, payload };
}
