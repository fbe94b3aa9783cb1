import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { EscalationStep, Prisma, PrismaClient } from '../generated/prisma/client.js';
import {
  firstStep,
  onOwnerChange,
  pageEmail,
  recipientsAt,
  stepAfter,
  stepApplies,
  type PagePayload,
  type PolicySpec,
  type StepSpec,
} from '../domain/escalation.js';
import type { ScheduleSpec } from '../domain/oncall.js';
import { isOpenStatus } from '../domain/lifecycle.js';
import type { IncidentStatus } from '../domain/types.js';
import { globalIdOf } from '../domain/ids.js';
import type { GatewayEvent } from '../realtime/events.js';
import { acknowledgeInTransaction, changedEvent, findIncident, saveIncident, writeTimeline, type TimelineEntryDraft } from './incidents.js';
import type { StoredPayload } from './notifications.js';
import { scheduleSpecInclude, scheduleSpecOf } from './schedules.js';
import { activeTraceContext, storedTraceContext, type Tracing } from '../telemetry/tracing.js';
import { inTransaction, type Tx } from './transaction.js';

export interface PagingSettings {
  /** The length of one minute of a rule's delayMinutes (ESCALATION_MINUTE_MS). */
  minuteMs: number;
  /** How long an acknowledge link works at most (ACK_LINK_TTL_MS, never above 24 h). */
  ackLinkTtlMs: number;
  /** Where people reach this gateway: acknowledge links start with it. */
  publicUrl: string;
}

/** What the paging code needs of an incident the caller holds locked (or has just created). */
export interface PagedIncident {
  id: string;
  orgId: string;
  kind: string;
  status: string;
  ownerId: string | null;
  escalationPolicyId: string | null;
}

/** Only open incidents page; maintenance windows never do. */
function pages(incident: Pick<PagedIncident, 'kind' | 'status'>): boolean {
  return incident.kind === 'INCIDENT' && isOpenStatus(incident.status as IncidentStatus);
}

/**
 * Writes a step; the event wakes the pollers of every instance once the transaction commits. The
 * step keeps the trace context of the work scheduling it (a request, or the step before) for its
 * span to continue: a whole escalation is one trace.
 */
async function scheduleStep(tx: Tx, incident: Pick<PagedIncident, 'id' | 'orgId'>, generation: number, step: StepSpec, events: GatewayEvent[]) {
  await tx.escalationStep.create({
    data: {
      orgId: incident.orgId,
      incidentId: incident.id,
      generation,
      kind: step.kind,
      level: step.level,
      cycle: step.cycle,
      dueAt: step.dueAt,
      traceContext: activeTraceContext() ?? undefined,
    },
  });
  events.push({ channel: 'escalation.due', event: { dueAt: step.dueAt.toISOString() } });
}

/**
 * (Re)starts paging from level 0 at once, in the caller's transaction: on creation, reopen and a
 * new owner. A new generation makes whatever steps an earlier start planned do nothing.
 */
export async function startPaging(tx: Tx, incident: PagedIncident, now: Date, events: GatewayEvent[]): Promise<void> {
  if (!pages(incident)) return;
  const step = firstStep(incident.ownerId !== null, incident.escalationPolicyId !== null, now);
  if (!step) return;
  const restart = { state: 'ACTIVE' as const, level: 0, cycle: 0, nextEscalationAt: step.dueAt, startedAt: now };
  const { generation } = await tx.escalation.upsert({
    where: { incidentId: incident.id },
    create: { incidentId: incident.id, orgId: incident.orgId, generation: 1, ...restart },
    update: { ...restart, generation: { increment: 1 } },
    select: { generation: true },
  });
  await scheduleStep(tx, incident, generation, step, events);
}

/** A new owner (already saved on `incident`) is paged at once; see onOwnerChange. */
export async function pageNewOwner(tx: Tx, incident: PagedIncident, now: Date, events: GatewayEvent[]): Promise<void> {
  const escalation = await tx.escalation.findUnique({ where: { incidentId: incident.id }, select: { state: true, generation: true } });
  const effect = onOwnerChange(incident.ownerId, pages(incident), escalation?.state ?? null, incident.escalationPolicyId !== null);
  if (effect === 'RESTART') await startPaging(tx, incident, now, events);
  if (effect === 'PAGE_OWNER') await scheduleStep(tx, incident, escalation!.generation, { kind: 'OWNER', level: 0, cycle: 0, dueAt: now }, events);
  if (effect === 'STOP') await stopPaging(tx, incident.id, 'STOPPED');
}

/**
 * Ends paging, in the transaction of the acknowledgement or resolution: planned steps do nothing,
 * pages not sent yet are not sent, and acknowledge links stop working.
 */
export async function stopPaging(tx: Tx, incidentId: string, state: 'ACKNOWLEDGED' | 'STOPPED'): Promise<void> {
  const escalation = await tx.escalation.findUnique({ where: { incidentId }, select: { state: true } });
  // Never paged: nothing to stop (the common case costs one lookup).
  if (!escalation) return;
  // An exhausted escalation still waits for someone to acknowledge; a resolved one keeps saying it ran out.
  if (escalation.state === 'ACTIVE' || (state === 'ACKNOWLEDGED' && escalation.state === 'EXHAUSTED')) {
    await tx.escalation.update({ where: { incidentId }, data: { state, generation: { increment: 1 }, nextEscalationAt: null } });
  }
  await cancelPages(tx, incidentId);
}

/** Also for a deleted incident, whose outbox rows have no foreign key to it (call it before the delete). */
export async function cancelPages(tx: Tx, incidentId: string): Promise<void> {
  if (!(await tx.page.findFirst({ where: { incidentId }, select: { id: true } }))) return;
  await tx.ackToken.deleteMany({ where: { incidentId } });
  await tx.notification.updateMany({
    where: { incidentId, subscriberId: null, status: 'PENDING' },
    data: { status: 'DEAD', lockedUntil: null, lastError: 'Not sent: the escalation stopped first' },
  });
}

// ---------------------------------------------------------------- carrying out steps

const PAGING_ACTOR_NAME = 'Escalation';

const stepIncidentInclude = {
  escalation: true,
  escalationPolicy: {
    include: { rules: { orderBy: { position: 'asc' }, include: { targets: { orderBy: { position: 'asc' } } } } },
  },
} satisfies Prisma.IncidentInclude;

type StepIncident = Prisma.IncidentGetPayload<{ include: typeof stepIncidentInclude }>;

function policySpecOf(policy: StepIncident['escalationPolicy']): PolicySpec | null {
  if (!policy) return null;
  return {
    repeatCount: policy.repeatCount,
    rules: policy.rules.map((rule) => ({
      delayMinutes: rule.delayMinutes,
      targets: rule.targets.map((target) => (target.userId ? { userId: target.userId } : { scheduleId: target.scheduleId! })),
    })),
  };
}

export interface StepResult {
  events: GatewayEvent[];
  /** Whether it wrote notifications for the outbox worker. */
  notified: boolean;
}

/**
 * Claims the earliest due step that no other instance holds and carries it out, in one
 * transaction with its pages (outbox rows), timeline entries and the next step: a crash before
 * the commit leaves the step to the next poller, a commit leaves nothing to repeat. Null when no
 * step is due. With tracing, the claimed step is carried out in an `escalation.step` span
 * continuing the trace that scheduled it (the claim, like every poll, is not traced).
 */
export async function runDueStep(prisma: PrismaClient, settings: Pick<PagingSettings, 'minuteMs'> & { tracing?: Tracing | null }): Promise<StepResult | null> {
  const outcome = await inTransaction(prisma, async (tx, events) => {
    const now = new Date();
    const [claimed] = await tx.$queryRaw<{ id: string }[]>`
      SELECT "id"::text AS "id" FROM "EscalationStep"
      WHERE "dueAt" <= ${now.toISOString()}::timestamptz AT TIME ZONE 'UTC'
      ORDER BY "dueAt", "id"
      LIMIT 1
      FOR UPDATE SKIP LOCKED`;
    if (!claimed) return null;
    const step = await tx.escalationStep.delete({ where: { id: claimed.id } });
    const work = () => carryOut(tx, step, settings.minuteMs, events);
    const { tracing } = settings;
    const attributes = { 'incident.id': step.incidentId, 'escalation.level': step.level, 'escalation.kind': step.kind };
    const notified = tracing ? await tracing.inSpan('escalation.step', attributes, work, storedTraceContext(step.traceContext)) : await work();
    return { notified };
  });
  if (!outcome.ok || !outcome.value) return null;
  return { events: outcome.events, ...outcome.value };
}

/** When the earliest step is due, or null when none is planned. */
export async function nextStepDueAt(prisma: PrismaClient): Promise<Date | null> {
  const next = await prisma.escalationStep.findFirst({ orderBy: [{ dueAt: 'asc' }, { id: 'asc' }], select: { dueAt: true } });
  return next?.dueAt ?? null;
}

async function carryOut(tx: Tx, step: EscalationStep, minuteMs: number, events: GatewayEvent[]): Promise<boolean> {
  // The incident's writers take turns with this step: an acknowledgement either comes first (the step does nothing) or after.
  await tx.$queryRaw`SELECT 1 FROM "Incident" WHERE "id" = ${step.incidentId}::uuid FOR UPDATE`;
  const incident = await tx.incident.findUnique({ where: { id: step.incidentId }, include: stepIncidentInclude });
  if (!incident || !stepApplies(step, incident.escalation, pages(incident))) return false;
  const policy = policySpecOf(incident.escalationPolicy);

  if (step.kind === 'EXHAUST') {
    await record(tx, incident, [{ kind: 'ESCALATION_EXHAUSTED', status: incident.status, body: 'Escalation exhausted: nobody acknowledged.' }], events);
    await tx.escalation.update({ where: { incidentId: incident.id }, data: { state: 'EXHAUSTED', nextEscalationAt: null } });
    return false;
  }

  const now = new Date();
  // An OWNER step pages the owner alone, whatever the policy says.
  const level = step.kind === 'OWNER' ? 0 : step.level;
  const schedules = await schedulesOf(tx, incident.orgId, step.kind === 'OWNER' ? [] : policy?.rules[level]?.targets ?? []);
  const { userIds } = recipientsAt(level, incident.ownerId, step.kind === 'OWNER' ? null : policy, schedules, now);
  const found = await tx.user.findMany({
    where: { orgId: incident.orgId, id: { in: userIds } },
    select: { id: true, name: true, email: true, contactMethods: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } },
  });
  const users = userIds.flatMap((id) => found.filter((user) => user.id === id));

  const entries: TimelineEntryDraft[] = [];
  if (step.kind === 'PAGE' && (level > 0 || step.cycle > 0 || users.length === 0)) {
    const pass = step.cycle > 0 ? ` (repeat ${step.cycle} of ${policy?.repeatCount ?? 0})` : '';
    entries.push({ kind: 'ESCALATED', status: incident.status, body: `Escalated to level ${level}${pass}.${users.length === 0 ? ' Nobody to page at this level.' : ''}` });
  }
  // Someone without a contact method gets a page record (Incident.escalation.pages) but nothing was
  // sent, so no PAGED entry: the incident and its version stay as they were.
  const reached = users.filter((user) => user.contactMethods.length > 0);
  for (const user of reached) entries.push({ kind: 'PAGED', status: incident.status, body: `Paged ${user.name} at level ${level}.` });
  const ids = await record(tx, incident, entries, events);
  const pagedEntryIds = new Map(reached.map((user, index) => [user.id, ids[ids.length - reached.length + index]]));
  const notified = await writePages(tx, incident, level, users, pagedEntryIds, now);

  if (step.kind === 'PAGE') {
    const next = stepAfter(step, policy, minuteMs);
    await tx.escalation.update({
      where: { incidentId: incident.id },
      data: { level, cycle: step.cycle, nextEscalationAt: next?.dueAt ?? null },
    });
    if (next) await scheduleStep(tx, incident, step.generation, next, events);
  }
  return notified;
}

/** The schedules among `targets`, as the on-call rules read them. */
async function schedulesOf(tx: Tx, orgId: string, targets: PolicySpec['rules'][number]['targets']): Promise<Map<string, ScheduleSpec>> {
  const ids = targets.flatMap((target) => (target.scheduleId ? [target.scheduleId] : []));
  if (ids.length === 0) return new Map();
  const rows = await tx.schedule.findMany({ where: { orgId, id: { in: ids } }, include: scheduleSpecInclude });
  return new Map(rows.map((row) => [row.id, scheduleSpecOf(row)]));
}

/** Timeline entries of paging, counted like any other change of the incident (version, live events). */
async function record(tx: Tx, incident: StepIncident, entries: TimelineEntryDraft[], events: GatewayEvent[]): Promise<string[]> {
  if (entries.length === 0) return [];
  const saved = await saveIncident(tx, incident, {}, entries.length);
  const ids = await writeTimeline(tx, { orgId: incident.orgId, keyId: null, keyName: PAGING_ACTOR_NAME }, incident, incident.lastUpdateSequence, entries, events);
  events.push(changedEvent('UPDATED', saved));
  return ids;
}

/** A page stored for the outbox: the webhook body without its acknowledge link, which is minted at each delivery. */
interface StoredPage {
  page: { pageId: string; body: Omit<PagePayload, 'id' | 'acknowledgeUrl'> };
}

type PagedUser = { id: string; name: string; email: string; contactMethods: { id: string; kind: 'EMAIL' | 'WEBHOOK' }[] };

/** One page per contact method of each user (one without a notification for a user who has none). */
async function writePages(tx: Tx, incident: StepIncident, level: number, users: PagedUser[], entryIds: ReadonlyMap<string, string>, at: Date): Promise<boolean> {
  const notifications: Prisma.NotificationCreateManyInput[] = [];
  const pageRows: Prisma.PageCreateManyInput[] = [];
  const traceContext = activeTraceContext() ?? undefined;
  users.forEach((user) => {
    const base = { orgId: incident.orgId, incidentId: incident.id, userId: user.id, level, at };
    if (user.contactMethods.length === 0) pageRows.push({ id: randomUUID(), ...base });
    for (const method of user.contactMethods) {
      const pageId = randomUUID();
      const notificationId = randomUUID();
      const stored: StoredPage = {
        page: {
          pageId,
          body: {
            type: 'incident.paged',
            incident: {
              id: globalIdOf('Incident', incident.id),
              number: incident.number,
              title: incident.title,
              severity: incident.severity,
              status: incident.status,
            },
            level,
            user: { id: globalIdOf('User', user.id), name: user.name, email: user.email },
          },
        },
      };
      notifications.push({
        id: notificationId,
        orgId: incident.orgId,
        contactMethodId: method.id,
        incidentId: incident.id,
        updateId: entryIds.get(user.id)!,
        channel: method.kind,
        payload: stored as unknown as Prisma.InputJsonValue,
        createdAt: at,
        nextAttemptAt: at,
        traceContext,
      });
      pageRows.push({ id: pageId, ...base, contactMethodId: method.id, notificationId });
    }
  });
  if (notifications.length > 0) await tx.notification.createMany({ data: notifications });
  if (pageRows.length > 0) await tx.page.createMany({ data: pageRows });
  return notifications.length > 0;
}

// ---------------------------------------------------------------- acknowledge links

/** Links are stored as their SHA-256 only: a leaked table acknowledges nothing. */
const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * What the outbox worker sends for a stored notification: pages get their acknowledge link here,
 * a new one at every delivery attempt (only its hash is kept), so no usable link sits in the outbox.
 */
export function pageCompleter(prisma: PrismaClient, settings: Pick<PagingSettings, 'ackLinkTtlMs' | 'publicUrl'>) {
  return async (notification: { id: string; incidentId: string | null; channel: string; payload: unknown; contactMethod: { address: string } | null }): Promise<StoredPayload> => {
    const stored = notification.payload as StoredPayload | StoredPage;
    if (!('page' in stored)) return stored;
    const incidentId = notification.incidentId!; // a page always belongs to an incident
    const token = randomBytes(32).toString('base64url');
    await prisma.ackToken.create({
      data: { hash: tokenHash(token), pageId: stored.page.pageId, incidentId, expiresAt: new Date(Date.now() + settings.ackLinkTtlMs) },
    });
    const body: PagePayload = { id: notification.id, ...stored.page.body, acknowledgeUrl: `${settings.publicUrl}/ack/${token}` };
    if (notification.channel === 'EMAIL') {
      if (!notification.contactMethod) throw new Error('The contact method was removed');
      return { email: { to: notification.contactMethod.address, ...pageEmail(body) } };
    }
    return { webhook: body };
  };
}

/** What an acknowledge link's page shows. */
export interface AckLinkView {
  incident: { number: number; title: string; severity: string; status: string };
  userName: string;
}

const linkInclude = {
  page: { select: { user: { select: { id: true, name: true } }, incident: { select: { id: true, orgId: true, number: true, title: true, severity: true, status: true } } } },
} satisfies Prisma.AckTokenInclude;

function viewOf(row: Prisma.AckTokenGetPayload<{ include: typeof linkInclude }>): AckLinkView {
  const { incident, user } = row.page;
  return { incident: { number: incident.number, title: incident.title, severity: incident.severity, status: incident.status }, userName: user.name };
}

/** The link's page and incident while it works (unused, not expired, incident not acknowledged or resolved); null otherwise. Changes nothing. */
export async function readAckLink(prisma: PrismaClient, token: string): Promise<AckLinkView | null> {
  const row = await prisma.ackToken.findFirst({ where: { hash: tokenHash(token), expiresAt: { gt: new Date() } }, include: linkInclude });
  return row ? viewOf(row) : null;
}

/**
 * Uses the link: acknowledges the incident as the paged user (the ACKNOWLEDGED entry names them).
 * Null when the link does not work (used, expired, or its incident acknowledged or resolved since).
 */
export async function acknowledgeByLink(prisma: PrismaClient, token: string) {
  const hash = tokenHash(token);
  return inTransaction(prisma, async (tx, events) => {
    const row = await tx.ackToken.findFirst({ where: { hash, expiresAt: { gt: new Date() } }, include: linkInclude });
    if (!row) return null;
    const { incident, user } = row.page;
    // The incident first, as every writer of it does; then the link, which a second use finds gone.
    await findIncident(tx, incident.orgId, incident.id, ['token']);
    const { count } = await tx.ackToken.deleteMany({ where: { hash } });
    if (count === 0) return null;
    const acknowledged = await acknowledgeInTransaction(tx, { orgId: incident.orgId, keyId: null, keyName: user.name }, incident.id, events, { pagedUser: user });
    return { view: viewOf(row), acknowledged: acknowledged.changed };
  });
}
