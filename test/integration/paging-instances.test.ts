import { afterAll, describe, expect, it } from 'vitest';
import { backends, startTestGateway, type TestGateway } from '../support/gateway.js';
import { createChildDatabase, killChildGateways, startChildGateway, type ChildDatabase, type ChildGateway } from '../support/child-gateway.js';
import { MINUTE_MS, PAGING_ENV, pagingClient, sleep, startReceiver } from '../support/paging-fixtures.js';
import { eventually } from '../support/receivers.js';

// Two instances of one deployment on one PostgreSQL database (needs TEST_DATABASE_URL). Without a
// shared Redis, neither hears of the other's new steps and both find them by polling.
const sharedDatabase = process.env.TEST_DATABASE_URL ? ['postgres'] : [];

describe.each(sharedDatabase)('paging on two instances sharing %s', () => {
  let first: TestGateway | undefined;
  let second: TestGateway | undefined;
  let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;

  afterAll(async () => {
    await second?.stop();
    await first?.stop();
    await receiver?.close();
  });

  it('sends every page exactly once for 20 concurrent incidents', { timeout: 240_000 }, async () => {
    receiver = await startReceiver();
    const env = { ...PAGING_ENV, ESCALATION_POLL_MS: '100' };
    first = await startTestGateway('postgres', env);
    second = await startTestGateway('postgres', { ...env, DATABASE_URL: first.databaseUrl! });
    const { key } = await first.createOrg(['admin']);
    const viaFirst = pagingClient(first, key);
    const viaSecond = pagingClient(second, key);

    const responder = await viaFirst.user('Responder Many', receiver.urlFor('many-responder'));
    const backup = await viaFirst.user('Backup Many', receiver.urlFor('many-backup'));
    const schedule = await viaFirst.schedule([responder.id]);
    await viaFirst.policy(
      [
        { delayMinutes: 3, targets: [{ scheduleId: schedule }] },
        { delayMinutes: 3, targets: [{ userId: backup.id }] },
      ],
      1,
    );
    const incidents = await Promise.all(
      Array.from({ length: 20 }, (_, index) => (index % 2 === 0 ? viaFirst : viaSecond).incident({ title: `Concurrent ${index}`, ownerScheduleId: schedule })),
    );

    // 4 pages each (levels 0, 1, 0, 1), then exhausted.
    await eventually(() => receiver!.received.length >= 80, '80 pages', 120_000);
    await eventually(
      async () => (await Promise.all(incidents.map((id) => viaSecond.escalation(id)))).every((escalation) => escalation.state === 'EXHAUSTED'),
      'every escalation to run out',
      60_000,
    );
    await sleep(10 * MINUTE_MS);
    const pages = receiver.received;
    expect(pages).toHaveLength(80);
    expect(new Set(pages.map((page) => page.body.id)).size).toBe(80);
    for (const incidentId of incidents) {
      expect(pages.filter((page) => page.body.incident.id === incidentId).map((page) => [page.path, page.body.level])).toEqual([
        ['/many-responder', 0],
        ['/many-backup', 1],
        ['/many-responder', 0],
        ['/many-backup', 1],
      ]);
    }
    const timeline = await viaFirst.timeline(incidents[0]);
    expect(timeline.filter((entry) => entry.kind === 'PAGED')).toHaveLength(4);
    expect(timeline.filter((entry) => entry.kind === 'ESCALATION_EXHAUSTED')).toHaveLength(1);
  });
});

describe.each(backends)('paging across a SIGKILL on %s', (backend) => {
  let database: ChildDatabase | undefined;
  let child: ChildGateway | undefined;
  let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;

  afterAll(async () => {
    killChildGateways();
    await child?.exited;
    await receiver?.close();
    await database?.drop();
  });

  it('continues the escalation after the instance is killed mid-escalation and restarted: no step lost, steps due meanwhile run at once', { timeout: 180_000 }, async () => {
    receiver = await startReceiver();
    database = await createChildDatabase(backend);
    const { key } = await database.createOrg(['admin']);
    // A delivery the killed process had claimed is taken over once its short lease runs out.
    const env = { ...database.env, ...PAGING_ENV, RATE_LIMIT: 'off', NOTIFY_TIMEOUT_MS: '2500', NOTIFY_LEASE_MS: '3000' };
    child = await startChildGateway(env);
    let client = pagingClient(child, key);
    const levels = ['zero', 'one', 'two'];
    const users = [];
    for (const name of levels) users.push(await client.user(`Crash ${name}`, receiver.urlFor(`crash-${name}`)));
    const schedule = await client.schedule([users[0].id]);
    await client.policy(
      [
        { delayMinutes: 5, targets: [{ scheduleId: schedule }] },
        { delayMinutes: 5, targets: [{ userId: users[1].id }] },
        { delayMinutes: 5, targets: [{ userId: users[2].id }] },
      ],
      0,
    );
    const incidentId = await client.incident({ title: 'Crash mid-escalation', ownerScheduleId: schedule });
    await eventually(() => receiver!.received.length === 2, `levels 0 and 1 (${child.logs.slice(-5).join('\n')})`, 60_000);

    child.process.kill('SIGKILL');
    expect(await child.exited).toBeNull();
    // Level 2 falls due (1 s after level 1) while no instance runs.
    await sleep(8 * MINUTE_MS);
    expect(receiver.received).toHaveLength(2);

    child = await startChildGateway(env);
    const listening = Date.now();
    client = pagingClient(child, key);
    // At least once: a page the killed process sent but had not marked delivered comes again, with
    // the same id (receivers drop repeats by it). Distinct pages:
    const distinct = () => [...new Map(receiver!.received.map((page) => [page.body.id, page])).values()];
    await eventually(() => distinct().length === 3, 'level 2 after the restart', 60_000);
    // Promptly: the poller looks at the steps as it starts (the bound allows for a cold process on a busy machine).
    expect(distinct()[2].at - listening).toBeLessThan(20_000);
    await eventually(async () => (await client.escalation(incidentId)).state === 'EXHAUSTED', 'the escalation to run out', 30_000);
    expect(distinct().map((page) => [page.path, page.body.level])).toEqual([
      ['/crash-zero', 0],
      ['/crash-one', 1],
      ['/crash-two', 2],
    ]);
    const kinds = (await client.timeline(incidentId)).map((entry) => entry.kind);
    expect(kinds.filter((kind) => kind === 'PAGED')).toHaveLength(3);
    expect(kinds.filter((kind) => kind === 'ESCALATED')).toHaveLength(2);
    expect(kinds.at(-1)).toBe('ESCALATION_EXHAUSTED');
  });
});
