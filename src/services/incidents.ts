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
import { componentStatusAfterRelease, deriveImpact, effectiveImpact } from '../domain/impact.js';
import { onCallAt } from '../domain/oncall.js';
import { InputCheck, MAX_COMPONENTS, checkComponentRefs, checkExpectedVersion, type UserError } from '../domain/validation.js';
import { checkLifecycleTimes, tagKey, type CheckedCreateIncident } from '../domain/incident-input.js';
import { planPastTimeline, type PastEntry } from '../domain/backfill.js';
import { isUuid } from '../domain/ids.js';
import type { RecordedChange } from '../domain/history.js';
import { enqueueNotifications } from './notifications.js';
import { cancelPages, pageNewOwner, startPaging, stopPaging } from './escalation.js';
import type { GatewayEvent } from '../realtime/events.js';
import type { IncidentChangeType } from '../realtime/pubsub.js';
import { inDriverTransaction, inTransaction, reject, Rejection, sqlOf, type Actor, type Outcome, type Tx } from './transaction.js';
import type { Database, RunSql } from '../db/client.js';
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
  /** The user the timeline entries are posted as (`postAs`). */
  postAs?: string | null;
}

const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export interface TimelineEntryDraft {
  kind: TimelineEntryKind;
  status: IncidentStatus;
  body: string;
  notifySubscribers?: boolean;
  changes?: RecordedChange[];
  /** When it happened, default now; a change the incident stores too (acknowledgedAt, resolvedAt) passes its own instant so both agree exactly. */
  postedAt?: Date;
  /** The person it is posted as (`postAs`), besides the key. */
  authorId?: string | null;
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
        authorId: entry.authorId ?? null,
        ...(entry.postedAt ? { postedAt: entry.postedAt } : {}),
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
export async function lockComponents(sql: RunSql, orgId: string, componentIds: readonly string[]): Promise<Map<string, ComponentStatus>> {
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
  if (ids.length + withStatus.length > MAX_COMPONENTS && !errors.some((error) => error.code === 'TOO_MANY_COMPONENTS')) {
    errors.push({ code: 'TOO_MANY_COMPONENTS', field: null, message: `An incident can list at most ${MAX_COMPONENTS} components` });
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

/** A user of the org by id (an owner, or the person an update is posted as), or NOT_FOUND at `field`. */
async function findUser(tx: Tx, orgId: string, userId: string | null | undefined, field: string[]): Promise<{ id: string; name: string } | null> {
  if (userId === undefined || userId === null) return null;
  const user = isUuid(userId) ? await tx.user.findFirst({ where: { id: userId, orgId }, select: { id: true, name: true } }) : null;
  if (!user) reject('NOT_FOUND', field, 'No user with this id');
  return user;
}

export async function resolveOwner(tx: Tx, orgId: string, ownerId: string | null | undefined, field: string[]): Promise<string | null> {
  return (await findUser(tx, orgId, ownerId, field))?.id ?? null;
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
  | 'escalationPolicyId' | 'tags' | 'tagKeys' | 'autoCreated' | 'impactDescription' | 'source' | 'externalRef' | 'createdByKeyId' | 'createdByName'
  | 'startedAt' | 'acknowledgedAt' | 'resolvedAt' | 'scheduledFor' | 'scheduledUntil' | 'createdAt'
>;

type CreatedEntry = TimelineEntryDraft & { id: string; sequence: number; postedAt: Date };

/** What createIncident and importIncidents write: the checked fields, and for an import the entries it brings. */
export type IncidentToCreate = CheckedCreateIncident & {
  notifySubscribers: boolean;
  /** Set for incidents an integration opens. */
  autoCreated?: boolean;
  /** Timeline entries of an import (then the incident is written with its past timeline, see isBackfill). */
  pastEntries?: PastEntry[];
};

/** An incident that happened before it is recorded: its timeline is written at the instants it happened. */
function isBackfill(fields: IncidentToCreate): boolean {
  return fields.acknowledgedAt !== null || fields.resolvedAt !== null || fields.pastEntries !== undefined;
}

function newIncident(
  actor: Actor,
  fields: IncidentToCreate,
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
    tagKeys: fields.tags.map(tagKey),
    impactDescription: fields.impactDescription,
    source: fields.source,
    externalRef: fields.externalRef,
    autoCreated: fields.autoCreated ?? false,
    createdByKeyId: actor.keyId,
    createdByName: actor.keyName,
    startedAt: fields.startedAt ?? now,
    acknowledgedAt: fields.acknowledgedAt,
    resolvedAt: setsResolvedAtOnCreate(fields.status) ? (fields.resolvedAt ?? now) : null,
    scheduledFor: fields.scheduledFor,
    scheduledUntil: fields.scheduledUntil,
    createdAt: now,
  };
}

/**
 * The first timeline of a new incident: a CREATED entry now; for a backfill the whole past
 * (domain/backfill.ts), each entry at its own instant. Only the CREATED entry may notify subscribers.
 */
function createdEntries(
  fields: IncidentToCreate,
  incident: NewIncident,
  author: { id: string; name: string } | null,
  actor: Actor,
  now: Date,
): CreatedEntry[] {
  const authorId = author?.id ?? null;
  if (!isBackfill(fields)) {
    return [{ id: randomUUID(), sequence: 1, kind: 'CREATED', status: fields.status, body: fields.message, notifySubscribers: fields.notifySubscribers, postedAt: now, authorId }];
  }
  const planned = planPastTimeline({
    kind: incident.kind,
    status: incident.status,
    startedAt: incident.startedAt,
    acknowledgedAt: incident.acknowledgedAt,
    resolvedAt: incident.resolvedAt,
    message: fields.message,
    authorId,
    acknowledgedBy: author?.name ?? actor.keyName,
    entries: fields.pastEntries ?? [],
  });
  return planned.map((entry, index) => ({
    ...entry,
    id: randomUUID(),
    sequence: index + 1,
    notifySubscribers: entry.kind === 'CREATED' && fields.notifySubscribers,
  }));
}

/** A timestamp parameter: UTC, as the columns hold it. */
function utc(date: Date | null): string | null {
  return date?.toISOString() ?? null;
}

/**
 * Writes a new incident in one statement (one round trip instead of one per table): takes the
 * org's next number, inserts the incident, its components in input order and its first timeline
 * entries. Returns the incident row as stored (columns not given take the defaults of a new incident).
 */
async function insertIncident(sql: RunSql, incident: NewIncident, components: ComponentPlan['recorded'], entries: CreatedEntry[]) {
  // Array parameters hold '' for "none": NULL elements in arrays are not passed alike by every driver.
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
    entries.length,
    incident.createdByKeyId,
    incident.createdByName,
    utc(incident.startedAt),
    utc(incident.resolvedAt),
    utc(incident.scheduledFor),
    utc(incident.scheduledUntil),
    utc(incident.createdAt),
    components.map((link) => link.componentId),
    components.map((link) => link.status),
    entries.map((entry) => entry.id),
    entries.map((entry) => entry.kind),
    entries.map((entry) => entry.status),
    entries.map((entry) => entry.body),
    entries.map((entry) => entry.notifySubscribers ?? false),
    entries.map((entry) => utc(entry.postedAt)),
    utc(incident.acknowledgedAt),
    incident.impactDescription,
    incident.tagKeys,
    entries.map((entry) => (entry.changes ? JSON.stringify(entry.changes) : '')),
    entries.map((entry) => entry.authorId ?? ''),
    incident.autoCreated,
  ]);
  const row: Incident = {
    ...incident,
    number,
    reopenCount: 0,
    version: 1,
    lastUpdateSequence: entries.length,
    updatedAt: incident.createdAt,
  };
  return { incident: row, entries };
}

const INSERT_INCIDENT = `
  WITH numbered AS (
    UPDATE "Organization" SET "nextIncidentNumber" = "nextIncidentNumber" + 1
    WHERE "id" = $1::uuid RETURNING "nextIncidentNumber" - 1 AS "number"
  ), incident AS (
    INSERT INTO "Incident" (
      "id", "orgId", "number", "title", "description", "kind", "status", "severity", "impact", "impactOverride",
      "ownerId", "escalationPolicyId", "tags", "source", "externalRef", "lastUpdateSequence", "createdByKeyId",
      "createdByName", "startedAt", "resolvedAt", "scheduledFor", "scheduledUntil", "createdAt", "updatedAt",
      "acknowledgedAt", "impactDescription", "tagKeys", "autoCreated"
    ) VALUES (
      $2::uuid, $1::uuid, (SELECT "number" FROM numbered), $3::text, $4::text, $5::text::"IncidentKind",
      $6::text::"IncidentStatus", $7::text::"IncidentSeverity", $8::text::"IncidentImpact", $9::text::"IncidentImpact",
      $10::uuid, $11::uuid, $12::text[], $13::text, $14::text, $15::int, $16::uuid, $17::text, $18::timestamp(3),
      $19::timestamp(3), $20::timestamp(3), $21::timestamp(3), $22::timestamp(3), $22::timestamp(3),
      $31::timestamp(3), $32::text, $33::text[], $36::boolean
    ) RETURNING "number"
  ), links AS (
    INSERT INTO "IncidentComponent" ("incidentId", "componentId", "status", "position")
    SELECT $2::uuid, link."componentId", link."status"::"ComponentStatus", link."position" - 1
    FROM unnest($23::uuid[], $24::text[]) WITH ORDINALITY AS link("componentId", "status", "position")
  ), entries AS (
    INSERT INTO "IncidentUpdate" (
      "id", "orgId", "incidentId", "sequence", "kind", "status", "body", "notifySubscribers", "postedByKeyId", "postedByName",
      "postedAt", "changes", "authorId"
    )
    SELECT entry."id", $1::uuid, $2::uuid, entry."sequence"::int, entry."kind"::"TimelineEntryKind", entry."status"::"IncidentStatus",
           entry."body", entry."notify", $16::uuid, $17::text, entry."postedAt", NULLIF(entry."changes", '')::jsonb,
           NULLIF(entry."authorId", '')::uuid
    FROM unnest($25::uuid[], $26::text[], $27::text[], $28::text[], $29::boolean[], $30::timestamp(3)[], $34::text[], $35::text[])
      WITH ORDINALITY AS entry("id", "kind", "status", "body", "notify", "postedAt", "changes", "authorId", "sequence")
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
export function isPlainCreate(fields: CheckedCreateIncident, refs: CreateIncidentRefs): boolean {
  return (
    !fields.idempotencyKey &&
    refs.ownerId == null &&
    refs.postAs == null &&
    !refs.ownerScheduleId &&
    (refs.statusPageIds ?? []).length === 0 &&
    !((refs.withStatus ?? []).length > 0 && isOpenStatus(fields.status))
  );
}

const NO_OWNER = { ownerId: null, escalationPolicyId: null };

/**
 * The transaction a new incident is written in: on the driver for plain input (isPlainCreate),
 * where `tx` is null and every statement goes through `sql`; else Prisma's, where `sql` runs in it.
 */
export interface CreationScope {
  sql: RunSql;
  tx: Tx | null;
  events: GatewayEvent[];
}

/** Runs `work` in the transaction createIncident uses for input that is (or is not) plain. */
export function inCreationTransaction<T>(db: Database, plain: boolean, work: (scope: CreationScope) => Promise<T>): Promise<Outcome<T>> {
  return plain
    ? inDriverTransaction(db, (sql, events) => work({ sql, tx: null, events }))
    : inTransaction(db.prisma, (tx, events) => work({ sql: sqlOf(tx), tx, events }));
}

/**
 * Writes a new incident with its first entry, owner, escalation policy, components and status
 * pages, and collects its events: createIncident's rules, in the caller's transaction (integrations
 * open incidents in the transaction that records their alert). Input that is not plain needs `scope.tx`.
 */
export async function insertNewIncident(scope: CreationScope, actor: Actor, fields: IncidentToCreate, refs: CreateIncidentRefs): Promise<Incident> {
  const { orgId } = actor;
  const now = new Date();
  if (!scope.tx) {
    if (!isPlainCreate(fields, refs)) throw new Error('insertNewIncident: this input needs a Prisma transaction (inCreationTransaction with plain false)');
    const plan = await planComponentRefs(scope.sql, orgId, refs);
    const row = newIncident(actor, fields, plan, NO_OWNER, now);
    const { incident, entries } = await insertIncident(scope.sql, row, plan.recorded, createdEntries(fields, row, null, actor, now));
    scope.events.push(...entries.map((entry) => timelineEvent(incident, entry)), changedEvent('CREATED', incident));
    return incident;
  }
  const { tx, events } = scope;
  const problems: UserError[] = [];
  const explicitOwner = await collecting(problems, () => resolveOwner(tx, orgId, refs.ownerId, ['ownerId']));
  const fromSchedule = refs.ownerScheduleId
    ? await collecting(problems, () => resolveScheduleOwnership(tx, orgId, refs.ownerScheduleId!, now))
    : undefined;
  const author = await collecting(problems, () => findUser(tx, orgId, refs.postAs, ['postAs']));
  const plan = await collecting(problems, () => planComponentRefs(scope.sql, orgId, refs));
  const statusPageIds = await collecting(problems, () => resolveStatusPages(tx, orgId, refs.statusPageIds ?? []));
  if (problems.length > 0 || !plan) throw new Rejection(problems);

  const owner = { ownerId: explicitOwner ?? fromSchedule?.ownerId ?? null, escalationPolicyId: fromSchedule?.escalationPolicyId ?? null };
  const row = newIncident(actor, fields, plan, owner, now);
  const { incident, entries } = await insertIncident(scope.sql, row, plan.recorded, createdEntries(fields, row, author ?? null, actor, now));
  if (isOpenStatus(fields.status)) await applyComponentStatuses(tx, orgId, plan, events);
  const published = statusPageIds !== undefined && statusPageIds.length > 0;
  if (published) {
    await tx.statusPageIncident.createMany({ data: statusPageIds.map((statusPageId) => ({ statusPageId, incidentId: incident.id })) });
  }
  for (const entry of entries) await announceEntry(tx, { ...incident, onNoStatusPage: !published }, entry, events);
  // Every way in (by hand, by an integration) starts paging here, with the incident; an import records the past and pages nobody.
  if (!fields.pastEntries) await startPaging(tx, incident, now, events);
  events.push(changedEvent('CREATED', incident));
  return incident;
}

export async function createIncident(
  db: Database,
  actor: Actor,
  fields: IncidentToCreate,
  refs: CreateIncidentRefs,
): Promise<Outcome<{ incidentId: string; incident?: Incident }>> {
  if (isPlainCreate(fields, refs)) {
    return inCreationTransaction(db, true, async (scope) => {
      const incident = await insertNewIncident(scope, actor, fields, refs);
      return { incidentId: incident.id, incident };
    });
  }
  const hash = fields.idempotencyKey ? requestHash({ fields: { ...fields, idempotencyKey: null }, refs }) : '';
  const attempt = () =>
    inCreationTransaction(db, false, async (scope) => {
      const tx = scope.tx!;
      if (fields.idempotencyKey) {
        const replayed = await replayIdempotent(tx, actor.orgId, fields.idempotencyKey, hash);
        if (replayed) return { incidentId: replayed };
      }
      const incident = await insertNewIncident(scope, actor, fields, refs);
      if (fields.idempotencyKey) {
        await tx.idempotencyRecord.create({
          data: { orgId: actor.orgId, key: fields.idempotencyKey, operation: 'createIncident', requestHash: hash, resultId: incident.id },
        });
      }
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

/** Runs `work`, collecting the problems it rejects with instead of stopping at the first. */
async function collecting<T>(problems: UserError[], work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof Rejection)) throw error;
    problems.push(...error.errors);
    return undefined;
  }
}

/** Timeline entries posted as someone who is not a user of the org: NOT_FOUND at their postAs. */
async function unknownEntryAuthors(tx: Tx, orgId: string, items: ImportedIncident[]): Promise<UserError[]> {
  const ids = [...new Set(items.flatMap((item) => item.fields.pastEntries.map((entry) => entry.authorId)).filter((id): id is string => id !== null))];
  const valid = ids.filter(isUuid);
  const known = new Set(
    valid.length === 0 ? [] : (await tx.user.findMany({ where: { orgId, id: { in: valid } }, select: { id: true } })).map((user) => user.id),
  );
  return items.flatMap((item, index) =>
    item.fields.pastEntries.flatMap((entry, position) =>
      entry.authorId === null || known.has(entry.authorId)
        ? []
        : [{ code: 'NOT_FOUND' as const, field: ['incidents', String(index), 'timeline', String(position), 'postAs'], message: 'No user with this id' }],
    ),
  );
}

export interface ImportedIncident {
  fields: IncidentToCreate & { externalRef: string; pastEntries: PastEntry[] };
  refs: CreateIncidentRefs;
}

/**
 * Imports incidents with their timelines in one transaction: all or nothing. Each is identified by
 * its externalRef: one the org already has (imported or created before) is returned as it is,
 * unchanged. A transaction-scoped advisory lock per reference keeps two concurrent imports of the
 * same reference from both creating it. Problems are reported at ["incidents", index, ...].
 */
export function importIncidents(prisma: PrismaClient, actor: Actor, items: ImportedIncident[]) {
  return inTransaction(prisma, async (tx, events) => {
    const problems: UserError[] = await unknownEntryAuthors(tx, actor.orgId, items);
    // An incident with an unknown author is not written at all (the id cannot even be stored); its siblings are still checked.
    const withUnknownAuthors = new Set(problems.map((problem) => problem.field?.[1]));
    const results: { incidentId: string; created: boolean }[] = [];
    const seen = new Map<string, number>();
    for (const [index, item] of items.entries()) {
      const ref = item.fields.externalRef;
      const earlier = seen.get(ref);
      if (earlier !== undefined) {
        // The same reference twice in one import is the same incident.
        results.push({ incidentId: results[earlier]?.incidentId ?? '', created: false });
        continue;
      }
      seen.set(ref, index);
      if (withUnknownAuthors.has(String(index))) {
        results.push({ incidentId: '', created: false });
        continue;
      }
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`${actor.orgId}:${ref}`}, 0))`;
      const existing = await tx.incident.findFirst({
        where: { orgId: actor.orgId, externalRef: ref },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        select: { id: true },
      });
      if (existing) {
        results.push({ incidentId: existing.id, created: false });
        continue;
      }
      const created = await collecting(problems, async () => {
        try {
          return await insertNewIncident({ sql: sqlOf(tx), tx, events }, actor, item.fields, item.refs);
        } catch (error) {
          if (error instanceof Rejection) {
            throw new Rejection(error.errors.map((problem) => ({ ...problem, field: ['incidents', String(index), ...(problem.field ?? [])] })));
          }
          throw error;
        }
      });
      results.push({ incidentId: created?.id ?? '', created: true });
    }
    if (problems.length > 0) throw new Rejection(problems);
    return { results };
  });
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

/** The person an update is posted as (`postAs`), besides the key that posts it. */
export interface PostAs {
  /** A user of the org; NOT_FOUND at ["postAs"] otherwise. */
  postAs?: string | null;
}

export interface TransitionRequest extends PostAs {
  id: string | null;
  status: IncidentStatus;
  message?: string | null;
  notifySubscribers: boolean;
  expectedVersion?: number | null;
}

function authorOf(tx: Tx, actor: Actor, request: PostAs) {
  return findUser(tx, actor.orgId, request.postAs, ['postAs']);
}

/** The status change itself, shared by transitionIncident, postIncidentUpdate and the resolution of an incident whose alerts cleared. */
export async function applyTransition(
  tx: Tx,
  actor: Actor,
  incident: Awaited<ReturnType<typeof findIncident>>,
  request: TransitionRequest,
  authorId: string | null,
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
      authorId,
      postedAt: now,
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
    const author = await authorOf(tx, actor, request);
    return applyTransition(tx, actor, incident, request, author?.id ?? null, events);
  });
}

export interface PostUpdateRequest extends PostAs {
  incidentId: string | null;
  body: string;
  status?: IncidentStatus | null;
  notifySubscribers: boolean;
}

/** A message on the timeline; with a new status it is also the transition's entry. */
export function postIncidentUpdate(prisma: PrismaClient, actor: Actor, request: PostUpdateRequest) {
  return inTransaction(prisma, async (tx, events) => {
    const incident = await findIncident(tx, actor.orgId, request.incidentId, ['incidentId']);
    const authorId = (await authorOf(tx, actor, request))?.id ?? null;
    if (request.status && request.status !== incident.status) {
      const transition = { id: incident.id, status: request.status, message: request.body, notifySubscribers: request.notifySubscribers };
      return applyTransition(tx, actor, incident, transition, authorId, events);
    }
    const saved = await saveIncident(tx, incident, {}, 1);
    const [updateId] = await writeTimeline(tx, actor, incident, incident.lastUpdateSequence, [
      { kind: 'MESSAGE', status: incident.status, body: request.body, notifySubscribers: request.notifySubscribers, authorId },
    ], events);
    events.push(changedEvent('UPDATED', saved));
    return { incidentId: incident.id, updateId };
  });
}

/**
 * `options.postAs`: the person acknowledging; the entry is posted as them and names them.
 */
export function acknowledgeIncident(prisma: PrismaClient, actor: Actor, id: string | null, options: PostAs = {}) {
  return inTransaction(prisma, async (tx, events) => {
    const { incidentId } = await acknowledgeInTransaction(tx, actor, id, events, options);
    return { incidentId };
  });
}

/**
 * Acknowledges the incident and stops its paging, in the caller's transaction (the mutation, an
 * integration's acknowledge event, a page's link). A second acknowledgement succeeds and changes
 * nothing, unless paging runs again (after a reopen or a new owner): then it is acknowledged again
 * (acknowledgedAt keeps the first time). `by.pagedUser`: acknowledged through a page's link, as
 * that user; `by.postAs`: the person the mutation acknowledges as.
 */
export async function acknowledgeInTransaction(
  tx: Tx,
  actor: Actor,
  id: string | null,
  events: GatewayEvent[],
  by: PostAs & { pagedUser?: { id: string; name: string } } = {},
): Promise<{ incidentId: string; changed: boolean }> {
  const incident = await findIncident(tx, actor.orgId, id, ['id']);
  const author = by.pagedUser ?? (await authorOf(tx, actor, by));
  const paging = await tx.escalation.findUnique({ where: { incidentId: incident.id }, select: { state: true } });
  if (incident.acknowledgedAt && paging?.state !== 'ACTIVE') return { incidentId: incident.id, changed: false };
  const now = new Date();
  const saved = await saveIncident(tx, incident, incident.acknowledgedAt ? {} : { acknowledgedAt: now }, 1);
  const body = by.pagedUser
    ? `Acknowledged by ${by.pagedUser.name} (paged; acknowledged through the page's link).`
    : `Acknowledged by ${author?.name ?? actor.keyName}.`;
  await writeTimeline(tx, actor, incident, incident.lastUpdateSequence, [
    { kind: 'ACKNOWLEDGED', status: incident.status, body, authorId: author?.id ?? null, postedAt: incident.acknowledgedAt ? undefined : now },
  ], events);
  await stopPaging(tx, incident.id, 'ACKNOWLEDGED');
  events.push(changedEvent('UPDATED', saved));
  return { incidentId: incident.id, changed: true };
}

export interface UpdateIncidentRequest extends PostAs {
  id: string | null;
  expectedVersion?: number | null;
  title?: string;
  description?: string | null;
  /** null clears it. */
  impactDescription?: string | null;
  severity?: IncidentSeverity;
  /** null clears the override, so impact follows the components again. */
  impact?: IncidentImpact | null;
  tags?: string[];
  /** null removes the owner. */
  ownerId?: string | null;
  /** Backfills the acknowledgement of an incident not acknowledged yet (an ACKNOWLEDGED entry at that instant). */
  acknowledgedAt?: Date;
  /** Corrects when a resolved incident was resolved (the entry that resolved it moves to that instant). */
  resolvedAt?: Date;
}

/** The checks of updateIncident's acknowledgedAt and resolvedAt against the incident as it is (domain/incident-input.ts). */
function checkBackfilledTimes(incident: Incident, request: UpdateIncidentRequest, now: Date): void {
  const check = new InputCheck();
  if (request.acknowledgedAt && incident.acknowledgedAt && incident.acknowledgedAt.getTime() !== request.acknowledgedAt.getTime()) {
    check.fail(['acknowledgedAt'], `The incident was already acknowledged at ${incident.acknowledgedAt.toISOString()}`);
  }
  checkLifecycleTimes(
    check,
    {
      status: incident.status,
      startedAt: incident.startedAt,
      acknowledgedAt: request.acknowledgedAt ?? incident.acknowledgedAt,
      resolvedAt: request.resolvedAt ?? incident.resolvedAt,
    },
    { acknowledgedAt: request.acknowledgedAt !== undefined, resolvedAt: request.resolvedAt !== undefined },
    now,
  );
  if (!check.ok) throw new Rejection(check.errors);
}

/** The entry that brought the incident into its resolved status: the last change to RESOLVED or COMPLETED, or its creation already resolved. */
async function resolvingEntry(tx: Tx, incidentId: string) {
  return tx.incidentUpdate.findFirst({
    where: {
      incidentId,
      OR: [
        { kind: 'STATUS_CHANGED', status: { in: ['RESOLVED', 'COMPLETED'] } },
        { kind: 'CREATED', status: { in: ['RESOLVED', 'COMPLETED', 'POSTMORTEM'] } },
      ],
    },
    orderBy: { sequence: 'desc' },
    select: { id: true },
  });
}

export function updateIncident(prisma: PrismaClient, actor: Actor, request: UpdateIncidentRequest) {
  return inTransaction(prisma, async (tx, events) => {
    const incident = await findIncident(tx, actor.orgId, request.id, ['id']);
    checkVersion(request.expectedVersion, incident.version);
    const problems: UserError[] = [];
    const ownerId = await collecting(problems, async () =>
      request.ownerId === undefined ? incident.ownerId : resolveOwner(tx, actor.orgId, request.ownerId, ['ownerId']),
    );
    const author = await collecting(problems, () => authorOf(tx, actor, request));
    if (problems.length > 0 || ownerId === undefined) throw new Rejection(problems);
    const authorId = author?.id ?? null;
    checkBackfilledTimes(incident, request, new Date());
    const data: Prisma.IncidentUncheckedUpdateManyInput = {};
    const entries: TimelineEntryDraft[] = [];
    const status = incident.status;
    if (request.title !== undefined && request.title !== incident.title) data.title = request.title;
    if (request.description !== undefined && request.description !== incident.description) data.description = request.description;
    if (request.impactDescription !== undefined && request.impactDescription !== incident.impactDescription) {
      data.impactDescription = request.impactDescription;
    }
    if (request.tags !== undefined && JSON.stringify(request.tags) !== JSON.stringify(incident.tags)) {
      data.tags = request.tags;
      data.tagKeys = request.tags.map(tagKey);
    }
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
    if (request.acknowledgedAt && !incident.acknowledgedAt) {
      data.acknowledgedAt = request.acknowledgedAt;
      entries.push({ kind: 'ACKNOWLEDGED', status, body: `Acknowledged by ${author?.name ?? actor.keyName}.`, postedAt: request.acknowledgedAt });
    }
    const redated = request.resolvedAt && request.resolvedAt.getTime() !== incident.resolvedAt?.getTime() ? request.resolvedAt : null;
    if (redated) data.resolvedAt = redated;
    if (Object.keys(data).length === 0) return { incidentId: incident.id };
    const saved = await saveIncident(tx, incident, data, entries.length);
    if (redated) {
      const entry = await resolvingEntry(tx, incident.id);
      if (entry) await tx.incidentUpdate.update({ where: { id: entry.id }, data: { postedAt: redated } });
    }
    await writeTimeline(tx, actor, incident, incident.lastUpdateSequence, entries.map((entry) => ({ ...entry, authorId })), events);
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
    events.push({ channel: 'incident.timeline', event: { orgId: actor.orgId, incidentId: incident.id, deleted: true } });
    return { deletedIncidentId: incident.id };
  });
}

/**
 * The incidents that list a component, locked in id order (as findIncident locks one) before the
 * component changes under them; callers then re-derive their impact with rederiveImpacts.
 */
export async function lockIncidentsListing(tx: Tx, orgId: string, componentId: string): Promise<string[]> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    SELECT "id" FROM "Incident"
    WHERE "orgId" = ${orgId}::uuid AND "id" IN (SELECT "incidentId" FROM "IncidentComponent" WHERE "componentId" = ${componentId}::uuid)
    ORDER BY "id" FOR UPDATE`;
  return rows.map((row) => row.id);
}

/**
 * After components left incidents without the incidents being edited (a deleted component), each
 * incident's impact follows from the statuses it still records, unless it is overridden: where it
 * changes, an IMPACT_CHANGED entry and a new version, like any other change.
 */
export async function rederiveImpacts(tx: Tx, actor: Actor, incidentIds: string[], events: GatewayEvent[]): Promise<void> {
  if (incidentIds.length === 0) return;
  const incidents = await tx.incident.findMany({
    where: { id: { in: incidentIds }, orgId: actor.orgId },
    include: { components: { select: { status: true } } },
    orderBy: { id: 'asc' },
  });
  for (const { components, ...incident } of incidents) {
    const impact = effectiveImpact(incident.impactOverride, deriveImpact(components.map((link) => link.status as ComponentStatus)));
    if (impact === incident.impact) continue;
    const saved = await saveIncident(tx, incident, { impact }, 1);
    await writeTimeline(tx, actor, incident, incident.lastUpdateSequence, [impactEntry(incident.status, incident.impact, impact)], events);
    events.push(changedEvent('UPDATED', saved));
  }
}
