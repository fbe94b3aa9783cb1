import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scratchDirectory } from '../support/data-dir.js';
import { freePort } from '../support/ports.js';
import { backends, useGateway } from '../support/gateway.js';
import { createIntegration, ok } from '../support/intake-fixtures.js';

/** Debian's package (apt-get install -y prometheus-alertmanager; .ci/run installs it). */
const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';

/**
 * Both ways Alertmanager reaches the gateway: a webhook receiver (key as bearer credentials) and a
 * PagerDuty receiver pointed at /v2/enqueue. Alerts choose one by their `route` label; short group
 * timers so that notifications go out within a second or two.
 */
function alertmanagerConfig(gatewayUrl: string, webhookKey: string, pagerDutyKey: string): string {
  return `
global:
  resolve_timeout: 1m
route:
  receiver: webhook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - receiver: pagerduty
      matchers: ['route="pagerduty"']
    - receiver: webhook
      matchers: ['route="webhook"']
receivers:
  - name: webhook
    webhook_configs:
      - url: ${gatewayUrl}/integrations/alertmanager
        send_resolved: true
        http_config:
          authorization:
            credentials: ${webhookKey}
  - name: pagerduty
    pagerduty_configs:
      - url: ${gatewayUrl}/v2/enqueue
        routing_key: ${pagerDutyKey}
        send_resolved: true
        severity: critical
`;
}

interface RunningAlertmanager {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

async function startAlertmanager(config: string): Promise<RunningAlertmanager> {
  if (!existsSync(ALERTMANAGER)) {
    throw new Error(`${ALERTMANAGER} is missing: install Debian's package with "apt-get install -y prometheus-alertmanager" (.ci/run does)`);
  }
  const directory = await scratchDirectory('ig-alertmanager-');
  const configFile = path.join(directory, 'alertmanager.yml');
  await writeFile(configFile, config);
  const port = await freePort();
  const child: ChildProcess = spawn(
    ALERTMANAGER,
    [`--config.file=${configFile}`, `--storage.path=${path.join(directory, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(directory, { recursive: true, force: true });
  };
  for (const deadline = Date.now() + 30_000; ; ) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`Alertmanager exited with ${child.exitCode}:\n${output}`);
    }
    const ready = await fetch(`${url}/-/ready`).then((response) => response.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Alertmanager did not get ready:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, output: () => output, stop };
}

/** Alerts pushed to Alertmanager's own API, as Prometheus pushes them. */
async function pushAlerts(alertmanager: RunningAlertmanager, alerts: { labels: Record<string, string>; annotations: Record<string, string> }[], endsAt: Date) {
  const response = await fetch(`${alertmanager.url}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(
      alerts.map((alert) => ({
        ...alert,
        startsAt: new Date(Date.now() - 60_000).toISOString(),
        endsAt: endsAt.toISOString(),
        generatorURL: 'http://prometheus.example.com:9090/graph',
      })),
    ),
  });
  expect(response.status, await response.text()).toBe(200);
}

describe.each(backends)('a real Prometheus Alertmanager against the gateway on %s', (backend) => {
  const gateway = useGateway(backend);
  let alertmanager: RunningAlertmanager | undefined;

  afterAll(async () => alertmanager?.stop());

  it('opens incidents through the webhook and the PagerDuty receiver, and resolves them when the alerts end', async () => {
    const org = await gateway.createOrg(['write']);
    const webhook = await createIntegration(gateway, org.key, { name: 'Alertmanager webhook' });
    const pagerDuty = await createIntegration(gateway, org.key, { name: 'Alertmanager PagerDuty' });
    alertmanager = await startAlertmanager(alertmanagerConfig(gateway.url, webhook.integrationKey, pagerDuty.integrationKey));

    const alerts: { labels: Record<string, string>; annotations: Record<string, string> }[] = [
      { labels: { alertname: 'DiskFull', route: 'webhook', instance: 'db-1:9100', severity: 'warning' }, annotations: { summary: 'Disk full on db-1' } },
      { labels: { alertname: 'HighLatency', route: 'pagerduty', instance: 'api-1:9100' }, annotations: { summary: 'API latency above 2 s' } },
    ];
    await pushAlerts(alertmanager, alerts, new Date(Date.now() + 3_600_000));

    const incidents = () =>
      ok<{ incidents: { nodes: { title: string; source: string; status: string; severity: string; autoCreated: boolean; alerts: { nodes: { status: string }[] } }[] } }>(
        gateway,
        org.key,
        '{ incidents(first: 10, orderBy: { field: NUMBER, direction: ASC }) { nodes { title source status severity autoCreated alerts(first: 10) { nodes { status } } } } }',
      ).then((data) => data.incidents.nodes);
    const until = async (what: string, done: (rows: Awaited<ReturnType<typeof incidents>>) => boolean) => {
      for (const deadline = Date.now() + 45_000; ; ) {
        const rows = await incidents();
        if (done(rows)) return rows;
        if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(rows)}\nAlertmanager said:\n${alertmanager!.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    };

    const opened = await until('both incidents open', (rows) => rows.length === 2);
    const bySource = Object.fromEntries(opened.map((row) => [row.source, row]));
    expect(bySource['Alertmanager webhook']).toMatchObject({ title: 'Disk full on db-1', status: 'INVESTIGATING', severity: 'MEDIUM', autoCreated: true, alerts: { nodes: [{ status: 'FIRING' }] } });
    expect(bySource['Alertmanager PagerDuty']).toMatchObject({ status: 'INVESTIGATING', severity: 'CRITICAL', autoCreated: true, alerts: { nodes: [{ status: 'FIRING' }] } });
    expect(bySource['Alertmanager PagerDuty'].title).toContain('HighLatency');

    await pushAlerts(alertmanager, alerts, new Date(Date.now() - 1000));
    const resolved = await until('both incidents resolved', (rows) => rows.every((row) => row.status === 'RESOLVED'));
    expect(resolved).toHaveLength(2);
    for (const row of resolved) expect(row.alerts.nodes).toEqual([{ status: 'RESOLVED' }]);
  });
});
