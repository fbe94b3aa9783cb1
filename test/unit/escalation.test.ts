import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkContactAddress,
  firstStep,
  fullPlan,
  onOwnerChange,
  pageEmail,
  recipientsAt,
  stepAfter,
  stepApplies,
  type PolicySpec,
  type StepSpec,
} from '../../src/domain/escalation.js';
import type { ScheduleSpec } from '../../src/domain/oncall.js';

const MINUTE = 60_000;
const START = new Date('2026-03-02T10:00:00Z');
const at = (minutes: number) => new Date(START.getTime() + minutes * MINUTE);

const twoRules: PolicySpec = {
  repeatCount: 1,
  rules: [
    { delayMinutes: 5, targets: [{ scheduleId: 'primary' }] },
    { delayMinutes: 10, targets: [{ userId: 'bob' }] },
  ],
};

const policyArb: fc.Arbitrary<PolicySpec> = fc.record({
  repeatCount: fc.integer({ min: 0, max: 10 }),
  rules: fc.array(
    fc.record({
      delayMinutes: fc.integer({ min: 0, max: 10_080 }),
      targets: fc.array(fc.oneof(fc.record({ userId: fc.constantFrom('u1', 'u2', 'u3') }), fc.record({ scheduleId: fc.constantFrom('s1', 's2') })), {
        minLength: 1,
        maxLength: 4,
      }),
    }),
    { minLength: 1, maxLength: 20 },
  ),
});

describe('escalation plan', () => {
  it('pages level 0, 1, 0, 1 of a 2-rule policy with repeatCount 1, then is exhausted, each at its due time', () => {
    expect(fullPlan(true, twoRules, START, MINUTE)).toEqual([
      { kind: 'PAGE', level: 0, cycle: 0, dueAt: at(0) },
      { kind: 'PAGE', level: 1, cycle: 0, dueAt: at(5) },
      { kind: 'PAGE', level: 0, cycle: 1, dueAt: at(15) },
      { kind: 'PAGE', level: 1, cycle: 1, dueAt: at(20) },
      { kind: 'EXHAUST', level: 1, cycle: 1, dueAt: at(30) },
    ]);
  });

  it('pages nothing without an owner or a policy; an owner alone is paged once and then waited for', () => {
    expect(firstStep(false, false, START)).toBeNull();
    expect(fullPlan(true, null, START, MINUTE)).toEqual([{ kind: 'PAGE', level: 0, cycle: 0, dueAt: START }]);
    expect(firstStep(false, true, START)).toEqual({ kind: 'PAGE', level: 0, cycle: 0, dueAt: START });
  });

  it('ESCALATION_MINUTE_MS scales every delay', () => {
    expect(fullPlan(false, twoRules, START, 200).map((step) => step.dueAt.getTime() - START.getTime())).toEqual([0, 1000, 3000, 4000, 6000]);
  });

  it('counts the next step from when this one was due, not from when it ran', () => {
    const late: StepSpec = { kind: 'PAGE', level: 0, cycle: 0, dueAt: at(0) };
    expect(stepAfter(late, twoRules, MINUTE)?.dueAt).toEqual(at(5));
  });

  it('property: every policy pages each rule (repeatCount + 1) times in order, then exhausts after the sum of all delays', () => {
    fc.assert(
      fc.property(policyArb, fc.boolean(), fc.integer({ min: 1, max: 60_000 }), (policy, hasOwner, minuteMs) => {
        const plan = fullPlan(hasOwner, policy, START, minuteMs);
        const rules = policy.rules.length;
        const passes = policy.repeatCount + 1;
        expect(plan).toHaveLength(rules * passes + 1);
        plan.slice(0, -1).forEach((step, index) => {
          expect(step).toMatchObject({ kind: 'PAGE', level: index % rules, cycle: Math.floor(index / rules) });
        });
        const delays = policy.rules.reduce((sum, rule) => sum + rule.delayMinutes, 0);
        expect(plan.at(-1)).toMatchObject({ kind: 'EXHAUST', dueAt: new Date(START.getTime() + passes * delays * minuteMs) });
        // Never earlier than the step before.
        for (let index = 1; index < plan.length; index += 1) expect(plan[index].dueAt.getTime()).toBeGreaterThanOrEqual(plan[index - 1].dueAt.getTime());
      }),
    );
  });
});

describe('who a level pages', () => {
  const alwaysOn = (userId: string): ScheduleSpec => ({
    timeZone: 'UTC',
    layers: [{ rotationStart: new Date('2026-01-01T00:00:00Z'), shiftLengthSeconds: 86_400 * 365, participantIds: [userId], restrictions: [] }],
    overrides: [],
  });

  it('level 0 pages the owner when there is one, otherwise the first rule', () => {
    const schedules = new Map([['primary', alwaysOn('alice')]]);
    expect(recipientsAt(0, 'olga', twoRules, schedules, START)).toEqual({ userIds: ['olga'], unresolved: 0 });
    expect(recipientsAt(0, null, twoRules, schedules, START)).toEqual({ userIds: ['alice'], unresolved: 0 });
    expect(recipientsAt(1, 'olga', twoRules, schedules, START)).toEqual({ userIds: ['bob'], unresolved: 0 });
  });

  it('a schedule target is whoever is on call at that instant, overrides honoured', () => {
    const withOverride: ScheduleSpec = {
      ...alwaysOn('alice'),
      overrides: [{ id: 'o1', userId: 'erin', startsAt: at(10), endsAt: at(20) }],
    };
    const schedules = new Map([['primary', withOverride]]);
    expect(recipientsAt(0, null, twoRules, schedules, at(5)).userIds).toEqual(['alice']);
    expect(recipientsAt(0, null, twoRules, schedules, at(15)).userIds).toEqual(['erin']);
    expect(recipientsAt(0, null, twoRules, schedules, at(20)).userIds).toEqual(['alice']);
  });

  it('pages each user once, in target order; a schedule with nobody on call or a missing rule gives nobody', () => {
    const policy: PolicySpec = { repeatCount: 0, rules: [{ delayMinutes: 1, targets: [{ userId: 'bob' }, { scheduleId: 'primary' }, { userId: 'alice' }, { scheduleId: 'empty' }] }] };
    const schedules = new Map([
      ['primary', alwaysOn('alice')],
      ['empty', { timeZone: 'UTC', layers: [], overrides: [] }],
    ]);
    expect(recipientsAt(0, null, policy, schedules, START)).toEqual({ userIds: ['bob', 'alice'], unresolved: 1 });
    expect(recipientsAt(3, null, policy, schedules, START)).toEqual({ userIds: [], unresolved: 1 });
    expect(recipientsAt(1, 'olga', null, schedules, START)).toEqual({ userIds: [], unresolved: 1 });
  });
});

describe('which steps still apply', () => {
  const active = { state: 'ACTIVE' as const, generation: 3 };

  it('acknowledging, resolving, restarting or deleting makes planned steps do nothing', () => {
    expect(stepApplies({ kind: 'PAGE', generation: 3 }, active, true)).toBe(true);
    expect(stepApplies({ kind: 'EXHAUST', generation: 3 }, active, true)).toBe(true);
    expect(stepApplies({ kind: 'PAGE', generation: 2 }, active, true)).toBe(false);
    expect(stepApplies({ kind: 'PAGE', generation: 3 }, { state: 'ACKNOWLEDGED', generation: 3 }, true)).toBe(false);
    expect(stepApplies({ kind: 'PAGE', generation: 3 }, { state: 'STOPPED', generation: 3 }, true)).toBe(false);
    expect(stepApplies({ kind: 'PAGE', generation: 3 }, null, true)).toBe(false);
    expect(stepApplies({ kind: 'PAGE', generation: 3 }, active, false)).toBe(false);
  });

  it('a one-off page of a new owner applies while the incident is open', () => {
    expect(stepApplies({ kind: 'OWNER', generation: 1 }, { state: 'ACKNOWLEDGED', generation: 7 }, true)).toBe(true);
    expect(stepApplies({ kind: 'OWNER', generation: 1 }, { state: 'ACKNOWLEDGED', generation: 7 }, false)).toBe(false);
  });

  it('a new owner restarts paging, or is paged alone once the incident was acknowledged', () => {
    expect(onOwnerChange('u1', true, 'ACTIVE', true)).toBe('RESTART');
    expect(onOwnerChange('u1', true, null, false)).toBe('RESTART');
    expect(onOwnerChange('u1', true, 'EXHAUSTED', true)).toBe('RESTART');
    expect(onOwnerChange('u1', true, 'ACKNOWLEDGED', false)).toBe('PAGE_OWNER');
    expect(onOwnerChange('u1', false, 'ACTIVE', true)).toBe('NONE');
  });

  it('removing the owner stops paging only when no policy goes on without them', () => {
    expect(onOwnerChange(null, true, 'ACTIVE', false)).toBe('STOP');
    expect(onOwnerChange(null, true, 'ACTIVE', true)).toBe('NONE');
    expect(onOwnerChange(null, true, 'ACKNOWLEDGED', false)).toBe('NONE');
    expect(onOwnerChange(null, false, 'ACTIVE', false)).toBe('NONE');
  });
});

describe('contact methods and what a page says', () => {
  it('trims addresses and checks email addresses', () => {
    expect(checkContactAddress('EMAIL', ' a@example.com ')).toEqual({ address: 'a@example.com', error: null });
    expect(checkContactAddress('EMAIL', 'nope').error).toMatch(/email/);
    expect(checkContactAddress('WEBHOOK', '  ').error).toMatch(/blank/);
    expect(checkContactAddress('WEBHOOK', `https://example.com/${'x'.repeat(2100)}`).error).toMatch(/2048/);
  });

  it('an email page names the incident, the level and the acknowledge link', () => {
    const email = pageEmail({
      id: 'n1',
      type: 'incident.paged',
      incident: { id: 'I1', number: 42, title: 'Checkout down', severity: 'CRITICAL', status: 'INVESTIGATING' },
      level: 1,
      user: { id: 'U1', name: 'Bob', email: 'bob@example.com' },
      acknowledgeUrl: 'https://gateway.example/ack/abc',
    });
    expect(email.subject).toBe('[PAGE] #42 Checkout down (CRITICAL)');
    expect(email.text).toContain('level 1');
    expect(email.text).toContain('https://gateway.example/ack/abc');
  });
});
