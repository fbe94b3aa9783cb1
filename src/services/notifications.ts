import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import {
  anonymousSubscribeAction,
  confirmationValid,
  renderConfirmationEmail,
  renderEmail,
  subscriberWants,
  webhookPayload,
  type Email,
  type NotificationSubject,
} from '../domain/notifications.js';
import type { ComponentStatus, IncidentImpact, IncidentSeverity, IncidentStatus, TimelineEntryKind } from '../domain/types.js';
import { globalIdOf, isUuid } from '../domain/ids.js';
import type { PagePayload } from '../domain/escalation.js';
import { activeTraceContext } from '../telemetry/tracing.js';
import { inTransaction, reject, type Actor, type Tx } from './transaction.js';

type Db = Tx | PrismaClient;

/** A timeline entry that subscribers are told about. */
export interface AnnouncedUpdate {
  id: string | null;
  kind: TimelineEntryKind;
  status: IncidentStatus;
  body: string;
  postedAt: Date;
}

/** What is sent for a notification: the webhook body (status page news or a page), or the email. */
export type StoredPayload = { webhook: ReturnType<typeof webhookPayload> | PagePayload } | { email: Email & { to: string } };

const subscriberSelect = { id: true, channel: true, email: true, componentIds: true } as const;

/** The incident with what notifications show of it, and the pages it is published on with their confirmed subscribers. */
async function loadAudience(db: Db, orgId: string, incidentId: string) {
  return db.incident.findFirst({
    where: { id: incidentId, orgId },
    select: {
      id: true,
      number: true,
      title: true,
      status: true,
      severity: true,
      impact: true,
      components: { orderBy: { position: 'asc' }, select: { status: true, component: { select: { id: true, name: true } } } },
      statusPages: {
        orderBy: { publishedAt: 'asc' },
        select: {
          statusPage: {
            select: { id: true, slug: true, name: true, subscribers: { where: { confirmedAt: { not: null }, unsubscribedAt: null }, select: subscriberSelect } },
          },
        },
      },
    },
  });
}

type Audience = NonNullable<Awaited<ReturnType<typeof loadAudience>>>;

function subjectOf(incident: Audience, page: { id: string; slug: string; name: string }, update: AnnouncedUpdate): NotificationSubject {
  return {
    statusPage: { id: globalIdOf('StatusPage', page.id), slug: page.slug, name: page.name },
    incident: {
      id: globalIdOf('Incident', incident.id),
      number: incident.number,
      title: incident.title,
      status: incident.status as IncidentStatus,
      severity: incident.severity as IncidentSeverity,
      impact: incident.impact as IncidentImpact,
      components: incident.components.map((link) => ({
        id: globalIdOf('Component', link.component.id),
        name: link.component.name,
        status: link.status as ComponentStatus,
      })),
    },
    update: {
      id: update.id && globalIdOf('IncidentUpdate', update.id),
      kind: update.kind,
      status: update.status,
      body: update.body,
      postedAt: update.postedAt.toISOString(),
    },
  };
}

/** The subscribers of `page` who want to hear about this incident. */
function audienceOf(incident: Audience, page: Audience['statusPages'][number]['statusPage']) {
  const componentIds = incident.components.map((link) => link.component.id);
  return page.subscribers.filter((subscriber) => subscriberWants(subscriber.componentIds, componentIds));
}

/**
 * The outbox: one notification per interested subscriber of every status page the incident is
 * published on, written in the caller's transaction, so it exists exactly when the entry does.
 */
export async function enqueueNotifications(tx: Tx, orgId: string, incidentId: string, update: AnnouncedUpdate): Promise<void> {
  const incident = await loadAudience(tx, orgId, incidentId);
  if (!incident) return;
  const rows: Prisma.NotificationCreateManyInput[] = [];
  const told = new Set<string>();
  const traceContext = activeTraceContext() ?? undefined;
  for (const { statusPage } of incident.statusPages) {
    for (const subscriber of audienceOf(incident, statusPage)) {
      if (told.has(subscriber.id)) continue;
      told.add(subscriber.id);
      const id = randomUUID();
      const subject = subjectOf(incident, statusPage, update);
      const payload: StoredPayload =
        subscriber.channel === 'WEBHOOK' ? { webhook: webhookPayload(id, subject) } : { email: { to: subscriber.email!, ...renderEmail(subject) } };
      rows.push({
        id,
        orgId,
        subscriberId: subscriber.id,
        incidentId,
        updateId: update.id!,
        channel: subscriber.channel,
        payload: payload as unknown as Prisma.InputJsonValue,
        traceContext,
      });
    }
  }
  if (rows.length > 0) await tx.notification.createMany({ data: rows });
}

export interface NotificationPreview {
  statusPage: { id: string; slug: string; name: string };
  subscriberCount: number;
  webhookPayload: ReturnType<typeof webhookPayload>;
  email: Email;
}

/** What each status page's subscribers would get if `body` were posted now; sends nothing. Null when the incident is missing. */
export async function previewNotifications(prisma: PrismaClient, orgId: string, incidentId: string, body: string): Promise<NotificationPreview[] | null> {
  const incident = isUuid(incidentId) ? await loadAudience(prisma, orgId, incidentId) : null;
  if (!incident) return null;
  const update: AnnouncedUpdate = { id: null, kind: 'MESSAGE', status: incident.status as IncidentStatus, body, postedAt: new Date() };
  return incident.statusPages.map(({ statusPage }) => {
    const subject = subjectOf(incident, statusPage, update);
    return {
      statusPage: { id: statusPage.id, slug: statusPage.slug, name: statusPage.name },
      subscriberCount: audienceOf(incident, statusPage).length,
      webhookPayload: webhookPayload('preview', subject),
      email: renderEmail(subject),
    };
  });
}

export interface SubscribeRequest {
  /** The page by global-id-decoded id or by slug: exactly one. */
  statusPage: { id: string } | { slug: string };
  webhookUrl?: string | null;
  email?: string | null;
  componentIds: string[];
}

export interface SubscribeResult {
  /** Null for a caller without a key (who is never told whether the address was already subscribed). */
  subscriberId: string | null;
  /** Webhooks: their signing secret, shown this once. */
  signingSecret: string | null;
}

/** Confirmation tokens are stored as their SHA-256 only: a leaked table confirms nobody. */
const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * A new subscriber; a webhook gets a fresh signing secret, returned this once. With a key
 * (`actor`) it is confirmed at once. Without one (`null`: public pages only, email only) the
 * address gets a confirmation mail through the outbox, at most one per validity period and none
 * when it is already subscribed: see anonymousSubscribeAction.
 */
export function subscribe(prisma: PrismaClient, actor: Actor | null, request: SubscribeRequest) {
  return inTransaction(prisma, async (tx): Promise<SubscribeResult> => {
    const pageField = 'slug' in request.statusPage ? 'statusPageSlug' : 'statusPageId';
    const byPage = 'slug' in request.statusPage ? { slug: request.statusPage.slug } : isUuid(request.statusPage.id) ? { id: request.statusPage.id } : null;
    const page = byPage
      ? await tx.statusPage.findFirst({ where: { ...byPage, ...(actor ? { orgId: actor.orgId } : { public: true }) }, select: { id: true, orgId: true, name: true } })
      : null;
    if (!page) reject('NOT_FOUND', [pageField], 'No status page with this id or slug');
    const valid = request.componentIds.filter(isUuid);
    const found = new Set(
      (await tx.component.findMany({ where: { orgId: page.orgId, id: { in: valid } }, select: { id: true } })).map((row) => row.id),
    );
    const unknown = request.componentIds.findIndex((id) => !found.has(id));
    if (unknown >= 0) reject('INVALID_COMPONENT_ID', ['componentIds', String(unknown)], 'No component with this id');
    const componentIds = [...new Set(request.componentIds)];
    if (!actor) {
      await subscribeAnonymously(tx, page, request.email!, componentIds);
      return { subscriberId: null, signingSecret: null };
    }
    const signingSecret = request.webhookUrl ? `whsec_${randomBytes(24).toString('base64url')}` : null;
    const subscriber = await tx.subscriber.create({
      data: {
        orgId: page.orgId,
        statusPageId: page.id,
        channel: request.webhookUrl ? 'WEBHOOK' : 'EMAIL',
        webhookUrl: request.webhookUrl ?? null,
        email: request.email ?? null,
        signingSecret,
        componentIds,
        // Added with a key of the organization: no confirmation round trip.
        confirmedAt: new Date(),
      },
      select: { id: true },
    });
    return { subscriberId: subscriber.id, signingSecret };
  });
}

/**
 * The anonymous half of subscribe. Concurrent requests for one (page, address) are serialized by
 * a transaction-scoped advisory lock, so two of them cannot both find nothing and both mail. The
 * confirmation mail is an outbox row (retried like any notification); its text holds the token
 * until it is sent, after which the worker removes it.
 */
async function subscribeAnonymously(tx: Tx, page: { id: string; orgId: string; name: string }, email: string, componentIds: string[]): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`subscribe:${page.id}:${email.toLowerCase()}`}))`;
  const candidates = await tx.subscriber.findMany({
    where: { statusPageId: page.id, channel: 'EMAIL', email: { equals: email, mode: 'insensitive' }, unsubscribedAt: null },
    select: { id: true, email: true, confirmedAt: true, confirmSentAt: true },
  });
  // Exactly this address in any case (a pattern-matching comparison would also let `_` stand for any letter).
  const existing = candidates.find((candidate) => candidate.email?.toLowerCase() === email.toLowerCase()) ?? null;
  const now = new Date();
  const action = anonymousSubscribeAction(existing, now);
  if (action === 'NOTHING') return;
  const token = randomBytes(24).toString('base64url');
  const pending = { confirmToken: tokenHash(token), confirmSentAt: now };
  const subscriberId =
    existing && action === 'RESEND'
      ? (await tx.subscriber.update({ where: { id: existing.id }, data: pending, select: { id: true } })).id
      : (await tx.subscriber.create({ data: { orgId: page.orgId, statusPageId: page.id, channel: 'EMAIL', email, componentIds, ...pending }, select: { id: true } })).id;
  const payload: StoredPayload = { email: { to: email, ...renderConfirmationEmail(page.name, token) } };
  await tx.notification.create({
    data: {
      orgId: page.orgId,
      subscriberId,
      kind: 'CONFIRMATION',
      channel: 'EMAIL',
      payload: payload as unknown as Prisma.InputJsonValue,
      traceContext: activeTraceContext() ?? undefined,
    },
  });
}

/** Confirms the subscriber the token was mailed to, while the token is valid; confirming twice is harmless. */
export function confirmSubscription(prisma: PrismaClient, token: string) {
  return inTransaction(prisma, async (tx) => {
    const subscriber = await tx.subscriber.findFirst({
      where: { confirmToken: tokenHash(token), unsubscribedAt: null },
      select: { id: true, confirmedAt: true, confirmSentAt: true },
    });
    if (!subscriber || (!subscriber.confirmedAt && !confirmationValid(subscriber.confirmSentAt, new Date()))) {
      reject('NOT_FOUND', ['token'], 'No subscription with this token, or it has expired');
    }
    if (!subscriber.confirmedAt) await tx.subscriber.update({ where: { id: subscriber.id }, data: { confirmedAt: new Date() } });
    return { subscriberId: subscriber.id };
  });
}

/**
 * Unsubscribes: by id within the key's organization, or by the token mailed to it (anyone holding
 * it). The subscriber is kept, marked unsubscribed, with its delivery history; what was still
 * pending for it ends DEAD.
 */
export function unsubscribe(prisma: PrismaClient, which: { actor: Actor; id: string | null } | { token: string }) {
  return inTransaction(prisma, async (tx) => {
    const where = 'token' in which ? { confirmToken: tokenHash(which.token) } : which.id ? { id: which.id, orgId: which.actor.orgId } : null;
    const subscriber = where ? await tx.subscriber.findFirst({ where: { ...where, unsubscribedAt: null }, select: { id: true } }) : null;
    if (!subscriber) reject('NOT_FOUND', ['token' in which ? 'token' : 'id'], 'No subscriber with this id or token');
    await tx.subscriber.update({ where: { id: subscriber.id }, data: { unsubscribedAt: new Date() } });
    await tx.notification.updateMany({
      where: { subscriberId: subscriber.id, status: 'PENDING' },
      data: { status: 'DEAD', lockedUntil: null, lastError: 'the subscriber unsubscribed' },
    });
    return { deletedSubscriberId: subscriber.id };
  });
}
