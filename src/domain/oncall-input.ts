import type { DayOfWeek } from './types.js';
import type { InputCheck } from './validation.js';
import { checkName, checkNameAt, checkTimeZone } from './catalog.js';
import { isValidShiftLength, parseLocalTime, type RestrictionSpec } from './oncall.js';

export const LAYERS_MAX = 10;
export const PARTICIPANTS_MAX = 50;
export const RESTRICTIONS_MAX = 20;
/** Shorter turns make shift lists explode without serving any real rotation. */
export const SHIFT_LENGTH_MIN_SECONDS = 60;
export const RULES_MAX = 20;
export const TARGETS_MAX = 10;
export const REPEAT_COUNT_MAX = 10;
/** A week: an escalation step that waits longer is not an escalation. */
export const DELAY_MINUTES_MAX = 10_080;

export interface RestrictionInput {
  daysOfWeek: DayOfWeek[];
  startTime: string;
  endTime: string;
}

export interface LayerInput {
  name?: string | null;
  rotationStart: Date;
  shiftLengthSeconds: number;
  /** User ids, in turn order; ids are checked against the database by the caller. */
  participantIds: string[];
  restrictions?: RestrictionInput[] | null;
}

export interface ScheduleInput {
  name: string;
  timeZone?: string | null;
  layers: LayerInput[];
}

export interface CheckedLayer {
  name: string;
  rotationStart: Date;
  shiftLengthSeconds: number;
  participantIds: string[];
  restrictions: RestrictionSpec[];
}

export interface CheckedSchedule {
  name: string;
  timeZone: string;
  layers: CheckedLayer[];
}

function countBetween(check: InputCheck, field: (string | number)[], count: number, min: number, max: number, what: string): void {
  if (count < min) check.fail(field, `at least ${min} ${what}`);
  else if (count > max) check.fail(field, `at most ${max} ${what}`);
}

function checkRestriction(check: InputCheck, restriction: RestrictionInput, path: (string | number)[]): RestrictionSpec {
  if (restriction.daysOfWeek.length === 0) check.fail([...path, 'daysOfWeek'], 'name at least one day');
  for (const field of ['startTime', 'endTime'] as const) {
    if (!parseLocalTime(restriction[field])) check.fail([...path, field], `${field} must be HH:MM between 00:00 and 23:59`);
  }
  return { daysOfWeek: [...new Set(restriction.daysOfWeek)], startTime: restriction.startTime, endTime: restriction.endTime };
}

function checkLayer(check: InputCheck, layer: LayerInput, index: number): CheckedLayer {
  const path = ['layers', index];
  const name = layer.name === undefined || layer.name === null ? `Layer ${index + 1}` : checkNameAt(check, layer.name, [...path, 'name']);
  if (Number.isNaN(layer.rotationStart.getTime())) check.fail([...path, 'rotationStart'], 'rotationStart is not a valid instant');
  if (!isValidShiftLength(layer.shiftLengthSeconds) || layer.shiftLengthSeconds < SHIFT_LENGTH_MIN_SECONDS) {
    check.fail([...path, 'shiftLengthSeconds'], `shiftLengthSeconds must be a whole number of seconds, at least ${SHIFT_LENGTH_MIN_SECONDS}`);
  }
  countBetween(check, [...path, 'participantIds'], layer.participantIds.length, 1, PARTICIPANTS_MAX, 'participants');
  const restrictions = layer.restrictions ?? [];
  countBetween(check, [...path, 'restrictions'], restrictions.length, 0, RESTRICTIONS_MAX, 'restrictions');
  return {
    name,
    rotationStart: layer.rotationStart,
    shiftLengthSeconds: layer.shiftLengthSeconds,
    participantIds: layer.participantIds,
    restrictions: restrictions.map((restriction, r) => checkRestriction(check, restriction, [...path, 'restrictions', r])),
  };
}

/** The shape of a schedule; whether the participants exist is for the caller to check. */
export function checkSchedule(check: InputCheck, input: ScheduleInput): CheckedSchedule {
  const name = checkName(check, input.name);
  const timeZone = checkTimeZone(check, input.timeZone);
  countBetween(check, ['layers'], input.layers.length, 1, LAYERS_MAX, 'layers');
  return { name, timeZone, layers: input.layers.map((layer, index) => checkLayer(check, layer, index)) };
}

/** Overrides are half-open [startsAt, endsAt) and must last a while. */
export function checkOverridePeriod(check: InputCheck, startsAt: Date, endsAt: Date): void {
  if (endsAt.getTime() <= startsAt.getTime()) check.fail(['endsAt'], 'endsAt must be after startsAt');
}

export interface EscalationTargetInput {
  scheduleId?: string | null;
  userId?: string | null;
}

export interface EscalationRuleInput {
  delayMinutes: number;
  targets: EscalationTargetInput[];
}

export interface EscalationPolicyInput {
  name: string;
  repeatCount?: number | null;
  rules: EscalationRuleInput[];
}

export type CheckedTarget = { scheduleId: string; userId: null } | { scheduleId: null; userId: string };

export interface CheckedEscalationPolicy {
  name: string;
  repeatCount: number;
  rules: { delayMinutes: number; targets: CheckedTarget[] }[];
}

/** The shape of a policy; whether the targets exist is for the caller to check. */
export function checkEscalationPolicy(check: InputCheck, input: EscalationPolicyInput): CheckedEscalationPolicy {
  const name = checkName(check, input.name);
  const repeatCount = input.repeatCount ?? 0;
  if (!Number.isInteger(repeatCount) || repeatCount < 0 || repeatCount > REPEAT_COUNT_MAX) {
    check.fail(['repeatCount'], `repeatCount must be between 0 and ${REPEAT_COUNT_MAX}`);
  }
  countBetween(check, ['rules'], input.rules.length, 1, RULES_MAX, 'rules');
  const rules = input.rules.map((rule, r) => {
    if (!Number.isInteger(rule.delayMinutes) || rule.delayMinutes < 0 || rule.delayMinutes > DELAY_MINUTES_MAX) {
      check.fail(['rules', r, 'delayMinutes'], `delayMinutes must be between 0 and ${DELAY_MINUTES_MAX}`);
    }
    countBetween(check, ['rules', r, 'targets'], rule.targets.length, 1, TARGETS_MAX, 'targets');
    const targets = rule.targets.flatMap((target, t): CheckedTarget[] => {
      const hasSchedule = target.scheduleId !== undefined && target.scheduleId !== null;
      const hasUser = target.userId !== undefined && target.userId !== null;
      if (hasSchedule === hasUser) {
        check.fail(['rules', r, 'targets', t], 'a target names exactly one of scheduleId and userId');
        return [];
      }
      return [hasSchedule ? { scheduleId: target.scheduleId!, userId: null } : { scheduleId: null, userId: target.userId! }];
    });
    return { delayMinutes: rule.delayMinutes, targets };
  });
  return { name, repeatCount, rules };
}
