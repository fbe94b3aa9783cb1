import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddComponentDocument,
  AddScheduleDocument,
  AddUserDocument,
  ChangeStatusDocument,
  IncidentTimelineDocument,
  OpenIncidentDocument,
  OpenIncidentsDocument,
  PostUpdateDocument,
  WhoIsOnCallDocument,
} from '../../src/client/generated/graphql.js';
import { backends, startTestGateway, type TestGateway } from '../support/gateway.js';
import { send, sendOk } from '../support/typed.js';

/** The README's example operations (schema/operations/examples.graphql), run as a client would, through their generated types. */
describe.each(backends)('README example operations on %s', (backend) => {
  let gateway: TestGateway;
  let key: string;
  beforeAll(async () => {
    gateway = await startTestGateway(backend);
    ({ key } = await gateway.createOrg(['write']));
  });
  afterAll(async () => gateway?.stop());

  it('sets up a component, people and a rotation, and says who is on call', async () => {
    const { createComponent } = await sendOk(gateway, key, AddComponentDocument, { input: { name: 'Checkout', group: 'Shop' } });
    expect(createComponent).toEqual({ component: { id: expect.any(String), name: 'Checkout', group: 'Shop', status: 'OPERATIONAL' }, userErrors: [] });
    const { createUser } = await sendOk(gateway, key, AddUserDocument, { input: { name: 'Ada Lovelace', email: 'ada@example.com' } });
    const rotationStart = new Date(Date.now() - 3600_000);
    const { createSchedule } = await sendOk(gateway, key, AddScheduleDocument, {
      input: { name: 'Primary', layers: [{ rotationStart: rotationStart.toISOString(), shiftLengthSeconds: 86_400, participantIds: [createUser.user!.id] }] },
    });
    expect(createSchedule.userErrors).toEqual([]);
    const { onCall } = await sendOk(gateway, key, WhoIsOnCallDocument, { scheduleId: createSchedule.schedule!.id });
    // Ada is the only participant: her period never ends.
    expect(onCall).toEqual({ user: { name: 'Ada Lovelace', email: 'ada@example.com' }, startsAt: rotationStart.toISOString(), endsAt: null, override: null });
  });

  it('opens an incident, posts an update, resolves it with expectedVersion and reads its timeline', async () => {
    const { createComponent } = await sendOk(gateway, key, AddComponentDocument, { input: { name: 'Search' } });
    const { createIncident } = await sendOk(gateway, key, OpenIncidentDocument, {
      input: {
        title: 'Checkout returns 502',
        severity: 'HIGH',
        message: 'Checkout fails for some users; investigating.',
        components: [{ componentId: createComponent.component!.id, status: 'MAJOR_OUTAGE' }],
      },
    });
    expect(createIncident).toMatchObject({ incident: { status: 'INVESTIGATING', severity: 'HIGH', version: 1 }, userErrors: [] });
    const { id, number } = createIncident.incident!;

    const open = await sendOk(gateway, key, OpenIncidentsDocument);
    expect(open.incidents.nodes.find((incident) => incident.id === id)).toMatchObject({
      impact: 'CRITICAL',
      affectedComponents: [{ status: 'MAJOR_OUTAGE', component: { name: 'Search' } }],
      timeline: { nodes: [{ kind: 'CREATED', body: 'Checkout fails for some users; investigating.' }] },
    });

    const { postIncidentUpdate } = await sendOk(gateway, key, PostUpdateDocument, { incidentId: id, body: 'Rolled back.' });
    expect(postIncidentUpdate).toMatchObject({ update: { kind: 'MESSAGE', body: 'Rolled back.' }, incident: { version: 2 }, userErrors: [] });

    const stale = await sendOk(gateway, key, ChangeStatusDocument, { id, status: 'RESOLVED', expectedVersion: 1 });
    expect(stale.transitionIncident).toMatchObject({ incident: null, userErrors: [{ code: 'VERSION_CONFLICT' }] });
    const resolved = await sendOk(gateway, key, ChangeStatusDocument, { id, status: 'RESOLVED', message: 'Fixed.', expectedVersion: 2 });
    expect(resolved.transitionIncident).toMatchObject({ incident: { status: 'RESOLVED', resolvedAt: expect.any(String), version: 3 }, userErrors: [] });

    const { incidentByNumber } = await sendOk(gateway, key, IncidentTimelineDocument, { number });
    expect(incidentByNumber?.timeline.nodes.map((entry) => [entry.kind, entry.body])).toEqual([
      ['CREATED', 'Checkout fails for some users; investigating.'],
      ['MESSAGE', 'Rolled back.'],
      ['STATUS_CHANGED', 'Fixed.'],
    ]);
    expect(incidentByNumber?.timeline.nodes[2].changes).toEqual([{ field: 'status', from: 'INVESTIGATING', to: 'RESOLVED' }]);
  });

  it('refuses the examples without a key', async () => {
    const response = await send(gateway, null, OpenIncidentsDocument);
    expect(response.status).toBe(401);
    expect(response.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});
