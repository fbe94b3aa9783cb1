import { onCallAt, type ScheduleSpec } from './oncall.js';

/**
 * How an incident's paging proceeds, as pure rules. The service stores an escalation (state,
 * level, cycle) and at most one pending step per generation; each step, when due, is turned into
 * "who to page now" and "which step comes next, and when" by the functions here.
 *
 * Levels are rule indexes: level L pages rule L's targets, except that level 0 pages the owner
 * when the incident has one. After the last rule the rules start again from level 0, `repeatCount`
 * times; after the last rule of the last pass and its delay, the escalation is EXHAUSTED.
 */

export const ESCALATION_STATES = ['ACTIVE', 'ACKNOWLEDGED', 'EXHAUSTED', 'STOPPED'] as const;
export type EscalationState = (typeof ESCALATION_STATES)[number];

export type EscalationStepKind = 'PAGE' | 'EXHAUST' | 'OWNER';

export type TargetSpec = { scheduleId: string; userId?: null } | { userId: string; scheduleId?: null };

export interface RuleSpec {
  delayMinutes: number;
  targets: TargetSpec[];
}

export interface PolicySpec {
  repeatCount: number;
  rules: RuleSpec[];
}

/** A step as stored: what to do and when. */
export interface StepSpec {
  kind: EscalationStepKind;
  level: number;
  cycle: number;
  dueAt: Date;
}

/** What paging an incident starts with: nothing without an owner or a policy, else level 0 at once. */
export function firstStep(hasOwner: boolean, hasPolicy: boolean, now: Date): StepSpec | null {
  if (!hasOwner && !hasPolicy) return null;
  return { kind: 'PAGE', level: 0, cycle: 0, dueAt: now };
}

/**
 * The step after a PAGE step at `step.level`/`step.cycle`: the next rule after the current rule's
 * delay, counted from when the step was due (not when it ran), so the timeline stays exact and a
 * step that fell due while no instance ran is followed at the times the policy says. Null when
 * nothing follows: no policy (an owner is paged once and the incident waits for them).
 */
export function stepAfter(step: Pick<StepSpec, 'level' | 'cycle' | 'dueAt'>, policy: PolicySpec | null, minuteMs: number): StepSpec | null {
  if (!policy || policy.rules.length === 0) return null;
  const rule = policy.rules[Math.min(step.level, policy.rules.length - 1)];
  const dueAt = new Date(step.dueAt.getTime() + rule.delayMinutes * minuteMs);
  if (step.level + 1 < policy.rules.length) return { kind: 'PAGE', level: step.level + 1, cycle: step.cycle, dueAt };
  if (step.cycle < policy.repeatCount) return { kind: 'PAGE', level: 0, cycle: step.cycle + 1, dueAt };
  return { kind: 'EXHAUST', level: step.level, cycle: step.cycle, dueAt };
}

/** The whole plan of an escalation nobody acknowledges, from its first step: what tests and docs describe. */
export function fullPlan(hasOwner: boolean, policy: PolicySpec | null, start: Date, minuteMs: number): StepSpec[] {
  const steps: StepSpec[] = [];
  for (let step = firstStep(hasOwner, policy !== null && policy.rules.length > 0, start); step; step = step.kind === 'PAGE' ? stepAfter(step, policy, minuteMs) : null) {
    steps.push(step);
  }
  return steps;
}

export interface Recipients {
  /** Users to page, each once, in the order of the targets. */
  userIds: string[];
  /** Targets that gave nobody (a schedule with nobody on call, a rule that no longer exists). */
  unresolved: number;
}

/**
 * Who level `level` pages at `at`: the owner at level 0 when there is one; otherwise the targets of
 * rule `level`, a schedule meaning whoever is on call on it at that instant (overrides honoured).
 */
export function recipientsAt(
  level: number,
  ownerId: string | null,
  policy: PolicySpec | null,
  schedules: ReadonlyMap<string, ScheduleSpec>,
  at: Date,
): Recipients {
  if (level === 0 && ownerId) return { userIds: [ownerId], unresolved: 0 };
  const rule = policy?.rules[level];
  if (!rule) return { userIds: [], unresolved: 1 };
  const userIds: string[] = [];
  let unresolved = 0;
  for (const target of rule.targets) {
    const userId = target.userId ?? resolveSchedule(target.scheduleId, schedules, at);
    if (!userId) unresolved += 1;
    else if (!userIds.includes(userId)) userIds.push(userId);
  }
  return { userIds, unresolved };
}

function resolveSchedule(scheduleId: string | null | undefined, schedules: ReadonlyMap<string, ScheduleSpec>, at: Date): string | null {
  const schedule = scheduleId ? schedules.get(scheduleId) : undefined;
  return schedule ? onCallAt(schedule, at)?.userId ?? null : null;
}

/** The stored escalation a step is checked against. */
export interface EscalationSpec {
  state: EscalationState;
  generation: number;
}

/**
 * Whether a claimed step still applies: PAGE and EXHAUST steps only for the live generation of an
 * ACTIVE escalation of an open incident (an acknowledgement, resolution or restart since then
 * makes them void); an OWNER page only while the incident is open.
 */
export function stepApplies(
  step: { kind: EscalationStepKind; generation: number },
  escalation: EscalationSpec | null,
  incidentOpen: boolean,
): boolean {
  if (!incidentOpen) return false;
  if (step.kind === 'OWNER') return true;
  return escalation !== null && escalation.state === 'ACTIVE' && escalation.generation === step.generation;
}

export type OwnerChangeEffect = 'NONE' | 'RESTART' | 'PAGE_OWNER' | 'STOP';

/**
 * A new owner on an open incident: paging (re)starts from level 0, which pages them, unless
 * someone already acknowledged it, in which case the new owner alone is paged once. Removing the
 * owner stops paging that has no policy to go on with (there is nobody left to page).
 */
export function onOwnerChange(newOwnerId: string | null, incidentOpen: boolean, state: EscalationState | null, hasPolicy: boolean): OwnerChangeEffect {
  if (!incidentOpen) return 'NONE';
  if (!newOwnerId) return state === 'ACTIVE' && !hasPolicy ? 'STOP' : 'NONE';
  return state === 'ACKNOWLEDGED' ? 'PAGE_OWNER' : 'RESTART';
}

/** How long an acknowledge link lasts at most, whatever ACK_LINK_TTL_MS says. */
export const ACK_LINK_MAX_TTL_MS = 24 * 60 * 60 * 1000;

/** The webhook body of a page; `id` is the notification id (idempotency key), as for subscriber webhooks. */
export interface PagePayload {
  id: string;
  type: 'incident.paged';
  incident: { id: string; number: number; title: string; severity: string; status: string };
  level: number;
  user: { id: string; name: string; email: string };
  acknowledgeUrl: string;
}

export function pageEmail(page: PagePayload): { subject: string; text: string } {
  const { incident, user, level } = page;
  return {
    subject: `[PAGE] #${incident.number} ${incident.title} (${incident.severity})`,
    text: [
      `${user.name}, you are paged for incident #${incident.number} (escalation level ${level}).`,
      '',
      `${incident.title}`,
      `Severity: ${incident.severity} · Status: ${incident.status}`,
      '',
      'Acknowledge it here (the link works once):',
      page.acknowledgeUrl,
    ].join('\n'),
  };
}

export const CONTACT_METHOD_KINDS = ['EMAIL', 'WEBHOOK'] as const;
export type ContactMethodKind = (typeof CONTACT_METHOD_KINDS)[number];
/** Per user: pages fan out to every one of them. */
export const CONTACT_METHODS_MAX = 10;
export const CONTACT_ADDRESS_MAX = 2048;

/** A contact method's address, trimmed; an email address must look like one (webhook URLs are checked by the guarded HTTP client, src/net/guarded-http.ts). */
export function checkContactAddress(kind: ContactMethodKind, address: string): { address: string; error: string | null } {
  const trimmed = address.trim();
  if (trimmed.length === 0) return { address: trimmed, error: 'address must not be blank' };
  if (trimmed.length > CONTACT_ADDRESS_MAX) return { address: trimmed, error: `address must be at most ${CONTACT_ADDRESS_MAX} characters` };
  if (kind === 'EMAIL' && !/^[^\s@]+@[^\s@]+$/.test(trimmed)) return { address: trimmed, error: 'address is not an email address' };
  return { address: trimmed, error: null };
}
