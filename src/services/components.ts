import type { PrismaClient } from '../generated/prisma/client.js';
import type { ComponentStatus } from '../domain/types.js';
import type { CheckedComponentFields } from '../domain/catalog.js';
import { isUuid } from '../domain/ids.js';
import { inTransaction, reject, sqlOf, type Actor, type Tx } from './transaction.js';
import { lockComponents, lockIncidentsListing, rederiveImpacts, setComponentStatusInTx } from './incidents.js';

function noSuchComponent(): never {
  reject('NOT_FOUND', ['id'], 'No component with this id');
}

/**
 * The org's component and its status, locked as incident writers lock it until the transaction
 * ends: a concurrent deleteComponent either commits first (then it is not found) or waits.
 */
async function lockComponent(tx: Tx, orgId: string, id: string | null) {
  if (!isUuid(id)) noSuchComponent();
  const status = (await lockComponents(sqlOf(tx), orgId, [id])).get(id) ?? noSuchComponent();
  return { id, status };
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
    const component = await lockComponent(tx, actor.orgId, id);
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

/** A delete that found incidents listing the component which it had not locked first: it starts over. */
class ListedMeanwhile extends Error {
  constructor() {
    super('deleteComponent: incidents kept coming to list the component while the delete waited for it');
  }
}

/** How often deleteComponent starts over before it gives up (each time another write has linked the component). */
const DELETE_ATTEMPTS = 5;

/**
 * Incidents and status pages that listed the component stop listing it; the incidents' impact follows.
 *
 * Writers lock an incident before its components, so this locks the incidents listing the
 * component before the component itself. A write that links the component holds it until it
 * commits: waiting for the component is waiting for those. Once this holds it, no incident can
 * come to list it; one that did while this waited is not locked, and locking it now could
 * deadlock with a writer of that incident, so the delete starts over and locks it first.
 */
export async function deleteComponent(prisma: PrismaClient, actor: Actor, id: string | null) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await inTransaction(prisma, async (tx, events) => {
        if (!isUuid(id)) noSuchComponent();
        const incidentIds = await lockIncidentsListing(tx, actor.orgId, id);
        const [component] = await tx.$queryRaw<{ id: string }[]>`
          SELECT "id" FROM "Component" WHERE "id" = ${id}::uuid AND "orgId" = ${actor.orgId}::uuid FOR UPDATE`;
        if (!component) noSuchComponent();
        const listing = await tx.incidentComponent.findMany({ where: { componentId: id }, select: { incidentId: true } });
        if (listing.some((link) => !incidentIds.includes(link.incidentId))) throw new ListedMeanwhile();
        await tx.component.delete({ where: { id } });
        await rederiveImpacts(tx, actor, incidentIds, events);
        return { deletedComponentId: id };
      });
    } catch (error) {
      if (!(error instanceof ListedMeanwhile) || attempt === DELETE_ATTEMPTS) throw error;
    }
  }
}
