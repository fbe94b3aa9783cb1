import type { PrismaClient } from '../src/generated/prisma/client.js';
import type { Database } from '../src/db/client.js';
import { issueApiKey } from '../src/services/api-keys.js';
import { createIncident, postIncidentUpdate, transitionIncident, acknowledgeIncident } from '../src/services/incidents.js';
import { checkCreateIncident, type CreateIncidentFields } from '../src/domain/incident-input.js';
import { InputCheck } from '../src/domain/validation.js';
import type { Actor, Outcome } from '../src/services/transaction.js';
import { checkEscalationPolicy, checkSchedule } from '../src/domain/oncall-input.js';
import { createSchedule, createScheduleOverride } from '../src/services/schedules.js';
import { createEscalationPolicy } from '../src/services/escalation-policies.js';

const DEMO_SLUG = 'demo';

/**
 * Demo data for a first look: an org with users, components, a status page and a few incidents.
 * Seeding again keeps the data and only issues a new key.
 */
export async function seedDemoData(db: Database): Promise<{ key: string; orgSlug: string }> {
  const { prisma } = db;
  const existing = await prisma.organization.findUnique({ where: { slug: DEMO_SLUG } });
  if (existing) {
    const { key } = await issueApiKey(prisma, existing.id, 'demo key', ['admin']);
    return { key, orgSlug: DEMO_SLUG };
  }
  const org = await prisma.organization.create({ data: { slug: DEMO_SLUG, name: 'Acme Cloud (demo)' } });
  const { key, apiKey } = await issueApiKey(prisma, org.id, 'demo key', ['admin']);
  const actor: Actor = { orgId: org.id, keyId: apiKey.id, keyName: apiKey.name };

  const [ada, grace, linus] = await Promise.all(
    [
      { name: 'Ada Lovelace', email: 'ada@example.com', timeZone: 'Europe/London' },
      { name: 'Grace Hopper', email: 'grace@example.com', timeZone: 'America/New_York' },
      { name: 'Linus Torvalds', email: 'linus@example.com', timeZone: 'Europe/Helsinki' },
    ].map((user) => prisma.user.create({ data: { ...user, orgId: org.id } })),
  );
  const components = [];
  for (const [position, component] of [
    { name: 'API', group: 'Core' },
    { name: 'Dashboard', group: 'Core' },
    { name: 'Payments', group: 'Billing' },
    { name: 'Webhooks', group: 'Integrations' },
  ].entries()) {
    components.push(await prisma.component.create({ data: { ...component, position, orgId: org.id } }));
  }
  const page = await prisma.statusPage.create({
    data: {
      orgId: org.id,
      slug: 'acme-status',
      name: 'Acme Cloud Status',
      public: true,
      components: { create: components.map((component, position) => ({ componentId: component.id, position })) },
    },
  });

  const onCall = await seedOnCall(prisma, actor, ada.id, grace.id, linus.id);

  const open = async (fields: CreateIncidentFields, refs: Parameters<typeof createIncident>[3]) => {
    const check = new InputCheck();
    const checked = checkCreateIncident(check, fields);
    const outcome = await createIncident(db, actor, { ...checked, notifySubscribers: false }, refs);
    if (!outcome.ok) throw new Error(`seed: ${outcome.errors.map((error) => error.message).join('; ')}`);
    return outcome.value.incidentId;
  };

  const payments = await open(
    { title: 'Payment API returning 5xx errors', severity: 'CRITICAL', message: 'Card payments fail for about 12% of requests.', tags: ['payments'] },
    { ownerId: ada.id, withStatus: [{ componentId: components[2].id, status: 'MAJOR_OUTAGE' }], statusPageIds: [page.id] },
  );
  await acknowledgeIncident(prisma, actor, payments);
  await transitionIncident(prisma, actor, { id: payments, status: 'IDENTIFIED', message: 'A bad deploy of the card router; rolling back.', notifySubscribers: false });

  const dashboard = await open(
    { title: 'Dashboard slow to load', severity: 'MEDIUM', tags: ['performance'] },
    { ownerId: grace.id, withStatus: [{ componentId: components[1].id, status: 'DEGRADED_PERFORMANCE' }] },
  );
  await postIncidentUpdate(prisma, actor, { incidentId: dashboard, body: 'p99 latency is 4s; looking at the database.', notifySubscribers: false });

  const webhooks = await open(
    { title: 'Webhook deliveries delayed', severity: 'LOW' },
    { ids: [components[3].id] },
  );
  await transitionIncident(prisma, actor, { id: webhooks, status: 'RESOLVED', message: 'Queue drained; deliveries are on time.', notifySubscribers: false });

  await open(
    { title: 'Elevated error rate on webhooks', severity: 'HIGH', message: 'Paged through the Platform on-call schedule.' },
    { ownerScheduleId: onCall.scheduleId, withStatus: [{ componentId: components[3].id, status: 'DEGRADED_PERFORMANCE' }], statusPageIds: [page.id] },
  );

  await open(
    {
      title: 'Database upgrade',
      kind: 'MAINTENANCE',
      severity: 'LOW',
      message: 'We will upgrade the primary database; expect a short read-only window.',
      scheduledFor: new Date(Date.now() + 3 * 24 * 3600_000),
      scheduledUntil: new Date(Date.now() + 3 * 24 * 3600_000 + 3600_000),
    },
    { ids: [components[0].id] },
  );
  return { key, orgSlug: DEMO_SLUG };
}

/**
 * "Platform on-call" (Europe/London): a weekly rotation of all three, with a weekday office-hours
 * layer on top (Grace and Ada by day), an override for Linus tomorrow evening, and an escalation
 * policy paging the schedule first and Ada after 15 minutes.
 */
async function seedOnCall(prisma: PrismaClient, actor: Actor, adaId: string, graceId: string, linusId: string) {
  const must = <T>(what: string, outcome: Outcome<T>): T => {
    if (!outcome.ok) throw new Error(`seed ${what}: ${outcome.errors.map((error) => error.message).join('; ')}`);
    return outcome.value;
  };
  const valid = <T>(what: string, checkInput: (check: InputCheck) => T): T => {
    const check = new InputCheck();
    const checked = checkInput(check);
    if (!check.ok) throw new Error(`seed ${what}: ${check.errors.map((error) => error.message).join('; ')}`);
    return checked;
  };
  const rotationStart = new Date('2026-01-05T09:00:00Z'); // a Monday, 09:00 in London
  const schedule = valid('schedule', (check) =>
    checkSchedule(check, {
      name: 'Platform on-call',
      timeZone: 'Europe/London',
      layers: [
        { name: 'Weekly rotation', rotationStart, shiftLengthSeconds: 7 * 24 * 3600, participantIds: [adaId, graceId, linusId] },
        {
          name: 'Office hours',
          rotationStart,
          shiftLengthSeconds: 24 * 3600,
          participantIds: [graceId, adaId],
          restrictions: [{ daysOfWeek: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'], startTime: '09:00', endTime: '17:00' }],
        },
      ],
    }),
  );
  const { scheduleId } = must('schedule', await createSchedule(prisma, actor, schedule));
  const tomorrowEvening = new Date(Date.now() + 24 * 3600_000);
  tomorrowEvening.setUTCHours(18, 0, 0, 0);
  must(
    'override',
    await createScheduleOverride(prisma, actor, {
      scheduleId,
      userId: linusId,
      startsAt: tomorrowEvening,
      endsAt: new Date(tomorrowEvening.getTime() + 4 * 3600_000),
    }),
  );
  const policy = valid('escalation policy', (check) =>
    checkEscalationPolicy(check, {
      name: 'Platform escalation',
      repeatCount: 1,
      rules: [
        { delayMinutes: 0, targets: [{ scheduleId }] },
        { delayMinutes: 15, targets: [{ userId: adaId }] },
      ],
    }),
  );
  must('escalation policy', await createEscalationPolicy(prisma, actor, policy));
  return { scheduleId };
}
