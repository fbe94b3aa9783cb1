import { encodeGlobalID } from '@pothos/plugin-relay';
import { builder } from '../builder.js';

/** Who wrote something: the API key that made the request. */
interface ActorShape {
  keyId: string | null;
  name: string | null;
}

export const ActorRef = builder.objectRef<ActorShape>('Actor').implement({
  description: 'Who made a change: the API key used (audit trail).',
  fields: (t) => ({
    keyId: t.id({
      nullable: true,
      description: 'Global ID of the API key; null when the key was deleted or the change came from an import.',
      resolve: (actor) => (actor.keyId ? encodeGlobalID('ApiKey', actor.keyId) : null),
    }),
    name: t.string({ nullable: true, description: 'Name of the API key at the time.', resolve: (actor) => actor.name }),
  }),
});
