import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../../src/services/api-keys.js';
import { runCli } from '../support/cli.js';
import { blankDataDir } from '../support/data-dir.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { backends, gql, startTestGateway, useGateway } from '../support/gateway.js';
import { createComponent, createOrg, createUser, expectNothingWritten, ok, type TestOrg } from '../support/incidents-fixtures.js';

const IMPORT = `mutation ($input: ImportIncidentsInput!) {
  importIncidents(input: $input) {
    incidents {
      id number title status severity source externalRef startedAt acknowledgedAt resolvedAt impactDescription version
      affectedComponents { status }
      timeline(first: 100) { nodes { kind status body postedAt author { id name } changes { field from to } } }
    }
    createdIncidentIds
    userErrors { code field message }
  }
}`;

const STATS = `query ($from: DateTime!, $to: DateTime!, $filter: IncidentFilter) {
  incidentStats(from: $from, to: $to, filter: $filter) {
    total { count mtta { count meanSeconds } mttr { count meanSeconds p50Seconds } }
  }
}`;

const MARCH = { from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z' };

/** The alert24 incident of the issue, as it happened: started 14:30, acknowledged 14:35, resolved 15:30 on 19 March 2026. */
const MARCH_INCIDENT = {
  externalRef: 'alert24:550e8400-e29b-41d4-a716-446655440000',
  title: 'Database connection pool exhausted',
  description: 'Connection pool hit max limit',
  impactDescription: 'Users unable to load dashboards',
  severity: 'CRITICAL',
  status: 'RESOLVED',
  tags: ['database', 'production'],
  startedAt: '2026-03-19T14:30:00.000Z',
  acknowledgedAt: '2026-03-19T14:35:00.000Z',
  resolvedAt: '2026-03-19T15:30:00.000Z',
  message: 'Connection pool at its limit; dashboards time out.',
  timeline: [
    { postedAt: '2026-03-19T15:30:00.000Z', body: 'Pool size raised; dashboards load again.', status: 'RESOLVED' },
    { postedAt: '2026-03-19T14:50:00.000Z', body: 'A deploy doubled the connections per worker.', status: 'IDENTIFIED' },
    { postedAt: '2026-03-19T15:05:00.000Z', body: 'Rolling back.' },
  ],
};

interface Imported {
  incidents: any[] | null;
  createdIncidentIds: string[] | null;
  userErrors: { code: string; field: string[] | null; message: string }[];
}

describe.each(backends)('importIncidents on %s', (backend) => {
  const gateway = useGateway(backend);

  const importIncidents = async (org: TestOrg, incidents: Record<string, unknown>[]) =>
    (await ok<{ importIncidents: Imported }>(gateway, org.key, IMPORT, { input: { incidents } })).importIncidents;

  it('imports a March 2026 incident with past timestamps, and incidentStats over March reports its true MTTR', async () => {
    const org = await createOrg(gateway);
    const payload = await importIncidents(org, [MARCH_INCIDENT]);
    expect(payload.userErrors).toEqual([]);
    const [incident] = payload.incidents!;
    expect(payload.createdIncidentIds).toEqual([incident.id]);
    expect(incident).toMatchObject({
      number: 1,
      status: 'RESOLVED',
      source: 'IMPORT',
      externalRef: MARCH_INCIDENT.externalRef,
      startedAt: '2026-03-19T14:30:00.000Z',
      acknowledgedAt: '2026-03-19T14:35:00.000Z',
      resolvedAt: '2026-03-19T15:30:00.000Z',
      impactDescription: 'Users unable to load dashboards',
    });

    const stats = await ok(gateway, org.key, STATS, MARCH);
    expect(stats.incidentStats.total).toEqual({
      count: 1,
      mtta: { count: 1, meanSeconds: 300 },
      mttr: { count: 1, meanSeconds: 3600, p50Seconds: 3600 },
    });
  });

  it('writes the timeline at the instants it happened, and history and asOf read it', async () => {
    const org = await createOrg(gateway);
    const [incident] = (await importIncidents(org, [MARCH_INCIDENT])).incidents!;
    expect(incident.timeline.nodes.map((entry: any) => [entry.kind, entry.status, entry.postedAt])).toEqual([
      ['CREATED', 'INVESTIGATING', '2026-03-19T14:30:00.000Z'],
      ['ACKNOWLEDGED', 'INVESTIGATING', '2026-03-19T14:35:00.000Z'],
      ['STATUS_CHANGED', 'IDENTIFIED', '2026-03-19T14:50:00.000Z'],
      ['MESSAGE', 'IDENTIFIED', '2026-03-19T15:05:00.000Z'],
      ['STATUS_CHANGED', 'RESOLVED', '2026-03-19T15:30:00.000Z'],
    ]);
    expect(incident.timeline.nodes[0].body).toBe(MARCH_INCIDENT.message);
    expect(incident.timeline.nodes[4].changes).toEqual([{ field: 'status', from: 'IDENTIFIED', to: 'RESOLVED' }]);

    const asOf = async (at: string) =>
      (await ok(gateway, org.key, 'query ($id: ID!, $at: DateTime!) { incident(id: $id, asOf: $at) { status acknowledgedAt } }', { id: incident.id, at })).incident;
    expect(await asOf('2026-03-19T14:00:00.000Z')).toBeNull();
    expect(await asOf('2026-03-19T14:32:00.000Z')).toEqual({ status: 'INVESTIGATING', acknowledgedAt: null });
    expect(await asOf('2026-03-19T15:00:00.000Z')).toEqual({ status: 'IDENTIFIED', acknowledgedAt: '2026-03-19T14:35:00.000Z' });
    expect(await asOf('2026-03-20T00:00:00.000Z')).toEqual({ status: 'RESOLVED', acknowledgedAt: '2026-03-19T14:35:00.000Z' });

    const history = await ok(gateway, org.key, 'query ($id: ID!) { incident(id: $id) { history(first: 10) { nodes { at field from to } } } }', { id: incident.id });
    expect(history.incident.history.nodes).toEqual([
      { at: '2026-03-19T14:35:00.000Z', field: 'acknowledgedAt', from: null, to: '2026-03-19T14:35:00.000Z' },
      { at: '2026-03-19T14:50:00.000Z', field: 'status', from: 'INVESTIGATING', to: 'IDENTIFIED' },
      { at: '2026-03-19T15:30:00.000Z', field: 'status', from: 'IDENTIFIED', to: 'RESOLVED' },
    ]);
  });

  it('is idempotent per externalRef: importing the same reference again changes nothing and returns the incident there', async () => {
    const org = await createOrg(gateway);
    const first = await importIncidents(org, [MARCH_INCIDENT, { externalRef: 'other-1', title: 'Other', startedAt: '2026-03-20T10:00:00.000Z' }]);
    expect(first.userErrors).toEqual([]);
    expect(first.createdIncidentIds).toHaveLength(2);
    const before = await gateway.running.db.prisma.incident.findMany({ where: { orgId: org.orgId }, orderBy: { number: 'asc' } });

    const again = await importIncidents(org, [
      { ...MARCH_INCIDENT, title: 'Renamed in the source since' },
      { externalRef: 'new-1', title: 'New', startedAt: '2026-03-21T10:00:00.000Z' },
      { externalRef: 'new-1', title: 'New, listed twice', startedAt: '2026-03-21T10:00:00.000Z' },
    ]);
    expect(again.userErrors).toEqual([]);
    expect(again.incidents!.map((incident) => incident.title)).toEqual(['Database connection pool exhausted', 'New', 'New']);
    expect(again.incidents![0]).toEqual(first.incidents![0]);
    expect(again.incidents![1].id).toBe(again.incidents![2].id);
    expect(again.createdIncidentIds).toEqual([again.incidents![1].id]);

    const after = await gateway.running.db.prisma.incident.findMany({ where: { orgId: org.orgId }, orderBy: { number: 'asc' } });
    expect(after.slice(0, 2)).toEqual(before);
    expect(after).toHaveLength(3);
  });

  it('creates one incident when two imports of the same reference race', async () => {
    const org = await createOrg(gateway);
    const input = { externalRef: 'race-1', title: 'Raced', startedAt: '2026-03-22T10:00:00.000Z' };
    const [a, b] = await Promise.all([importIncidents(org, [input]), importIncidents(org, [input])]);
    expect(a.incidents![0].id).toBe(b.incidents![0].id);
    expect([...a.createdIncidentIds!, ...b.createdIncidentIds!]).toHaveLength(1);
    expect(await gateway.running.db.prisma.incident.count({ where: { orgId: org.orgId } })).toBe(1);
  });

  it('finds an incident created earlier with the same externalRef', async () => {
    const org = await createOrg(gateway);
    const created = await ok(gateway, org.key, 'mutation { createIncident(input: { title: "Live", externalRef: "ext-9" }) { incident { id } } }');
    const payload = await importIncidents(org, [{ externalRef: 'ext-9', title: 'Imported', startedAt: '2026-03-01T00:00:00.000Z' }]);
    expect(payload.incidents!.map((incident) => incident.id)).toEqual([created.createIncident.incident.id]);
    expect(payload.createdIncidentIds).toEqual([]);
  });

  it('posts entries as the people given, with components, owner and the org scope of every reference', async () => {
    const org = await createOrg(gateway);
    const ada = await createUser(gateway, org.orgId, 'Ada');
    const bob = await createUser(gateway, org.orgId, 'Bob');
    const api = await createComponent(gateway, org.orgId, 'API');
    const payload = await importIncidents(org, [
      {
        externalRef: 'larm-1',
        title: 'API outage',
        startedAt: '2026-03-28T12:00:00.000Z',
        postAs: ada,
        ownerId: bob,
        components: [{ componentId: api, status: 'MAJOR_OUTAGE' }],
        timeline: [{ postedAt: '2026-03-28T12:10:00.000Z', body: 'Investigating API errors.', postAs: bob }],
      },
    ]);
    expect(payload.userErrors).toEqual([]);
    const [incident] = payload.incidents!;
    expect(incident.status).toBe('INVESTIGATING');
    expect(incident.affectedComponents).toEqual([{ status: 'MAJOR_OUTAGE' }]);
    expect(incident.timeline.nodes.map((entry: any) => entry.author)).toEqual([
      { id: ada, name: 'Ada' },
      { id: bob, name: 'Bob' },
    ]);
    // An open imported incident holds its components as a created one does.
    const component = await ok(gateway, org.key, 'query ($id: ID!) { node(id: $id) { ... on Component { status } } }', { id: api });
    expect(component.node.status).toBe('MAJOR_OUTAGE');
  });

  it('takes status and resolvedAt from the timeline when not given', async () => {
    const org = await createOrg(gateway);
    const [incident] = (
      await importIncidents(org, [
        {
          externalRef: 'beacon:9f1a',
          title: 'Elevated API latency in US-East',
          startedAt: '2026-03-04T14:32:00.000Z',
          timeline: [
            { postedAt: '2026-03-04T14:52:00.000Z', body: 'Routing rule fixed.', status: 'RESOLVED' },
            { postedAt: '2026-03-05T09:00:00.000Z', body: 'Postmortem published.' },
          ],
        },
      ])
    ).incidents!;
    expect(incident).toMatchObject({ status: 'RESOLVED', resolvedAt: '2026-03-04T14:52:00.000Z', acknowledgedAt: null });
    expect(incident.timeline.nodes.map((entry: any) => [entry.kind, entry.status])).toEqual([
      ['CREATED', 'INVESTIGATING'],
      ['STATUS_CHANGED', 'RESOLVED'],
      ['MESSAGE', 'RESOLVED'],
    ]);
    const stats = await ok(gateway, org.key, STATS, MARCH);
    expect(stats.incidentStats.total.mttr).toEqual({ count: 1, meanSeconds: 1200, p50Seconds: 1200 });
  });

  it('rejects the whole import when any incident is wrong, reporting each problem at its path, and writes nothing', async () => {
    const org = await createOrg(gateway);
    const other = await createOrg(gateway);
    const stranger = await createUser(gateway, other.orgId, 'Stranger');
    await expectNothingWritten(gateway, org.orgId, async () => {
      // The input itself first: every problem of every incident at once.
      const invalid = await importIncidents(org, [
        MARCH_INCIDENT,
        { externalRef: 'bad-1', title: ' ', startedAt: '2026-03-19T14:30:00.000Z', status: 'MONITORING', resolvedAt: '2026-03-19T15:00:00.000Z' },
        { externalRef: 'bad-2', title: 'Entries', startedAt: '2026-03-19T14:30:00.000Z', timeline: [{ postedAt: '2026-03-19T14:00:00.000Z', body: 'before the start' }] },
      ]);
      expect(invalid.incidents).toBeNull();
      expect(invalid.createdIncidentIds).toBeNull();
      expect(invalid.userErrors.map((error) => [error.code, error.field])).toEqual([
        ['INVALID_INPUT', ['incidents', '1', 'resolvedAt']],
        ['INVALID_INPUT', ['incidents', '1', 'title']],
        ['INVALID_INPUT', ['incidents', '2', 'timeline', '0', 'postedAt']],
      ]);
      // Then what it refers to: a user or owner of another organization is NOT_FOUND.
      const unknown = await importIncidents(org, [
        MARCH_INCIDENT,
        { externalRef: 'bad-3', title: 'Entries', startedAt: '2026-03-19T14:30:00.000Z', timeline: [{ postedAt: '2026-03-19T14:40:00.000Z', body: 'by a stranger', postAs: stranger }] },
        { externalRef: 'bad-4', title: 'Owner', startedAt: '2026-03-19T14:30:00.000Z', ownerId: stranger },
      ]);
      expect(unknown.incidents).toBeNull();
      expect(unknown.userErrors.map((error) => [error.code, error.field])).toEqual([
        ['NOT_FOUND', ['incidents', '1', 'timeline', '0', 'postAs']],
        ['NOT_FOUND', ['incidents', '2', 'ownerId']],
      ]);
    });
  });

  it('takes at most 100 incidents per call', async () => {
    const org = await createOrg(gateway);
    const incidents = Array.from({ length: 101 }, (_, index) => ({ externalRef: `bulk-${index}`, title: `Bulk ${index}`, startedAt: '2026-03-01T00:00:00.000Z' }));
    const payload = await importIncidents(org, incidents);
    expect(payload.userErrors.map((error) => [error.code, error.field])).toEqual([['INVALID_INPUT', ['incidents']]]);
    const hundred = await importIncidents(org, incidents.slice(0, 100));
    expect(hundred.createdIncidentIds).toHaveLength(100);
  });

  it('needs the write scope', async () => {
    const reader = await createOrg(gateway, ['read']);
    const response = await gql(gateway, reader.key, IMPORT, { input: { incidents: [MARCH_INCIDENT] } });
    expect(response.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(await gateway.running.db.prisma.incident.count({ where: { orgId: reader.orgId } })).toBe(0);
  });
});

describe.each(backends)('npm run cli -- import on a fresh %s database', (backend) => {
  let env: Record<string, string>;
  let dataDir: string;
  let database: TestDatabase | null = null;

  beforeAll(async () => {
    // As initdb leaves it: the CLI applies the migrations itself, as on a new installation.
    dataDir = await blankDataDir('ig-import-');
    database = backend === 'postgres' ? await createTestDatabase() : null;
    env = { DATA_DIR: dataDir, ...(database ? { DATABASE_URL: database.url } : {}) };
  });
  afterAll(async () => {
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const cli = (...args: string[]) => runCli(env, args);

  it('imports JSON lines, idempotently per externalRef, and refuses a bad file naming its lines', { timeout: 300_000 }, async () => {
    expect((await cli('org', 'create', '--slug', 'importer', '--name', 'Importer')).code).toBe(0);
    const file = path.join(dataDir, 'incidents.jsonl');
    const second = { externalRef: 'beacon:9f1a', title: 'Elevated API latency in US-East', startedAt: '2026-03-04T14:32:00Z', impact: 'MINOR' };
    await writeFile(file, `${JSON.stringify(MARCH_INCIDENT)}\n\n${JSON.stringify(second)}\n`);

    const first = await cli('import', '--org', 'importer', '--file', file);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('imported 2 incidents into importer; 0 were there already');
    const again = await cli('import', '--org', 'importer', '--file', file);
    expect(again.stdout).toContain('imported 0 incidents into importer; 2 were there already');

    const bad = path.join(dataDir, 'bad.jsonl');
    await writeFile(bad, `${JSON.stringify({ ...second, externalRef: 'x-1', title: ' ' })}\n{ nope\n${JSON.stringify({ externalRef: 'x-2', startedAt: 'yesterday' })}\n`);
    const refused = await cli('import', '--org', 'importer', '--file', bad);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('line 1: title: title must not be blank');
    expect(refused.stderr).toContain('line 2: not a JSON value');
    expect(refused.stderr).toMatch(/line 3: .*title/);
    expect(refused.stderr).toMatch(/line 3: startedAt: /);

    // On the database the CLI wrote, left in place when it stops.
    const target = await startTestGateway(backend, env);
    try {
      const org = await target.running.db.prisma.organization.findUniqueOrThrow({ where: { slug: 'importer' } });
      const { key } = await issueApiKey(target.running.db.prisma, org.id, 'reader', ['read']);
      const stats = await gql(target, key, STATS, MARCH);
      expect(stats.data!.incidentStats.total).toMatchObject({ count: 2, mttr: { count: 1, meanSeconds: 3600 } });
      const listed = await gql(target, key, '{ incidents(first: 10) { nodes { title source createdBy { keyId name } } } }');
      expect(listed.data!.incidents.nodes).toEqual([
        { title: 'Database connection pool exhausted', source: 'IMPORT', createdBy: { keyId: null, name: 'admin CLI import' } },
        { title: 'Elevated API latency in US-East', source: 'IMPORT', createdBy: { keyId: null, name: 'admin CLI import' } },
      ]);
    } finally {
      await target.stop();
    }
  });
});
