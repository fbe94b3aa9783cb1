import { beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { backends, useGateway } from '../support/gateway.js';
import {
  componentStatus,
  createComponent,
  createIncident,
  createOrg,
  createUser,
  expectNothingWritten,
  mutate,
  ok,
  rejectedWith,
  type TestOrg,
} from '../support/incidents-fixtures.js';

const MISSING_UUID = '5b0f7c9e-3a7e-4f0e-9d55-9f1a2b3c4d5e';

describe.each(backends)('createIncident on %s', (backend) => {
  const gateway = useGateway(backend);
  let org: TestOrg;

  beforeAll(async () => {
    org = await createOrg(gateway);
  });

  it('applies the defaults: INVESTIGATING, MEDIUM, INCIDENT, version 1, a CREATED entry with the default message', async () => {
    const incident = await createIncident(gateway, org.key, { title: 'Defaults' });
    expect(incident).toMatchObject({
      title: 'Defaults',
      description: null,
      kind: 'INCIDENT',
      status: 'INVESTIGATING',
      severity: 'MEDIUM',
      impact: 'NONE',
      impactOverridden: false,
      tags: [],
      source: 'API',
      reopenCount: 0,
      version: 1,
      acknowledgedAt: null,
      resolvedAt: null,
      owner: null,
      affectedComponents: [],
    });
    expect(incident.timeline.totalCount).toBe(1);
    expect(incident.timeline.nodes[0]).toMatchObject({ kind: 'CREATED', status: 'INVESTIGATING', body: 'We are investigating this incident.' });
    expect(Date.parse(incident.startedAt)).not.toBeNaN();
    expect(incident.startedAt).toMatch(/Z$/);
    // Relay global IDs: base64 of "Type:uuid".
    expect(Buffer.from(incident.id, 'base64').toString()).toMatch(/^Incident:[0-9a-f-]{36}$/);
    expect(Buffer.from(incident.timeline.nodes[0].id, 'base64').toString()).toMatch(/^IncidentUpdate:[0-9a-f-]{36}$/);
    // The audit trail names the key that wrote it.
    const audit = await ok<{ incident: { createdBy: { keyId: string; name: string }; timeline: { nodes: { postedBy: { keyId: string; name: string }; notifySubscribers: boolean }[] } } }>(
      gateway,
      org.key,
      'query ($id: ID!) { incident(id: $id) { createdBy { keyId name } timeline { nodes { postedBy { keyId name } notifySubscribers } } } }',
      { id: incident.id },
    );
    expect(audit.incident.createdBy.name).toBe('test key write');
    expect(Buffer.from(audit.incident.createdBy.keyId, 'base64').toString()).toMatch(/^ApiKey:/);
    expect(audit.incident.timeline.nodes[0]).toEqual({ postedBy: audit.incident.createdBy, notifySubscribers: true });
  });

  it('schedules maintenance by default and uses its own default message', async () => {
    const incident = await createIncident(gateway, org.key, { title: 'Upgrade', kind: 'MAINTENANCE' });
    expect(incident.status).toBe('SCHEDULED');
    expect(incident.timeline.nodes[0]).toMatchObject({ kind: 'CREATED', status: 'SCHEDULED', body: 'Maintenance has been scheduled.' });
  });

  it('keeps what the input gives: trimmed title and message, severity, impact override, tags, startedAt', async () => {
    const incident = await createIncident(gateway, org.key, {
      title: '  Spaced out  ',
      description: '  Details  ',
      severity: 'CRITICAL',
      impact: 'MAJOR',
      message: '  First words  ',
      tags: [' db ', 'eu', 'db'],
      externalRef: 'PD-1',
      startedAt: '2026-01-02T03:04:05.000Z',
    });
    expect(incident).toMatchObject({
      title: 'Spaced out',
      description: 'Details',
      severity: 'CRITICAL',
      impact: 'MAJOR',
      impactOverridden: true,
      tags: ['db', 'eu'],
      externalRef: 'PD-1',
      startedAt: '2026-01-02T03:04:05.000Z',
    });
    expect(incident.timeline.nodes[0].body).toBe('First words');
  });

  it('accepts a title of exactly 255 characters and a description of exactly 10,000', async () => {
    const incident = await createIncident(gateway, org.key, { title: 'x'.repeat(255), description: 'd'.repeat(10_000) });
    expect(incident.title).toHaveLength(255);
    expect(incident.description).toHaveLength(10_000);
  });

  it('accepts any status of the kind on create; RESOLVED and COMPLETED set resolvedAt', async () => {
    for (const status of ['INVESTIGATING', 'IDENTIFIED', 'MONITORING', 'RESOLVED', 'POSTMORTEM']) {
      const incident = await createIncident(gateway, org.key, { title: `Backfill ${status}`, status });
      expect(incident.status).toBe(status);
      expect(incident.timeline.nodes[0]).toMatchObject({ kind: 'CREATED', status });
      expect(incident.resolvedAt !== null).toBe(status === 'RESOLVED' || status === 'POSTMORTEM');
    }
    for (const status of ['SCHEDULED', 'IN_PROGRESS', 'VERIFYING', 'COMPLETED', 'CANCELLED']) {
      const incident = await createIncident(gateway, org.key, { title: `Backfill ${status}`, kind: 'MAINTENANCE', status });
      expect(incident.status).toBe(status);
      expect(incident.resolvedAt !== null).toBe(status === 'COMPLETED');
    }
  });

  it('rejects a status of the other kind with INVALID_INPUT on ["status"]', async () => {
    await expectNothingWritten(gateway, org.orgId, async () => {
      expect(await rejectedWith(gateway, org.key, 'createIncident', { title: 'Wrong', status: 'SCHEDULED' })).toEqual([
        { code: 'INVALID_INPUT', field: ['status'], message: expect.any(String) },
      ]);
      expect(await rejectedWith(gateway, org.key, 'createIncident', { title: 'Wrong', kind: 'MAINTENANCE', status: 'RESOLVED' })).toEqual([
        { code: 'INVALID_INPUT', field: ['status'], message: expect.any(String) },
      ]);
    });
  });

  it('rejects blank, too long and oversized text with INVALID_INPUT and the field path', async () => {
    await expectNothingWritten(gateway, org.orgId, async () => {
      for (const title of ['', '   ', '\n\t']) {
        expect(await rejectedWith(gateway, org.key, 'createIncident', { title })).toEqual([
          { code: 'INVALID_INPUT', field: ['title'], message: expect.any(String) },
        ]);
      }
      expect(await rejectedWith(gateway, org.key, 'createIncident', { title: 'x'.repeat(256) })).toEqual([
        { code: 'INVALID_INPUT', field: ['title'], message: expect.any(String) },
      ]);
      expect(await rejectedWith(gateway, org.key, 'createIncident', { title: 'ok', description: 'd'.repeat(10_001) })).toEqual([
        { code: 'INVALID_INPUT', field: ['description'], message: expect.any(String) },
      ]);
      expect(await rejectedWith(gateway, org.key, 'createIncident', { title: 'ok', message: '  ' })).toEqual([
        { code: 'INVALID_INPUT', field: ['message'], message: expect.any(String) },
      ]);
      // Every problem is reported at once.
      const errors = await rejectedWith(gateway, org.key, 'createIncident', { title: ' ', description: 'd'.repeat(10_001), tags: [''] });
      expect(errors.map((error) => error.field)).toEqual(expect.arrayContaining([['title'], ['description'], ['tags', '0']]));
    });
  });

  it('trims before checking: 255 characters padded with spaces are fine', async () => {
    const incident = await createIncident(gateway, org.key, { title: `   ${'y'.repeat(255)}   ` });
    expect(incident.title).toBe('y'.repeat(255));
  });

  it('rejects text PostgreSQL cannot store (NUL) as INVALID_INPUT, not as an internal error', async () => {
    await expectNothingWritten(gateway, org.orgId, async () => {
      expect(await rejectedWith(gateway, org.key, 'createIncident', { title: 'nul\u0000here' })).toEqual([
        { code: 'INVALID_INPUT', field: ['title'], message: expect.any(String) },
      ]);
      expect(await rejectedWith(gateway, org.key, 'createIncident', { title: 'ok', tags: ['a\u0000'] })).toEqual([
        { code: 'INVALID_INPUT', field: ['tags', '0'], message: expect.any(String) },
      ]);
    });
  });

  it('numbers incidents 1, 2, 3 per organization, and a rejected input does not use up a number', async () => {
    const first = await createOrg(gateway);
    const second = await createOrg(gateway);
    const numbers: number[] = [];
    numbers.push((await createIncident(gateway, first.key, { title: 'a' })).number);
    numbers.push((await createIncident(gateway, first.key, { title: 'b' })).number);
    await rejectedWith(gateway, first.key, 'createIncident', { title: '' });
    numbers.push((await createIncident(gateway, first.key, { title: 'c' })).number);
    expect(numbers).toEqual([1, 2, 3]);
    expect((await createIncident(gateway, second.key, { title: 'other org' })).number).toBe(1);
  });

  it('gives concurrent creates distinct consecutive numbers', async () => {
    const fresh = await createOrg(gateway);
    const created = await Promise.all(Array.from({ length: 6 }, (_, index) => createIncident(gateway, fresh.key, { title: `parallel ${index}` })));
    expect(created.map((incident) => incident.number).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('sets the owner from ownerId of the same organization', async () => {
    const ownerId = await createUser(gateway, org.orgId, 'Ada Owner');
    const incident = await createIncident(gateway, org.key, { title: 'Owned', ownerId });
    expect(incident.owner).toEqual({ id: ownerId, name: 'Ada Owner' });
  });

  it('answers NOT_FOUND for an owner of another organization, a missing one, or a non-user id', async () => {
    const other = await createOrg(gateway);
    const foreignUser = await createUser(gateway, other.orgId, 'Foreign');
    await expectNothingWritten(gateway, org.orgId, async () => {
      for (const ownerId of [foreignUser, encodeGlobalID('User', MISSING_UUID), 'garbage', encodeGlobalID('Incident', MISSING_UUID)]) {
        expect(await rejectedWith(gateway, org.key, 'createIncident', { title: 'x', ownerId })).toEqual([
          { code: 'NOT_FOUND', field: ['ownerId'], message: expect.any(String) },
        ]);
      }
    });
  });

  describe('components', () => {
    it('componentIds records each component at its current status and derives impact from them', async () => {
      const degraded = await createComponent(gateway, org.orgId, 'API', 'DEGRADED_PERFORMANCE');
      const down = await createComponent(gateway, org.orgId, 'DB', 'PARTIAL_OUTAGE');
      const incident = await createIncident(gateway, org.key, { title: 'Slow', componentIds: [degraded, down] });
      expect(incident.affectedComponents).toEqual([
        { component: { id: degraded, status: 'DEGRADED_PERFORMANCE' }, status: 'DEGRADED_PERFORMANCE' },
        { component: { id: down, status: 'PARTIAL_OUTAGE' }, status: 'PARTIAL_OUTAGE' },
      ]);
      expect(incident.impact).toBe('MAJOR');
      expect(incident.impactOverridden).toBe(false);
    });

    it('components with a status record it in the incident and set the component itself', async () => {
      const web = await createComponent(gateway, org.orgId, 'Web');
      const incident = await createIncident(gateway, org.key, { title: 'Down', components: [{ componentId: web, status: 'MAJOR_OUTAGE' }] });
      expect(incident.affectedComponents).toEqual([{ component: { id: web, status: 'MAJOR_OUTAGE' }, status: 'MAJOR_OUTAGE' }]);
      expect(incident.impact).toBe('CRITICAL');
      expect(await componentStatus(gateway, org.key, web)).toBe('MAJOR_OUTAGE');
    });

    it('an explicit impact wins over the derived one', async () => {
      const web = await createComponent(gateway, org.orgId, 'Web 2');
      const incident = await createIncident(gateway, org.key, { title: 'Override', impact: 'MINOR', components: [{ componentId: web, status: 'MAJOR_OUTAGE' }] });
      expect(incident).toMatchObject({ impact: 'MINOR', impactOverridden: true });
    });

    it('a backfilled closed incident records statuses without changing the components', async () => {
      const web = await createComponent(gateway, org.orgId, 'Web 3');
      const incident = await createIncident(gateway, org.key, {
        title: 'Old',
        status: 'RESOLVED',
        components: [{ componentId: web, status: 'MAJOR_OUTAGE' }],
      });
      expect(incident.affectedComponents[0].status).toBe('MAJOR_OUTAGE');
      expect(await componentStatus(gateway, org.key, web)).toBe('OPERATIONAL');
    });

    it('rejects more than 50 components with TOO_MANY_COMPONENTS and writes nothing', async () => {
      const ids = await Promise.all(Array.from({ length: 51 }, (_, index) => createComponent(gateway, org.orgId, `many ${index}`)));
      await expectNothingWritten(gateway, org.orgId, async () => {
        const errors = await rejectedWith(gateway, org.key, 'createIncident', { title: 'Too many', componentIds: ids });
        expect(errors.map((error) => error.code)).toEqual(['TOO_MANY_COMPONENTS']);
        const split = await rejectedWith(gateway, org.key, 'createIncident', {
          title: 'Too many in all',
          componentIds: ids.slice(0, 30),
          components: ids.slice(30).map((componentId) => ({ componentId, status: 'MAJOR_OUTAGE' })),
        });
        expect(split.map((error) => error.code)).toEqual(['TOO_MANY_COMPONENTS']);
      });
      const fifty = await createIncident(gateway, org.key, { title: 'Fifty', componentIds: ids.slice(0, 50) });
      expect(fifty.affectedComponents).toHaveLength(50);
    });

    it('rejects a repeated component with DUPLICATE_COMPONENT_ID at its index', async () => {
      const a = await createComponent(gateway, org.orgId, 'dup a');
      const b = await createComponent(gateway, org.orgId, 'dup b');
      await expectNothingWritten(gateway, org.orgId, async () => {
        expect(await rejectedWith(gateway, org.key, 'createIncident', { title: 'Dup', componentIds: [a, b, a] })).toEqual([
          { code: 'DUPLICATE_COMPONENT_ID', field: ['componentIds', '2'], message: expect.any(String) },
        ]);
        expect(
          await rejectedWith(gateway, org.key, 'createIncident', {
            title: 'Dup',
            components: [
              { componentId: b, status: 'DEGRADED_PERFORMANCE' },
              { componentId: b, status: 'MAJOR_OUTAGE' },
            ],
          }),
        ).toEqual([{ code: 'DUPLICATE_COMPONENT_ID', field: ['components', '1', 'componentId'], message: expect.any(String) }]);
      });
    });

    it('rejects unknown, malformed and foreign components with INVALID_COMPONENT_ID at their index', async () => {
      const other = await createOrg(gateway);
      const foreign = await createComponent(gateway, other.orgId, 'theirs', 'DEGRADED_PERFORMANCE');
      const mine = await createComponent(gateway, org.orgId, 'mine');
      await expectNothingWritten(gateway, org.orgId, async () => {
        const errors = await rejectedWith(gateway, org.key, 'createIncident', {
          title: 'Bad refs',
          componentIds: [mine, foreign, encodeGlobalID('Component', MISSING_UUID), 'not-an-id', encodeGlobalID('User', MISSING_UUID)],
        });
        expect(errors).toEqual(
          ['1', '2', '3', '4'].map((index) => ({ code: 'INVALID_COMPONENT_ID', field: ['componentIds', index], message: expect.any(String) })),
        );
        expect(
          await rejectedWith(gateway, org.key, 'createIncident', {
            title: 'Bad refs',
            components: [{ componentId: foreign, status: 'MAJOR_OUTAGE' }],
          }),
        ).toEqual([{ code: 'INVALID_COMPONENT_ID', field: ['components', '0', 'componentId'], message: expect.any(String) }]);
      });
      // The foreign component is untouched.
      expect((await gateway.running.db.prisma.component.findMany({ where: { orgId: other.orgId } }))[0].status).toBe('DEGRADED_PERFORMANCE');
    });

    it('a rejection after valid component statuses leaves those components unchanged', async () => {
      const web = await createComponent(gateway, org.orgId, 'unchanged');
      await expectNothingWritten(gateway, org.orgId, async () => {
        await rejectedWith(gateway, org.key, 'createIncident', {
          title: 'Half good',
          components: [{ componentId: web, status: 'MAJOR_OUTAGE' }],
          componentIds: [encodeGlobalID('Component', MISSING_UUID)],
        });
        await rejectedWith(gateway, org.key, 'createIncident', {
          title: 'Half good',
          components: [{ componentId: web, status: 'MAJOR_OUTAGE' }],
          ownerId: encodeGlobalID('User', MISSING_UUID),
        });
      });
      expect(await componentStatus(gateway, org.key, web)).toBe('OPERATIONAL');
    });
  });

  it('the payload names the incident and userErrors; a rejected payload has no incident', async () => {
    const payload = await mutate(gateway, org.key, 'createIncident', { title: '' });
    expect(payload).toEqual({ incident: null, userErrors: [{ code: 'INVALID_INPUT', field: ['title'], message: expect.any(String) }] });
  });
});
