import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import type { CheckedStatusPageFields } from '../domain/catalog.js';
import { checkComponentRefs, type UserError } from '../domain/validation.js';
import { isUuid } from '../domain/ids.js';
import { inTransaction, reject, Rejection, type Actor, type Outcome, type Tx } from './transaction.js';

const SLUG_TAKEN: UserError = { code: 'INVALID_INPUT', field: ['slug'], message: 'This slug is already taken' };

/** Slugs are unique across all organizations (they name public URLs); a race lost at the database ends the same way. */
async function withSlugGuard<T>(work: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') return { ok: false, errors: [SLUG_TAKEN] };
    throw error;
  }
}

async function ensureSlugFree(tx: Tx, slug: string | undefined, pageId: string | null): Promise<UserError[]> {
  if (slug === undefined) return [];
  const holder = await tx.statusPage.findUnique({ where: { slug }, select: { id: true } });
  return holder && holder.id !== pageId ? [SLUG_TAKEN] : [];
}

/**
 * The errors at ["componentIds", i] for ids that are not the org's components. The others stay
 * locked until the transaction ends, in id order like every writer of components, before the
 * page's links change: a concurrent deleteComponent either commits first (then the component is
 * unknown here) or waits for the links, instead of deadlocking on them. KEY SHARE is the lock the
 * links' foreign keys take anyway; status changes of the components are not held up.
 */
async function lockComponentErrors(tx: Tx, orgId: string, ids: string[] | undefined): Promise<UserError[]> {
  if (ids === undefined) return [];
  const candidates = [...new Set(ids.filter(isUuid))].sort();
  const existing = new Set(
    candidates.length === 0
      ? []
      : (await tx.$queryRaw<{ id: string }[]>`
          SELECT "id" FROM "Component" WHERE "orgId" = ${orgId}::uuid AND "id" = ANY(${candidates}::uuid[]) ORDER BY "id" FOR KEY SHARE`).map((row) => row.id),
  );
  return checkComponentRefs(ids, existing, 'componentIds');
}

function throwIfAny(errors: UserError[]): void {
  if (errors.length > 0) throw new Rejection(errors);
}

export interface StatusPageChanges extends CheckedStatusPageFields {
  /** The page's components in display order; replaces the current list. */
  componentIds?: string[];
}

export function createStatusPage(prisma: PrismaClient, actor: Actor, changes: StatusPageChanges & { slug: string; name: string }) {
  return withSlugGuard(() =>
    inTransaction(prisma, async (tx) => {
      throwIfAny([...(await ensureSlugFree(tx, changes.slug, null)), ...(await lockComponentErrors(tx, actor.orgId, changes.componentIds))]);
      const { componentIds, ...fields } = changes;
      const page = await tx.statusPage.create({
        data: {
          ...fields,
          orgId: actor.orgId,
          components: { create: (componentIds ?? []).map((componentId, position) => ({ componentId, position })) },
        },
        select: { id: true },
      });
      return { statusPageId: page.id };
    }),
  );
}

async function findStatusPage(tx: Tx, orgId: string, id: string | null, field: string[]) {
  const page = isUuid(id) ? await tx.statusPage.findFirst({ where: { id, orgId }, select: { id: true } }) : null;
  if (!page) reject('NOT_FOUND', field, 'No status page with this id');
  return page;
}

export function updateStatusPage(prisma: PrismaClient, actor: Actor, id: string | null, changes: StatusPageChanges) {
  return withSlugGuard(() =>
    inTransaction(prisma, async (tx) => {
      const page = await findStatusPage(tx, actor.orgId, id, ['id']);
      throwIfAny([...(await ensureSlugFree(tx, changes.slug, page.id)), ...(await lockComponentErrors(tx, actor.orgId, changes.componentIds))]);
      const { componentIds, ...fields } = changes;
      if (Object.keys(fields).length > 0) await tx.statusPage.update({ where: { id: page.id }, data: fields });
      if (componentIds !== undefined) {
        await tx.statusPageComponent.deleteMany({ where: { statusPageId: page.id } });
        await tx.statusPageComponent.createMany({
          data: componentIds.map((componentId, position) => ({ statusPageId: page.id, componentId, position })),
        });
      }
      return { statusPageId: page.id };
    }),
  );
}

/** The incidents stay; they are just no longer published there. */
export function deleteStatusPage(prisma: PrismaClient, actor: Actor, id: string | null) {
  return inTransaction(prisma, async (tx) => {
    const page = await findStatusPage(tx, actor.orgId, id, ['id']);
    await tx.statusPage.delete({ where: { id: page.id } });
    return { deletedStatusPageId: page.id };
  });
}

/** The org's incident and status page of a publication, or NOT_FOUND for each that is missing. */
async function findPublication(tx: Tx, orgId: string, incidentId: string | null, statusPageId: string | null) {
  const incident = isUuid(incidentId) ? await tx.incident.findFirst({ where: { id: incidentId, orgId }, select: { id: true } }) : null;
  const page = isUuid(statusPageId) ? await tx.statusPage.findFirst({ where: { id: statusPageId, orgId }, select: { id: true } }) : null;
  const errors: UserError[] = [];
  if (!incident) errors.push({ code: 'NOT_FOUND', field: ['incidentId'], message: 'No incident with this id' });
  if (!page) errors.push({ code: 'NOT_FOUND', field: ['statusPageId'], message: 'No status page with this id' });
  if (!incident || !page) throw new Rejection(errors);
  return { incidentId: incident.id, statusPageId: page.id };
}

/** Publishing an incident that is already on the page succeeds and changes nothing. */
export function publishIncident(prisma: PrismaClient, actor: Actor, incidentId: string | null, statusPageId: string | null) {
  return inTransaction(prisma, async (tx) => {
    const link = await findPublication(tx, actor.orgId, incidentId, statusPageId);
    await tx.statusPageIncident.createMany({ data: [link], skipDuplicates: true });
    return link;
  });
}

/**
 * Withdraws an incident from a page: the link goes, so the page, its public view and its
 * subscribers' notifications no longer include it. Withdrawing one that is not there changes nothing.
 */
export function unpublishIncident(prisma: PrismaClient, actor: Actor, incidentId: string | null, statusPageId: string | null) {
  return inTransaction(prisma, async (tx) => {
    const link = await findPublication(tx, actor.orgId, incidentId, statusPageId);
    await tx.statusPageIncident.deleteMany({ where: link });
    return link;
  });
}
