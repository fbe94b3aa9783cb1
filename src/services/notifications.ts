import { randomBytes, randomUUID } from 'node:crypto';
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import {
  renderEmail,
  subscriberWants,
  webhookPayload,
  type Email,
  type NotificationSubject,
} from '../domain/notifications.js';
import type { ComponentStatus, IncidentImpact, IncidentSeverity, IncidentStatus, TimelineEntryKind } from '../domain/types.js';
import { isUuid } from '../domain/ids.js';
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

/** What a stored notification holds: the webhook body, or the email to send. */
export type StoredPayload = { webhook: ReturnType<typeof webhookPayload> } | { email: Email & { to: string } };

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
            select: { id: true, slug: true, name: true, subscribers: { where: { confirmedAt: { not: null } }, select: subscriberSelect } },
          },
        },
      },
    },
  });
}

type Audience = NonNullable<Awaited<ReturnType<typeof loadAudience>>>;

function subjectOf(incident: Audience, page: { id: string; slug: string; name: string }, update: AnnouncedUpdate): NotificationSubject {
  return {
    statusPage: { id: encodeGlobalID('StatusPage', page.id), slug: page.slug, name: page.name },
    incident: {
      id: encodeGlobalID('Incident', incident.id),
      number: incident.number,
      title: incident.title,
      status: incident.status as IncidentStatus,
      severity: incident.severity as IncidentSeverity,
      impact: incident.impact as IncidentImpact,
      components: incident.components.map((link) => ({
        id: encodeGlobalID('Component', link.component.id),
        name: link.component.name,
        status: link.status as ComponentStatus,
      })),
    },
    update: {
      id: update.id && encodeGlobalID('IncidentUpdate', update.id),
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
  statusPageId: string;
  webhookUrl?: string | null;
  email?: string | null;
  componentIds: string[];
}

/** A new subscriber; a webhook gets a fresh signing secret, returned this once. */
export function subscribe(prisma: PrismaClient, actor: Actor, request: SubscribeRequest) {
  return inTransaction(prisma, async (tx) => {
    const page = isUuid(request.statusPageId)
      ? await tx.statusPage.findFirst({ where: { id: request.statusPageId, orgId: actor.orgId }, select: { id: true } })
      : null;
    if (!page) reject('NOT_FOUND', ['statusPageId'], 'No status page with this id');
    const valid = request.componentIds.filter(isUuid);
    const found = new Set(
      (await tx.component.findMany({ where: { orgId: actor.orgId, id: { in: valid } }, select: { id: true } })).map((row) => row.id),
    );
    const unknown = request.componentIds.findIndex((id) => !found.has(id));
    if (unknown >= 0) reject('INVALID_COMPONENT_ID', ['componentIds', String(unknown)], 'No component with this id');
    const signingSecret = request.webhookUrl ? `whsec_${randomBytes(24).toString('base64url')}` : null;
    const subscriber = await tx.subscriber.create({
      data: {
        orgId: actor.orgId,
        statusPageId: page.id,
        channel: request.webhookUrl ? 'WEBHOOK' : 'EMAIL',
        webhookUrl: request.webhookUrl ?? null,
        email: request.email ?? null,
        signingSecret,
        componentIds: [...new Set(request.componentIds)],
        // Added with a key of the organization: no confirmation round trip.
        confirmedAt: new Date(),
      },
      select: { id: true },
    });
    return { subscriberId: subscriber.id, signingSecret };
  });
}

export function unsubscribe(prisma: PrismaClient, actor: Actor, id: string | null) {
  return inTransaction(prisma, async (tx) => {
    const subscriber = id ? await tx.subscriber.findFirst({ where: { id, orgId: actor.orgId }, select: { id: true } }) : null;
    if (!subscriber) reject('NOT_FOUND', ['id'], 'No subscriber with this id');
    await tx.subscriber.delete({ where: { id: subscriber.id } });
    return { deletedSubscriberId: subscriber.id };
  });
}
