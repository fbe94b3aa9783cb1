import { NO_ROW_ID } from '../../domain/ids.js';
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { Prisma } from '../../generated/prisma/client.js';
import { checkSubscribeFields } from '../../domain/notifications.js';
import * as notifications from '../../services/notifications.js';
import { builder } from '../builder.js';
import { orgOf, type GatewayContext } from '../context.js';
import { actorOf, decodeId, decodeIdOrRaw, definePayload, rejected, scopedNodeWhere, settle, type PayloadShape } from '../common.js';
import { BODY_MAX, textLength } from '../../domain/validation.js';
import { badUserInput } from '../errors.js';

const ChannelEnum = builder.enumType('SubscriberChannel', {
  description: 'How a subscriber is told.',
  values: {
    WEBHOOK: { description: 'A signed JSON POST to its URL.' },
    EMAIL: { description: 'An email through the SMTP server of SMTP_URL.' },
  } as const,
});

export const NotificationStatusEnum = builder.enumType('NotificationStatus', {
  description: 'Where a notification is in its delivery.',
  values: {
    PENDING: { description: 'Waiting for its first or next attempt.' },
    DELIVERED: { description: 'Accepted by the receiver (2xx) or the SMTP server.' },
    DEAD: { description: 'Gave up after the last attempt (dead letter); lastError says why.' },
  } as const,
});

builder.prismaNode('Subscriber', {
  id: { field: 'id', description: 'Global ID of the subscriber.' },
  description: 'Someone told about the incidents of a status page: a webhook or an email address.',
  authScopes: { admin: true },
  findUnique: scopedNodeWhere,
  nullable: true,
  fields: (t) => ({
    channel: t.expose('channel', { type: ChannelEnum, description: 'Webhook or email.' }),
    webhookUrl: t.exposeString('webhookUrl', { nullable: true, description: 'Where webhooks are POSTed.' }),
    email: t.exposeString('email', { nullable: true, description: 'Where emails go.' }),
    componentIds: t.idList({
      description: 'Only incidents affecting one of these components are sent; empty: all.',
      resolve: (subscriber) => subscriber.componentIds.map((id) => encodeGlobalID('Component', id)),
    }),
    confirmed: t.boolean({
      description: 'Whether its address is confirmed (always for subscribers added with a key); it receives notifications while confirmed and not unsubscribed.',
      resolve: (subscriber) => subscriber.confirmedAt !== null,
    }),
    unsubscribedAt: t.expose('unsubscribedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it unsubscribed; it is kept with its delivery history and told nothing more. Null while subscribed.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it subscribed.' }),
    statusPage: t.relation('statusPage', { description: 'The status page it follows.' }),
  }),
});

/** Confirmation mails of anonymous email subscriptions travel through the outbox too, but are not part of the API. */
const INCIDENT_UPDATES = { kind: 'INCIDENT_UPDATE' } as const;

builder.prismaNode('Notification', {
  id: { field: 'id', description: 'Global ID of the notification.' },
  description: 'One message about one timeline entry, and its delivery: status page news to a subscriber, or a page to a contact method.',
  authScopes: { read: true },
  findUnique: (id, context) => ({ ...scopedNodeWhere(id, context), ...INCIDENT_UPDATES }),
  nullable: true,
  fields: (t) => ({
    idempotencyKey: t.string({
      description: 'Sent as the Idempotency-Key header and as `id` in the webhook body, the same on every retry.',
      resolve: (notification) => notification.id,
    }),
    channel: t.expose('channel', { type: ChannelEnum, description: 'Webhook or email.' }),
    status: t.expose('status', { type: NotificationStatusEnum, description: 'Delivery status.' }),
    attempts: t.exposeInt('attempts', { description: 'Delivery attempts so far.' }),
    nextAttemptAt: t.expose('nextAttemptAt', { type: 'DateTime', description: 'When a PENDING notification is tried next.' }),
    lastError: t.exposeString('lastError', { nullable: true, description: 'Why the last attempt failed.' }),
    deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true, description: 'When it was delivered.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was written (with its timeline entry).' }),
    incidentId: t.id({ description: 'Global ID of the incident.', resolve: (notification) => encodeGlobalID('Incident', notification.incidentId!) }),
    updateId: t.id({
      description: 'Global ID of the timeline entry it announces.',
      resolve: (notification) => encodeGlobalID('IncidentUpdate', notification.updateId!),
    }),
    payload: t.field({
      type: 'JSON',
      // It names the recipient, as subscribers do: admin only.
      authScopes: { admin: true },
      description: 'What is sent: `{ webhook: <body> }` or `{ email: { to, subject, text } }` (admin scope).',
      resolve: (notification) => notification.payload,
    }),
    subscriber: t.relation('subscriber', { nullable: true, description: 'Who it is for (admin scope); null for a page, which goes to a contact method.' }),
    contactMethod: t.relation('contactMethod', {
      nullable: true,
      description: 'The contact method a page goes to; null for status page news, or when the contact method was removed.',
    }),
  }),
});

const NotificationFilter = builder.inputType('NotificationFilter', {
  description: 'Which notifications; all given conditions must hold.',
  fields: (t) => ({
    status: t.field({ type: [NotificationStatusEnum], description: 'Any of these statuses.' }),
    incidentId: t.id({ description: 'Of this incident.' }),
    subscriberId: t.id({ description: 'For this subscriber.' }),
  }),
});

const PreviewRef = builder.objectRef<notifications.NotificationPreview>('NotificationPreview').implement({
  description: 'What the subscribers of one status page would get; nothing is sent.',
  fields: (t) => ({
    statusPageId: t.id({ description: 'Global ID of the status page.', resolve: (preview) => encodeGlobalID('StatusPage', preview.statusPage.id) }),
    statusPageSlug: t.string({ description: 'Slug of the status page.', resolve: (preview) => preview.statusPage.slug }),
    subscriberCount: t.exposeInt('subscriberCount', { description: 'How many confirmed subscribers would be notified.' }),
    webhookPayload: t.field({
      type: 'JSON',
      description: 'The webhook body (its `id`, the notification id, is "preview" here).',
      resolve: (preview) => preview.webhookPayload,
    }),
    emailSubject: t.string({ description: 'The email subject.', resolve: (preview) => preview.email.subject }),
    emailText: t.string({ description: 'The email text.', resolve: (preview) => preview.email.text }),
  }),
});

builder.queryFields((t) => ({
  subscribers: t.prismaConnection(
    {
      type: 'Subscriber',
      cursor: 'id',
      description: 'Subscribers of your status pages, oldest first (admin scope); unsubscribed ones only when asked for.',
      authScopes: { admin: true },
      args: {
        statusPageId: t.arg.id({ description: 'Only of this status page.' }),
        includeUnsubscribed: t.arg.boolean({ defaultValue: false, description: 'Also list subscribers that unsubscribed (kept with their delivery history).' }),
      },
      resolve: (query, _root, args, context) =>
        context.db.prisma.subscriber.findMany({ ...query, where: subscriberWhere(orgOf(context), args), orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
      totalCount: (_connection, args, context) => context.db.prisma.subscriber.count({ where: subscriberWhere(orgOf(context), args) }),
    },
    { description: 'A page of subscribers.' },
    { description: 'A subscriber in a page.' },
  ),
  notifications: t.prismaConnection(
    {
      type: 'Notification',
      cursor: 'id',
      description: 'Notifications and their delivery status, newest first.',
      authScopes: { read: true },
      args: { filter: t.arg({ type: NotificationFilter, description: 'Which notifications.' }) },
      resolve: (query, _root, args, context) =>
        context.db.prisma.notification.findMany({
          ...query,
          where: notificationWhere(orgOf(context), args.filter),
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        }),
      totalCount: (_connection, args, context) => context.db.prisma.notification.count({ where: notificationWhere(orgOf(context), args.filter) }),
    },
    { description: 'A page of notifications.' },
    { description: 'A notification in a page.' },
  ),
  notificationPreview: t.field({
    type: [PreviewRef],
    nullable: true,
    description: 'What subscribers would get if `body` were posted on the incident now, per status page it is published on; sends nothing. Null when the incident does not exist.',
    authScopes: { read: true },
    args: {
      incidentId: t.arg.id({ required: true, description: 'Global ID of the incident.' }),
      body: t.arg.string({ required: true, description: 'The update text.' }),
    },
    resolve: (_root, args, context) => {
      if (textLength(args.body) > BODY_MAX) throw badUserInput(`body must be at most ${BODY_MAX} characters`);
      const id = decodeId(String(args.incidentId), 'Incident');
      return id ? notifications.previewNotifications(context.db.prisma, orgOf(context), id, args.body.trim()) : null;
    },
  }),
}));

/** A filter id that is not a global ID of the right type matches nothing. */

function subscriberWhere(
  orgId: string,
  { statusPageId, includeUnsubscribed }: { statusPageId?: string | number | null; includeUnsubscribed?: boolean | null },
): Prisma.SubscriberWhereInput {
  return {
    orgId,
    ...(includeUnsubscribed ? {} : { unsubscribedAt: null }),
    ...(statusPageId != null ? { statusPageId: decodeId(String(statusPageId), 'StatusPage') ?? NO_ROW_ID } : {}),
  };
}

function notificationWhere(
  orgId: string,
  filter: { status?: ('PENDING' | 'DELIVERED' | 'DEAD')[] | null; incidentId?: string | number | null; subscriberId?: string | number | null } | null | undefined,
): Prisma.NotificationWhereInput {
  return {
    orgId,
    ...INCIDENT_UPDATES,
    ...(filter?.status ? { status: { in: filter.status } } : {}),
    ...(filter?.incidentId != null ? { incidentId: decodeId(String(filter.incidentId), 'Incident') ?? NO_ROW_ID } : {}),
    ...(filter?.subscriberId != null ? { subscriberId: decodeId(String(filter.subscriberId), 'Subscriber') ?? NO_ROW_ID } : {}),
  };
}

const SubscribeInput = builder.inputType('SubscribeInput', {
  description: 'A new subscriber of a status page: give exactly one of statusPageId and statusPageSlug, and exactly one of webhookUrl and email.',
  fields: (t) => ({
    statusPageId: t.id({ description: 'Global ID of the status page.' }),
    statusPageSlug: t.string({ description: 'Slug of the status page (how callers without a key know a public page).' }),
    webhookUrl: t.string({ description: 'An http(s) URL to POST signed JSON to.' }),
    email: t.string({ description: 'An email address.' }),
    componentIds: t.idList({ description: 'Only incidents affecting one of these components; default all.' }),
  }),
});

type SubscribeResult = Pick<notifications.SubscribeResult, 'subscriberId' | 'signingSecret'>;

const SubscribePayload = definePayload<SubscribeResult>('SubscribePayload', 'Result of subscribe.', (t) => ({
  subscriber: t.prismaField({
    type: 'Subscriber',
    nullable: true,
    description:
      'The new subscriber; null when rejected, and for callers without the admin scope (who may not read subscribers: they are not told after the write, they get null).',
    resolve: (query, payload: PayloadShape<SubscribeResult>, _args, context) =>
      payload.result?.subscriberId && context.auth?.scopes.has('admin')
        ? context.db.prisma.subscriber.findUnique({ ...query, where: { id: payload.result.subscriberId } })
        : null,
  }),
  signingSecret: t.string({
    nullable: true,
    description: 'Webhooks only: the HMAC-SHA256 key their signatures use. Shown this once.',
    resolve: (payload: PayloadShape<SubscribeResult>) => payload.result?.signingSecret ?? null,
  }),
}));

const UnsubscribeInput = builder.inputType('UnsubscribeInput', {
  description: 'The subscriber to unsubscribe: exactly one of id (with a key) and token (without one).',
  fields: (t) => ({
    id: t.id({ description: 'Global ID of the subscriber (write scope).' }),
    token: t.string({ description: 'The confirmation token mailed to an address subscribed without a key.' }),
  }),
});

const UnsubscribePayload = definePayload<{ deletedSubscriberId: string }>('UnsubscribePayload', 'Result of unsubscribe.', (t) => ({
  deletedSubscriberId: t.id({
    nullable: true,
    description: 'Global ID of the subscriber that unsubscribed (it is kept, with unsubscribedAt set); null when rejected.',
    resolve: (payload: PayloadShape<{ deletedSubscriberId: string }>) =>
      payload.result ? encodeGlobalID('Subscriber', payload.result.deletedSubscriberId) : null,
  }),
}));

const ConfirmSubscriptionInput = builder.inputType('ConfirmSubscriptionInput', {
  description: 'The token mailed to an address subscribed without a key.',
  fields: (t) => ({ token: t.string({ required: true, description: 'The confirmation token from the email.' }) }),
});

const ConfirmSubscriptionPayload = definePayload<{ subscriberId: string }>('ConfirmSubscriptionPayload', 'Result of confirmSubscription.', (t) => ({
  confirmed: t.boolean({
    description: 'True when the subscription is confirmed (also when it already was); false when rejected.',
    resolve: (payload: PayloadShape<{ subscriberId: string }>) => payload.result !== null,
  }),
}));

/** Without a key the caller is anyone: allowed, within what the resolver permits anonymous callers. A key needs the write scope. */
const anonymousOrWrite = (context: GatewayContext) => (context.auth ? { write: true } : true);

builder.mutationFields((t) => ({
  subscribe: t.field({
    type: SubscribePayload,
    description:
      'Subscribes a webhook or an email address to a status page. With a key (write scope) the subscriber is confirmed at once; a webhook URL must reach a public address (INVALID_INPUT on webhookUrl otherwise). Without a key: email only, public pages only (by slug or id; a private page is NOT_FOUND), EMAIL_UNAVAILABLE when the gateway has no SMTP server, and a confirmation token is mailed to the address (at most one mail per address and page while its token is valid; the answer is the same whether or not the address was already subscribed): it gets notifications once confirmSubscription is called with it.',
    authScopes: (_root, _args, context) => anonymousOrWrite(context),
    args: { input: t.arg({ type: SubscribeInput, required: true, description: 'The subscriber.' }) },
    resolve: async (_root, { input }, context) => {
      const anonymous = context.auth === null;
      const { fields, errors } = checkSubscribeFields(input.webhookUrl, input.email, anonymous);
      if ((input.statusPageId == null) === (input.statusPageSlug == null)) {
        errors.unshift({ code: 'INVALID_INPUT', field: null, message: 'Give exactly one of statusPageId and statusPageSlug' });
      }
      if (errors.length === 0 && anonymous && !context.outbound.emailEnabled) {
        errors.push({ code: 'EMAIL_UNAVAILABLE', field: ['email'], message: 'Email subscriptions are not available: this gateway sends no email' });
      }
      const urlProblem = errors.length === 0 && fields.webhookUrl ? await context.outbound.http.checkUrl(fields.webhookUrl) : null;
      if (urlProblem) errors.push({ code: 'INVALID_INPUT', field: ['webhookUrl'], message: `webhookUrl is not allowed: ${urlProblem}` });
      if (errors.length > 0) return rejected(errors);
      const outcome = await notifications.subscribe(context.db.prisma, anonymous ? null : actorOf(context), {
        ...fields,
        statusPage: input.statusPageSlug != null ? { slug: input.statusPageSlug } : { id: decodeIdOrRaw(String(input.statusPageId), 'StatusPage') },
        componentIds: (input.componentIds ?? []).map((id) => decodeIdOrRaw(String(id), 'Component')),
      });
      return settle(context, outcome);
    },
  }),
  confirmSubscription: t.field({
    type: ConfirmSubscriptionPayload,
    description: 'Confirms an email subscription made without a key, with the token mailed to it; an unknown token is NOT_FOUND. Needs no key (a key needs the write scope).',
    authScopes: (_root, _args, context) => anonymousOrWrite(context),
    args: { input: t.arg({ type: ConfirmSubscriptionInput, required: true, description: 'The token.' }) },
    resolve: async (_root, { input }, context) => settle(context, await notifications.confirmSubscription(context.db.prisma, input.token)),
  }),
  unsubscribe: t.field({
    type: UnsubscribePayload,
    description:
      'Unsubscribes: the subscriber is kept, marked unsubscribedAt, with its notifications; what was still pending for it ends DEAD. By id with a key (write scope), or without a key by the token mailed to an address subscribed without one.',
    authScopes: (_root, _args, context) => anonymousOrWrite(context),
    args: { input: t.arg({ type: UnsubscribeInput, required: true, description: 'The subscriber.' }) },
    resolve: async (_root, { input }, context) => {
      if ((input.id == null) === (input.token == null) || (context.auth === null && input.id != null)) {
        return rejected([{ code: 'INVALID_INPUT', field: null, message: 'Give exactly one of id (needs a key) and token' }]);
      }
      const which = input.token != null ? { token: input.token } : { actor: actorOf(context), id: decodeId(String(input.id), 'Subscriber') };
      return settle(context, await notifications.unsubscribe(context.db.prisma, which));
    },
  }),
}));
