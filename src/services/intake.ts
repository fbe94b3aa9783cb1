import { createHash, randomUUID } from 'node:crypto';
import type { Database, RunSql } from '../db/client.js';
import { checkCreateIncident, EXTERNAL_REF_MAX } from '../domain/incident-input.js';
import {
  alertsClearedMessage,
  openedByAlertMessage,
  resolvesIncident,
  triggerEffect,
  type AlertBatch,
  type AlertTrigger,
} from '../domain/intake.js';
import { isOpenStatus } from '../domain/lifecycle.js';
import { BODY_MAX, InputCheck } from '../domain/validation.js';
import {
  acknowledgeInTransaction,
  applyTransition,
  findIncident,
  inCreationTransaction,
  insertNewIncident,
  isPlainCreate,
  type CreateIncidentRefs,
  type CreationScope,
  type IncidentToCreate,
} from './incidents.js';
import type { Actor, Outcome, Tx } from './transaction.js';

/** An integration as an event finds it by its key: where its alerts go and what its incidents get. */
export interface IntegrationRoute {
  id: string;
  orgId: string;
  name: string;
  autoResolve: boolean;
  ownerId: string | null;
  scheduleId: string | null;
  componentIds: string[];
  lastEventMs: number | null;
}

/** One indexed statement: the integration whose key hashes to this, with its components in order. */
const INTEGRATION_BY_KEY = `
  SELECT i."id", i."orgId", i."name", i."autoResolve", i."ownerId", i."scheduleId",
    (extract(epoch FROM i."lastEventAt") * 1000)::float8 AS "lastEventMs",
    ARRAY(SELECT c."componentId"::text FROM "IntegrationComponent" c WHERE c."integrationId" = i."id" ORDER BY c."position") AS "componentIds"
  FROM "Integration" i WHERE i."keyHash" = $1`;

export async function findIntegrationByKey(db: Pick<Database, 'query'>, keyHash: string): Promise<IntegrationRoute | null> {
  const [row] = await db.query<IntegrationRoute>(INTEGRATION_BY_KEY, [keyHash]);
  return row ?? null;
}

/** What the path of a repeated trigger needs of an integration: its id (the count checks the key itself). */
export type KnownIntegration = Pick<IntegrationRoute, 'id' | 'lastEventMs'>;

/** lastEventAt is kept to the second: bursts of events write it once. */
const LAST_EVENT_RESOLUTION_MS = 1000;

export async function recordEventTime(db: Pick<Database, 'query'>, integration: KnownIntegration, now: Date): Promise<void> {
  if (integration.lastEventMs !== null && now.getTime() - integration.lastEventMs < LAST_EVENT_RESOLUTION_MS) return;
  integration.lastEventMs = now.getTime();
  await db.query('UPDATE "Integration" SET "lastEventAt" = $2::timestamp(3) WHERE "id" = $1::uuid', [integration.id, now.toISOString()]);
}

/**
 * The cheap path of a repeated trigger: one statement counts the open alert with this key, if
 * there is one and the integration still has this key (true). Nothing else changes, so nothing is
 * published.
 */
export async function countOpenAlert(db: Pick<Database, 'query'>, integrationId: string, keyHash: string, dedupKey: string, now: Date): Promise<boolean> {
  const rows = await db.query(COUNT_OPEN_ALERT, [integrationId, dedupKey, keyHash, now.toISOString()]);
  return rows.length > 0;
}

const COUNT_OPEN_ALERT = `
  UPDATE "Alert" a SET "count" = a."count" + 1, "lastSeenAt" = $4::timestamp(3)
  FROM "Integration" i
  WHERE a."integrationId" = $1::uuid AND a."openDedupKey" = $2 AND i."id" = $1::uuid AND i."keyHash" = $3
  RETURNING 1`;

/** How long an Alertmanager notification is remembered: a redelivery within this window changes nothing. */
export const REDELIVERY_WINDOW_MS = 10 * 60 * 1000;

export interface BatchOptions {
  /** Serialize the group's requests (an Alertmanager group arrives in separate notifications). */
  lockGroup: boolean;
  /** The notification's body: when the same one arrived within REDELIVERY_WINDOW_MS, nothing happens. */
  delivery?: Buffer;
}

/**
 * Applies what a request asks for in one transaction: new alerts (joining their group's open
 * incident or opening one by createIncident's rules), counts of open ones, acknowledgements,
 * resolutions, and the resolution of incidents whose alerts all cleared. Events come back for
 * publishing after the commit. `applied` is false for a redelivery.
 */
export function applyAlertBatch(db: Database, route: IntegrationRoute, batch: AlertBatch, options: BatchOptions): Promise<Outcome<{ applied: boolean }>> {
  const actor: Actor = { orgId: route.orgId, keyId: null, keyName: route.name };
  const fields = incidentFields(route, batch);
  const baseRefs: CreateIncidentRefs = { ownerId: route.ownerId, ownerScheduleId: route.scheduleId, ids: route.componentIds };
  // Acknowledging and resolving go through the incident service's Prisma transaction; a trigger alone may stay on the driver.
  const plain = batch.acknowledges.length === 0 && batch.resolves.length === 0 && isPlainCreate(fields, baseRefs);
  return inCreationTransaction(db, plain, async (scope) => {
    const now = new Date();
    if (options.delivery && !(await isFirstDelivery(scope.sql, route, options.delivery, now))) return { applied: false };
    if (options.lockGroup) await scope.sql('SELECT 1 AS "locked" FROM pg_advisory_xact_lock(hashtextextended($1, 0))', [`${route.id}:${batch.groupKey}`]);
    await applyTriggers(scope, actor, route, batch, fields, baseRefs, now);
    if (scope.tx) {
      await applyAcknowledges(scope.tx, actor, route, batch.acknowledges, scope);
      await applyResolves(scope.tx, actor, route, batch.resolves, now, scope);
    }
    return { applied: true };
  });
}

/** createIncident's input for the incident a batch opens (its defaults for the rest); the source is the integration's name as it is. */
function incidentFields(route: IntegrationRoute, batch: AlertBatch): IncidentToCreate {
  const summary = batch.triggers[0]?.summary ?? batch.incident.title;
  // Every value is within createIncident's limits already (titles and keys are cut, NUL refused): the check finds nothing.
  const fields = checkCreateIncident(new InputCheck(), {
    title: batch.incident.title,
    severity: batch.incident.severity,
    message: openedByAlertMessage(route.name, summary).slice(0, BODY_MAX),
    externalRef: batch.groupKey.slice(0, EXTERNAL_REF_MAX),
  });
  return { ...fields, source: route.name, notifySubscribers: false, autoCreated: true };
}

/**
 * Remembers a notification by its digest (in the idempotency records, one per integration and
 * body). False when the same body came within the window: Alertmanager retries resend it as it was.
 */
async function isFirstDelivery(sql: RunSql, route: IntegrationRoute, body: Buffer, now: Date): Promise<boolean> {
  const digest = createHash('sha256').update(body).digest('hex');
  const cutoff = new Date(now.getTime() - REDELIVERY_WINDOW_MS).toISOString();
  await sql(PURGE_DELIVERIES, [route.orgId, cutoff]);
  const rows = await sql(RECORD_DELIVERY, [route.orgId, `${route.id}:${digest}`, digest, route.id, now.toISOString(), cutoff]);
  return rows.length > 0;
}

const DELIVERY_OPERATION = 'alertmanager';

const PURGE_DELIVERIES = `
  DELETE FROM "IdempotencyRecord" WHERE "orgId" = $1::uuid AND "operation" = '${DELIVERY_OPERATION}' AND "createdAt" < $2::timestamp(3)`;

/** A row back: first delivery (or one older than the window). No row: a fresh record exists, this is a redelivery. */
const RECORD_DELIVERY = `
  INSERT INTO "IdempotencyRecord" ("orgId", "key", "operation", "requestHash", "resultId", "createdAt")
  VALUES ($1::uuid, $2, '${DELIVERY_OPERATION}', $3, $4::uuid, $5::timestamp(3))
  ON CONFLICT ("orgId", "operation", "key") DO UPDATE SET "createdAt" = EXCLUDED."createdAt"
  WHERE "IdempotencyRecord"."createdAt" < $6::timestamp(3)
  RETURNING 1`;

/**
 * Each trigger inserts its alert, unless one with its key is open: then the unique index on open
 * keys turns the insert into a count (a concurrent insert of the same key waits for this
 * transaction, then counts). The new alerts join the group's open incident, or open one.
 */
async function applyTriggers(
  scope: CreationScope,
  actor: Actor,
  route: IntegrationRoute,
  batch: AlertBatch,
  fields: IncidentToCreate,
  baseRefs: CreateIncidentRefs,
  now: Date,
): Promise<void> {
  if (batch.triggers.length === 0) return;
  const inserted: string[] = [];
  // In key order, so that two requests naming the same alerts never wait on each other in a circle.
  for (const trigger of [...batch.triggers].sort((a, b) => (a.dedupKey < b.dedupKey ? -1 : a.dedupKey > b.dedupKey ? 1 : 0))) {
    const id = randomUUID();
    const [row] = await scope.sql<{ inserted: boolean }>(UPSERT_ALERT, alertParams(id, route, batch.groupKey, trigger, now));
    if (row.inserted) inserted.push(id);
  }
  if (inserted.length === 0) return;
  const [open] = await scope.sql<{ id: string }>(OPEN_GROUP_INCIDENT, [route.id, batch.groupKey]);
  let incidentId = open?.id;
  if (triggerEffect({ alertOpen: false, groupIncidentOpen: Boolean(incidentId) }) === 'open-incident') {
    const refs = { ...baseRefs, ids: await componentsFor(scope.sql, route, batch.incident.component) };
    incidentId = (await insertNewIncident(scope, actor, fields, refs)).id;
  }
  await scope.sql('UPDATE "Alert" SET "incidentId" = $1::uuid WHERE "id" = ANY($2::uuid[])', [incidentId, inserted]);
}

function alertParams(id: string, route: IntegrationRoute, groupKey: string, trigger: AlertTrigger, now: Date): unknown[] {
  return [
    id,
    route.orgId,
    route.id,
    trigger.dedupKey,
    groupKey,
    trigger.summary,
    trigger.severity,
    trigger.source,
    JSON.stringify(trigger.labels),
    trigger.details === null || trigger.details === undefined ? null : JSON.stringify(trigger.details),
    JSON.stringify(trigger.links),
    now.toISOString(),
  ];
}

const UPSERT_ALERT = `
  INSERT INTO "Alert" (
    "id", "orgId", "integrationId", "dedupKey", "openDedupKey", "groupKey", "status", "summary", "severity", "source",
    "labels", "details", "links", "count", "firstSeenAt", "lastSeenAt"
  ) VALUES (
    $1::uuid, $2::uuid, $3::uuid, $4::text, $4::text, $5::text, 'FIRING', $6::text, $7::text::"IncidentSeverity", $8::text,
    $9::jsonb, $10::jsonb, $11::jsonb, 1, $12::timestamp(3), $12::timestamp(3)
  )
  ON CONFLICT ("integrationId", "openDedupKey") DO UPDATE SET "count" = "Alert"."count" + 1, "lastSeenAt" = EXCLUDED."lastSeenAt"
  RETURNING "id" = $1::uuid AS "inserted"`;

/**
 * The open incident of the group: that of its latest alert, if still open, locked against a
 * concurrent resolution (which takes it FOR UPDATE); a resolution that committed first leaves no row.
 */
const OPEN_GROUP_INCIDENT = `
  SELECT i."id" FROM "Incident" i
  WHERE i."id" = (
    SELECT a."incidentId" FROM "Alert" a
    WHERE a."integrationId" = $1::uuid AND a."groupKey" = $2 AND a."incidentId" IS NOT NULL
    ORDER BY a."firstSeenAt" DESC, a."id" DESC LIMIT 1
  ) AND i."status" NOT IN ('RESOLVED', 'POSTMORTEM', 'COMPLETED', 'CANCELLED')
  FOR SHARE`;

/** The integration's components, plus the organization's component named by the alert, if there is one. */
async function componentsFor(sql: RunSql, route: IntegrationRoute, name: string | null): Promise<string[]> {
  if (!name) return route.componentIds;
  const [named] = await sql<{ id: string }>(
    'SELECT "id"::text AS "id" FROM "Component" WHERE "orgId" = $1::uuid AND "name" = $2 ORDER BY "position", "createdAt", "id" LIMIT 1',
    [route.orgId, name],
  );
  return named && !route.componentIds.includes(named.id) ? [...route.componentIds, named.id] : route.componentIds;
}

/** Open alerts with these keys become ACKNOWLEDGED, and their incidents acknowledged. */
async function applyAcknowledges(tx: Tx, actor: Actor, route: IntegrationRoute, keys: string[], scope: CreationScope): Promise<void> {
  if (keys.length === 0) return;
  const rows = await scope.sql<{ incidentId: string | null }>(
    `UPDATE "Alert" SET "status" = 'ACKNOWLEDGED' WHERE "integrationId" = $1::uuid AND "openDedupKey" = ANY($2::text[]) RETURNING "incidentId"::text AS "incidentId"`,
    [route.id, keys],
  );
  for (const incidentId of incidentsOf(rows)) await acknowledgeInTransaction(tx, actor, incidentId, scope.events);
}

/** Open alerts with these keys are resolved; an incident left without open alerts is resolved when the integration says so. */
async function applyResolves(tx: Tx, actor: Actor, route: IntegrationRoute, keys: string[], now: Date, scope: CreationScope): Promise<void> {
  if (keys.length === 0) return;
  const rows = await scope.sql<{ incidentId: string | null }>(
    `UPDATE "Alert" SET "status" = 'RESOLVED', "resolvedAt" = $3::timestamp(3), "openDedupKey" = NULL
     WHERE "integrationId" = $1::uuid AND "openDedupKey" = ANY($2::text[]) RETURNING "incidentId"::text AS "incidentId"`,
    [route.id, keys, now.toISOString()],
  );
  if (!route.autoResolve) return;
  for (const incidentId of incidentsOf(rows)) {
    // Locked first: of two requests resolving an incident's last alerts at once, the second sees the first's.
    const incident = await findIncident(tx, actor.orgId, incidentId, ['incidentId']);
    const [{ open }] = await scope.sql<{ open: number }>(
      `SELECT count(*)::int AS "open" FROM "Alert" WHERE "incidentId" = $1::uuid AND "status" <> 'RESOLVED'`,
      [incidentId],
    );
    const incidentOpen = incident.kind === 'INCIDENT' && isOpenStatus(incident.status);
    if (!resolvesIncident({ autoResolve: route.autoResolve, openAlertsLeft: open, incidentOpen })) continue;
    await applyTransition(
      tx,
      actor,
      incident,
      { id: incident.id, status: 'RESOLVED', message: alertsClearedMessage(route.name), notifySubscribers: true },
      null,
      scope.events,
    );
  }
}

/** The distinct incidents of some alerts, in id order (the order every writer locks them in). */
function incidentsOf(rows: { incidentId: string | null }[]): string[] {
  return [...new Set(rows.map((row) => row.incidentId).filter((id): id is string => id !== null))].sort();
}
