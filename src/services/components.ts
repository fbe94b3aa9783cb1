import type { PrismaClient } from '../generated/prisma/client.js';
import type { ComponentStatus } from '../domain/types.js';
import type { CheckedComponentFields } from '../domain/catalog.js';
import { isUuid } from '../domain/ids.js';
import { inTransaction, reject, type Actor, type Tx } from './transaction.js';
import { lockIncidentsListing, rederiveImpacts, setComponentStatusInTx } from './incidents.js';

async function findComponent(tx: Tx, orgId: string, id: string | null) {
  const component = isUuid(id) ? await tx.component.findFirst({ where: { id, orgId } }) : null;
  if (!component) reject('NOT_FOUND', ['id'], 'No component with this id');
  return component;
}

/** A status other than OPERATIONAL is applied like any later change: history row and event. */
export function createComponent(prisma: PrismaClient, actor: Actor, fields: CheckedComponentFields & { name: string }) {
  return inTransaction(prisma, async (tx, events) => {
    const { status, ...rest } = fields;
    const component = await tx.component.create({ data: { ...rest, orgId: actor.orgId }, select: { id: true } });
    if (status && status !== 'OPERATIONAL') await setComponentStatusInTx(tx, actor.orgId, component.id, status, events);
    return { componentId: component.id };
  });
}

export function updateComponent(prisma: PrismaClient, actor: Actor, id: string | null, fields: CheckedComponentFields) {
  return inTransaction(prisma, async (tx, events) => {
    const component = await findComponent(tx, actor.orgId, id);
    const { status, ...rest } = fields;
    if (Object.keys(rest).length > 0) await tx.component.update({ where: { id: component.id }, data: rest });
    if (status && status !== component.status) await setComponentStatusInTx(tx, actor.orgId, component.id, status, events);
    return { componentId: component.id };
  });
}

/** Setting the status it already has succeeds and changes nothing. */
export function setComponentStatus(prisma: PrismaClient, actor: Actor, id: string | null, status: ComponentStatus) {
  return updateComponent(prisma, actor, id, { status });
}

/** Incidents and status pages that listed the component stop listing it; the incidents' impact follows. */
export function deleteComponent(prisma: PrismaClient, actor: Actor, id: string | null) {
  return inTransaction(prisma, async (tx, events) => {
    const component = await findComponent(tx, actor.orgId, id);
    const incidentIds = await lockIncidentsListing(tx, actor.orgId, component.id);
    await tx.component.delete({ where: { id: component.id } });
    await rederiveImpacts(tx, actor, incidentIds, events);
    return { deletedComponentId: component.id };
  });
}
