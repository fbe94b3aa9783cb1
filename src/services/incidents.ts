import { createHash, randomUUID } from 'node:crypto';
import type { Incident, PrismaClient } from '../generated/prisma/client.js';
import { Prisma } from '../generated/prisma/client.js';
import type {
  ComponentStatus,
  IncidentImpact,
  IncidentSeverity,
  IncidentStatus,
  TimelineEntryKind,
} from '../domain/types.js';
import { isOpenStatus, planTransition, setsResolvedAtOnCreate } from '../domain/lifecycle.js';
import { componentStatusAfterRelease, deriveImpact } from '../domain/impact.js';
import { onCallAt } from '../domain/oncall.js';
import { checkComponentRefs, checkExpectedVersion, type UserError } from '../domain/validation.js';
import type { CheckedCreateIncident } from '../domain/incident-input.js';
import { isUuid } from '../domain/ids.js';
import type { RecordedChange } from '../domain/history.js';
import { enqueueNotifications } from './notifications.js';
import { cancelPages, pageNewOwner, startPaging, stopPaging } from './escalation.js';
import type { GatewayEvent } from '../realtime/events.js';
import type { IncidentChangeType } from '../realtime/pubsub.js';
import { inDriverTransaction, inTransaction, reject, Rejection, sqlOf, type Actor, type Outcome, type Tx } from './transaction.js';
import { databaseOf, type RunSql } from '../db/client.js';
import { scheduleSpecOf, scheduleSpecInclude } from './schedules.js';

/** A component named in an input: `status` null means "record its current status". */
export interface ComponentChoice {
  componentId: string;
  status: ComponentStatus | null;
}

export interface ComponentRefsInput {
  /** `componentIds` as given (decoded where possible). */
  ids?: string[] | null;
  /** `components` as given. */
  withStatus?: ComponentChoice[] | null;
}

export interface CreateIncidentRefs extends ComponentRefsInput {
  ownerId?: string | null;
  ownerScheduleId?: string | null;
  statusPageIds?: string[] | null;
}

const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export interface TimelineEntryDraft {
  kind: TimelineEntryKind;
  status: IncidentStatus;
  body: string;
  notifySubscribers?: boolean;
  changes?: RecordedChange[];
}

/** Appends entries to an incident's timeline, numbering them after `lastSequence`. */
export async function writeTimeline(
  tx: Tx,
  actor: Actor,
  incident: { id: string; orgId: string },
  lastSequence: number,
  entries: TimelineEntryDraft[],
  events: GatewayEvent[],
): Promise<string[]> {
  const ids: string[] = [];
  let sequence = lastSequence;
  for (const entry of entries) {
    sequence += 1;
    const row = await tx.incidentUpdate.create({
      data: {
        orgId: incident.orgId,
        incidentId: incident.id,
        sequence,
        kind: entry.kind,
        status: entry.status,
        body: entry.body,
        notifySubscribers: entry.notifySubscribers ?? false,
        changes: entry.changes ?? Prisma.DbNull,
        postedByKeyId: actor.keyId,
        postedByName: actor.keyName,
      },
      select: { id: true, postedAt: true },
    });
    ids.push(row.id);
    await announceEntry(tx, incident, { ...entry, ...row, sequence }, events);
  }
  return ids;
}

/** What follows a written entry: its outbox rows, committed with it or not at all (services/notifications.ts), and its live event. */
async function announceEntry(
  tx: Tx,
  /** `onNoStatusPage`: known to be published nowhere (a new incident without pages), so the outbox has nobody to tell. */
  incident: { id: string; orgId: string; onNoStatusPage?: boolean },
  entry: TimelineEntryDraft & { id: string; sequence: number; postedAt: Date },
  events: GatewayEvent[],
): Promise<void> {
  if (entry.notifySubscribers && !incident.onNoStatusPage) await enqueueNotifications(tx, incident.orgId, incident.id, entry);
  events.push(timelineEvent(incident, entry));
}

function timelineEvent(incident: { id: string; orgId: string }, entry: { id: string; sequence: number }): GatewayEvent {
  return { channel: 'incident.timeline', event: { orgId: incident.orgId, incidentId: incident.id, updateId: entry.id, sequence: entry.sequence } };
}

export function changedEvent(
  type: IncidentChangeType,
  incident: { id: string; orgId: string; version: number } & Record<string, unknown>,
): GatewayEvent {
  return {
    channel: 'incident.changed',
    event: {
      orgId: incident.orgId,
      type,
      incidentId: incident.id,
      snapshot: JSON.parse(JSON.stringify(incident)) as Record<string, unknown>,
      cursor: Buffer.from(`${incident.id}:${incident.version}`).toString('base64url'),
    },
  };
}

/**
 * The caller's incident, locked until the transaction ends: concurrent writers of one incident
 * take turns, so only an explicit stale expectedVersion is ever a VERSION_CONFLICT.
 */
export async function findIncident(tx: Tx, orgId: string, id: string | null, field: string[]) {
  if (id && isUuid(id)) await tx.$queryRaw`SELECT 1 FROM "Incident" WHERE "id" = ${id}::uuid AND "orgId" = ${orgId}::uuid FOR UPDATE`;
  const incident = id && isUuid(id) ? await tx.incident.findFirst({ where: { id, orgId } }) : null;
  if (!incident) reject('NOT_FOUND', field, 'No incident with this id');
  return incident;
}

/**
 * The org's components among `componentIds` with their status now, locked until the transaction
 * ends, in id order so that writers never deadlock. Deciding a component's status from the open
 * incidents that hold it then sees every other writer's committed result: two incidents resolved
 * at once cannot both leave it held. One statement checks, locks and reads them. The lock is the
 * one a status update takes (NO KEY UPDATE): it leaves foreign-key checks (KEY SHARE) free, so a
 * transaction that links the component while holding another row this one waits for cannot deadlock with it.
 */
async function lockComponents(sql: RunSql, orgId: string, componentIds: readonly string[]): Promise<Map<string, ComponentStatus>> {
  const ids = [...new Set(componentIds)].filter(isUuid).sort();
  if (ids.length === 0) return new Map();
  const rows = await sql<{ id: string; status: ComponentStatus }>(LOCK_COMPONENTS, [orgId, ids]);
  return new Map(rows.map((row) => [row.id, row.status]));
}

const LOCK_COMPONENTS = `
  SELECT "id", "status"::text AS "status" FROM "Component"
  WHERE "orgId" = $1::uuid AND "id" = ANY($2::uuid[]) ORDER BY "id" FOR NO KEY UPDATE`;

/** Every component id that `componentIds`/`components` name. */
function componentIdsOf(refs: ComponentRefsInput): string[] {
  return [...(refs.ids ?? []), ...(refs.withStatus ?? []).map((choice) => choice.componentId)];
}

/** Checks `componentIds`/`components` against the org's components (`existing`); returns the union, in input order. */
function checkComponentChoices(refs: ComponentRefsInput, existing: ReadonlyMap<string, ComponentStatus>): ComponentChoice[] {
  const ids = refs.ids ?? [];
  const withStatus = refs.withStatus ?? [];
  const known = new Set(existing.keys());
  const errors: UserError[] = [
    ...checkComponentRefs(ids, known, 'componentIds'),
    ...checkComponentRefs(
      withStatus.map((choice) => choice.componentId),
      known,
      'components',
    ).map((error) => (error.field && error.field.length > 1 ? { ...error, field: [...error.field, 'componentId'] } : error)),
  ];
  const inBoth = new Set(ids);
  withStatus.forEach((choice, index) => {
    if (inBoth.has(choice.componentId)) {
      errors.push({
        code: 'DUPLICATE_COMPONENT_ID',
        field: ['components', String(index), 'componentId'],
        message: 'This component is also listed in componentIds',
      });
    }
  });
  if (ids.length + withStatus.length > 50 && !errors.some((error) => error.code === 'TOO_MANY_COMPONENTS')) {
    errors.push({ code: 'TOO_MANY_COMPONENTS', field: null, message: 'An incident can list at most 50 components' });
  }
  if (errors.length > 0) throw new Rejection(errors);
  return [...ids.map((componentId) => ({ componentId, status: null })), ...withStatus];
}

interface ComponentPlan {
  /** What the incident will record, in input order. */
  recorded: { componentId: string; status: ComponentStatus }[];
  /** Each named component's own status now. */
  current: ReadonlyMap<string, ComponentStatus>;
}

/** What the incident records for `choices`: statuses given, else the component's current status (locked by lockComponents). */
function planComponents(choices: ComponentChoice[], current: ReadonlyMap<string, ComponentStatus>): ComponentPlan {
  const recorded = choices.map((choice) => ({
    componentId: choice.componentId,
    status: choice.status ?? current.get(choice.componentId) ?? 'OPERATIONAL',
  }));
  return { recorded, current };
}

/** Checks, locks and plans what `componentIds`/`components` name, for a new incident. */
async function planComponentRefs(sql: RunSql, orgId: string, refs: ComponentRefsInput): Promise<ComponentPlan> {
  const current = await lockComponents(sql, orgId, componentIdsOf(refs));
  return planComponents(checkComponentChoices(refs, current), current);
}

/** Components whose own status the plan changes when it is applied. */
function statusChangesOf(plan: ComponentPlan) {
  return plan.recorded.filter((entry) => plan.current.get(entry.componentId) !== entry.status);
}

/**
 * Puts the plan on an incident that lists no components (yet, or any more); with `applyStatuses`
 * the recorded statuses are applied to the components themselves. Returns the statuses now recorded.
 */
async function linkComponents(
  tx: Tx,
  orgId: string,
  incidentId: string,
  plan: ComponentPlan,
  applyStatuses: boolean,
  events: GatewayEvent[],
): Promise<ComponentStatus[]> {
  if (plan.recorded.length === 0) return [];
  await tx.incidentComponent.createMany({
    data: plan.recorded.map((entry, position) => ({ incidentId, componentId: entry.componentId, status: entry.status, position })),
  });
  if (applyStatuses) await applyComponentStatuses(tx, orgId, plan, events);
  return plan.recorded.map((entry) => entry.status);
}

/** Gives the components the statuses the plan records for them. */
async function applyComponentStatuses(tx: Tx, orgId: string, plan: ComponentPlan, events: GatewayEvent[]): Promise<void> {
  for (const entry of statusChangesOf(plan)) await setComponentStatusInTx(tx, orgId, entry.componentId, entry.status, events);
}

/** Changes a component's own status, keeps its history, and announces it. */
export async function setComponentStatusInTx(
  tx: Tx,
  orgId: string,
  componentId: string,
  status: ComponentStatus,
  events: GatewayEvent[],
): Promise<void> {
  await tx.component.update({ where: { id: componentId }, data: { status } });
  await tx.componentStatusChange.create({ data: { orgId, componentId, status } });
  events.push({ channel: 'component.status', event: { orgId, componentId, status } });
}

/**
 * Components an incident no longer holds go back to OPERATIONAL, unless another open incident
 * still lists them: then they take the worst status among those.
 */
async function releaseComponents(
  tx: Tx,
  orgId: string,
  releasedBy: string,
  componentIds: string[],
  events: GatewayEvent[],
): Promise<void> {
  if (componentIds.length === 0) return;
  const current = await lockComponents(sqlOf(tx), orgId, componentIds);
  const holders = await tx.incidentComponent.findMany({
    where: {
      componentId: { in: componentIds },
      incidentId: { not: releasedBy },
      incident: { orgId, status: { notIn: ['RESOLVED', 'POSTMORTEM', 'COMPLETED', 'CANCELLED'] } },
    },
    select: { componentId: true, status: true },
  });
  for (const [componentId, status] of current) {
    const stillHeld = holders.filter((holder) => holder.componentId === componentId).map((holder) => holder.status as ComponentStatus);
    const next = componentStatusAfterRelease(stillHeld);
    if (next !== status) await setComponentStatusInTx(tx, orgId, componentId, next, events);
  }
}

async function resolveOwner(tx: Tx, orgId: string, ownerId: string | null | undefined, field: string[]): Promise<string | null> {
  if (ownerId === undefined || ownerId === null) return null;
  const user = isUuid(ownerId) ? await tx.user.findFirst({ where: { id: ownerId, orgId }, select: { id: true } }) : null;
  if (!user) reject('NOT_FOUND', field, 'No user with this id');
  return user.id;
}

/** Who is on call now on the schedule, and the oldest escalation policy that targets it. */
async function resolveScheduleOwnership(tx: Tx, orgId: string, scheduleId: string, now: Date) {
  const schedule = isUuid(scheduleId)
    ? await tx.schedule.findFirst({ where: { id: scheduleId, orgId }, include: scheduleSpecInclude })
    : null;
  if (!schedule) reject('NOT_FOUND', ['ownerScheduleId'], 'No schedule with this id');
  const onCall = onCallAt(scheduleSpecOf(schedule), now);
  const policy = await tx.escalationPolicy.findFirst({
    where: { orgId, rules: { some: { targets: { some: { scheduleId } } } } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: { id: true },
  });
  return { ownerId: onCall?.userId ?? null, escalationPolicyId: policy?.id ?? null };
}

async function resolveStatusPages(tx: Tx, orgId: string, ids: string[]): Promise<string[]> {
  const valid = ids.filter(isUuid);
  const found = new Set(
    valid.length === 0
      ? []
      : (await tx.statusPage.findMany({ where: { orgId, id: { in: valid } }, select: { id: true } })).map((row) => row.id),
  );
  const errors: UserError[] = ids.flatMap((id, index) =>
    found.has(id) ? [] : [{ code: 'NOT_FOUND' as const, field: ['statusPageIds', String(index)], message: 'No status page with this id' }],
  );
  if (errors.length > 0) throw new Rejection(errors);
  return [...new Set(ids)];
}

function requestHash(value: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(value, (_key, inner) => (inner && typeof inner === 'object' && !Array.isArray(inner) ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => a.localeCompare(b))) : inner)))
    .digest('hex');
}

/** A new incident as createIncident decides it; insertIncident adds its number and the rest of a new row. */
type NewIncident = Pick<
  Incident,
  | 'id' | 'orgId' | 'title' | 'description' | 'kind' | 'status' | 'severity' | 'impact' | 'impactOverride' | 'ownerId'
  | 'escalationPolicyId' | 'tags' | 'source' | 'externalRef' | 'createdByKeyId' | 'createdByName' | 'startedAt'
  | 'resolvedAt' | 'scheduledFor' | 'scheduledUntil' | 'createdAt'
>;

type CreatedEntry = TimelineEntryDraft & { id: string; sequence: number; postedAt: Date };

function newIncident(
  actor: Actor,
  fields: CheckedCreateIncident,
  plan: ComponentPlan,
  owner: { ownerId: string | null; escalationPolicyId: string | null },
  now: Date,
): NewIncident {
  return {
    id: randomUUID(),
    orgId: actor.orgId,
    title: fields.title,
    description: fields.description,
    kind: fields.kind,
    status: fields.status,
    severity: fields.severity,
    impactOverride: fields.impactOverride,
    impact: fields.impactOverride ?? deriveImpact(plan.recorded.map((link) => link.status)),
    ...owner,
    tags: fields.tags,
    source: fields.source,
    externalRef: fields.externalRef,
    createdByKeyId: actor.keyId,
    createdByName: actor.keyName,
    startedAt: fields.startedAt ?? now,
    resolvedAt: setsResolvedAtOnCreate(fields.status) ? now : null,
    scheduledFor: fields.scheduledFor,
    scheduledUntil: fields.scheduledUntil,
    createdAt: now,
  };
}

function createdEntry(fields: CheckedCreateIncident & { notifySubscribers: boolean }, now: Date): CreatedEntry {
  return { id: randomUUID(), sequence: 1, kind: 'CREATED', status: fields.status, body: fields.message, notifySubscribers: fields.notifySubscribers, postedAt: now };
}

/** A timestamp parameter: UTC, as the columns hold it. */
function utc(date: Date | null): string | null {
  return date?.toISOString() ?? null;
}

/**
 * Writes a new incident in one statement (one round trip instead of one per table): takes the
 * org's next number, inserts the incident, its components in input order and its first timeline
 * entry. Returns the incident row as stored (columns not given take the defaults of a new incident).
 */
async function insertIncident(sql: RunSql, incident: NewIncident, components: ComponentPlan['recorded'], entry: CreatedEntry) {
  const [{ number }] = await sql<{ number: number }>(INSERT_INCIDENT, [
    incident.orgId,
    incident.id,
    incident.title,
    incident.description,
    incident.kind,
    incident.status,
    incident.severity,
    incident.impact,
    incident.impactOverride,
    incident.ownerId,
    incident.escalationPolicyId,
    incident.tags,
    incident.source,
    incident.externalRef,
    entry.sequence,
    incident.createdByKeyId,
    incident.createdByName,
    utc(incident.startedAt),
    utc(incident.resolvedAt),
    utc(incident.scheduledFor),
    utc(incident.scheduledUntil),
    utc(incident.createdAt),
    components.map((link) => link.componentId),
    components.map((link) => link.status),
    entry.id,
    entry.kind,
    entry.status,
    entry.body,
    entry.notifySubscribers ?? false,
    utc(entry.postedAt),
  ]);
  const row: Incident = {
    ...incident,
    number,
    autoCreated: false,
    reopenCount: 0,
    version: 1,
    lastUpdateSequence: entry.sequence,
    acknowledgedAt: null,
    updatedAt: incident.createdAt,
  };
  return { incident: row, entry };
}

const INSERT_INCIDENT = `
  WITH numbered AS (
    UPDATE "Organization" SET "nextIncidentNumber" = "nextIncidentNumber" + 1
    WHERE "id" = $1::uuid RETURNING "nextIncidentNumber" - 1 AS "number"
  ), incident AS (
    INSERT INTO "Incident" (
      "id", "orgId", "number", "title", "description", "kind", "status", "severity", "impact", "impactOverride",
      "ownerId", "escalationPolicyId", "tags", "source", "externalRef", "lastUpdateSequence", "createdByKeyId",
      "createdByName", "startedAt", "resolvedAt", "scheduledFor", "scheduledUntil", "createdAt", "updatedAt"
    ) VALUES (
      $2::uuid, $1::uuid, (SELECT "number" FROM numbered), $3::text, $4::text, $5::text::"IncidentKind",
      $6::text::"IncidentStatus", $7::text::"IncidentSeverity", $8::text::"IncidentImpact", $9::text::"IncidentImpact",
      $10::uuid, $11::uuid, $12::text[], $13::text, $14::text, $15::int, $16::uuid, $17::text, $18::timestamp(3),
      $19::timestamp(3), $20::timestamp(3), $21::timestamp(3), $22::timestamp(3), $22::timestamp(3)
    ) RETURNING "number"
  ), links AS (
    INSERT INTO "IncidentComponent" ("incidentId", "componentId", "status", "position")
    SELECT $2::uuid, link."componentId", link."status"::"ComponentStatus", link."position" - 1
    FROM unnest($23::uuid[], $24::text[]) WITH ORDINALITY AS link("componentId", "status", "position")
  ), entry AS (
    INSERT INTO "IncidentUpdate" (
      "id", "orgId", "incidentId", "sequence", "kind", "status", "body", "notifySubscribers", "postedByKeyId", "postedByName", "postedAt"
    ) VALUES (
      $25::uuid, $1::uuid, $2::uuid, $15::int, $26::text::"TimelineEntryKind", $27::text::"IncidentStatus", $28::text, $29::boolean,
      $16::uuid, $17::text, $30::timestamp(3)
    )
  )
  SELECT "number" FROM incident`;

/** An earlier createIncident with the same key: its incident, or a conflict when the input differs. */
async function replayIdempotent(tx: Tx, orgId: string, key: string, hash: string): Promise<string | null> {
  const record = await tx.idempotencyRecord.findUnique({ where: { orgId_operation_key: { orgId, operation: 'createIncident', key } } });
  if (!record) return null;
  if (Date.now() - record.createdAt.getTime() > IDEMPOTENCY_TTL_MS) {
    await tx.idempotencyRecord.delete({ where: { orgId_operation_key: { orgId, operation: 'createIncident', key } } });
    return null;
  }
  if (record.requestHash !== hash) {
    reject('IDEMPOTENCY_CONFLICT', ['idempotencyKey'], 'This idempotency key was used with a different input');
  }
  const incident = await tx.incident.findFirst({ where: { id: record.resultId, orgId }, select: { id: true } });
  // The first incident was deleted since: the key is spent, answer as if it were new.
  return incident?.id ?? null;
}

/**
 * Input that needs nothing but the incident, its components and its first entry (no idempotency
 * key, owner, schedule, status pages or component statuses to apply): the common case, written as
 * plain SQL on the driver. Anything more goes through Prisma's transaction.
 */
function isPlainCreate(fields: CheckedCreateIncident, refs: CreateIncidentRefs): boolean {
  return (
    !fields.idempotencyKey &&
    refs.ownerId == null &&
    !refs.ownerScheduleId &&
    (refs.statusPageIds ?? []).length === 0 &&
    !((refs.withStatus ?? []).length > 0 && isOpenStatus(fields.status))
  );
}

const NO_OWNER = { ownerId: null, escalationPolicyId: null };

export async function createIncident(
  prisma: PrismaClient,
  actor: Actor,
  fields: CheckedCreateIncident & { notifySubscribers: boolean },
  refs: CreateIncidentRefs,
): Promise<Outcome<{ incidentId: string; incident?: Incident }>> {
  if (isPlainCreate(fields, refs)) {
    return inDriverTransaction(databaseOf(prisma), async (sql, events) => {
      const now = new Date();
      const plan = await planComponentRefs(sql, actor.orgId, refs);
      const { incident, entry } = await insertIncident(sql, newIncident(actor, fields, plan, NO_OWNER, now), plan.recorded, createdEntry(fields, now));
      events.push(timelineEvent(incident, entry), changedEvent('CREATED', incident));
      return { incidentId: incident.id, incident };
    });
  }
  const hash = fields.idempotencyKey ? requestHash({ fields: { ...fields, idempotencyKey: null }, refs }) : '';
  const attempt = () =>
    inTransaction(prisma, async (tx, events) => {
      const { orgId } = actor;
      if (fields.idempotencyKey) {
        const replayed = await replayIdempotent(tx, orgId, fields.idempotencyKey, hash);
        if (replayed) return { incidentId: replayed };
      }
      const now = new Date();
      const problems: UserError[] = [];
      const collect = async <T>(work: () => Promise<T>): Promise<T | undefined> => {
        try {
          return await work();
        } catch (error) {
          if (!(error instanceof Rejection)) throw error;
          problems.push(...error.errors);
          return undefined;
        }
      };
      const explicitOwner = await collect(() => resolveOwner(tx, orgId, refs.ownerId, ['ownerId']));
      const fromSchedule = refs.ownerScheduleId
        ? await collect(() => resolveScheduleOwnership(tx, orgId, refs.ownerScheduleId!, now))
        : undefined;
      const plan = await collect(() => planComponentRefs(sqlOf(tx), orgId, refs));
      const statusPageIds = await collect(() => resolveStatusPages(tx, orgId, refs.statusPageIds ?? []));
      if (problems.length > 0 || !plan) throw new Rejection(problems);

      const owner = { ownerId: explicitOwner ?? fromSchedule?.ownerId ?? null, escalationPolicyId: fromSchedule?.escalationPolicyId ?? null };
      const { incident, entry } = await insertIncident(sqlOf(tx), newIncident(actor, fields, plan, owner, now), plan.recorded, createdEntry(fields, now));
      if (isOpenStatus(fields.status)) await applyComponentStatuses(tx, orgId, plan, events);
      const published = statusPageIds !== undefined && statusPageIds.length > 0;
      if (published) {
        await tx.statusPageIncident.createMany({ data: statusPageIds.map((statusPageId) => ({ statusPageId, incidentId: incident.id })) });
      }
      await announceEntry(tx, { ...incident, onNoStatusPage: !published }, entry, events);
      // Every way in (by hand, by an integration) starts paging here, with the incident.
      await startPaging(tx, incident, now, events);
      if (fields.idempotencyKey) {
        await tx.idempotencyRecord.create({
          data: { orgId, key: fields.idempotencyKey, operation: 'createIncident', requestHash: hash, resultId: incident.id },
        });
      }
      events.push(changedEvent('CREATED', incident));
      return { incidentId: incident.id, incident };
    });
  try {
    return await attempt();
  } catch (error) {
    // Two requests with one idempotency key raced: the loser replays the winner's result.
    if (fields.idempotencyKey && isUniqueViolation(error)) return attempt();
    throw error;
  }
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

/**
 * Writes a change to an incident guarded by its version: concurrent writers never both win.
 * Returns the updated row.
 */
export async function saveIncident(
  tx: Tx,
  incident: { id: string; version: number },
  data: Prisma.IncidentUncheckedUpdateManyInput,
  timelineEntries: number,
) {
  const { count } = await tx.incident.updateMany({
    where: { id: incident.id, version: incident.version },
    data: { ...data, version: { increment: 1 }, lastUpdateSequence: { increment: timelineEntries } },
  });
  if (count === 0) reject('VERSION_CONFLICT', null, 'The incident was changed by someone else; fetch it and try again');
  return tx.incident.findUniqueOrThrow({ where: { id: incident.id } });
}

function checkVersion(expectedVersion: number | null | undefined, actual: number): void {
  const conflict = checkExpectedVersion(expectedVersion, actual);
  if (conflict) throw new Rejection([conflict]);
}

export interface TransitionRequest {
  id: string | null;
  status: IncidentStatus;
  message?: string | null;
  notifySubscribers: boolean;
  expectedVersion?: number | null;
}

/** The status change itself, shared by transitionIncident and postIncidentUpdate. */
async function applyTransition(
  tx: Tx,
  actor: Actor,
  incident: Awaited<ReturnType<typeof findIncident>>,
  request: TransitionRequest,
  events: GatewayEvent[],
) {
  const plan = planTransition({ kind: incident.kind, status: incident.status }, request.status);
  if (!plan.ok) reject('INVALID_TRANSITION', ['status'], plan.message);
  const now = new Date();
  const saved = await saveIncident(
    tx,
    incident,
    {
      status: request.status,
      ...(plan.setsResolvedAt ? { resolvedAt: now } : {}),
      ...(plan.clearsResolvedAt ? { resolvedAt: null } : {}),
      ...(plan.reopen ? { reopenCount: { increment: 1 } } : {}),
    },
    1,
  );
  const [updateId] = await writeTimeline(tx, actor, incident, incident.lastUpdateSequence, [
    {
      kind: plan.entryKind,
      status: request.status,
      body: request.message ?? (plan.reopen ? 'Incident reopened.' : `Status changed to ${request.status}.`),
      notifySubscribers: request.notifySubscribers,
      changes: [{ field: 'status', from: incident.status, to: request.status }],
    },
  ], events);
  if (plan.releasesComponents) {
    const linked = await tx.incidentComponent.findMany({ where: { incidentId: incident.id }, select: { componentId: true } });
    await releaseComponents(tx, actor.orgId, incident.id, linked.map((link) => link.componentId), events);
    await stopPaging(tx, incident.id, 'STOPPED');
  }
  if (plan.reopen) await startPaging(tx, saved, now, events);
  events.push(changedEvent('TRANSITIONED', saved));
  return { incidentId: incident.id, updateId };
}

export function transitionIncident(prisma: PrismaClient, actor: Actor, request: TransitionRequest) {
  return inTransaction(prisma, async (tx, events) => {
    const incident = await findIncident(tx, actor.orgId, request.id, ['id']);
    checkVersion(request.expectedVersion, incident.version);
    return applyTransition(tx, actor, incident, request, events);
  });
}

export interface PostUpdateRequest {
  incidentId: string | null;
  body: string;
  status?: IncidentStatus | null;
  notifySubscribers: boolean;
}

/** A message on the timeline; with a new status it is also the transition's entry. */
export function postIncidentUpdate(prisma: PrismaClient, actor: Actor, request: PostUpdateRequest) {
  return inTransaction(prisma, async (tx, events) => {
    const incident = await findIncident(tx, actor.orgId, request.incidentId, ['incidentId']);
    if (request.status && request.status !== incident.status) {
      return applyTransition(tx, actor, incident, { id: incident.id, status: request.status, message: request.body, notifySubscribers: request.notifySubscribers }, events);
    }
    const saved = await saveIncident(tx, incident, {}, 1);
    const [updateId] = await writeTimeline(tx, actor, incident, incident.lastUpdateSequence, [
      { kind: 'MESSAGE', status: incident.status, body: request.body, notifySubscribers: request.notifySubscribers },
    ], events);
    events.push(changedEvent('UPDATED', saved));
    return { incidentId: incident.id, updateId };
  });
}

export function acknowledgeIncident(prisma: PrismaClient, actor: Actor, id: string | null) {
  return inTransaction(prisma, async (tx, events) => {
    const { incidentId } = await acknowledgeInTx(tx, actor, id, events);
    return { incidentId };
  });
}

/**
 * Acknowledges the incident and stops its paging. A second acknowledgement succeeds and changes
 * nothing, unless paging runs again (after a reopen or a new owner): then it is acknowledged
 * again (acknowledgedAt keeps the first time). `pagedUser`: acknowledged through a page's link.
 */
export async function acknowledgeInTx(
  tx: Tx,
  actor: Actor,
  id: string | null,
  events: GatewayEvent[],
  pagedUser?: { id: string; name: string },
): Promise<{ incidentId: string; changed: boolean }> {
  const incident = await findIncident(tx, actor.orgId, id, ['id']);
  const paging = await tx.escalation.findUnique({ where: { incidentId: incident.id }, select: { state: true } });
  if (incident.acknowledgedAt && paging?.state !== 'ACTIVE') return { incidentId: incident.id, changed: false };
  const saved = await saveIncident(tx, incident, incident.acknowledgedAt ? {} : { acknowledgedAt: new Date() }, 1);
  const body = pagedUser ? `Acknowledged by ${pagedUser.name} (paged; acknowledged through the page's link).` : `Acknowledged by ${actor.keyName}.`;
  await writeTimeline(tx, actor, incident, incident.lastUpdateSequence, [{ kind: 'ACKNOWLEDGED', status: incident.status, body }], events);
  await stopPaging(tx, incident.id, 'ACKNOWLEDGED');
  events.push(changedEvent('UPDATED', saved));
  return { incidentId: incident.id, changed: true };
}

export interface UpdateIncidentRequest {
  id: string | null;
  expectedVersion?: number | null;
  title?: string;
  description?: string | null;
  severity?: IncidentSeverity;
  /** null clears the override, so impact follows the components again. */
  impact?: IncidentImpact | null;
  tags?: string[];
  /** null removes the owner. */
  ownerId?: string | null;
}

export function updateIncident(prisma: PrismaClient, actor: Actor, request: UpdateIncidentRequest) {
  return inTransaction(prisma, async (tx, events) => {
    const incident = await findIncident(tx, actor.orgId, request.id, ['id']);
    checkVersion(request.expectedVersion, incident.version);
    const ownerId = request.ownerId === undefined ? incident.ownerId : await resolveOwner(tx, actor.orgId, request.ownerId, ['ownerId']);
    const data: Prisma.IncidentUncheckedUpdateManyInput = {};
    const entries: TimelineEntryDraft[] = [];
    const status = incident.status;
    if (request.title !== undefined && request.title !== incident.title) data.title = request.title;
    if (request.description !== undefined && request.description !== incident.description) data.description = request.description;
    if (request.tags !== undefined && JSON.stringify(request.tags) !== JSON.stringify(incident.tags)) data.tags = request.tags;
    if (request.severity !== undefined && request.severity !== incident.severity) {
      data.severity = request.severity;
      entries.push({
        kind: 'SEVERITY_CHANGED',
        status,
        body: `Severity changed from ${incident.severity} to ${request.severity}.`,
        changes: [{ field: 'severity', from: incident.severity, to: request.severity }],
      });
    }
    if (request.impact !== undefined) {
      const recorded = await tx.incidentComponent.findMany({ where: { incidentId: incident.id }, select: { status: true } });
      const impact = request.impact ?? deriveImpact(recorded.map((row) => row.status as ComponentStatus));
      if (request.impact !== incident.impactOverride) data.impactOverride = request.impact;
      if (impact !== incident.impact) {
        data.impact = impact;
        entries.push(impactEntry(status, incident.impact, impact));
      }
    }
    if (ownerId !== incident.ownerId) {
      data.ownerId = ownerId;
      entries.push({
        kind: 'OWNER_CHANGED',
        status,
        body: ownerId ? 'Owner changed.' : 'Owner removed.',
        changes: [{ field: 'owner', from: incident.ownerId, to: ownerId }],
      });
    }
    if (Object.keys(data).length === 0) return { incidentId: incident.id };
    const saved = await saveIncident(tx, incident, data, entries.length);
    await writeTimeline(tx, actor, incident, incident.lastUpdateSequence, entries, events);
    if (ownerId !== incident.ownerId) await pageNewOwner(tx, saved, new Date(), events);
    events.push(changedEvent('UPDATED', saved));
    return { incidentId: incident.id };
  });
}

function impactEntry(status: IncidentStatus, from: IncidentImpact, to: IncidentImpact): TimelineEntryDraft {
  return {
    kind: 'IMPACT_CHANGED',
    status,
    body: `Impact changed from ${from} to ${to}.`,
    changes: [{ field: 'impact', from, to }],
  };
}

/** Replaces the incident's components; impact follows unless overridden. Setting what is already there changes nothing. */
export function setIncidentComponents(prisma: PrismaClient, actor: Actor, id: string | null, refs: ComponentRefsInput) {
  return inTransaction(prisma, async (tx, events) => {
    const incident = await findIncident(tx, actor.orgId, id, ['id']);
    const before = await tx.incidentComponent.findMany({
      where: { incidentId: incident.id },
      orderBy: { position: 'asc' },
      select: { componentId: true, status: true },
    });
    // Everything this call may touch, locked at once (releaseComponents then holds it already).
    const current = await lockComponents(sqlOf(tx), actor.orgId, [...componentIdsOf(refs), ...before.map((row) => row.componentId)]);
    const choices = checkComponentChoices(refs, current);
    const plan = planComponents(choices, current);
    const open = isOpenStatus(incident.status);
    const sameLinks =
      before.length === plan.recorded.length &&
      before.every((row, index) => row.componentId === plan.recorded[index].componentId && row.status === plan.recorded[index].status);
    if (sameLinks && !(open && statusChangesOf(plan).length > 0)) return { incidentId: incident.id };

    await tx.incidentComponent.deleteMany({ where: { incidentId: incident.id } });
    const recorded = await linkComponents(tx, actor.orgId, incident.id, plan, open, events);
    const kept = new Set(choices.map((choice) => choice.componentId));
    if (open) await releaseComponents(tx, actor.orgId, incident.id, before.map((row) => row.componentId).filter((componentId) => !kept.has(componentId)), events);
    const impact = incident.impactOverride ?? deriveImpact(recorded);
    const entries: TimelineEntryDraft[] = [
      {
        kind: 'COMPONENTS_CHANGED',
        status: incident.status,
        body: `Affected components changed (${recorded.length}).`,
        changes: [
          {
            field: 'components',
            from: JSON.stringify(before.map((row) => row.componentId)),
            to: JSON.stringify([...kept]),
            // Each component's status in the incident, in the order of the ids: history rebuilds them (incident asOf).
            fromStatuses: before.map((row) => row.status as ComponentStatus),
            toStatuses: plan.recorded.map((entry) => entry.status),
          },
        ],
      },
    ];
    if (impact !== incident.impact) entries.push(impactEntry(incident.status, incident.impact, impact));
    const saved = await saveIncident(tx, incident, { impact }, entries.length);
    await writeTimeline(tx, actor, incident, incident.lastUpdateSequence, entries, events);
    events.push(changedEvent('UPDATED', saved));
    return { incidentId: incident.id };
  });
}

export function deleteIncident(prisma: PrismaClient, actor: Actor, id: string | null) {
  return inTransaction(prisma, async (tx, events) => {
    const incident = await findIncident(tx, actor.orgId, id, ['id']);
    const linked = await tx.incidentComponent.findMany({ where: { incidentId: incident.id }, select: { componentId: true } });
    await cancelPages(tx, incident.id);
    await tx.incident.delete({ where: { id: incident.id } });
    if (isOpenStatus(incident.status)) await releaseComponents(tx, actor.orgId, incident.id, linked.map((link) => link.componentId), events);
    events.push(changedEvent('DELETED', incident));
    return { deletedIncidentId: incident.id };
  });
}
