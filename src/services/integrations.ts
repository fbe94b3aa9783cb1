import type { PrismaClient } from '../generated/prisma/client.js';
import { generateIntegrationKey } from '../auth/keys.js';
import { isUuid } from '../domain/ids.js';
import { checkComponentRefs, type UserError } from '../domain/validation.js';
import { resolveOwner } from './incidents.js';
import { inTransaction, reject, Rejection, type Actor, type Outcome, type Tx } from './transaction.js';

export interface IntegrationInput {
  name: string;
  ownerId: string | null;
  ownerScheduleId: string | null;
  componentIds: string[];
  autoResolve: boolean;
}

/** The integration and its key, which is shown this once: only its hash is stored. */
export interface IssuedIntegration {
  integrationId: string;
  key: string;
}

async function checkSchedule(tx: Tx, orgId: string, scheduleId: string | null): Promise<void> {
  if (scheduleId === null) return;
  const schedule = isUuid(scheduleId) ? await tx.schedule.findFirst({ where: { id: scheduleId, orgId }, select: { id: true } }) : null;
  if (!schedule) reject('NOT_FOUND', ['ownerScheduleId'], 'No schedule with this id');
}

async function checkComponents(tx: Tx, orgId: string, componentIds: string[]): Promise<void> {
  const valid = componentIds.filter(isUuid);
  const existing = valid.length === 0 ? [] : await tx.component.findMany({ where: { orgId, id: { in: valid } }, select: { id: true } });
  const errors = checkComponentRefs(componentIds, new Set(existing.map((row) => row.id)), 'componentIds');
  if (errors.length > 0) throw new Rejection(errors);
}

/** Creates an integration whose incidents get this owner, schedule and components (checked like createIncident's). */
export function createIntegration(prisma: PrismaClient, actor: Actor, input: IntegrationInput): Promise<Outcome<IssuedIntegration>> {
  return inTransaction(prisma, async (tx) => {
    const { orgId } = actor;
    const errors: UserError[] = [];
    for (const check of [
      () => resolveOwner(tx, orgId, input.ownerId, ['ownerId']),
      () => checkSchedule(tx, orgId, input.ownerScheduleId),
      () => checkComponents(tx, orgId, input.componentIds),
    ]) {
      try {
        await check();
      } catch (error) {
        if (!(error instanceof Rejection)) throw error;
        errors.push(...error.errors);
      }
    }
    if (errors.length > 0) throw new Rejection(errors);
    const { key, hash } = generateIntegrationKey();
    const integration = await tx.integration.create({
      data: {
        orgId,
        name: input.name,
        keyHash: hash,
        autoResolve: input.autoResolve,
        ownerId: input.ownerId,
        scheduleId: input.ownerScheduleId,
        components: { create: input.componentIds.map((componentId, position) => ({ componentId, position })) },
      },
      select: { id: true },
    });
    return { integrationId: integration.id, key };
  });
}

async function findIntegration(tx: Tx, orgId: string, id: string | null) {
  const integration = id && isUuid(id) ? await tx.integration.findFirst({ where: { id, orgId }, select: { id: true } }) : null;
  if (!integration) reject('NOT_FOUND', ['id'], 'No integration with this id');
  return integration;
}

/** A new key for the integration; the old one stops working at once. */
export function rotateIntegrationKey(prisma: PrismaClient, actor: Actor, id: string | null): Promise<Outcome<IssuedIntegration>> {
  return inTransaction(prisma, async (tx) => {
    const integration = await findIntegration(tx, actor.orgId, id);
    const { key, hash } = generateIntegrationKey();
    await tx.integration.update({ where: { id: integration.id }, data: { keyHash: hash } });
    return { integrationId: integration.id, key };
  });
}

/** Deletes the integration with its alerts; the incidents it opened stay. */
export function deleteIntegration(prisma: PrismaClient, actor: Actor, id: string | null): Promise<Outcome<{ deletedIntegrationId: string }>> {
  return inTransaction(prisma, async (tx) => {
    const integration = await findIntegration(tx, actor.orgId, id);
    await tx.integration.delete({ where: { id: integration.id } });
    return { deletedIntegrationId: integration.id };
  });
}
