import type { IncidentKind, IncidentStatus, TimelineEntryKind } from './types.js';

interface Lifecycle {
  initial: IncidentStatus;
  /** Every status of the kind, each with the statuses it may move to. */
  transitions: Partial<Record<IncidentStatus, readonly IncidentStatus[]>>;
}

/** The transition table (docs/api.md, incident lifecycle); any move not listed here is INVALID_TRANSITION. */
const LIFECYCLES: Record<IncidentKind, Lifecycle> = {
  INCIDENT: {
    initial: 'INVESTIGATING',
    transitions: {
      INVESTIGATING: ['IDENTIFIED', 'MONITORING', 'RESOLVED'],
      IDENTIFIED: ['INVESTIGATING', 'MONITORING', 'RESOLVED'],
      MONITORING: ['INVESTIGATING', 'IDENTIFIED', 'RESOLVED'],
      RESOLVED: ['POSTMORTEM', 'INVESTIGATING'],
      POSTMORTEM: [],
    },
  },
  MAINTENANCE: {
    initial: 'SCHEDULED',
    transitions: {
      SCHEDULED: ['IN_PROGRESS', 'CANCELLED'],
      IN_PROGRESS: ['VERIFYING'],
      VERIFYING: ['COMPLETED'],
      COMPLETED: [],
      CANCELLED: [],
    },
  },
};

const CLOSED_STATUSES: ReadonlySet<IncidentStatus> = new Set(['RESOLVED', 'POSTMORTEM', 'COMPLETED', 'CANCELLED']);
/**
 * Entering one of these hands the incident's components back: each one takes the worst status that
 * the other open incidents holding it set, or OPERATIONAL when none does.
 */
const CLOSING_STATUSES: ReadonlySet<IncidentStatus> = new Set(['RESOLVED', 'COMPLETED', 'CANCELLED']);
/** A cancelled maintenance never happened, so it gets no resolvedAt. */
const RESOLVING_STATUSES: ReadonlySet<IncidentStatus> = new Set(['RESOLVED', 'COMPLETED']);

export function initialStatus(kind: IncidentKind): IncidentStatus {
  return LIFECYCLES[kind].initial;
}

export function statusesOf(kind: IncidentKind): IncidentStatus[] {
  return Object.keys(LIFECYCLES[kind].transitions) as IncidentStatus[];
}

export function isStatusOfKind(kind: IncidentKind, status: IncidentStatus): boolean {
  return LIFECYCLES[kind].transitions[status] !== undefined;
}

/** Open incidents hold their components and show on the war-room board. */
export function isOpenStatus(status: IncidentStatus): boolean {
  return !CLOSED_STATUSES.has(status);
}

export function isClosingStatus(status: IncidentStatus): boolean {
  return CLOSING_STATUSES.has(status);
}

/** createIncident may start in any status of its kind, to backfill past incidents. */
export function initialStatusValid(kind: IncidentKind, status: IncidentStatus): boolean {
  return isStatusOfKind(kind, status);
}

/** Resolved, completed or in postmortem (which follows RESOLVED): the statuses an incident has a resolvedAt in. */
export function hasResolvedAt(status: IncidentStatus): boolean {
  return RESOLVING_STATUSES.has(status) || status === 'POSTMORTEM';
}

/** An incident created already resolved, completed or in postmortem gets a resolvedAt. */
export function setsResolvedAtOnCreate(status: IncidentStatus): boolean {
  return hasResolvedAt(status);
}

export type TransitionPlan =
  | {
      ok: true;
      reopen: boolean;
      setsResolvedAt: boolean;
      clearsResolvedAt: boolean;
      releasesComponents: boolean;
      entryKind: Extract<TimelineEntryKind, 'STATUS_CHANGED' | 'REOPENED'>;
    }
  | { ok: false; code: 'INVALID_TRANSITION'; message: string };

/** What moving an incident to `to` entails, or why it is not allowed. */
export function planTransition(current: { kind: IncidentKind; status: IncidentStatus }, to: IncidentStatus): TransitionPlan {
  const { kind, status: from } = current;
  const invalid = (message: string): TransitionPlan => ({ ok: false, code: 'INVALID_TRANSITION', message });
  if (!isStatusOfKind(kind, to)) return invalid(`${to} is not a status of a ${kind}`);
  if (from === to) return invalid(`The ${kind} is already ${to}; post an update instead`);
  const allowed = LIFECYCLES[kind].transitions[from] ?? [];
  if (!allowed.includes(to)) {
    const choices = allowed.length === 0 ? `${from} is final` : `from ${from} it can move to ${allowed.join(', ')}`;
    return invalid(`A ${kind} cannot move from ${from} to ${to}: ${choices}`);
  }
  // The only way back from a closed status to an open one is the RESOLVED -> INVESTIGATING reopen.
  const reopen = !isOpenStatus(from) && isOpenStatus(to);
  return {
    ok: true,
    reopen,
    setsResolvedAt: RESOLVING_STATUSES.has(to),
    clearsResolvedAt: reopen,
    releasesComponents: isClosingStatus(to),
    entryKind: reopen ? 'REOPENED' : 'STATUS_CHANGED',
  };
}
