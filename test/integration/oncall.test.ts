import { describe, expect, it } from 'vitest';
import { backends, gql, useGateway } from '../support/gateway.js';
import { countOf, createUser, created, errorsOf, mutate, ok } from '../support/catalog-fixtures.js';

const HOUR = 3600;
const DAY = 24 * HOUR;
const ON_CALL = 'query ($id: ID!, $at: DateTime) { onCall(scheduleId: $id, at: $at) { user { id name } startsAt endsAt override { id } } }';
const INCIDENT = 'incident { id owner { id } escalationPolicy { id name } }';

interface Org {
  key: string;
  ada: string;
  grace: string;
  linus: string;
}

describe.each(backends)('on-call on %s', (backend) => {
  const gateway = useGateway(backend);

  async function org(): Promise<Org> {
    const { key } = await gateway.createOrg(['write']);
    return { key, ada: await createUser(gateway, key, 'Ada'), grace: await createUser(gateway, key, 'Grace'), linus: await createUser(gateway, key, 'Linus') };
  }

  async function schedule(key: string, input: Record<string, unknown>): Promise<string> {
    return (await created<{ schedule: { id: string } }>(gateway, key, 'createSchedule', input, 'schedule { id }')).schedule.id;
  }

  async function onCall(key: string, id: string, at?: string) {
    return (await ok(gateway, key, ON_CALL, { id, at })).onCall;
  }

  /** Ada always (a one-week, one-person rotation), Grace on weekdays 09:00-17:00 Berlin time. */
  async function businessHours(o: Org): Promise<string> {
    return schedule(o.key, {
      name: 'Primary',
      timeZone: 'Europe/Berlin',
      layers: [
        { name: 'Nights', rotationStart: '2025-01-01T00:00:00Z', shiftLengthSeconds: 7 * DAY, participantIds: [o.ada] },
        {
          name: 'Office',
          rotationStart: '2025-01-01T00:00:00Z',
          shiftLengthSeconds: 7 * DAY,
          participantIds: [o.grace],
          restrictions: [{ daysOfWeek: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'], startTime: '09:00', endTime: '17:00' }],
        },
      ],
    });
  }

  it('creates a schedule and reads back its layers, participants and restrictions', async () => {
    const o = await org();
    const id = await businessHours(o);
    const data = await ok(
      gateway,
      o.key,
      'query ($id: ID!) { schedule(id: $id) { name timeZone layers { name position rotationStart shiftLengthSeconds participants { id } restrictions { daysOfWeek startTime endTime } } } schedules { totalCount } }',
      { id },
    );
    expect(data.schedules.totalCount).toBe(1);
    expect(data.schedule).toEqual({
      name: 'Primary',
      timeZone: 'Europe/Berlin',
      layers: [
        { name: 'Nights', position: 0, rotationStart: '2025-01-01T00:00:00.000Z', shiftLengthSeconds: 7 * DAY, participants: [{ id: o.ada }], restrictions: [] },
        {
          name: 'Office',
          position: 1,
          rotationStart: '2025-01-01T00:00:00.000Z',
          shiftLengthSeconds: 7 * DAY,
          participants: [{ id: o.grace }],
          restrictions: [{ daysOfWeek: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'], startTime: '09:00', endTime: '17:00' }],
        },
      ],
    });
  });

  it('rejects an invalid schedule with the path of every problem, writing nothing', async () => {
    const o = await org();
    const other = await gateway.createOrg(['write']);
    const stranger = await createUser(gateway, other.key, 'Stranger');
    const payload = await mutate(
      gateway,
      o.key,
      'createSchedule',
      {
        name: ' ',
        timeZone: 'Nowhere/Land',
        layers: [
          {
            rotationStart: '2025-01-01T00:00:00Z',
            shiftLengthSeconds: 10,
            participantIds: [o.ada, stranger],
            restrictions: [{ daysOfWeek: [], startTime: '25:00', endTime: '9:00' }],
          },
          { name: '', rotationStart: '2025-01-01T00:00:00Z', shiftLengthSeconds: DAY, participantIds: [] },
        ],
      },
      'schedule { id }',
    );
    expect(payload.schedule).toBeNull();
    expect(errorsOf(payload)).toEqual([
      { code: 'INVALID_INPUT', field: ['name'] },
      { code: 'INVALID_INPUT', field: ['timeZone'] },
      { code: 'INVALID_INPUT', field: ['layers', '0', 'shiftLengthSeconds'] },
      { code: 'INVALID_INPUT', field: ['layers', '0', 'restrictions', '0', 'daysOfWeek'] },
      { code: 'INVALID_INPUT', field: ['layers', '0', 'restrictions', '0', 'startTime'] },
      { code: 'INVALID_INPUT', field: ['layers', '0', 'restrictions', '0', 'endTime'] },
      { code: 'INVALID_INPUT', field: ['layers', '1', 'name'] },
      { code: 'INVALID_INPUT', field: ['layers', '1', 'participantIds'] },
    ]);
    const noLayers = await mutate(gateway, o.key, 'createSchedule', { name: 'Empty', layers: [] }, 'schedule { id }');
    expect(errorsOf(noLayers)).toEqual([{ code: 'INVALID_INPUT', field: ['layers'] }]);
    // Participants from another organization, or no user at all, are not found.
    const unknown = await mutate(
      gateway,
      o.key,
      'createSchedule',
      { name: 'S', layers: [{ rotationStart: '2025-01-01T00:00:00Z', shiftLengthSeconds: DAY, participantIds: [o.ada, stranger, 'nope'] }] },
      'schedule { id }',
    );
    expect(errorsOf(unknown)).toEqual([
      { code: 'NOT_FOUND', field: ['layers', '0', 'participantIds', '1'] },
      { code: 'NOT_FOUND', field: ['layers', '0', 'participantIds', '2'] },
    ]);
    expect(await countOf(gateway, o.key, 'schedules')).toBe(0);
  });

  it('hands over exactly at the shift boundary', async () => {
    const o = await org();
    const id = await schedule(o.key, {
      name: 'Daily',
      layers: [{ rotationStart: '2025-01-06T09:00:00Z', shiftLengthSeconds: DAY, participantIds: [o.ada, o.grace] }],
    });
    expect(await onCall(o.key, id, '2025-01-07T08:59:59.999Z')).toEqual({
      user: { id: o.ada, name: 'Ada' },
      startsAt: '2025-01-06T09:00:00.000Z',
      endsAt: '2025-01-07T09:00:00.000Z',
      override: null,
    });
    expect(await onCall(o.key, id, '2025-01-07T09:00:00Z')).toEqual({
      user: { id: o.grace, name: 'Grace' },
      startsAt: '2025-01-07T09:00:00.000Z',
      endsAt: '2025-01-08T09:00:00.000Z',
      override: null,
    });
    // Before the rotation starts nobody is on call.
    expect(await onCall(o.key, id, '2025-01-06T08:59:59Z')).toBeNull();
  });

  it('honours restrictions in the schedule time zone, and the later layer wins', async () => {
    const o = await org();
    const id = await businessHours(o);
    // Monday 2025-01-06, Berlin is UTC+1: the office window is 08:00-16:00 UTC.
    expect(await onCall(o.key, id, '2025-01-06T07:59:00Z')).toMatchObject({ user: { id: o.ada }, endsAt: '2025-01-06T08:00:00.000Z' });
    expect(await onCall(o.key, id, '2025-01-06T08:00:00Z')).toMatchObject({
      user: { id: o.grace },
      startsAt: '2025-01-06T08:00:00.000Z',
      endsAt: '2025-01-06T16:00:00.000Z',
    });
    expect(await onCall(o.key, id, '2025-01-06T16:00:00Z')).toMatchObject({ user: { id: o.ada }, startsAt: '2025-01-06T16:00:00.000Z' });
    // Saturday: only the first layer has someone.
    expect(await onCall(o.key, id, '2025-01-11T10:00:00Z')).toMatchObject({ user: { id: o.ada } });

    const officeOnly = await schedule(o.key, {
      name: 'Office only',
      timeZone: 'Europe/Berlin',
      layers: [
        {
          rotationStart: '2025-01-01T00:00:00Z',
          shiftLengthSeconds: 7 * DAY,
          participantIds: [o.grace],
          restrictions: [{ daysOfWeek: ['MONDAY'], startTime: '09:00', endTime: '17:00' }],
        },
      ],
    });
    expect(await onCall(o.key, officeOnly, '2025-01-11T10:00:00Z')).toBeNull();
  });

  it('lets an override beat every layer, and removing it hands back', async () => {
    const o = await org();
    const id = await businessHours(o);
    const created_ = await created(
      gateway,
      o.key,
      'createScheduleOverride',
      { scheduleId: id, userId: o.linus, startsAt: '2025-01-06T10:00:00Z', endsAt: '2025-01-06T12:00:00Z' },
      'scheduleOverride { id user { id } startsAt endsAt schedule { id } }',
    );
    const override = created_.scheduleOverride;
    expect(override).toMatchObject({ user: { id: o.linus }, startsAt: '2025-01-06T10:00:00.000Z', endsAt: '2025-01-06T12:00:00.000Z', schedule: { id } });
    expect(await onCall(o.key, id, '2025-01-06T11:00:00Z')).toEqual({
      user: { id: o.linus, name: 'Linus' },
      startsAt: '2025-01-06T10:00:00.000Z',
      endsAt: '2025-01-06T12:00:00.000Z',
      override: { id: override.id },
    });
    const shifts = await ok(
      gateway,
      o.key,
      'query ($id: ID!) { schedule(id: $id) { shifts(from: "2025-01-06T00:00:00Z", to: "2025-01-07T00:00:00Z") { user { name } startsAt endsAt override { id } } overrides { totalCount nodes { id } } } }',
      { id },
    );
    expect(shifts.schedule.shifts).toEqual([
      { user: { name: 'Ada' }, startsAt: '2025-01-06T00:00:00.000Z', endsAt: '2025-01-06T08:00:00.000Z', override: null },
      { user: { name: 'Grace' }, startsAt: '2025-01-06T08:00:00.000Z', endsAt: '2025-01-06T10:00:00.000Z', override: null },
      { user: { name: 'Linus' }, startsAt: '2025-01-06T10:00:00.000Z', endsAt: '2025-01-06T12:00:00.000Z', override: { id: override.id } },
      { user: { name: 'Grace' }, startsAt: '2025-01-06T12:00:00.000Z', endsAt: '2025-01-06T16:00:00.000Z', override: null },
      { user: { name: 'Ada' }, startsAt: '2025-01-06T16:00:00.000Z', endsAt: '2025-01-07T00:00:00.000Z', override: null },
    ]);
    expect(shifts.schedule.overrides).toEqual({ totalCount: 1, nodes: [{ id: override.id }] });

    const deleted = await created(gateway, o.key, 'deleteScheduleOverride', { id: override.id }, 'deletedScheduleOverrideId');
    expect(deleted.deletedScheduleOverrideId).toBe(override.id);
    expect(await onCall(o.key, id, '2025-01-06T11:00:00Z')).toMatchObject({ user: { id: o.grace }, override: null });
    const again = await mutate(gateway, o.key, 'deleteScheduleOverride', { id: override.id }, 'deletedScheduleOverrideId');
    expect(errorsOf(again)).toEqual([{ code: 'NOT_FOUND', field: ['id'] }]);
  });

  it('rejects an invalid override and bad shift windows', async () => {
    const o = await org();
    const other = await gateway.createOrg(['write']);
    const stranger = await createUser(gateway, other.key, 'Stranger');
    const id = await businessHours(o);
    const backwards = await mutate(
      gateway,
      o.key,
      'createScheduleOverride',
      { scheduleId: id, userId: o.ada, startsAt: '2025-01-06T12:00:00Z', endsAt: '2025-01-06T12:00:00Z' },
      'scheduleOverride { id }',
    );
    expect(backwards.scheduleOverride).toBeNull();
    expect(errorsOf(backwards)).toEqual([{ code: 'INVALID_INPUT', field: ['endsAt'] }]);
    const foreignSchedule = await businessHours({ ...o, key: other.key, ada: stranger, grace: stranger });
    const missing = await mutate(
      gateway,
      o.key,
      'createScheduleOverride',
      { scheduleId: foreignSchedule, userId: stranger, startsAt: '2025-01-06T10:00:00Z', endsAt: '2025-01-06T12:00:00Z' },
      'scheduleOverride { id }',
    );
    expect(errorsOf(missing)).toEqual([
      { code: 'NOT_FOUND', field: ['scheduleId'] },
      { code: 'NOT_FOUND', field: ['userId'] },
    ]);
    const overrides = await ok(gateway, o.key, 'query ($id: ID!) { schedule(id: $id) { overrides { totalCount } } }', { id });
    expect(overrides.schedule.overrides.totalCount).toBe(0);

    const window = 'query ($id: ID!, $from: DateTime!, $to: DateTime!) { schedule(id: $id) { shifts(from: $from, to: $to) { startsAt } } }';
    const reversed = await gql(gateway, o.key, window, { id, from: '2025-01-02T00:00:00Z', to: '2025-01-01T00:00:00Z' });
    expect(reversed.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const tooLong = await gql(gateway, o.key, window, { id, from: '2025-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' });
    expect(tooLong.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('creates escalation policies with ordered rules and checks every target', async () => {
    const o = await org();
    const id = await businessHours(o);
    const other = await gateway.createOrg(['write']);
    const stranger = await createUser(gateway, other.key, 'Stranger');
    const policy = await created(
      gateway,
      o.key,
      'createEscalationPolicy',
      { name: 'Default', repeatCount: 2, rules: [{ delayMinutes: 0, targets: [{ scheduleId: id }] }, { delayMinutes: 15, targets: [{ userId: o.linus }, { scheduleId: id }] }] },
      'escalationPolicy { id name repeatCount rules { position delayMinutes targets { schedule { id } user { id } } } }',
    );
    expect(policy.escalationPolicy).toMatchObject({
      name: 'Default',
      repeatCount: 2,
      rules: [
        { position: 0, delayMinutes: 0, targets: [{ schedule: { id }, user: null }] },
        { position: 1, delayMinutes: 15, targets: [{ schedule: null, user: { id: o.linus } }, { schedule: { id }, user: null }] },
      ],
    });
    const invalid = await mutate(
      gateway,
      o.key,
      'createEscalationPolicy',
      {
        name: 'Bad',
        repeatCount: -1,
        rules: [
          { delayMinutes: -5, targets: [{ scheduleId: id, userId: o.ada }, {}] },
          { delayMinutes: 5, targets: [] },
        ],
      },
      'escalationPolicy { id }',
    );
    expect(invalid.escalationPolicy).toBeNull();
    expect(errorsOf(invalid)).toEqual([
      { code: 'INVALID_INPUT', field: ['repeatCount'] },
      { code: 'INVALID_INPUT', field: ['rules', '0', 'delayMinutes'] },
      { code: 'INVALID_INPUT', field: ['rules', '0', 'targets', '0'] },
      { code: 'INVALID_INPUT', field: ['rules', '0', 'targets', '1'] },
      { code: 'INVALID_INPUT', field: ['rules', '1', 'targets'] },
    ]);
    const foreignSchedule = await schedule(other.key, { name: 'Theirs', layers: [{ rotationStart: '2025-01-01T00:00:00Z', shiftLengthSeconds: DAY, participantIds: [stranger] }] });
    const missing = await mutate(
      gateway,
      o.key,
      'createEscalationPolicy',
      { name: 'Crossed', rules: [{ delayMinutes: 0, targets: [{ scheduleId: id }, { scheduleId: foreignSchedule }, { userId: stranger }] }] },
      'escalationPolicy { id }',
    );
    expect(errorsOf(missing)).toEqual([
      { code: 'NOT_FOUND', field: ['rules', '0', 'targets', '1', 'scheduleId'] },
      { code: 'NOT_FOUND', field: ['rules', '0', 'targets', '2', 'userId'] },
    ]);
    expect(await countOf(gateway, o.key, 'escalationPolicies')).toBe(1);
  });

  describe('createIncident with ownerScheduleId', () => {
    /** A schedule whose only layer has `userId` on call from 2020 on, with two policies targeting it. */
    async function staffed(o: Org, userId: string) {
      const id = await schedule(o.key, {
        name: 'Always',
        layers: [{ rotationStart: '2020-01-01T00:00:00Z', shiftLengthSeconds: 365 * DAY, participantIds: [userId] }],
      });
      const rules = [{ delayMinutes: 5, targets: [{ userId: o.linus }, { scheduleId: id }] }];
      const oldest = await created(gateway, o.key, 'createEscalationPolicy', { name: 'Oldest', rules }, 'escalationPolicy { id }');
      await created(gateway, o.key, 'createEscalationPolicy', { name: 'Newer', rules }, 'escalationPolicy { id }');
      return { id, policy: oldest.escalationPolicy.id as string };
    }

    it('makes whoever is on call the owner and attaches the oldest policy targeting the schedule', async () => {
      const o = await org();
      const { id, policy } = await staffed(o, o.ada);
      const incident = await created(gateway, o.key, 'createIncident', { title: 'Paged', ownerScheduleId: id }, INCIDENT);
      expect(incident.incident).toMatchObject({ owner: { id: o.ada }, escalationPolicy: { id: policy, name: 'Oldest' } });
    });

    it('honours an override covering now', async () => {
      const o = await org();
      const { id } = await staffed(o, o.ada);
      const now = Date.now();
      await created(
        gateway,
        o.key,
        'createScheduleOverride',
        { scheduleId: id, userId: o.grace, startsAt: new Date(now - HOUR * 1000).toISOString(), endsAt: new Date(now + HOUR * 1000).toISOString() },
        'scheduleOverride { id }',
      );
      const incident = await created(gateway, o.key, 'createIncident', { title: 'Paged', ownerScheduleId: id }, INCIDENT);
      expect(incident.incident.owner).toEqual({ id: o.grace });
      expect((await onCall(o.key, id)).user.id).toBe(o.grace);
    });

    it('creates the incident without an owner when nobody is on call, still with the policy', async () => {
      const o = await org();
      const id = await schedule(o.key, {
        name: 'Not yet',
        layers: [{ rotationStart: '2100-01-01T00:00:00Z', shiftLengthSeconds: DAY, participantIds: [o.ada] }],
      });
      const policy = await created(gateway, o.key, 'createEscalationPolicy', { name: 'P', rules: [{ delayMinutes: 0, targets: [{ scheduleId: id }] }] }, 'escalationPolicy { id }');
      const incident = await created(gateway, o.key, 'createIncident', { title: 'Unowned', ownerScheduleId: id }, INCIDENT);
      expect(incident.incident).toMatchObject({ owner: null, escalationPolicy: { id: policy.escalationPolicy.id } });
      expect(await onCall(o.key, id)).toBeNull();
    });

    it('lets ownerId win for the owner while the policy is still attached', async () => {
      const o = await org();
      const { id, policy } = await staffed(o, o.ada);
      const incident = await created(gateway, o.key, 'createIncident', { title: 'Mine', ownerScheduleId: id, ownerId: o.linus }, INCIDENT);
      expect(incident.incident).toMatchObject({ owner: { id: o.linus }, escalationPolicy: { id: policy } });
    });

    it('attaches no policy when none targets the schedule', async () => {
      const o = await org();
      const id = await schedule(o.key, { name: 'Lonely', layers: [{ rotationStart: '2020-01-01T00:00:00Z', shiftLengthSeconds: DAY, participantIds: [o.ada] }] });
      const incident = await created(gateway, o.key, 'createIncident', { title: 'x', ownerScheduleId: id }, INCIDENT);
      expect(incident.incident).toMatchObject({ owner: { id: o.ada }, escalationPolicy: null });
    });

    it('answers NOT_FOUND for an unknown or foreign schedule or owner, writing nothing', async () => {
      const o = await org();
      const other = await org();
      const foreign = await staffed(other, other.ada);
      const own = await staffed(o, o.ada);
      for (const [input, field] of [
        [{ ownerScheduleId: foreign.id }, ['ownerScheduleId']],
        [{ ownerScheduleId: o.ada }, ['ownerScheduleId']],
        [{ ownerScheduleId: 'not-an-id' }, ['ownerScheduleId']],
        [{ ownerScheduleId: own.id, ownerId: other.ada }, ['ownerId']],
      ] as const) {
        const payload = await mutate(gateway, o.key, 'createIncident', { title: 'Nope', ...input }, INCIDENT);
        expect(payload.incident).toBeNull();
        expect(errorsOf(payload)).toEqual([{ code: 'NOT_FOUND', field }]);
      }
      expect(await countOf(gateway, o.key, 'incidents')).toBe(0);
      const next = await created(gateway, o.key, 'createIncident', { title: 'First' }, 'incident { number }');
      expect(next.incident.number).toBe(1);
    });
  });

  it('keeps schedules and policies of one organization invisible to another', async () => {
    const a = await org();
    const b = await gateway.createOrg(['write']);
    const id = await businessHours(a);
    const policy = await created(gateway, a.key, 'createEscalationPolicy', { name: 'A', rules: [{ delayMinutes: 0, targets: [{ scheduleId: id }] }] }, 'escalationPolicy { id }');
    const policyId = policy.escalationPolicy.id;
    const seen = await ok(
      gateway,
      b.key,
      'query ($id: ID!, $p: ID!) { schedule(id: $id) { id } escalationPolicy(id: $p) { id } node(id: $id) { id } onCall(scheduleId: $id, at: "2025-01-06T11:00:00Z") { user { id } } schedules { totalCount } escalationPolicies { totalCount } }',
      { id, p: policyId },
    );
    expect(seen).toEqual({ schedule: null, escalationPolicy: null, node: null, onCall: null, schedules: { totalCount: 0 }, escalationPolicies: { totalCount: 0 } });
    for (const [name, input] of [
      ['deleteSchedule', { id }],
      ['deleteEscalationPolicy', { id: policyId }],
    ] as const) {
      expect(errorsOf(await mutate(gateway, b.key, name, input, '__typename'))).toEqual([{ code: 'NOT_FOUND', field: ['id'] }]);
    }
    const mine = await ok(gateway, a.key, 'query ($id: ID!) { schedule(id: $id) { name } escalationPolicies { totalCount } }', { id });
    expect(mine).toEqual({ schedule: { name: 'Primary' }, escalationPolicies: { totalCount: 1 } });

    const deleted = await created(gateway, a.key, 'deleteSchedule', { id }, 'deletedScheduleId');
    expect(deleted.deletedScheduleId).toBe(id);
    const rules = await ok(gateway, a.key, 'query ($p: ID!) { escalationPolicy(id: $p) { rules { targets { schedule { id } } } } }', { p: policyId });
    expect(rules.escalationPolicy.rules).toEqual([{ targets: [] }]);
  });
});
