import { describe, expect, it } from 'vitest';
import { InputCheck } from '../../src/domain/validation.js';
import { checkEscalationPolicy, checkOverridePeriod, checkSchedule, LAYERS_MAX, type LayerInput } from '../../src/domain/oncall-input.js';

const layer = (overrides: Partial<LayerInput> = {}): LayerInput => ({
  rotationStart: new Date('2025-01-06T09:00:00Z'),
  shiftLengthSeconds: 86_400,
  participantIds: ['u1'],
  ...overrides,
});
const errorsOf = (check: InputCheck) => check.errors.map((error) => `${error.code} ${error.field?.join('.')}`);

describe('schedule input rules', () => {
  it('names layers by position unless named, and defaults to UTC', () => {
    const check = new InputCheck();
    const schedule = checkSchedule(check, { name: 'Primary', layers: [layer(), layer({ name: ' Office ' })] });
    expect(check.ok).toBe(true);
    expect(schedule.timeZone).toBe('UTC');
    expect(schedule.layers.map((checked) => checked.name)).toEqual(['Layer 1', 'Office']);
  });

  it('reports each problem at its path inside the layers', () => {
    const check = new InputCheck();
    checkSchedule(check, {
      name: 'S',
      timeZone: 'Europe/Berlin',
      layers: [
        layer({ shiftLengthSeconds: 59, restrictions: [{ daysOfWeek: ['MONDAY'], startTime: '09:00', endTime: '24:00' }] }),
        layer({ rotationStart: new Date('nope'), participantIds: [] }),
      ],
    });
    expect(errorsOf(check)).toEqual([
      'INVALID_INPUT layers.0.shiftLengthSeconds',
      'INVALID_INPUT layers.0.restrictions.0.endTime',
      'INVALID_INPUT layers.1.rotationStart',
      'INVALID_INPUT layers.1.participantIds',
    ]);
  });

  it('takes 1 to 10 layers and de-duplicates restriction days', () => {
    const tooMany = new InputCheck();
    checkSchedule(tooMany, { name: 'S', layers: Array.from({ length: LAYERS_MAX + 1 }, () => layer()) });
    expect(errorsOf(tooMany)).toEqual(['INVALID_INPUT layers']);
    const check = new InputCheck();
    const schedule = checkSchedule(check, {
      name: 'S',
      layers: [layer({ restrictions: [{ daysOfWeek: ['MONDAY', 'MONDAY'], startTime: '22:00', endTime: '06:00' }] })],
    });
    expect(check.ok).toBe(true);
    expect(schedule.layers[0].restrictions[0].daysOfWeek).toEqual(['MONDAY']);
  });

  it('wants an override to end after it starts', () => {
    const check = new InputCheck();
    checkOverridePeriod(check, new Date('2025-01-01T10:00:00Z'), new Date('2025-01-01T10:00:00Z'));
    expect(errorsOf(check)).toEqual(['INVALID_INPUT endsAt']);
  });
});

describe('escalation policy input rules', () => {
  it('keeps rules and targets in order, each target naming one thing', () => {
    const check = new InputCheck();
    const policy = checkEscalationPolicy(check, {
      name: 'P',
      rules: [{ delayMinutes: 0, targets: [{ scheduleId: 's1' }, { userId: 'u1', scheduleId: null }] }],
    });
    expect(check.ok).toBe(true);
    expect(policy).toEqual({
      name: 'P',
      repeatCount: 0,
      rules: [{ delayMinutes: 0, targets: [{ scheduleId: 's1', userId: null }, { scheduleId: null, userId: 'u1' }] }],
    });
  });

  it('refuses negative delays, empty rules and targets naming both or neither', () => {
    const check = new InputCheck();
    checkEscalationPolicy(check, {
      name: 'P',
      repeatCount: 11,
      rules: [{ delayMinutes: -1, targets: [{ scheduleId: 's1', userId: 'u1' }, {}] }, { delayMinutes: 1.5, targets: [] }],
    });
    expect(errorsOf(check)).toEqual([
      'INVALID_INPUT repeatCount',
      'INVALID_INPUT rules.0.delayMinutes',
      'INVALID_INPUT rules.0.targets.0',
      'INVALID_INPUT rules.0.targets.1',
      'INVALID_INPUT rules.1.delayMinutes',
      'INVALID_INPUT rules.1.targets',
    ]);
    const none = new InputCheck();
    checkEscalationPolicy(none, { name: 'P', rules: [] });
    expect(errorsOf(none)).toEqual(['INVALID_INPUT rules']);
  });
});
