import { beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { backends, useGateway } from '../support/gateway.js';
import {
  INCIDENT_FIELDS,
  USER_ERRORS,
  componentStatus,
  createComponent,
  createIncident,
  createOrg,
  createUser,
  expectNothingWritten,
  mutate,
  ok,
  readIncident,
  rejectedWith,
  type IncidentShape,
  type TestOrg,
} from '../support/incidents-fixtures.js';

const INCIDENT_STATUSES = ['INVESTIGATING', 'IDENTIFIED', 'MONITORING', 'RESOLVED', 'POSTMORTEM'];
const MAINTENANCE_STATUSES = ['SCHEDULED', 'IN_PROGRESS', 'VERIFYING', 'COMPLETED', 'CANCELLED'];
const ALL_STATUSES = [...INCIDENT_STATUSES, ...MAINTENANCE_STATUSES];

// The lifecycle table of docs/api.md, written out independently of src/domain.
const OPEN = ['INVESTIGATING', 'IDENTIFIED', 'MONITORING'];
const ALLOWED = new Set([
  ...OPEN.flatMap((from) => OPEN.filter((to) => to !== from).map((to) => `${from}->${to}`)),
  ...OPEN.map((from) => `${from}->RESOLVED`),
  'RESOLVED->POSTMORTEM',
  'RESOLVED->INVESTIGATING',
  'SCHEDULED->IN_PROGRESS',
  'IN_PROGRESS->VERIFYING',
  'VERIFYING->COMPLETED',
  'SCHEDULED->CANCELLED',
]);

const UPDATE_FIELDS = 'update { id kind status body notifySubscribers cursor incident { id } }';

describe.each(backends)('incident lifecycle on %s', (backend) => {
  const gateway = useGateway(backend);
  let org: TestOrg;

  beforeAll(async () => {
    org = await createOrg(gateway);
  });

  const transition = (input: Record<string, unknown>) => mutate(gateway, org.key, 'transitionIncident', input);

  describe('transitionIncident', () => {
    for (const [kind, statuses] of [
      ['INCIDENT', INCIDENT_STATUSES],
      ['MAINTENANCE', MAINTENANCE_STATUSES],
    ] as const) {
      it(`follows the ${kind} table for every pair of statuses, writing nothing when refused`, async () => {
        for (const from of statuses) {
          for (const to of ALL_STATUSES) {
            const incident = await createIncident(gateway, org.key, { title: `${from} to ${to}`, kind, status: from });
            const payload = await transition({ id: incident.id, status: to, expectedVersion: 1 });
            const label = `${kind} ${from} -> ${to}`;
            if (ALLOWED.has(`${from}->${to}`)) {
              expect(payload.userErrors, label).toEqual([]);
              const after = payload.incident!;
              expect(after.status, label).toBe(to);
              expect(after.version, label).toBe(2);
              expect(after.timeline.totalCount, label).toBe(2);
              const entry = after.timeline.nodes[1];
              const reopen = from === 'RESOLVED' && to === 'INVESTIGATING';
              expect(entry, label).toMatchObject({
                kind: reopen ? 'REOPENED' : 'STATUS_CHANGED',
                status: to,
                changes: [{ field: 'status', from, to }],
              });
              const resolved = to === 'RESOLVED' || to === 'COMPLETED' || (to === 'POSTMORTEM' && incident.resolvedAt !== null);
              expect(after.resolvedAt !== null, label).toBe(resolved);
            } else {
              expect(payload.incident, label).toBeNull();
              expect(payload.userErrors, label).toEqual([{ code: 'INVALID_TRANSITION', field: ['status'], message: expect.any(String) }]);
              const unchanged = await readIncident(gateway, org.key, incident.id);
              expect(unchanged, label).toEqual(incident);
            }
          }
        }
      });
    }

    it('reopens: REOPENED entry with status INVESTIGATING, reopenCount + 1, resolvedAt cleared', async () => {
      const incident = await createIncident(gateway, org.key, { title: 'Flaky' });
      const resolved = (await transition({ id: incident.id, status: 'RESOLVED', message: 'Fixed' })).incident!;
      expect(resolved.resolvedAt).not.toBeNull();
      expect(resolved.timeline.nodes.at(-1)).toMatchObject({ kind: 'STATUS_CHANGED', status: 'RESOLVED', body: 'Fixed' });
      const reopened = (await transition({ id: incident.id, status: 'INVESTIGATING', message: 'Back again' })).incident!;
      expect(reopened).toMatchObject({ status: 'INVESTIGATING', reopenCount: 1, resolvedAt: null, version: 3 });
      expect(reopened.timeline.nodes.at(-1)).toMatchObject({ kind: 'REOPENED', status: 'INVESTIGATING', body: 'Back again' });
      await transition({ id: incident.id, status: 'RESOLVED' });
      const again = (await transition({ id: incident.id, status: 'INVESTIGATING' })).incident!;
      expect(again).toMatchObject({ reopenCount: 2, resolvedAt: null, version: 5 });
      expect(again.timeline.nodes.map((entry) => entry.kind)).toEqual(['CREATED', 'STATUS_CHANGED', 'REOPENED', 'STATUS_CHANGED', 'REOPENED']);
    });

    it('keeps resolvedAt from RESOLVED into POSTMORTEM, which is final', async () => {
      const incident = await createIncident(gateway, org.key, { title: 'Reviewed' });
      const resolved = (await transition({ id: incident.id, status: 'RESOLVED' })).incident!;
      const postmortem = (await transition({ id: incident.id, status: 'POSTMORTEM' })).incident!;
      expect(postmortem.resolvedAt).toBe(resolved.resolvedAt);
      for (const status of ALL_STATUSES) {
        expect((await transition({ id: incident.id, status })).userErrors.map((error) => error.code)).toEqual(['INVALID_TRANSITION']);
      }
    });

    it('moving to the current status is INVALID_TRANSITION', async () => {
      const incident = await createIncident(gateway, org.key, { title: 'Same' });
      await expectNothingWritten(gateway, org.orgId, async () => {
        expect(await rejectedWith(gateway, org.key, 'transitionIncident', { id: incident.id, status: 'INVESTIGATING' })).toEqual([
          { code: 'INVALID_TRANSITION', field: ['status'], message: expect.any(String) },
        ]);
      });
    });

    it('a stale expectedVersion is VERSION_CONFLICT and writes nothing; the current one works', async () => {
      const incident = await createIncident(gateway, org.key, { title: 'Racy' });
      await transition({ id: incident.id, status: 'IDENTIFIED', expectedVersion: 1 });
      await expectNothingWritten(gateway, org.orgId, async () => {
        expect(await rejectedWith(gateway, org.key, 'transitionIncident', { id: incident.id, status: 'MONITORING', expectedVersion: 1 })).toEqual([
          { code: 'VERSION_CONFLICT', field: ['expectedVersion'], message: expect.any(String) },
        ]);
      });
      expect((await transition({ id: incident.id, status: 'MONITORING', expectedVersion: 2 })).incident!.version).toBe(3);
    });

    it('checks in order: input validation, then expectedVersion, then the lifecycle', async () => {
      const incident = await createIncident(gateway, org.key, { title: 'Ordered' });
      await expectNothingWritten(gateway, org.orgId, async () => {
        // Blank message, stale version, same status: the input problem wins.
        expect((await rejectedWith(gateway, org.key, 'transitionIncident', { id: incident.id, status: 'INVESTIGATING', expectedVersion: 7, message: ' ' })).map((error) => error.code)).toEqual(['INVALID_INPUT']);
        // Stale version and a forbidden move: the conflict wins.
        expect((await rejectedWith(gateway, org.key, 'transitionIncident', { id: incident.id, status: 'POSTMORTEM', expectedVersion: 7 })).map((error) => error.code)).toEqual(['VERSION_CONFLICT']);
        expect((await rejectedWith(gateway, org.key, 'transitionIncident', { id: incident.id, status: 'POSTMORTEM', expectedVersion: 1 })).map((error) => error.code)).toEqual(['INVALID_TRANSITION']);
        // A status of the other kind is a lifecycle refusal too.
        expect((await rejectedWith(gateway, org.key, 'transitionIncident', { id: incident.id, status: 'COMPLETED' })).map((error) => error.code)).toEqual(['INVALID_TRANSITION']);
      });
    });

    it('concurrent transitions with the same expectedVersion: exactly one wins', async () => {
      const incident = await createIncident(gateway, org.key, { title: 'Contended' });
      const results = await Promise.all(
        ['IDENTIFIED', 'MONITORING', 'RESOLVED'].map((status) => transition({ id: incident.id, status, expectedVersion: 1 })),
      );
      expect(results.filter((result) => result.incident !== null)).toHaveLength(1);
      expect(results.flatMap((result) => result.userErrors.map((error) => error.code)).sort()).toEqual(['VERSION_CONFLICT', 'VERSION_CONFLICT']);
      const after = await readIncident(gateway, org.key, incident.id);
      expect(after).toMatchObject({ version: 2, timeline: { totalCount: 2 } });
    });

    it('takes the message and notifySubscribers into the entry, with default texts', async () => {
      const incident = await createIncident(gateway, org.key, { title: 'Texts' });
      await transition({ id: incident.id, status: 'IDENTIFIED', notifySubscribers: false });
      const data = await ok<{ incident: { timeline: { nodes: { body: string; notifySubscribers: boolean }[] } } }>(
        gateway,
        org.key,
        'query ($id: ID!) { incident(id: $id) { timeline { nodes { body notifySubscribers } } } }',
        { id: incident.id },
      );
      expect(data.incident.timeline.nodes[1]).toEqual({ body: expect.stringContaining('IDENTIFIED'), notifySubscribers: false });
    });
  });

  describe('acknowledgeIncident', () => {
    it('sets acknowledgedAt once; a second call succeeds and changes nothing', async () => {
      const incident = await createIncident(gateway, org.key, { title: 'Ack' });
      const first = await mutate(gateway, org.key, 'acknowledgeIncident', { id: incident.id });
      expect(first.userErrors).toEqual([]);
      expect(first.incident!.acknowledgedAt).not.toBeNull();
      expect(first.incident!.version).toBe(2);
      expect(first.incident!.timeline.nodes.at(-1)).toMatchObject({ kind: 'ACKNOWLEDGED', status: 'INVESTIGATING' });
      let second: Awaited<ReturnType<typeof mutate>> | undefined;
      await expectNothingWritten(gateway, org.orgId, async () => {
        second = await mutate(gateway, org.key, 'acknowledgeIncident', { id: incident.id });
      });
      expect(second!.userErrors).toEqual([]);
      expect(second!.incident).toEqual(first.incident);
    });
  });

  describe('updateIncident', () => {
    it('writes SEVERITY_CHANGED, IMPACT_CHANGED and OWNER_CHANGED entries, one version step per call', async () => {
      const ownerId = await createUser(gateway, org.orgId, 'Grace');
      const incident = await createIncident(gateway, org.key, { title: 'Edit me' });
      const payload = await mutate(gateway, org.key, 'updateIncident', { id: incident.id, expectedVersion: 1, severity: 'HIGH', impact: 'MAJOR', ownerId });
      expect(payload.userErrors).toEqual([]);
      const after = payload.incident!;
      expect(after).toMatchObject({ severity: 'HIGH', impact: 'MAJOR', impactOverridden: true, owner: { id: ownerId, name: 'Grace' }, version: 2 });
      expect(after.timeline.nodes.slice(1)).toEqual([
        expect.objectContaining({ kind: 'SEVERITY_CHANGED', status: 'INVESTIGATING', changes: [{ field: 'severity', from: 'MEDIUM', to: 'HIGH' }] }),
        expect.objectContaining({ kind: 'IMPACT_CHANGED', changes: [{ field: 'impact', from: 'NONE', to: 'MAJOR' }] }),
        expect.objectContaining({ kind: 'OWNER_CHANGED', changes: [{ field: 'owner', from: null, to: ownerId }] }),
      ]);
      const removed = (await mutate(gateway, org.key, 'updateIncident', { id: incident.id, ownerId: null })).incident!;
      expect(removed.owner).toBeNull();
      expect(removed.version).toBe(3);
      expect(removed.timeline.nodes.at(-1)).toMatchObject({ kind: 'OWNER_CHANGED', changes: [{ field: 'owner', from: ownerId, to: null }] });
    });

    it('changes title, description and tags without a timeline entry but with a version step', async () => {
      const incident = await createIncident(gateway, org.key, { title: 'Old title', description: 'old', tags: ['a'] });
      const after = (await mutate(gateway, org.key, 'updateIncident', { id: incident.id, title: '  New title ', description: 'new', tags: ['b', 'c'] })).incident!;
      expect(after).toMatchObject({ title: 'New title', description: 'new', tags: ['b', 'c'], version: 2, timeline: { totalCount: 1 } });
      const cleared = (await mutate(gateway, org.key, 'updateIncident', { id: incident.id, description: null, tags: [] })).incident!;
      expect(cleared).toMatchObject({ description: null, tags: [], version: 3 });
    });

    it('impact: an explicit value is an override; null goes back to the derived impact', async () => {
      const api = await createComponent(gateway, org.orgId, 'impact api', 'PARTIAL_OUTAGE');
      const incident = await createIncident(gateway, org.key, { title: 'Impact', componentIds: [api] });
      expect(incident).toMatchObject({ impact: 'MAJOR', impactOverridden: false });
      const overridden = (await mutate(gateway, org.key, 'updateIncident', { id: incident.id, impact: 'MINOR' })).incident!;
      expect(overridden).toMatchObject({ impact: 'MINOR', impactOverridden: true, version: 2 });
      // The override survives component changes.
      const stillOverridden = (await mutate(gateway, org.key, 'setIncidentComponents', { id: incident.id, components: [{ componentId: api, status: 'MAJOR_OUTAGE' }] })).incident!;
      expect(stillOverridden).toMatchObject({ impact: 'MINOR', impactOverridden: true });
      const derived = (await mutate(gateway, org.key, 'updateIncident', { id: incident.id, impact: null })).incident!;
      expect(derived).toMatchObject({ impact: 'CRITICAL', impactOverridden: false });
      expect(derived.timeline.nodes.at(-1)).toMatchObject({ kind: 'IMPACT_CHANGED', changes: [{ field: 'impact', from: 'MINOR', to: 'CRITICAL' }] });
    });

    it('an update that changes nothing keeps the version and writes no entry', async () => {
      const ownerId = await createUser(gateway, org.orgId, 'Same Owner');
      const incident = await createIncident(gateway, org.key, { title: 'Stable', severity: 'LOW', ownerId, tags: ['x'] });
      await expectNothingWritten(gateway, org.orgId, async () => {
        const payload = await mutate(gateway, org.key, 'updateIncident', { id: incident.id, title: 'Stable ', severity: 'LOW', ownerId, tags: ['x'], impact: null, expectedVersion: 1 });
        expect(payload.userErrors).toEqual([]);
        expect(payload.incident).toEqual(incident);
        expect((await mutate(gateway, org.key, 'updateIncident', { id: incident.id })).incident).toEqual(incident);
      });
    });

    it('rejects bad input, unknown owners and stale versions, writing nothing', async () => {
      const other = await createOrg(gateway);
      const foreignUser = await createUser(gateway, other.orgId, 'Stranger');
      const incident = await createIncident(gateway, org.key, { title: 'Guarded' });
      await expectNothingWritten(gateway, org.orgId, async () => {
        expect(await rejectedWith(gateway, org.key, 'updateIncident', { id: incident.id, title: '  ' })).toEqual([
          { code: 'INVALID_INPUT', field: ['title'], message: expect.any(String) },
        ]);
        expect(await rejectedWith(gateway, org.key, 'updateIncident', { id: incident.id, title: null })).toEqual([
          { code: 'INVALID_INPUT', field: ['title'], message: expect.any(String) },
        ]);
        expect(await rejectedWith(gateway, org.key, 'updateIncident', { id: incident.id, description: 'd'.repeat(10_001) })).toEqual([
          { code: 'INVALID_INPUT', field: ['description'], message: expect.any(String) },
        ]);
        expect(await rejectedWith(gateway, org.key, 'updateIncident', { id: incident.id, severity: null })).toEqual([
          { code: 'INVALID_INPUT', field: ['severity'], message: expect.any(String) },
        ]);
        expect(await rejectedWith(gateway, org.key, 'updateIncident', { id: incident.id, ownerId: foreignUser, severity: 'LOW' })).toEqual([
          { code: 'NOT_FOUND', field: ['ownerId'], message: expect.any(String) },
        ]);
        expect(await rejectedWith(gateway, org.key, 'updateIncident', { id: incident.id, severity: 'LOW', expectedVersion: 2 })).toEqual([
          { code: 'VERSION_CONFLICT', field: ['expectedVersion'], message: expect.any(String) },
        ]);
        // Validation comes before the version check.
        expect((await rejectedWith(gateway, org.key, 'updateIncident', { id: incident.id, title: '', expectedVersion: 2 })).map((error) => error.code)).toEqual(['INVALID_INPUT']);
      });
    });
  });

  describe('postIncidentUpdate', () => {
    const post = (input: Record<string, unknown>) =>
      ok<{ postIncidentUpdate: { update: Record<string, any> | null; incident: IncidentShape | null; userErrors: { code: string; field: string[] | null }[] } }>(
        gateway,
        org.key,
        `mutation ($input: PostIncidentUpdateInput!) { postIncidentUpdate(input: $input) { ${UPDATE_FIELDS} incident { ${INCIDENT_FIELDS} } ${USER_ERRORS} } }`,
        { input },
      ).then((data) => data.postIncidentUpdate);

    it('writes a MESSAGE entry at the current status and steps the version', async () => {
      const incident = await createIncident(gateway, org.key, { title: 'Chatty' });
      const payload = await post({ incidentId: incident.id, body: '  Still looking  ', notifySubscribers: false });
      expect(payload.userErrors).toEqual([]);
      expect(payload.update).toMatchObject({ kind: 'MESSAGE', status: 'INVESTIGATING', body: 'Still looking', notifySubscribers: false, incident: { id: incident.id } });
      expect(payload.incident).toMatchObject({ version: 2, timeline: { totalCount: 2 } });
      expect(payload.incident!.timeline.nodes[1].id).toBe(payload.update!.id);
      const again = await post({ incidentId: incident.id, body: 'More', status: 'INVESTIGATING' });
      expect(again.update).toMatchObject({ kind: 'MESSAGE', status: 'INVESTIGATING' });
      expect(Number(again.update!.cursor)).toBeGreaterThan(Number(payload.update!.cursor));
      expect(again.incident!.version).toBe(3);
    });

    it('with a status it transitions, and the message is the transition entry', async () => {
      const incident = await createIncident(gateway, org.key, { title: 'Fixing' });
      const payload = await post({ incidentId: incident.id, body: 'Found it', status: 'IDENTIFIED' });
      expect(payload.update).toMatchObject({ kind: 'STATUS_CHANGED', status: 'IDENTIFIED', body: 'Found it' });
      expect(payload.incident).toMatchObject({ status: 'IDENTIFIED', version: 2, timeline: { totalCount: 2 } });
      const resolved = await post({ incidentId: incident.id, body: 'Done', status: 'RESOLVED' });
      expect(resolved.incident!.resolvedAt).not.toBeNull();
    });

    it('rejects a blank body, a forbidden status and unknown incidents, writing nothing', async () => {
      const incident = await createIncident(gateway, org.key, { title: 'Strict' });
      await expectNothingWritten(gateway, org.orgId, async () => {
        const blank = await post({ incidentId: incident.id, body: ' ' });
        expect(blank).toMatchObject({ update: null, incident: null, userErrors: [{ code: 'INVALID_INPUT', field: ['body'] }] });
        const tooLong = await post({ incidentId: incident.id, body: 'b'.repeat(10_001) });
        expect(tooLong.userErrors).toEqual([{ code: 'INVALID_INPUT', field: ['body'], message: expect.any(String) }]);
        const forbidden = await post({ incidentId: incident.id, body: 'Skip ahead', status: 'POSTMORTEM' });
        expect(forbidden).toMatchObject({ update: null, incident: null, userErrors: [{ code: 'INVALID_TRANSITION' }] });
        const missing = await post({ incidentId: encodeGlobalID('Incident', '5b0f7c9e-3a7e-4f0e-9d55-9f1a2b3c4d5e'), body: 'Hello?' });
        expect(missing.userErrors).toEqual([{ code: 'NOT_FOUND', field: ['incidentId'], message: expect.any(String) }]);
      });
    });
  });

  it('steps the version by one for every mutation that changes the incident or its timeline', async () => {
    const api = await createComponent(gateway, org.orgId, 'versioned');
    const incident = await createIncident(gateway, org.key, { title: 'Counting' });
    const steps: [string, Record<string, unknown>][] = [
      ['updateIncident', { id: incident.id, severity: 'CRITICAL' }],
      ['acknowledgeIncident', { id: incident.id }],
      ['transitionIncident', { id: incident.id, status: 'IDENTIFIED' }],
      ['setIncidentComponents', { id: incident.id, componentIds: [api] }],
      ['updateIncident', { id: incident.id, title: 'Counting on' }],
      ['transitionIncident', { id: incident.id, status: 'RESOLVED' }],
    ];
    let version = 1;
    for (const [name, input] of steps) {
      const payload = await mutate(gateway, org.key, name, input);
      expect(payload.userErrors, name).toEqual([]);
      version += 1;
      expect(payload.incident!.version, name).toBe(version);
    }
    const posted = await ok<{ postIncidentUpdate: { incident: { version: number } } }>(
      gateway,
      org.key,
      'mutation ($id: ID!) { postIncidentUpdate(input: { incidentId: $id, body: "Wrap-up" }) { incident { version } } }',
      { id: incident.id },
    );
    expect(posted.postIncidentUpdate.incident.version).toBe(version + 1);
  });

  describe('setIncidentComponents and component statuses', () => {
    it('replaces the components, derives impact worst-wins and sets component statuses', async () => {
      const a = await createComponent(gateway, org.orgId, 'set a');
      const b = await createComponent(gateway, org.orgId, 'set b', 'DEGRADED_PERFORMANCE');
      const incident = await createIncident(gateway, org.key, { title: 'Spreading' });
      const payload = await mutate(gateway, org.key, 'setIncidentComponents', {
        id: incident.id,
        components: [{ componentId: a, status: 'PARTIAL_OUTAGE' }],
        componentIds: [b],
      });
      expect(payload.userErrors).toEqual([]);
      const after = payload.incident!;
      expect(after.impact).toBe('MAJOR');
      expect(after.affectedComponents.map((entry) => [entry.component.id, entry.status])).toEqual(
        expect.arrayContaining([
          [a, 'PARTIAL_OUTAGE'],
          [b, 'DEGRADED_PERFORMANCE'],
        ]),
      );
      expect(after.timeline.nodes.slice(1).map((entry) => entry.kind)).toEqual(['COMPONENTS_CHANGED', 'IMPACT_CHANGED']);
      // The change names components by global ID, as clients pass them to node().
      const [componentsChange] = after.timeline.nodes[1].changes;
      expect(componentsChange.field).toBe('components');
      expect(componentsChange.to).toContain(a);
      expect(componentsChange.to).toContain(b);
      expect(await componentStatus(gateway, org.key, a)).toBe('PARTIAL_OUTAGE');

      const worse = (await mutate(gateway, org.key, 'setIncidentComponents', { id: incident.id, components: [{ componentId: b, status: 'MAJOR_OUTAGE' }] })).incident!;
      expect(worse.impact).toBe('CRITICAL');
      expect(worse.affectedComponents).toEqual([{ component: { id: b, status: 'MAJOR_OUTAGE' }, status: 'MAJOR_OUTAGE' }]);
      // a is no longer listed by any open incident: back to OPERATIONAL.
      expect(await componentStatus(gateway, org.key, a)).toBe('OPERATIONAL');

      const none = (await mutate(gateway, org.key, 'setIncidentComponents', { id: incident.id, componentIds: [] })).incident!;
      expect(none).toMatchObject({ impact: 'NONE', affectedComponents: [] });
      expect(await componentStatus(gateway, org.key, b)).toBe('OPERATIONAL');
    });

    it('rejects bad component lists like createIncident does, writing nothing', async () => {
      const a = await createComponent(gateway, org.orgId, 'bad list a');
      const incident = await createIncident(gateway, org.key, { title: 'Picky', componentIds: [a] });
      await expectNothingWritten(gateway, org.orgId, async () => {
        expect(await rejectedWith(gateway, org.key, 'setIncidentComponents', { id: incident.id, componentIds: [a, a] })).toEqual([
          { code: 'DUPLICATE_COMPONENT_ID', field: ['componentIds', '1'], message: expect.any(String) },
        ]);
        expect(await rejectedWith(gateway, org.key, 'setIncidentComponents', { id: incident.id, componentIds: ['nope'] })).toEqual([
          { code: 'INVALID_COMPONENT_ID', field: ['componentIds', '0'], message: expect.any(String) },
        ]);
        expect((await rejectedWith(gateway, org.key, 'setIncidentComponents', { id: incident.id, componentIds: Array.from({ length: 51 }, () => a) })).map((error) => error.code)).toEqual(['TOO_MANY_COMPONENTS']);
      });
    });

    it('setting the same components again changes nothing', async () => {
      const a = await createComponent(gateway, org.orgId, 'same a', 'DEGRADED_PERFORMANCE');
      const incident = await createIncident(gateway, org.key, { title: 'Idle', componentIds: [a] });
      await expectNothingWritten(gateway, org.orgId, async () => {
        const payload = await mutate(gateway, org.key, 'setIncidentComponents', { id: incident.id, componentIds: [a] });
        expect(payload.userErrors).toEqual([]);
        expect(payload.incident).toEqual(incident);
      });
    });

    it('on resolve, components go back to OPERATIONAL unless another open incident lists them, then the worst of those', async () => {
      const shared = await createComponent(gateway, org.orgId, 'shared');
      const alone = await createComponent(gateway, org.orgId, 'alone');
      const big = await createIncident(gateway, org.key, {
        title: 'Big',
        components: [
          { componentId: shared, status: 'MAJOR_OUTAGE' },
          { componentId: alone, status: 'PARTIAL_OUTAGE' },
        ],
      });
      const small = await createIncident(gateway, org.key, { title: 'Small', components: [{ componentId: shared, status: 'DEGRADED_PERFORMANCE' }] });
      const medium = await createIncident(gateway, org.key, { title: 'Medium', components: [{ componentId: shared, status: 'PARTIAL_OUTAGE' }] });
      // A closed incident listing the component does not hold it.
      await createIncident(gateway, org.key, { title: 'Closed', status: 'RESOLVED', components: [{ componentId: shared, status: 'MAJOR_OUTAGE' }] });
      expect(await componentStatus(gateway, org.key, shared)).toBe('PARTIAL_OUTAGE');

      await transition({ id: big.id, status: 'RESOLVED' });
      expect(await componentStatus(gateway, org.key, alone)).toBe('OPERATIONAL');
      expect(await componentStatus(gateway, org.key, shared)).toBe('PARTIAL_OUTAGE');
      await transition({ id: medium.id, status: 'RESOLVED' });
      expect(await componentStatus(gateway, org.key, shared)).toBe('DEGRADED_PERFORMANCE');
      await ok(gateway, org.key, 'mutation ($id: ID!) { postIncidentUpdate(input: { incidentId: $id, body: "done", status: RESOLVED }) { incident { id } } }', { id: small.id });
      expect(await componentStatus(gateway, org.key, shared)).toBe('OPERATIONAL');
      // The resolved incident still records what its components went through.
      expect((await readIncident(gateway, org.key, big.id))!.affectedComponents.map((entry) => entry.status)).toEqual(['MAJOR_OUTAGE', 'PARTIAL_OUTAGE']);
    });

    it('completing or cancelling maintenance releases its components too', async () => {
      const db = await createComponent(gateway, org.orgId, 'maintained');
      const cancelled = await createIncident(gateway, org.key, { title: 'Plan', kind: 'MAINTENANCE', components: [{ componentId: db, status: 'UNDER_MAINTENANCE' }] });
      expect(await componentStatus(gateway, org.key, db)).toBe('UNDER_MAINTENANCE');
      await transition({ id: cancelled.id, status: 'CANCELLED' });
      expect(await componentStatus(gateway, org.key, db)).toBe('OPERATIONAL');
      const done = await createIncident(gateway, org.key, { title: 'Work', kind: 'MAINTENANCE', status: 'IN_PROGRESS', components: [{ componentId: db, status: 'UNDER_MAINTENANCE' }] });
      await transition({ id: done.id, status: 'VERIFYING' });
      expect(await componentStatus(gateway, org.key, db)).toBe('UNDER_MAINTENANCE');
      const completed = (await transition({ id: done.id, status: 'COMPLETED' })).incident!;
      expect(completed.resolvedAt).not.toBeNull();
      expect(await componentStatus(gateway, org.key, db)).toBe('OPERATIONAL');
    });
  });

  describe('concurrent writers', () => {
    it('updates posted at the same time without expectedVersion all succeed, one version step each', async () => {
      const incident = await createIncident(gateway, org.key, { title: 'War room' });
      const posts = await Promise.all(
        Array.from({ length: 6 }, (_, index) =>
          ok<{ postIncidentUpdate: { userErrors: unknown[] } }>(
            gateway,
            org.key,
            `mutation ($id: ID!, $body: String!) { postIncidentUpdate(input: { incidentId: $id, body: $body }) { ${USER_ERRORS} } }`,
            { id: incident.id, body: `note ${index}` },
          ),
        ),
      );
      expect(posts.map((post) => post.postIncidentUpdate.userErrors)).toEqual(Array.from({ length: 6 }, () => []));
      const acks = await Promise.all([1, 2, 3].map(() => mutate(gateway, org.key, 'acknowledgeIncident', { id: incident.id })));
      expect(acks.map((ack) => ack.userErrors)).toEqual([[], [], []]);
      const after = await readIncident(gateway, org.key, incident.id);
      expect(after).toMatchObject({ version: 8, timeline: { totalCount: 8 } });
      expect(after!.timeline.nodes.filter((entry) => entry.kind === 'ACKNOWLEDGED')).toHaveLength(1);
    });

    it('incidents sharing a component resolved at the same time leave it OPERATIONAL', async () => {
      for (let round = 0; round < 4; round++) {
        const shared = await createComponent(gateway, org.orgId, `contended ${round}`);
        const holders = await Promise.all(
          ['MAJOR_OUTAGE', 'PARTIAL_OUTAGE', 'DEGRADED_PERFORMANCE'].map((status) =>
            createIncident(gateway, org.key, { title: `holder ${round} ${status}`, components: [{ componentId: shared, status }] }),
          ),
        );
        const resolved = await Promise.all(holders.map((holder) => transition({ id: holder.id, status: 'RESOLVED' })));
        expect(resolved.map((payload) => payload.userErrors)).toEqual([[], [], []]);
        expect(await componentStatus(gateway, org.key, shared)).toBe('OPERATIONAL');
      }
    });
  });

  describe('deleteIncident', () => {
    it('returns deletedIncidentId; afterwards the incident and its entries are gone and its components released', async () => {
      const api = await createComponent(gateway, org.orgId, 'deleted api');
      const incident = await createIncident(gateway, org.key, { title: 'Mistake', components: [{ componentId: api, status: 'MAJOR_OUTAGE' }] });
      const entryId = incident.timeline.nodes[0].id;
      const data = await ok<{ deleteIncident: { deletedIncidentId: string | null; userErrors: unknown[] } }>(
        gateway,
        org.key,
        `mutation ($id: ID!) { deleteIncident(input: { id: $id }) { deletedIncidentId ${USER_ERRORS} } }`,
        { id: incident.id },
      );
      expect(data.deleteIncident).toEqual({ deletedIncidentId: incident.id, userErrors: [] });
      const after = await ok(gateway, org.key, 'query ($id: ID!, $entry: ID!) { incident(id: $id) { id } node(id: $id) { id } entry: node(id: $entry) { id } }', {
        id: incident.id,
        entry: entryId,
      });
      expect(after).toEqual({ incident: null, node: null, entry: null });
      expect(await componentStatus(gateway, org.key, api)).toBe('OPERATIONAL');
      const again = await ok<{ deleteIncident: { deletedIncidentId: string | null; userErrors: { code: string }[] } }>(
        gateway,
        org.key,
        `mutation ($id: ID!) { deleteIncident(input: { id: $id }) { deletedIncidentId ${USER_ERRORS} } }`,
        { id: incident.id },
      );
      expect(again.deleteIncident).toEqual({ deletedIncidentId: null, userErrors: [{ code: 'NOT_FOUND', field: ['id'], message: expect.any(String) }] });
    });
  });
});
