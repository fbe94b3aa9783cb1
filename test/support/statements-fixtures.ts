import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../../src/generated/prisma/client.js';

/** Fixed instants (with non-zero milliseconds, so every timestamp prints at the same length). */
const BASE_TIME = Date.parse('2026-01-01T00:00:00.123Z');
const minutes = (count: number) => new Date(BASE_TIME + count * 60_000);

/**
 * An organization's board, written straight to the database: `incidents` incidents, each owned by
 * one of three users, affecting two of three components, with `updatesPerIncident` timeline entries.
 * Everything but the ids is the same for the same arguments, so two boards differ only in size.
 */
export async function seedIncidentBoard(
  prisma: PrismaClient,
  orgId: string,
  { incidents, updatesPerIncident }: { incidents: number; updatesPerIncident: number },
): Promise<{ incidentIds: string[] }> {
  const users = [1, 2, 3].map((n) => ({ id: randomUUID(), orgId, name: `Responder ${n}`, email: `responder${n}@example.com`, createdAt: minutes(0) }));
  const components = [1, 2, 3].map((n) => ({ id: randomUUID(), orgId, name: `Component ${n}`, position: n, createdAt: minutes(0), updatedAt: minutes(0) }));
  const incidentRows = Array.from({ length: incidents }, (_, index) => ({
    id: randomUUID(),
    orgId,
    number: index + 1,
    title: `Incident ${String(index + 1).padStart(5, '0')}`,
    status: 'INVESTIGATING' as const,
    ownerId: users[index % users.length].id,
    startedAt: minutes(index),
    createdAt: minutes(index),
    updatedAt: minutes(index),
  }));
  await prisma.user.createMany({ data: users });
  await prisma.component.createMany({ data: components });
  await prisma.incident.createMany({ data: incidentRows });
  await prisma.incidentComponent.createMany({
    data: incidentRows.flatMap((incident, index) =>
      [0, 1].map((position) => ({
        incidentId: incident.id,
        componentId: components[(index + position) % components.length].id,
        status: 'DEGRADED_PERFORMANCE' as const,
        position,
      })),
    ),
  });
  const updates = incidentRows.flatMap((incident, index) =>
    Array.from({ length: updatesPerIncident }, (_, entry) => ({
      orgId,
      incidentId: incident.id,
      sequence: entry + 1,
      kind: entry === 0 ? ('CREATED' as const) : ('MESSAGE' as const),
      status: 'INVESTIGATING' as const,
      body: `Update ${String(entry + 1).padStart(5, '0')}`,
      authorId: users[entry % users.length].id,
      postedAt: minutes(index + entry),
    })),
  );
  for (let start = 0; start < updates.length; start += 5000) {
    await prisma.incidentUpdate.createMany({ data: updates.slice(start, start + 5000) });
  }
  return { incidentIds: incidentRows.map((incident) => incident.id) };
}

/**
 * The rest of an organization's catalog around its incidents: `count` components (each affected by
 * three of the incidents, one of them open), `count` status pages (two components and three
 * incidents each), and `count` schedules of two layers with three participants each.
 */
export async function seedCatalog(prisma: PrismaClient, orgId: string, incidentIds: string[], count: number): Promise<void> {
  const users = await prisma.user.findMany({ where: { orgId }, orderBy: { email: 'asc' } });
  const components = Array.from({ length: count }, (_, index) => ({
    id: randomUUID(),
    orgId,
    name: `Service ${index}`,
    position: 100 + index,
    createdAt: minutes(index),
    updatedAt: minutes(index),
  }));
  await prisma.component.createMany({ data: components });
  await prisma.incidentComponent.createMany({
    data: components.flatMap((component, index) =>
      [0, 1, 2].map((offset) => ({
        incidentId: incidentIds[(index + offset * 7) % incidentIds.length],
        componentId: component.id,
        status: 'PARTIAL_OUTAGE' as const,
        position: 10 + offset,
      })),
    ),
    skipDuplicates: true,
  });
  const pages = Array.from({ length: count }, (_, index) => ({ id: randomUUID(), orgId, slug: `page-${randomUUID()}`, name: `Page ${index}`, createdAt: minutes(index) }));
  await prisma.statusPage.createMany({ data: pages });
  await prisma.statusPageComponent.createMany({
    data: pages.flatMap((page, index) => [0, 1].map((position) => ({ statusPageId: page.id, componentId: components[(index + position) % count].id, position }))),
  });
  await prisma.statusPageIncident.createMany({
    data: pages.flatMap((page, index) =>
      [0, 1, 2].map((offset) => ({ statusPageId: page.id, incidentId: incidentIds[(index + offset * 11) % incidentIds.length], publishedAt: minutes(index + offset) })),
    ),
    skipDuplicates: true,
  });
  const schedules = Array.from({ length: count }, (_, index) => ({ id: randomUUID(), orgId, name: `Rotation ${index}`, timeZone: 'UTC', createdAt: minutes(index) }));
  await prisma.schedule.createMany({ data: schedules });
  const layers = schedules.flatMap((schedule) =>
    [0, 1].map((position) => ({
      id: randomUUID(),
      scheduleId: schedule.id,
      position,
      name: `Layer ${position}`,
      rotationStart: minutes(0),
      shiftLengthSeconds: 86_400,
    })),
  );
  await prisma.scheduleLayer.createMany({ data: layers });
  await prisma.scheduleLayerParticipant.createMany({
    data: layers.flatMap((layer, index) => [0, 1, 2].map((position) => ({ layerId: layer.id, position, userId: users[(index + position) % users.length].id }))),
  });
}
