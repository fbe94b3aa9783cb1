import { describe, expect, it } from 'vitest';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { backends, useGateway } from '../support/gateway.js';
import {
  alertmanagerNotification,
  alertsOf,
  createIntegration,
  incidentsOf,
  intakeFootprint,
  notifyAlertmanager,
} from '../support/intake-fixtures.js';

/** Alerts of one notification share their first-seen instant: compared in key order. */
function byKey(alerts: { dedupKey: string; [field: string]: unknown }[]) {
  return [...alerts].sort((a, b) => a.dedupKey.localeCompare(b.dedupKey));
}

const GROUP = '{}/{severity="critical"}:{alertname="InstanceDown", job="node"}';

/** Two alerts of one group, as Alertmanager groups them by alertname and job. */
function instanceDown(statuses: { a: 'firing' | 'resolved'; b?: 'firing' | 'resolved' }, commonAnnotations: Record<string, string> = {}) {
  const alerts = [
    { status: statuses.a, fingerprint: 'a1b2c3d4e5f60001', labels: { alertname: 'InstanceDown', job: 'node', instance: 'db-1:9100', severity: 'critical', component: 'Database' }, annotations: { summary: 'db-1 is down' } },
    ...(statuses.b
      ? [{ status: statuses.b, fingerprint: 'a1b2c3d4e5f60002', labels: { alertname: 'InstanceDown', job: 'node', instance: 'db-2:9100', severity: 'critical', component: 'Database' }, annotations: { summary: 'db-2 is down' } }]
      : []),
  ];
  return alertmanagerNotification({
    groupKey: GROUP,
    groupLabels: { alertname: 'InstanceDown', job: 'node' },
    commonLabels: { alertname: 'InstanceDown', job: 'node', severity: 'critical', component: 'Database' },
    commonAnnotations,
    alerts,
  });
}

describe.each(backends)('Alertmanager webhook (/integrations/alertmanager) on %s', (backend) => {
  const gateway = useGateway(backend);

  async function setUp(input: Record<string, unknown> = {}) {
    const org = await gateway.createOrg(['write']);
    const created = await createIntegration(gateway, org.key, { name: 'Prometheus', ...input });
    return { ...org, ...created };
  }

  it('opens one incident per group: title from the group, severity from the label, the component named by the label', async () => {
    const { key, orgId, integration, integrationKey } = await setUp();
    const database = await gateway.running.db.prisma.component.create({ data: { orgId, name: 'Database' } });
    const answer = await notifyAlertmanager(gateway, integrationKey, instanceDown({ a: 'firing', b: 'firing' }));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: 'success', message: 'Notification processed' });
    const incidents = await incidentsOf(gateway, key);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({
      title: 'InstanceDown (job=node)',
      severity: 'CRITICAL',
      status: 'INVESTIGATING',
      autoCreated: true,
      source: 'Prometheus',
      affectedComponents: [{ component: { id: encodeGlobalID('Component', database.id), name: 'Database' } }],
    });
    expect(incidents[0].timeline.totalCount).toBe(1);
    expect(byKey(incidents[0].alerts.nodes)).toEqual([
      expect.objectContaining({
        dedupKey: 'a1b2c3d4e5f60001',
        status: 'FIRING',
        summary: 'db-1 is down',
        severity: 'CRITICAL',
        source: 'db-1:9100',
        labels: { alertname: 'InstanceDown', job: 'node', instance: 'db-1:9100', severity: 'critical', component: 'Database' },
        details: { summary: 'db-1 is down' },
        links: [{ href: 'http://prometheus.example.com:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1', text: 'Source' }],
        count: 1,
        integration: { id: integration.id },
      }),
      expect.objectContaining({ dedupKey: 'a1b2c3d4e5f60002', summary: 'db-2 is down', status: 'FIRING' }),
    ]);
  });

  it('takes the title from commonAnnotations.summary, and MEDIUM without a severity label', async () => {
    const { key, integrationKey } = await setUp();
    const summarized = instanceDown({ a: 'firing' }, { summary: 'Database instances are down' });
    await notifyAlertmanager(gateway, integrationKey, summarized);
    await notifyAlertmanager(
      gateway,
      integrationKey,
      alertmanagerNotification({ groupKey: '{}:{alertname="Watchdog"}', groupLabels: { alertname: 'Watchdog' }, alerts: [{ status: 'firing', fingerprint: 'ffff000011112222', labels: { alertname: 'Watchdog' } }] }),
    );
    const incidents = await incidentsOf(gateway, key);
    expect(incidents.map((incident) => [incident.title, incident.severity])).toEqual([
      ['Database instances are down', 'CRITICAL'],
      ['Watchdog', 'MEDIUM'],
    ]);
    expect(incidents[1].alerts.nodes[0]).toMatchObject({ summary: 'Watchdog', severity: 'MEDIUM', source: null });
  });

  it('attaches later alerts of the group to its incident and counts alerts already open, without timeline entries', async () => {
    const { key, integrationKey } = await setUp();
    await notifyAlertmanager(gateway, integrationKey, instanceDown({ a: 'firing' }));
    const [before] = await incidentsOf(gateway, key);
    await notifyAlertmanager(gateway, integrationKey, instanceDown({ a: 'firing', b: 'firing' }));
    const incidents = await incidentsOf(gateway, key);
    expect(incidents).toHaveLength(1);
    expect(incidents[0].version).toBe(before.version);
    expect(incidents[0].timeline).toEqual(before.timeline);
    expect(incidents[0].alerts.nodes.map((alert: { dedupKey: string; count: number }) => [alert.dedupKey, alert.count])).toEqual([
      ['a1b2c3d4e5f60001', 2],
      ['a1b2c3d4e5f60002', 1],
    ]);
  });

  it('resolves alerts marked resolved, and the incident when all of them are, with an entry saying the alerts cleared', async () => {
    const { key, integrationKey } = await setUp();
    await notifyAlertmanager(gateway, integrationKey, instanceDown({ a: 'firing', b: 'firing' }));
    await notifyAlertmanager(gateway, integrationKey, instanceDown({ a: 'resolved', b: 'firing' }));
    let [incident] = await incidentsOf(gateway, key);
    expect(incident.status).toBe('INVESTIGATING');
    expect(byKey(incident.alerts.nodes).map((alert) => alert.status)).toEqual(['RESOLVED', 'FIRING']);
    await notifyAlertmanager(gateway, integrationKey, instanceDown({ a: 'resolved', b: 'resolved' }));
    [incident] = await incidentsOf(gateway, key);
    expect(incident.status).toBe('RESOLVED');
    expect(incident.timeline.nodes.map((entry: { kind: string; body: string }) => [entry.kind, entry.body])).toEqual([
      ['CREATED', 'Opened by Prometheus: db-1 is down'],
      ['STATUS_CHANGED', 'All alerts cleared: resolved automatically by Prometheus.'],
    ]);
    // The group fires again: a new incident.
    await notifyAlertmanager(gateway, integrationKey, instanceDown({ a: 'firing' }));
    const incidents = await incidentsOf(gateway, key);
    expect(incidents.map((row) => row.status)).toEqual(['RESOLVED', 'INVESTIGATING']);
    expect(incidents[1].alerts.nodes).toHaveLength(1);
  });

  it('a notification that resolves one alert and adds another keeps the incident open', async () => {
    const { key, integrationKey } = await setUp();
    await notifyAlertmanager(gateway, integrationKey, instanceDown({ a: 'firing' }));
    await notifyAlertmanager(gateway, integrationKey, instanceDown({ a: 'resolved', b: 'firing' }));
    const incidents = await incidentsOf(gateway, key);
    expect(incidents).toHaveLength(1);
    expect(incidents[0].status).toBe('INVESTIGATING');
  });

  it('keeps the incident open without autoResolve', async () => {
    const { key, integrationKey } = await setUp({ autoResolve: false });
    await notifyAlertmanager(gateway, integrationKey, instanceDown({ a: 'firing' }));
    await notifyAlertmanager(gateway, integrationKey, instanceDown({ a: 'resolved' }));
    const [incident] = await incidentsOf(gateway, key);
    expect(incident.status).toBe('INVESTIGATING');
    expect(incident.alerts.nodes[0].status).toBe('RESOLVED');
  });

  it('the same notification delivered twice changes nothing the second time', async () => {
    const { orgId, integrationKey } = await setUp();
    const firing = instanceDown({ a: 'firing', b: 'firing' });
    await notifyAlertmanager(gateway, integrationKey, firing);
    const afterFirst = await intakeFootprint(gateway, orgId);
    const again = await notifyAlertmanager(gateway, integrationKey, firing);
    expect(again.status).toBe(200);
    expect(await intakeFootprint(gateway, orgId)).toEqual(afterFirst);

    const resolved = instanceDown({ a: 'resolved', b: 'resolved' });
    await notifyAlertmanager(gateway, integrationKey, resolved);
    const afterResolve = await intakeFootprint(gateway, orgId);
    expect(afterResolve.incidents[0].status).toBe('RESOLVED');
    // A late retry of the first notification, and of the resolution: neither reopens anything.
    await notifyAlertmanager(gateway, integrationKey, firing);
    await notifyAlertmanager(gateway, integrationKey, resolved);
    expect(await intakeFootprint(gateway, orgId)).toEqual(afterResolve);
  });

  it('concurrent deliveries of one group open one incident', async () => {
    const { key, integrationKey } = await setUp();
    const notifications = Array.from({ length: 10 }, (_, n) =>
      alertmanagerNotification({
        groupKey: GROUP,
        groupLabels: { alertname: 'InstanceDown', job: 'node' },
        alerts: [{ status: 'firing', fingerprint: `f${n}`, labels: { alertname: 'InstanceDown', job: 'node', instance: `host-${n}` } }],
      }),
    );
    const answers = await Promise.all(notifications.map((notification) => notifyAlertmanager(gateway, integrationKey, notification)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    const incidents = await incidentsOf(gateway, key);
    expect(incidents).toHaveLength(1);
    expect(incidents[0].alerts.totalCount).toBe(10);
  });

  it('refuses a missing or unknown key with 401, a bad body with 400, and writes nothing', async () => {
    const { orgId, integrationKey } = await setUp();
    const before = await intakeFootprint(gateway, orgId);
    const good = instanceDown({ a: 'firing' });
    expect((await notifyAlertmanager(gateway, null, good)).status).toBe(401);
    expect((await notifyAlertmanager(gateway, '0123456789abcdef0123456789abcdef', good)).status).toBe(401);
    const bad: unknown[] = [
      'not json',
      { ...good, version: '3' },
      { ...good, groupKey: '' },
      { ...good, alerts: [] },
      { ...good, alerts: [{ ...good.alerts[0], status: 'pending' }] },
      { ...good, alerts: [{ ...good.alerts[0], labels: { alertname: 42 } }] },
      { ...good, alerts: [{ ...good.alerts[0], startsAt: 'soon' }] },
    ];
    for (const body of bad) {
      const answer = await notifyAlertmanager(gateway, integrationKey, body);
      expect(answer.status, JSON.stringify(body).slice(0, 100)).toBe(400);
      expect(answer.body).toMatchObject({ status: 'invalid event', errors: [expect.any(String)] });
    }
    expect(await intakeFootprint(gateway, orgId)).toEqual(before);
    expect(await alertsOf(gateway, (await gateway.createOrg(['read'])).key)).toEqual([]);
  });

  it('answers 413 above 512 KB', async () => {
    const { orgId, integrationKey } = await setUp();
    const big = instanceDown({ a: 'firing' }, { description: 'x'.repeat(512 * 1024) });
    expect((await notifyAlertmanager(gateway, integrationKey, big)).status).toBe(413);
    expect(await intakeFootprint(gateway, orgId)).toMatchObject({ alerts: [], incidents: [] });
  });
});

describe.each(backends)('rate limits of /integrations/alertmanager on %s', (backend) => {
  const gateway = useGateway(backend, { RATE_LIMIT: 'on', INTAKE_RATE_LIMIT_BUCKET: '3', INTAKE_RATE_LIMIT_REFILL_PER_SECOND: '1' });

  it('answers 429 with Retry-After when the integration’s bucket is empty', async () => {
    const org = await gateway.createOrg(['write']);
    const { integrationKey } = await createIntegration(gateway, org.key, { name: 'Prometheus' });
    const statuses: number[] = [];
    for (let n = 0; n < 8 && !statuses.includes(429); n += 1) {
      const answer = await notifyAlertmanager(gateway, integrationKey, instanceDown({ a: n % 2 ? 'firing' : 'resolved' }));
      statuses.push(answer.status);
      if (answer.status === 429) expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    expect(statuses).toContain(429);
  });
});
