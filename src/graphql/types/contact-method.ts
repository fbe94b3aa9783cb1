import { checkContactAddress, CONTACT_METHODS_MAX } from '../../domain/escalation.js';
import * as contactMethods from '../../services/contact-methods.js';
import { builder } from '../builder.js';
import type { GatewayContext } from '../context.js';
import { actorOf, decodeId, definePayload, rejected, scopedNodeWhere, settle, type PayloadShape } from '../common.js';
import { deletionTypes } from '../deletion.js';
import { UserRef } from './user.js';

export const ContactMethodKindEnum = builder.enumType('ContactMethodKind', {
  description: 'How a contact method reaches its user.',
  values: {
    EMAIL: { description: 'An email through the SMTP server of SMTP_URL.' },
    WEBHOOK: { description: 'A signed JSON POST to a URL, like subscriber webhooks.' },
  } as const,
});

builder.prismaNode('ContactMethod', {
  id: { field: 'id', description: 'Global ID of the contact method.' },
  description: 'Where a user is paged: every page goes to each of their contact methods.',
  authScopes: { read: true },
  findUnique: scopedNodeWhere,
  nullable: true,
  fields: (t) => ({
    kind: t.expose('kind', { type: ContactMethodKindEnum, description: 'Email or webhook.' }),
    address: t.exposeString('address', { description: 'The email address, or the webhook URL.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was added.' }),
    user: t.relation('user', { description: 'Whose it is.' }),
  }),
});

builder.prismaObjectField(UserRef, 'contactMethods', (t) =>
  t.relation('contactMethods', {
    description: `Where the user is paged, oldest first (at most ${CONTACT_METHODS_MAX}).`,
    query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
  }),
);

const AddContactMethodInput = builder.inputType('AddContactMethodInput', {
  description: 'A new contact method of a user.',
  fields: (t) => ({
    userId: t.id({ required: true, description: 'Global ID of the user.' }),
    kind: t.field({ type: ContactMethodKindEnum, required: true, description: 'Email or webhook.' }),
    address: t.string({
      required: true,
      description: 'An email address, or an http(s) URL (public addresses only, unless WEBHOOK_ALLOW_PRIVATE allows a range); at most 2,048 characters.',
    }),
  }),
});

type Added = { contactMethodId: string; signingSecret: string | null };

const AddContactMethodPayload = definePayload<Added>('AddContactMethodPayload', 'Result of addContactMethod.', (t) => ({
  contactMethod: t.prismaField({
    type: 'ContactMethod',
    nullable: true,
    description: 'The new contact method; null when the input was rejected.',
    resolve: (query, payload: PayloadShape<Added>, _args, context: GatewayContext) =>
      payload.result ? context.db.prisma.contactMethod.findUnique({ ...query, where: { id: payload.result.contactMethodId } }) : null,
  }),
  signingSecret: t.string({
    nullable: true,
    description: 'WEBHOOK only: the HMAC-SHA256 key its pages are signed with, shown this once.',
    resolve: (payload: PayloadShape<Added>) => payload.result?.signingSecret ?? null,
  }),
}));

builder.mutationField('addContactMethod', (t) =>
  t.field({
    type: AddContactMethodPayload,
    description: `Adds a place where a user is paged (at most ${CONTACT_METHODS_MAX} per user). An unknown user is NOT_FOUND on ["userId"].`,
    authScopes: { write: true },
    args: { input: t.arg({ type: AddContactMethodInput, required: true, description: 'The contact method.' }) },
    resolve: async (_root, { input }, context) => {
      const { address, error } = checkContactAddress(input.kind, input.address);
      const problem = error ?? (input.kind === 'WEBHOOK' ? await context.outbound.http.checkUrl(address) : null);
      if (problem) return rejected([{ code: 'INVALID_INPUT', field: ['address'], message: problem.startsWith('address') ? problem : `address ${problem}` }]);
      const userId = decodeId(String(input.userId), 'User');
      return settle(context, await contactMethods.addContactMethod(context.db.prisma, actorOf(context), { userId, kind: input.kind, address }));
    },
  }),
);

const removal = deletionTypes('ContactMethod', 'deletedContactMethodId', 'Remove');

builder.mutationField('removeContactMethod', (t) =>
  t.field({
    type: removal.payload,
    description: 'Removes a contact method. Pages to it not sent yet are not sent.',
    authScopes: { write: true },
    args: { input: t.arg({ type: removal.input, required: true, description: 'The contact method.' }) },
    resolve: async (_root, { input }, context) =>
      settle(context, await contactMethods.removeContactMethod(context.db.prisma, actorOf(context), decodeId(String(input.id), 'ContactMethod'))),
  }),
);
