import { describe, expect, it } from 'vitest';
import { backends, gql, useGateway } from '../support/gateway.js';
import {
  createIncident,
  createOrg,
  createUser,
  expectNothingWritten,
  mutate,
  ok,
  rejectedWith,
  type TestOrg,
} from '../support/incidents-fixtures.js';

// What users of the five source APIs (larm, devhelm, scaling.cloud, alert24, beacon) expect of the gateway.

const MARCH = { from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z' };
const STATS = `query ($from: DateTime!, $to: DateTime!) {
  incidentStats(from: $from, to: $to) { total { count mtta { count meanSeconds } mttr { count meanSeconds } } }
}`;
const TIMELINE = `query ($id: ID!) {
  incident(id: $id) {
    status version acknowledgedAt resolvedAt
    timeline(first: 50) { nodes { kind status body postedAt postedBy { name } author { id name } } }
    history(first: 20) { nodes { at field from to } }
  }
}`;
const TITLES = `query ($filter: IncidentFilter) { incidents(first: 100, filter: $filter) { totalCount nodes { title } } }`;

const fieldsOf = (errors: { code: string; field: string[] | null }[]) => errors.map((error) => [error.code, error.field]);

describe.each(backends)('what users of the source APIs expect, on %s', (backend) => {
  const gateway = useGateway(backend);

  const timelineOf = async (org: TestOrg, id: string) => (await ok(gateway, org.key, TIMELINE, { id })).incident;
  const titles = async (org: TestOrg, filter: Record<string, unknown>) => {
    const { incidents } = await ok(gateway, org.key, TITLES, { filter });
    expect(incidents.totalCount).toBe(incidents.nodes.length);
    return (incidents.nodes as { title: string }[]).map((node) => node.title).sort();
  };

  describe('backfilled acknowledgedAt and resolvedAt', () => {
    it('createIncident takes them, writes the timeline at those instants, and incidentStats over March reports the true MTTR', async () => {
      const org = await createOrg(gateway);
      const incident = await createIncident(gateway, org.key, {
        title: 'old',
        status: 'RESOLVED',
        startedAt: '2026-03-19T14:30:00.000Z',
        acknowledgedAt: '2026-03-19T14:35:00.000Z',
        resolvedAt: '2026-03-19T15:30:00.000Z',
      });
      expect(incident).toMatchObject({ status: 'RESOLVED', acknowledgedAt: '2026-03-19T14:35:00.000Z', resolvedAt: '2026-03-19T15:30:00.000Z', version: 1 });
      const read = await timelineOf(org, incident.id);
      expect(read.timeline.nodes.map((entry: any) => [entry.kind, entry.status, entry.postedAt])).toEqual([
        ['CREATED', 'INVESTIGATING', '2026-03-19T14:30:00.000Z'],
        ['ACKNOWLEDGED', 'INVESTIGATING', '2026-03-19T14:35:00.000Z'],
        ['STATUS_CHANGED', 'RESOLVED', '2026-03-19T15:30:00.000Z'],
      ]);
      expect(read.history.nodes).toEqual([
        { at: '2026-03-19T14:35:00.000Z', field: 'acknowledgedAt', from: null, to: '2026-03-19T14:35:00.000Z' },
        { at: '2026-03-19T15:30:00.000Z', field: 'status', from: 'INVESTIGATING', to: 'RESOLVED' },
      ]);
      const asOf = await ok(gateway, org.key, 'query ($id: ID!) { incident(id: $id, asOf: "2026-03-19T15:00:00.000Z") { status acknowledgedAt } }', { id: incident.id });
      expect(asOf.incident).toEqual({ status: 'INVESTIGATING', acknowledgedAt: '2026-03-19T14:35:00.000Z' });
      const stats = await ok(gateway, org.key, STATS, MARCH);
      expect(stats.incidentStats.total).toEqual({ count: 1, mtta: { count: 1, meanSeconds: 300 }, mttr: { count: 1, meanSeconds: 3600 } });
    });

    it('refuses instants before startedAt, in the future, out of order, or a resolvedAt without a resolved status, writing nothing', async () => {
      const org = await createOrg(gateway);
      const startedAt = '2026-03-19T14:30:00.000Z';
      const future = new Date(Date.now() + 10 * 60_000).toISOString();
      await expectNothingWritten(gateway, org.orgId, async () => {
        const cases: [Record<string, unknown>, string[][]][] = [
          [{ status: 'RESOLVED', acknowledgedAt: '2026-03-19T14:00:00.000Z', resolvedAt: '2026-03-19T14:10:00.000Z' }, [['acknowledgedAt'], ['resolvedAt']]],
          [{ status: 'RESOLVED', resolvedAt: future }, [['resolvedAt']]],
          [{ acknowledgedAt: future }, [['acknowledgedAt']]],
          [{ status: 'RESOLVED', acknowledgedAt: '2026-03-19T16:00:00.000Z', resolvedAt: '2026-03-19T15:00:00.000Z' }, [['acknowledgedAt']]],
          [{ status: 'MONITORING', resolvedAt: '2026-03-19T15:00:00.000Z' }, [['resolvedAt']]],
        ];
        for (const [input, fields] of cases) {
          const errors = await rejectedWith(gateway, org.key, 'createIncident', { title: 'T', startedAt, ...input });
          expect(fieldsOf(errors), JSON.stringify(input)).toEqual(fields.map((field) => ['INVALID_INPUT', field]));
        }
      });
    });

    it('updateIncident acknowledges at a past instant once, and corrects when a resolved incident was resolved', async () => {
      const org = await createOrg(gateway);
      const incident = await createIncident(gateway, org.key, { title: 'Late paperwork', startedAt: '2026-03-10T08:00:00.000Z' });
      const notResolved = await rejectedWith(gateway, org.key, 'updateIncident', { id: incident.id, resolvedAt: '2026-03-10T09:00:00.000Z' });
      expect(fieldsOf(notResolved)).toEqual([['INVALID_INPUT', ['resolvedAt']]]);

      const acknowledged = await mutate(gateway, org.key, 'updateIncident', { id: incident.id, acknowledgedAt: '2026-03-10T08:10:00.000Z' });
      expect(acknowledged.userErrors).toEqual([]);
      expect(acknowledged.incident).toMatchObject({ acknowledgedAt: '2026-03-10T08:10:00.000Z', version: 2 });
      const same = await mutate(gateway, org.key, 'updateIncident', { id: incident.id, acknowledgedAt: '2026-03-10T08:10:00.000Z' });
      expect(same.incident!.version).toBe(2);
      const again = await rejectedWith(gateway, org.key, 'updateIncident', { id: incident.id, acknowledgedAt: '2026-03-10T08:20:00.000Z' });
      expect(fieldsOf(again)).toEqual([['INVALID_INPUT', ['acknowledgedAt']]]);

      await mutate(gateway, org.key, 'transitionIncident', { id: incident.id, status: 'RESOLVED' });
      const early = await rejectedWith(gateway, org.key, 'updateIncident', { id: incident.id, resolvedAt: '2026-03-10T08:05:00.000Z' });
      // Before the acknowledgement it follows: reported at the field given.
      expect(fieldsOf(early)).toEqual([['INVALID_INPUT', ['resolvedAt']]]);
      const corrected = await mutate(gateway, org.key, 'updateIncident', { id: incident.id, resolvedAt: '2026-03-10T09:00:00.000Z' });
      expect(corrected.userErrors).toEqual([]);
      expect(corrected.incident!.resolvedAt).toBe('2026-03-10T09:00:00.000Z');

      const read = await timelineOf(org, incident.id);
      expect(read.timeline.nodes.map((entry: any) => [entry.kind, entry.postedAt >= '2026-04-01' ? 'now' : entry.postedAt])).toEqual([
        ['CREATED', 'now'],
        ['ACKNOWLEDGED', '2026-03-10T08:10:00.000Z'],
        ['STATUS_CHANGED', '2026-03-10T09:00:00.000Z'],
      ]);
      expect(read.history.nodes.map((entry: any) => [entry.field, entry.at])).toEqual([
        ['acknowledgedAt', '2026-03-10T08:10:00.000Z'],
        ['status', '2026-03-10T09:00:00.000Z'],
      ]);
      const stats = await ok(gateway, org.key, STATS, MARCH);
      expect(stats.incidentStats.total).toEqual({ count: 1, mtta: { count: 1, meanSeconds: 600 }, mttr: { count: 1, meanSeconds: 3600 } });
      const cleared = await rejectedWith(gateway, org.key, 'updateIncident', { id: incident.id, resolvedAt: null, acknowledgedAt: null });
      expect(fieldsOf(cleared)).toEqual([['INVALID_INPUT', ['acknowledgedAt']], ['INVALID_INPUT', ['resolvedAt']]]);
    });
  });

  describe('acknowledgement views', () => {
    it('lists "new" (open, not acknowledged) and "acknowledged" incidents with one filter each', async () => {
      const org = await createOrg(gateway);
      const fresh = await createIncident(gateway, org.key, { title: 'New one' });
      const seen = await createIncident(gateway, org.key, { title: 'Seen one' });
      await mutate(gateway, org.key, 'acknowledgeIncident', { id: seen.id });
      await createIncident(gateway, org.key, {
        title: 'Done one',
        status: 'RESOLVED',
        startedAt: '2026-03-01T00:00:00.000Z',
        acknowledgedAt: '2026-03-01T00:05:00.000Z',
        resolvedAt: '2026-03-01T01:00:00.000Z',
      });
      await createIncident(gateway, org.key, { title: 'Done unseen', status: 'RESOLVED' });
      expect(await titles(org, { acknowledgedAt: { isNull: true }, resolvedAt: { isNull: true } })).toEqual(['New one']);
      expect(await titles(org, { acknowledgedAt: { isNull: false }, resolvedAt: { isNull: true } })).toEqual(['Seen one']);
      expect(await titles(org, { acknowledgedAt: { lt: '2026-03-02T00:00:00.000Z' } })).toEqual(['Done one']);
      expect(await titles(org, { acknowledgedAt: { gte: '2026-03-02T00:00:00.000Z' } })).toEqual(['Seen one']);
      expect(fresh.acknowledgedAt).toBeNull();
    });
  });

  describe('tags', () => {
    it('matches the tag filter case-insensitively, as tags are deduplicated', async () => {
      const org = await createOrg(gateway);
      await createIncident(gateway, org.key, { title: 'Slow', tags: ['performance', 'API'] });
      await createIncident(gateway, org.key, { title: 'Other', tags: ['db'] });
      const renamed = await createIncident(gateway, org.key, { title: 'Renamed', tags: ['x'] });
      await mutate(gateway, org.key, 'updateIncident', { id: renamed.id, tags: ['Performance'] });
      expect(await titles(org, { tag: { eq: 'PERFORMANCE' } })).toEqual(['Renamed', 'Slow']);
      expect(await titles(org, { tag: { in: ['api', 'nothing'] } })).toEqual(['Slow']);
      expect(await titles(org, { tag: { notIn: ['Performance'] } })).toEqual(['Other']);
    });
  });

  describe('unpublishing', () => {
    const PUBLIC = `query ($slug: String!) { statusPage(slug: $slug) { incidents(first: 10) { totalCount nodes { title impactDescription } } } }`;
    const LINKS = `query ($id: ID!) { incident(id: $id) { statusPages(first: 5) { totalCount edges { publishedAt node { slug } } } } }`;

    it('withdraws an incident from a page: its public view drops it at once, and the link had a publishedAt', async () => {
      const org = await createOrg(gateway);
      const slug = `withdraw-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
      const page = await ok(gateway, org.key, 'mutation ($slug: String!) { createStatusPage(input: { slug: $slug, name: "Acme" }) { statusPage { id } } }', { slug });
      const pageId = page.createStatusPage.statusPage.id;
      const incident = await createIncident(gateway, org.key, { title: 'Visible', impactDescription: 'Logins fail for some users' });
      const before = Date.now();
      const published = await ok(gateway, org.key, 'mutation ($i: ID!, $p: ID!) { publishIncident(input: { incidentId: $i, statusPageId: $p }) { userErrors { code } } }', { i: incident.id, p: pageId });
      expect(published.publishIncident.userErrors).toEqual([]);
      const links = await ok(gateway, org.key, LINKS, { id: incident.id });
      expect(links.incident.statusPages.totalCount).toBe(1);
      const publishedAt = Date.parse(links.incident.statusPages.edges[0].publishedAt);
      expect(Math.abs(publishedAt - before)).toBeLessThan(60_000);
      expect((await gql(gateway, null, PUBLIC, { slug })).data!.statusPage.incidents).toEqual({
        totalCount: 1,
        nodes: [{ title: 'Visible', impactDescription: 'Logins fail for some users' }],
      });

      const UNPUBLISH = 'mutation ($i: ID!, $p: ID!) { unpublishIncident(input: { incidentId: $i, statusPageId: $p }) { incident { id } statusPage { id } userErrors { code field } } }';
      const withdrawn = await ok(gateway, org.key, UNPUBLISH, { i: incident.id, p: pageId });
      expect(withdrawn.unpublishIncident).toEqual({ incident: { id: incident.id }, statusPage: { id: pageId }, userErrors: [] });
      expect((await gql(gateway, null, PUBLIC, { slug })).data!.statusPage.incidents).toEqual({ totalCount: 0, nodes: [] });
      expect((await ok(gateway, org.key, LINKS, { id: incident.id })).incident.statusPages).toEqual({ totalCount: 0, edges: [] });

      const twice = await ok(gateway, org.key, UNPUBLISH, { i: incident.id, p: pageId });
      expect(twice.unpublishIncident.userErrors).toEqual([]);
      const other = await createOrg(gateway);
      const foreign = await ok(gateway, other.key, UNPUBLISH, { i: incident.id, p: pageId });
      expect(foreign.unpublishIncident).toEqual({
        incident: null,
        statusPage: null,
        userErrors: [{ code: 'NOT_FOUND', field: ['incidentId'] }, { code: 'NOT_FOUND', field: ['statusPageId'] }],
      });
    });
  });

  describe('impactDescription', () => {
    it('is set on create, changed and cleared on update, and limited to 1,000 characters', async () => {
      const org = await createOrg(gateway);
      const query = 'query ($id: ID!) { incident(id: $id) { impactDescription } }';
      const incident = await createIncident(gateway, org.key, { title: 'T', impactDescription: '  Users unable to load dashboards ' });
      expect((await ok(gateway, org.key, query, { id: incident.id })).incident.impactDescription).toBe('Users unable to load dashboards');
      await mutate(gateway, org.key, 'updateIncident', { id: incident.id, impactDescription: 'Dashboards are slow' });
      expect((await ok(gateway, org.key, query, { id: incident.id })).incident.impactDescription).toBe('Dashboards are slow');
      await mutate(gateway, org.key, 'updateIncident', { id: incident.id, impactDescription: null });
      expect((await ok(gateway, org.key, query, { id: incident.id })).incident.impactDescription).toBeNull();
      const tooLong = await rejectedWith(gateway, org.key, 'createIncident', { title: 'T', impactDescription: 'x'.repeat(1001) });
      expect(fieldsOf(tooLong)).toEqual([['INVALID_INPUT', ['impactDescription']]]);
      const tooLongUpdate = await rejectedWith(gateway, org.key, 'updateIncident', { id: incident.id, impactDescription: 'x'.repeat(1001) });
      expect(fieldsOf(tooLongUpdate)).toEqual([['INVALID_INPUT', ['impactDescription']]]);
    });
  });

  describe('authors', () => {
    it('posts updates as a person of the organization (postAs), besides the key', async () => {
      const org = await createOrg(gateway);
      const ada = await createUser(gateway, org.orgId, 'Ada');
      const bob = await createUser(gateway, org.orgId, 'Bob');
      const incident = await createIncident(gateway, org.key, { title: 'API outage', postAs: ada });
      await mutate(gateway, org.key, 'acknowledgeIncident', { id: incident.id, postAs: bob });
      await mutate(gateway, org.key, 'updateIncident', { id: incident.id, severity: 'CRITICAL', postAs: ada });
      await mutate(gateway, org.key, 'transitionIncident', { id: incident.id, status: 'IDENTIFIED', postAs: bob });
      const posted = await ok(
        gateway,
        org.key,
        'mutation ($id: ID!, $as: ID) { postIncidentUpdate(input: { incidentId: $id, body: "Rolling back.", postAs: $as }) { update { author { name } } userErrors { code } } }',
        { id: incident.id, as: ada },
      );
      expect(posted.postIncidentUpdate).toEqual({ update: { author: { name: 'Ada' } }, userErrors: [] });
      await mutate(gateway, org.key, 'transitionIncident', { id: incident.id, status: 'MONITORING' });

      const read = await timelineOf(org, incident.id);
      expect(read.timeline.nodes.map((entry: any) => [entry.kind, entry.author?.name ?? null, entry.postedBy.name])).toEqual([
        ['CREATED', 'Ada', 'test key write'],
        ['ACKNOWLEDGED', 'Bob', 'test key write'],
        ['SEVERITY_CHANGED', 'Ada', 'test key write'],
        ['STATUS_CHANGED', 'Bob', 'test key write'],
        ['MESSAGE', 'Ada', 'test key write'],
        ['STATUS_CHANGED', null, 'test key write'],
      ]);
      expect(read.timeline.nodes[1].body).toBe('Acknowledged by Bob.');
      expect(read.timeline.nodes[0].author.id).toBe(ada);
    });

    it('answers NOT_FOUND on postAs for a user of another organization or a non-user id, writing nothing', async () => {
      const org = await createOrg(gateway);
      const other = await createOrg(gateway);
      const stranger = await createUser(gateway, other.orgId, 'Stranger');
      const incident = await createIncident(gateway, org.key, { title: 'T' });
      await expectNothingWritten(gateway, org.orgId, async () => {
        for (const [name, input] of [
          ['createIncident', { title: 'T', postAs: stranger }],
          ['updateIncident', { id: incident.id, severity: 'LOW', postAs: stranger }],
          ['transitionIncident', { id: incident.id, status: 'IDENTIFIED', postAs: incident.id }],
          ['acknowledgeIncident', { id: incident.id, postAs: 'not-an-id' }],
        ] as const) {
          const errors = await rejectedWith(gateway, org.key, name, input);
          expect(fieldsOf(errors), name).toEqual([['NOT_FOUND', ['postAs']]]);
        }
        const posted = await ok(gateway, org.key, 'mutation ($id: ID!, $as: ID) { postIncidentUpdate(input: { incidentId: $id, body: "x", postAs: $as }) { update { id } userErrors { code field } } }', {
          id: incident.id,
          as: stranger,
        });
        expect(posted.postIncidentUpdate).toEqual({ update: null, userErrors: [{ code: 'NOT_FOUND', field: ['postAs'] }] });
      });
    });
  });

  describe('limits', () => {
    it('counts title length in Unicode code points: 128 "😀" fit, 256 do not', async () => {
      const org = await createOrg(gateway);
      const incident = await createIncident(gateway, org.key, { title: '😀'.repeat(128) });
      expect(incident.title).toBe('😀'.repeat(128));
      expect((await createIncident(gateway, org.key, { title: '😀'.repeat(255) })).title).toHaveLength(510);
      const errors = await rejectedWith(gateway, org.key, 'createIncident', { title: '😀'.repeat(256) });
      expect(fieldsOf(errors)).toEqual([['INVALID_INPUT', ['title']]]);
    });

    it('takes scheduledFor only for maintenance, and no incident starting more than 24 hours ahead', async () => {
      const org = await createOrg(gateway);
      const later = new Date(Date.now() + 3 * 24 * 3600_000).toISOString();
      await expectNothingWritten(gateway, org.orgId, async () => {
        expect(fieldsOf(await rejectedWith(gateway, org.key, 'createIncident', { title: 'T', scheduledFor: later }))).toEqual([['INVALID_INPUT', ['scheduledFor']]]);
        expect(fieldsOf(await rejectedWith(gateway, org.key, 'createIncident', { title: 'T', kind: 'INCIDENT', startedAt: later }))).toEqual([
          ['INVALID_INPUT', ['startedAt']],
        ]);
      });
      const soon = new Date(Date.now() + 23 * 3600_000).toISOString();
      expect((await createIncident(gateway, org.key, { title: 'Soon', startedAt: soon })).startedAt).toBe(soon);
      const maintenance = await createIncident(gateway, org.key, { title: 'Upgrade', kind: 'MAINTENANCE', scheduledFor: later, startedAt: later });
      expect(maintenance.kind).toBe('MAINTENANCE');
    });
  });
});
