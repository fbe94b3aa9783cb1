import { describe, expect, it } from 'vitest';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { backends, gql, useGateway } from '../support/gateway.js';
import { pubsubListeners, untilListeners, wsClient } from '../support/subscriptions.js';
import {
  alertsOf,
  createIntegration,
  documentedTrigger,
  enqueue,
  INCIDENT_FIELDS,
  incidentsOf,
  intakeFootprint,
  ok,
} from '../support/intake-fixtures.js';

const DAY = 24 * 60 * 60;

describe.each(backends)('PagerDuty Events API v2 (/v2/enqueue) on %s', (backend) => {
  // The notification outbox does not poll meanwhile: statement counts see requests only.
  const gateway = useGateway(backend, { NOTIFY_POLL_MS: '3600000', ESCALATION_POLL_MS: '3600000' });

  /** A fresh organization with a write key and an integration (autoResolve unless said otherwise). */
  async function setUp(input: Record<string, unknown> = {}) {
    const org = await gateway.createOrg(['write']);
    const created = await createIntegration(gateway, org.key, { name: 'Datapipe monitoring', ...input });
    return { ...org, ...created };
  }

  it('creates an integration whose key is shown once and stored hashed', async () => {
    const org = await gateway.createOrg(['write']);
    const { integration, integrationKey } = await createIntegration(gateway, org.key, { name: '  Prometheus  ' });
    expect(integrationKey).toMatch(/^[0-9a-f]{32}$/);
    expect(integration).toMatchObject({ name: 'Prometheus', autoResolve: true, owner: null, schedule: null, components: [], lastEventAt: null });
    const rows = await gateway.running.db.prisma.integration.findMany({ where: { orgId: org.orgId } });
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(integrationKey);
    const listed = await ok(gateway, org.key, `{ integrations(first: 10) { totalCount nodes { id name } } }`);
    expect(listed.integrations).toEqual({ totalCount: 1, nodes: [{ id: integration.id, name: 'Prometheus' }] });
    const node = await ok(gateway, org.key, 'query ($id: ID!) { node(id: $id) { ... on Integration { name } } }', { id: integration.id });
    expect(node.node).toEqual({ name: 'Prometheus' });
    // The key is nowhere to be read again.
    const again = await gql(gateway, org.key, 'query ($id: ID!) { node(id: $id) { ... on Integration { integrationKey } } }', { id: integration.id });
    expect(again.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('checks createIntegration input like createIncident: unknown owner, schedule and components are userErrors, nothing written', async () => {
    const org = await gateway.createOrg(['write']);
    const data = await ok(
      gateway,
      org.key,
      `mutation ($input: CreateIntegrationInput!) { createIntegration(input: $input) { integration { id } integrationKey userErrors { code field } } }`,
      {
        input: {
          name: 'Bad',
          ownerId: encodeGlobalID('User', '5b0f7c9e-3a7e-4f0e-9d55-9f1a2b3c4d5e'),
          ownerScheduleId: encodeGlobalID('Schedule', '5b0f7c9e-3a7e-4f0e-9d55-9f1a2b3c4d5e'),
          componentIds: [encodeGlobalID('Component', '5b0f7c9e-3a7e-4f0e-9d55-9f1a2b3c4d5e')],
        },
      },
    );
    expect(data.createIntegration).toEqual({
      integration: null,
      integrationKey: null,
      userErrors: [
        { code: 'NOT_FOUND', field: ['ownerId'] },
        { code: 'NOT_FOUND', field: ['ownerScheduleId'] },
        { code: 'INVALID_COMPONENT_ID', field: ['componentIds', '0'] },
      ],
    });
    const blank = await ok(gateway, org.key, `mutation { createIntegration(input: { name: "  " }) { integration { id } userErrors { code field } } }`);
    expect(blank.createIntegration).toEqual({ integration: null, userErrors: [{ code: 'INVALID_INPUT', field: ['name'] }] });
    expect(await gateway.running.db.prisma.integration.count({ where: { orgId: org.orgId } })).toBe(0);
  });

  it('needs the write scope for integration mutations and the read scope for queries; another org sees nothing', async () => {
    const { integration, orgId } = await setUp();
    const reader = await gateway.running.db.prisma.organization.findUniqueOrThrow({ where: { id: orgId } });
    const { issueApiKey } = await import('../../src/services/api-keys.js');
    const { key: readKey } = await issueApiKey(gateway.running.db.prisma, reader.id, 'reader', ['read']);
    const denied = await gql(gateway, readKey, `mutation { createIntegration(input: { name: "x" }) { integration { id } } }`);
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const rotate = await gql(gateway, readKey, `mutation ($id: ID!) { rotateIntegrationKey(input: { id: $id }) { integrationKey } }`, { id: integration.id });
    expect(rotate.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await ok(gateway, readKey, '{ integrations { totalCount } alerts { totalCount } }')).integrations.totalCount).toBe(1);
    const anonymous = await gql(gateway, null, '{ integrations { totalCount } }');
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const other = await gateway.createOrg(['write']);
    expect((await ok(gateway, other.key, '{ integrations { totalCount } }')).integrations.totalCount).toBe(0);
    expect((await ok(gateway, other.key, 'query ($id: ID!) { node(id: $id) { id } }', { id: integration.id })).node).toBeNull();
    const foreign = await ok(gateway, other.key, `mutation ($id: ID!) { deleteIntegration(input: { id: $id }) { deletedIntegrationId userErrors { code field } } }`, { id: integration.id });
    expect(foreign.deleteIntegration).toEqual({ deletedIntegrationId: null, userErrors: [{ code: 'NOT_FOUND', field: ['id'] }] });
  });

  it('opens an incident from the documented trigger: 202 with the dedup_key, title, severity, autoCreated, source, owner, components', async () => {
    const org = await gateway.createOrg(['write']);
    const prisma = gateway.running.db.prisma;
    const owner = await prisma.user.create({ data: { orgId: org.orgId, name: 'Ada', email: `ada.${org.orgId}@example.com` } });
    const web = await prisma.component.create({ data: { orgId: org.orgId, name: 'Web' } });
    const mysql = await prisma.component.create({ data: { orgId: org.orgId, name: 'mysql', status: 'DEGRADED_PERFORMANCE' } });
    const { integration, integrationKey } = await createIntegration(gateway, org.key, {
      name: 'Datapipe monitoring',
      ownerId: encodeGlobalID('User', owner.id),
      componentIds: [encodeGlobalID('Component', web.id)],
    });

    const answer = await enqueue(gateway, documentedTrigger(integrationKey));
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'samplekeyhere' });

    const [incident] = await incidentsOf(gateway, org.key);
    expect(incident).toMatchObject({
      title: 'DISK at 99% on machine prod-datapipe03.example.com',
      status: 'INVESTIGATING',
      severity: 'CRITICAL',
      source: 'Datapipe monitoring',
      autoCreated: true,
      owner: { id: encodeGlobalID('User', owner.id) },
      affectedComponents: [{ component: { id: encodeGlobalID('Component', web.id), name: 'Web' } }, { component: { id: encodeGlobalID('Component', mysql.id), name: 'mysql' } }],
    });
    expect(incident.timeline.totalCount).toBe(1);
    expect(incident.timeline.nodes[0]).toMatchObject({ kind: 'CREATED', status: 'INVESTIGATING' });
    expect(incident.alerts.totalCount).toBe(1);
    expect(incident.alerts.nodes[0]).toMatchObject({
      status: 'FIRING',
      dedupKey: 'samplekeyhere',
      summary: 'DISK at 99% on machine prod-datapipe03.example.com',
      severity: 'CRITICAL',
      source: 'prod-datapipe03.example.com',
      labels: { component: 'mysql', group: 'prod-datapipe', class: 'deploy' },
      details: { 'free space': '1%', 'ping time': '1500ms', 'load avg': 0.75 },
      links: [{ href: 'https://example.com/', text: 'Link text' }],
      resolvedAt: null,
      count: 1,
      integration: { id: integration.id },
      incident: { id: incident.id },
    });
    const after = await ok(gateway, org.key, 'query ($id: ID!) { node(id: $id) { ... on Integration { lastEventAt } } }', { id: integration.id });
    expect(after.node.lastEventAt).not.toBeNull();
    const created = await ok(gateway, org.key, 'query ($id: ID!) { incident(id: $id) { createdBy { keyId name } } }', { id: incident.id });
    expect(created.incident.createdBy).toEqual({ keyId: null, name: 'Datapipe monitoring' });
  });

  it('maps the severities (critical, error, warning, info) and cuts a long summary to the title limit', async () => {
    const { key, integrationKey } = await setUp();
    const expected: Record<string, string> = { critical: 'CRITICAL', error: 'HIGH', warning: 'MEDIUM', info: 'LOW' };
    for (const severity of Object.keys(expected)) {
      const answer = await enqueue(gateway, documentedTrigger(integrationKey, { dedup_key: `sev-${severity}`, payload: { severity, summary: `Severity ${severity}` } }));
      expect(answer.status).toBe(202);
    }
    const long = `${'x'.repeat(300)} tail`;
    expect((await enqueue(gateway, documentedTrigger(integrationKey, { dedup_key: 'long', payload: { summary: long } }))).status).toBe(202);
    const incidents = await incidentsOf(gateway, key);
    expect(incidents.map((incident) => [incident.title, incident.severity])).toEqual([
      ...Object.entries(expected).map(([word, severity]) => [`Severity ${word}`, severity]),
      ['x'.repeat(255), 'CRITICAL'],
    ]);
    expect(incidents[4].alerts.nodes[0].summary).toBe(long);
  });

  it('owner from the on-call schedule, with the escalation policy attached', async () => {
    const org = await gateway.createOrg(['write']);
    const user = await ok(gateway, org.key, 'mutation { createUser(input: { name: "Grace", email: "grace@example.com" }) { user { id } } }');
    const userId = user.createUser.user.id;
    const schedule = await ok(
      gateway,
      org.key,
      'mutation ($input: CreateScheduleInput!) { createSchedule(input: $input) { schedule { id } userErrors { message } } }',
      { input: { name: 'Primary', timeZone: 'UTC', layers: [{ name: 'Everyone', rotationStart: '2025-01-01T00:00:00Z', shiftLengthSeconds: DAY, participantIds: [userId] }] } },
    );
    const scheduleId = schedule.createSchedule.schedule.id;
    const policy = await ok(
      gateway,
      org.key,
      'mutation ($input: CreateEscalationPolicyInput!) { createEscalationPolicy(input: $input) { escalationPolicy { id } } }',
      { input: { name: 'Page primary', rules: [{ delayMinutes: 0, targets: [{ scheduleId }] }] } },
    );
    const { integration, integrationKey } = await createIntegration(gateway, org.key, { name: 'Grafana', ownerScheduleId: scheduleId });
    expect(integration.schedule).toEqual({ id: scheduleId, name: 'Primary' });
    expect((await enqueue(gateway, documentedTrigger(integrationKey))).status).toBe(202);
    const data = await ok(gateway, org.key, '{ incidents { nodes { owner { id } escalationPolicy { id } } } }');
    expect(data.incidents.nodes).toEqual([{ owner: { id: userId }, escalationPolicy: { id: policy.createEscalationPolicy.escalationPolicy.id } }]);
  });

  it('counts a trigger for an open alert and creates nothing else: no incident, no timeline entry, no new version', async () => {
    const { key, integrationKey } = await setUp();
    await enqueue(gateway, documentedTrigger(integrationKey, { dedup_key: 'disk' }));
    const [before] = await incidentsOf(gateway, key);
    for (let n = 0; n < 3; n += 1) {
      const answer = await enqueue(gateway, documentedTrigger(integrationKey, { dedup_key: 'disk', payload: { summary: `Again ${n}`, severity: 'info' } }));
      expect(answer.body).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'disk' });
    }
    const incidents = await incidentsOf(gateway, key);
    expect(incidents).toHaveLength(1);
    const [after] = incidents;
    expect(after.version).toBe(before.version);
    expect(after.timeline).toEqual(before.timeline);
    expect(after.alerts.nodes).toHaveLength(1);
    const alert = after.alerts.nodes[0];
    expect(alert).toMatchObject({ count: 4, status: 'FIRING', summary: before.alerts.nodes[0].summary, severity: 'CRITICAL' });
    expect(Date.parse(alert.lastSeenAt)).toBeGreaterThanOrEqual(Date.parse(alert.firstSeenAt));
  });

  it('counts a repeated trigger with one statement', async () => {
    const { integrationKey } = await setUp();
    await enqueue(gateway, documentedTrigger(integrationKey, { dedup_key: 'cheap' }));
    const { statements } = await gateway.statementsDuring(() => enqueue(gateway, documentedTrigger(integrationKey, { dedup_key: 'cheap' })));
    // lastEventAt is written at most once a second: whether this request writes it depends on the clock.
    const sent = statements.map((statement) => statement.sql.trim().replace(/\s+/g, ' ')).filter((sql) => !sql.startsWith('UPDATE "Integration"'));
    // The key was looked up by the first trigger; the count checks it again.
    expect(sent.map((sql) => sql.slice(0, 14))).toEqual(['UPDATE "Alert"']);
    expect(sent[0]).toContain('"keyHash"');
  });

  it('makes a dedup_key for a trigger without one and answers with it; that key then dedupes', async () => {
    const { key, integrationKey } = await setUp();
    const { dedup_key: _omitted, ...event } = documentedTrigger(integrationKey);
    const first = await enqueue(gateway, event);
    expect(first.status).toBe(202);
    expect(first.body.dedup_key).toMatch(/^[0-9a-f]{32}$/);
    await enqueue(gateway, { ...event, dedup_key: first.body.dedup_key });
    const alerts = await alertsOf(gateway, key);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ dedupKey: first.body.dedup_key, count: 2 });
  });

  it('dedups 20 concurrent identical triggers into one alert and one incident', async () => {
    const { key, orgId, integrationKey } = await setUp();
    const answers = await Promise.all(Array.from({ length: 20 }, () => enqueue(gateway, documentedTrigger(integrationKey, { dedup_key: 'storm' }))));
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(202));
    const incidents = await incidentsOf(gateway, key);
    expect(incidents).toHaveLength(1);
    expect(incidents[0].timeline.totalCount).toBe(1);
    expect(incidents[0].alerts.nodes).toHaveLength(1);
    expect(incidents[0].alerts.nodes[0].count).toBe(20);
    expect(await gateway.running.db.prisma.alert.count({ where: { orgId } })).toBe(1);
  });

  it('acknowledge acknowledges the alert and its incident; again changes nothing', async () => {
    const { key, integrationKey } = await setUp();
    await enqueue(gateway, documentedTrigger(integrationKey));
    const ack = { routing_key: integrationKey, dedup_key: 'samplekeyhere', event_action: 'acknowledge' };
    expect((await enqueue(gateway, ack)).body).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'samplekeyhere' });
    const [incident] = await incidentsOf(gateway, key);
    expect(incident.acknowledgedAt).not.toBeNull();
    expect(incident.alerts.nodes[0].status).toBe('ACKNOWLEDGED');
    expect(incident.timeline.nodes.map((entry: { kind: string }) => entry.kind)).toEqual(['CREATED', 'ACKNOWLEDGED']);
    expect(incident.timeline.nodes[1].body).toBe('Acknowledged by Datapipe monitoring.');
    expect((await enqueue(gateway, ack)).status).toBe(202);
    expect(await incidentsOf(gateway, key)).toEqual([incident]);
    // A trigger of the acknowledged alert is counted; it stays acknowledged.
    await enqueue(gateway, documentedTrigger(integrationKey));
    expect((await alertsOf(gateway, key))[0]).toMatchObject({ status: 'ACKNOWLEDGED', count: 2 });
  });

  it('resolve resolves the alert and, with autoResolve, the incident with an entry saying the alerts cleared; a later trigger opens a new incident', async () => {
    const { key, orgId, integrationKey } = await setUp();
    await enqueue(gateway, documentedTrigger(integrationKey, { dedup_key: 'a' }));
    const resolve = { routing_key: integrationKey, dedup_key: 'a', event_action: 'resolve' };
    expect((await enqueue(gateway, resolve)).body).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'a' });
    const [incident] = await incidentsOf(gateway, key);
    expect(incident.status).toBe('RESOLVED');
    expect(incident.resolvedAt).not.toBeNull();
    expect(incident.timeline.nodes.at(-1)).toEqual({
      kind: 'STATUS_CHANGED',
      status: 'RESOLVED',
      body: 'All alerts cleared: resolved automatically by Datapipe monitoring.',
    });
    expect(incident.alerts.nodes[0]).toMatchObject({ status: 'RESOLVED', count: 1 });
    expect(incident.alerts.nodes[0].resolvedAt).not.toBeNull();

    // Resolving again (a redelivery) changes nothing.
    const footprint = await intakeFootprint(gateway, orgId);
    expect((await enqueue(gateway, resolve)).status).toBe(202);
    expect(await intakeFootprint(gateway, orgId)).toEqual(footprint);

    await enqueue(gateway, documentedTrigger(integrationKey, { dedup_key: 'a' }));
    const incidents = await incidentsOf(gateway, key);
    expect(incidents.map((row) => row.status)).toEqual(['RESOLVED', 'INVESTIGATING']);
    expect(incidents[1].alerts.nodes).toHaveLength(1);
    expect(incidents[1].alerts.nodes[0]).toMatchObject({ dedupKey: 'a', status: 'FIRING', count: 1 });
  });

  it('without autoResolve the incident stays open, and the next alert of the same key joins it', async () => {
    const { key, integrationKey, integration } = await setUp({ autoResolve: false });
    expect(integration.autoResolve).toBe(false);
    await enqueue(gateway, documentedTrigger(integrationKey, { dedup_key: 'flappy' }));
    await enqueue(gateway, { routing_key: integrationKey, dedup_key: 'flappy', event_action: 'resolve' });
    await enqueue(gateway, documentedTrigger(integrationKey, { dedup_key: 'flappy' }));
    const incidents = await incidentsOf(gateway, key);
    expect(incidents).toHaveLength(1);
    expect(incidents[0].status).toBe('INVESTIGATING');
    expect(incidents[0].timeline.totalCount).toBe(1);
    expect(incidents[0].alerts.nodes.map((alert: { status: string }) => alert.status)).toEqual(['RESOLVED', 'FIRING']);
  });

  it('an incident resolved by hand is not resolved again; a new alert of the key opens a new incident', async () => {
    const { key, integrationKey } = await setUp();
    await enqueue(gateway, documentedTrigger(integrationKey, { dedup_key: 'manual' }));
    const [incident] = await incidentsOf(gateway, key);
    await ok(gateway, key, 'mutation ($id: ID!) { transitionIncident(input: { id: $id, status: RESOLVED }) { incident { status } } }', { id: incident.id });
    // The alert is still open: a trigger counts it, nothing else.
    await enqueue(gateway, documentedTrigger(integrationKey, { dedup_key: 'manual' }));
    expect(await incidentsOf(gateway, key)).toHaveLength(1);
    await enqueue(gateway, { routing_key: integrationKey, dedup_key: 'manual', event_action: 'resolve' });
    const [after] = await incidentsOf(gateway, key);
    expect(after.timeline.totalCount).toBe(2);
    expect(after.alerts.nodes[0]).toMatchObject({ status: 'RESOLVED', count: 2 });
  });

  it('acknowledge or resolve of an unknown dedup_key is accepted and changes nothing', async () => {
    const { orgId, integrationKey } = await setUp();
    const before = await intakeFootprint(gateway, orgId);
    for (const action of ['acknowledge', 'resolve']) {
      expect((await enqueue(gateway, { routing_key: integrationKey, dedup_key: 'nothing-here', event_action: action })).status).toBe(202);
    }
    expect(await intakeFootprint(gateway, orgId)).toEqual(before);
  });

  it('answers a bad body with 400 in PagerDuty’s shape and writes nothing', async () => {
    const { orgId, integrationKey } = await setUp();
    await enqueue(gateway, documentedTrigger(integrationKey, { dedup_key: 'existing' }));
    const before = await intakeFootprint(gateway, orgId);
    const good = documentedTrigger(integrationKey, { dedup_key: 'existing' });
    const bad: [unknown, string][] = [
      ['{"routing_key": ', 'Event must be valid JSON'],
      [[good], 'Event must be a JSON object'],
      [{ ...good, event_action: 'explode' }, "'event_action' is invalid"],
      [{ ...good, payload: { ...good.payload, summary: ' ' } }, "'payload.summary' is missing or blank"],
      [{ ...good, payload: { ...good.payload, source: undefined } }, "'payload.source' is missing or blank"],
      [{ ...good, payload: { ...good.payload, severity: 'fatal' } }, "'payload.severity' is invalid"],
      [{ ...good, payload: { ...good.payload, timestamp: 'yesterday' } }, "'payload.timestamp' is not a valid ISO 8601 timestamp"],
      [{ ...good, payload: undefined }, "'payload' is missing"],
      [{ ...good, dedup_key: 'x'.repeat(256) }, "'dedup_key' must be at most 255 characters"],
      [{ ...good, links: [{ text: 'no href' }] }, "'links[0].href' is missing or blank"],
      [{ ...good, payload: { ...good.payload, summary: 'nul \u0000 inside' } }, 'Event must not contain NUL characters'],
      [{ routing_key: integrationKey, event_action: 'resolve' }, "'dedup_key' is missing or blank"],
      [{ ...good, routing_key: undefined }, "'routing_key' is missing or blank"],
    ];
    for (const [body, error] of bad) {
      const answer = await enqueue(gateway, body);
      expect(answer.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(answer.body).toMatchObject({ status: 'invalid event', message: expect.any(String), errors: expect.any(Array) });
      expect(answer.body.errors.some((message: string) => message.includes(error)), `${JSON.stringify(answer.body.errors)} lacks ${error}`).toBe(true);
    }
    expect(await intakeFootprint(gateway, orgId)).toEqual(before);
  });

  it('answers an unknown, rotated or deleted routing key with 400 and writes nothing', async () => {
    const { key, orgId, integration, integrationKey } = await setUp();
    const unknown = await enqueue(gateway, documentedTrigger('0123456789abcdef0123456789abcdef'));
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual({ status: 'invalid event', message: 'Event object is invalid', errors: ['Invalid routing key'] });

    // The key works, and its repeated trigger takes the cheap path, before the rotation.
    expect((await enqueue(gateway, documentedTrigger(integrationKey))).status).toBe(202);
    expect((await enqueue(gateway, documentedTrigger(integrationKey))).status).toBe(202);
    const before = await intakeFootprint(gateway, orgId);
    const rotated = await ok(gateway, key, 'mutation ($id: ID!) { rotateIntegrationKey(input: { id: $id }) { integration { id } integrationKey userErrors { code } } }', { id: integration.id });
    const newKey = rotated.rotateIntegrationKey.integrationKey;
    expect(newKey).toMatch(/^[0-9a-f]{32}$/);
    expect(newKey).not.toBe(integrationKey);
    for (const event of [documentedTrigger(integrationKey), { routing_key: integrationKey, dedup_key: 'samplekeyhere', event_action: 'resolve' }]) {
      expect((await enqueue(gateway, event)).body).toEqual({ status: 'invalid event', message: 'Event object is invalid', errors: ['Invalid routing key'] });
    }
    expect(await intakeFootprint(gateway, orgId)).toEqual(before);
    expect((await enqueue(gateway, documentedTrigger(newKey))).status).toBe(202);
    expect((await alertsOf(gateway, key))[0].count).toBe(3);

    const deleted = await ok(gateway, key, 'mutation ($id: ID!) { deleteIntegration(input: { id: $id }) { deletedIntegrationId userErrors { code } } }', { id: integration.id });
    expect(deleted.deleteIntegration).toEqual({ deletedIntegrationId: integration.id, userErrors: [] });
    expect((await enqueue(gateway, documentedTrigger(newKey, { dedup_key: 'after-delete' }))).status).toBe(400);
    // Its alerts go with it; the incident it opened stays.
    expect(await intakeFootprint(gateway, orgId)).toMatchObject({ alerts: [], incidents: [expect.objectContaining({ autoCreated: true })] });
  });

  it('answers 413 above 512 KB and 405 to anything but POST', async () => {
    const { orgId, integrationKey } = await setUp();
    const big = documentedTrigger(integrationKey, { payload: { custom_details: { blob: 'x'.repeat(512 * 1024) } } });
    const answer = await enqueue(gateway, big);
    expect(answer.status).toBe(413);
    const fits = documentedTrigger(integrationKey, { payload: { custom_details: { blob: 'x'.repeat(500 * 1024) } } });
    expect((await enqueue(gateway, fits)).status).toBe(202);
    expect((await fetch(`${gateway.url}/v2/enqueue`)).status).toBe(405);
    expect((await gateway.running.db.prisma.alert.findMany({ where: { orgId } })).length).toBe(1);
  });

  it('pages alerts with Incident.alerts(first, after), oldest first, and filters root alerts by status, integration and incident', async () => {
    const { key, integration, integrationKey } = await setUp({ autoResolve: false });
    // Three alerts of one key, one after the other, all in one incident.
    await enqueue(gateway, documentedTrigger(integrationKey, { dedup_key: 'grouped' }));
    for (let n = 0; n < 2; n += 1) {
      await enqueue(gateway, { routing_key: integrationKey, dedup_key: 'grouped', event_action: 'resolve' });
      await enqueue(gateway, documentedTrigger(integrationKey, { dedup_key: 'grouped', payload: { summary: `Round ${n + 2}` } }));
    }
    await enqueue(gateway, documentedTrigger(integrationKey, { dedup_key: 'other' }));
    const [grouped] = await incidentsOf(gateway, key);
    const page = await ok(
      gateway,
      key,
      'query ($id: ID!, $after: String) { incident(id: $id) { alerts(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { summary status } } } }',
      { id: grouped.id },
    );
    expect(page.incident.alerts.totalCount).toBe(3);
    expect(page.incident.alerts.nodes).toEqual([
      { summary: 'DISK at 99% on machine prod-datapipe03.example.com', status: 'RESOLVED' },
      { summary: 'Round 2', status: 'RESOLVED' },
    ]);
    const next = await ok(
      gateway,
      key,
      'query ($id: ID!, $after: String) { incident(id: $id) { alerts(first: 2, after: $after) { pageInfo { hasNextPage } nodes { summary status } } } }',
      { id: grouped.id, after: page.incident.alerts.pageInfo.endCursor },
    );
    expect(next.incident.alerts).toEqual({ pageInfo: { hasNextPage: false }, nodes: [{ summary: 'Round 3', status: 'FIRING' }] });

    expect((await alertsOf(gateway, key)).map((alert) => alert.dedupKey)).toEqual(['other', 'grouped', 'grouped', 'grouped']);
    expect(await alertsOf(gateway, key, { status: 'RESOLVED' })).toHaveLength(2);
    expect(await alertsOf(gateway, key, { status: 'FIRING', incidentId: grouped.id })).toHaveLength(1);
    expect(await alertsOf(gateway, key, { integrationId: integration.id })).toHaveLength(4);
    expect(await alertsOf(gateway, key, { integrationId: encodeGlobalID('Integration', '5b0f7c9e-3a7e-4f0e-9d55-9f1a2b3c4d5e') })).toHaveLength(0);
    expect(await alertsOf(gateway, key, { incidentId: 'not-an-id' })).toHaveLength(0);
    const other = await gateway.createOrg(['read']);
    expect(await alertsOf(gateway, other.key)).toHaveLength(0);
    const node = await ok(gateway, other.key, 'query ($id: ID!) { node(id: $id) { id } }', { id: grouped.alerts.nodes[0].id });
    expect(node.node).toBeNull();
    expect(await ok(gateway, key, `query ($id: ID!) { node(id: $id) { ... on Alert { dedupKey } } }`, { id: grouped.alerts.nodes[0].id })).toEqual({ node: { dedupKey: 'grouped' } });
  });

  it('lists incidents with their alerts and the alerts with their relations in a constant number of statements', async () => {
    const { key, integrationKey } = await setUp();
    const list = `query ($first: Int!) {
      incidents(first: $first) { nodes { title alerts(first: 5) { totalCount nodes { summary integration { name } incident { title } } } } }
      alerts(first: $first) { totalCount nodes { dedupKey integration { name components { name } } incident { number } } }
    }`;
    const countFor = async (first: number) => {
      const { result, statements } = await gateway.statementsDuring(() => gql(gateway, key, list, { first }));
      expect(result.errors).toBeUndefined();
      expect(result.data!.incidents.nodes).toHaveLength(first);
      return statements.length;
    };
    for (let n = 0; n < 6; n += 1) await enqueue(gateway, documentedTrigger(integrationKey, { dedup_key: `list-${n}` }));
    const one = await countFor(1);
    expect(one).toBeGreaterThan(1);
    expect(await countFor(6)).toBe(one);
  });

  it('publishes after commit: incidentChanged subscribers see the incident an event opened, and its resolution', async () => {
    const { key, integrationKey } = await setUp();
    const socket = wsClient(gateway, key);
    try {
      const before = await pubsubListeners(gateway);
      const changes = socket.subscribe('subscription { incidentChanged { type incident { title autoCreated status } } }');
      const two = changes.take(2);
      await untilListeners(gateway, before + 1);
      await enqueue(gateway, documentedTrigger(integrationKey, { dedup_key: 'live' }));
      await enqueue(gateway, documentedTrigger(integrationKey, { dedup_key: 'live' }));
      await enqueue(gateway, { routing_key: integrationKey, dedup_key: 'live', event_action: 'resolve' });
      // The counted trigger in between published nothing.
      expect((await two).map((result) => result.data)).toEqual([
        { incidentChanged: { type: 'CREATED', incident: { title: 'DISK at 99% on machine prod-datapipe03.example.com', autoCreated: true, status: 'INVESTIGATING' } } },
        { incidentChanged: { type: 'TRANSITIONED', incident: { title: 'DISK at 99% on machine prod-datapipe03.example.com', autoCreated: true, status: 'RESOLVED' } } },
      ]);
      await changes.close();
    } finally {
      await socket.dispose();
    }
  });

  it('the incident of an event answers the same through every read path', async () => {
    const { key, integrationKey } = await setUp();
    await enqueue(gateway, documentedTrigger(integrationKey));
    const [incident] = await incidentsOf(gateway, key);
    const byId = await ok(gateway, key, `query ($id: ID!) { incident(id: $id) { ${INCIDENT_FIELDS} } }`, { id: incident.id });
    expect(byId.incident).toEqual(incident);
  });
});

describe.each(backends)('rate limits of /v2/enqueue on %s', (backend) => {
  const gateway = useGateway(backend, { RATE_LIMIT: 'on', INTAKE_RATE_LIMIT_BUCKET: '5', INTAKE_RATE_LIMIT_REFILL_PER_SECOND: '1' });

  it('answers 429 with Retry-After when the integration’s bucket is empty, while other integrations go on', async () => {
    const org = await gateway.createOrg(['write']);
    const first = await createIntegration(gateway, org.key, { name: 'Noisy' });
    const second = await createIntegration(gateway, org.key, { name: 'Quiet' });
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof enqueue>> | undefined;
    for (let n = 0; n < 10 && !limited; n += 1) {
      const answer = await enqueue(gateway, documentedTrigger(first.integrationKey, { dedup_key: `n${n}` }));
      statuses.push(answer.status);
      if (answer.status === 429) limited = answer;
    }
    expect(limited, `no 429 in ${statuses.join(', ')}`).toBeDefined();
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited!.body).toMatchObject({ status: 'throttle event' });
    expect((await enqueue(gateway, documentedTrigger(second.integrationKey))).status).toBe(202);
  });
});
