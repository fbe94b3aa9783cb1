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
      postedAt: minutes(index + entry),
    })),
  );
  for (let start = 0; start < updates.length; start += 5000) {
    await prisma.incidentUpdate.createMany({ data: updates.slice(start, start + 5000) });
  }
  return { incidentIds: incidentRows.map((incident) => incident.id) };
}
