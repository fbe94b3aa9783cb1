import type { IncidentKind, IncidentStatus, TimelineEntryKind } from './types.js';
import type { RecordedChange } from './history.js';
import { hasResolvedAt, initialStatus, isStatusOfKind } from './lifecycle.js';
import { BODY_MAX, CLOCK_SKEW_MS, normalizeText, textLength, isStorableText, type InputCheck } from './validation.js';

/**
 * The timeline of an incident that happened before it was recorded (createIncident with
 * acknowledgedAt/resolvedAt, importIncidents): each entry carries the instant it happened, so
 * `history`, `asOf` and the stats read the incident's real past.
 */

/** A timeline entry brought along by an import. */
export interface PastEntry {
  postedAt: Date;
  body: string;
  /** The status the incident had from then on; null keeps the status it had. */
  status: IncidentStatus | null;
  authorId: string | null;
}

export interface PastIncident {
  kind: IncidentKind;
  /** The status it ends in. */
  status: IncidentStatus;
  startedAt: Date;
  acknowledgedAt: Date | null;
  /** When it entered `status`, for a status with a resolvedAt. */
  resolvedAt: Date | null;
  /** The first entry's text. */
  message: string;
  /** Who the generated entries (creation, acknowledgement, resolution) are posted as. */
  authorId: string | null;
  /** Shown in the ACKNOWLEDGED entry: "Acknowledged by <name>." */
  acknowledgedBy: string;
  entries: readonly PastEntry[];
}

export interface PlannedEntry {
  kind: Extract<TimelineEntryKind, 'CREATED' | 'MESSAGE' | 'STATUS_CHANGED' | 'ACKNOWLEDGED'>;
  status: IncidentStatus;
  body: string;
  postedAt: Date;
  changes?: RecordedChange[];
  authorId: string | null;
}

/**
 * The entries, oldest first: CREATED at startedAt, the imported entries (one that brings a new
 * status is a STATUS_CHANGED), ACKNOWLEDGED at acknowledgedAt, and, when nothing before reached
 * the final status, a STATUS_CHANGED to it at resolvedAt (or at the last entry when it has no
 * resolvedAt; a POSTMORTEM goes through RESOLVED). Entries at the same instant keep this order.
 *
 * The incident starts in the kind's initial status when anything later changes its status;
 * otherwise it starts, and stays, in its final status.
 */
export function planPastTimeline(incident: PastIncident): PlannedEntry[] {
  const entries = [...incident.entries].sort((a, b) => a.postedAt.getTime() - b.postedAt.getTime());
  const replaysStatus = entries.some((entry) => entry.status !== null) || (incident.resolvedAt !== null && hasResolvedAt(incident.status));
  let status = replaysStatus ? initialStatus(incident.kind) : incident.status;
  const changeTo = (to: IncidentStatus): RecordedChange[] => {
    const changes = [{ field: 'status', from: status, to }];
    status = to;
    return changes;
  };

  const planned: PlannedEntry[] = [
    { kind: 'CREATED', status, body: incident.message, postedAt: incident.startedAt, authorId: incident.authorId },
  ];
  for (const entry of entries) {
    if (entry.status !== null && entry.status !== status) {
      planned.push({ kind: 'STATUS_CHANGED', body: entry.body, postedAt: entry.postedAt, authorId: entry.authorId, changes: changeTo(entry.status), status: entry.status });
    } else {
      planned.push({ kind: 'MESSAGE', status, body: entry.body, postedAt: entry.postedAt, authorId: entry.authorId });
    }
  }
  if (status !== incident.status) {
    const final = incident.status;
    const at = incident.resolvedAt && hasResolvedAt(final) ? incident.resolvedAt : planned[planned.length - 1].postedAt;
    // A postmortem follows the resolution: the timeline goes through RESOLVED, which is when it was resolved.
    const steps: IncidentStatus[] = final === 'POSTMORTEM' && status !== 'RESOLVED' ? ['RESOLVED', final] : [final];
    for (const to of steps) {
      planned.push({ kind: 'STATUS_CHANGED', body: `Status changed to ${to}.`, postedAt: at, authorId: incident.authorId, changes: changeTo(to), status: to });
    }
  }
  if (incident.acknowledgedAt) {
    planned.push({
      kind: 'ACKNOWLEDGED',
      status: incident.status,
      body: `Acknowledged by ${incident.acknowledgedBy}.`,
      postedAt: incident.acknowledgedAt,
      authorId: incident.authorId,
    });
  }
  return inTimeOrder(planned);
}

/** Stable sort by instant; each entry then records the status in force at its instant. */
function inTimeOrder(planned: PlannedEntry[]): PlannedEntry[] {
  const ordered = planned
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => a.entry.postedAt.getTime() - b.entry.postedAt.getTime() || a.index - b.index)
    .map(({ entry }) => entry);
  let status = ordered[0].status;
  return ordered.map((entry) => {
    if (entry.kind !== 'STATUS_CHANGED') return { ...entry, status: entry.kind === 'CREATED' ? entry.status : status };
    const from = status;
    status = entry.status;
    return { ...entry, changes: [{ field: 'status', from, to: entry.status }] };
  });
}

/** When an incident ending in `status` was resolved: the given instant, else when an entry brought it there, else `fallback`. */
export function pastResolvedAt(status: IncidentStatus, given: Date | null, entries: readonly PastEntry[], fallback: Date): Date | null {
  if (!hasResolvedAt(status)) return null;
  if (given) return given;
  const sorted = [...entries].sort((a, b) => a.postedAt.getTime() - b.postedAt.getTime());
  return sorted.find((entry) => entry.status !== null && hasResolvedAt(entry.status))?.postedAt ?? fallback;
}

/** importIncidents: incidents per call, and timeline entries per incident. */
export const IMPORT_MAX_INCIDENTS = 100;
export const IMPORT_MAX_ENTRIES = 200;

/**
 * An import's timeline entries, at `path` inside the input: each needs a text of 1..10,000
 * characters, an instant between the incident's start and now (give or take the clock skew) and,
 * when given, a status of the incident's kind.
 */
export function checkPastEntries(
  check: InputCheck,
  entries: readonly { postedAt: Date; body: string; status?: IncidentStatus | null }[],
  incident: { kind: IncidentKind; startedAt: Date },
  now: Date,
  path: (string | number)[],
): { postedAt: Date; body: string; status: IncidentStatus | null }[] {
  if (entries.length > IMPORT_MAX_ENTRIES) check.fail(path, `at most ${IMPORT_MAX_ENTRIES} timeline entries per incident`);
  return entries.map((entry, index) => {
    const at = [...path, index];
    const body = normalizeText(entry.body);
    if (body.length === 0) check.fail([...at, 'body'], 'body must not be blank');
    else if (textLength(body) > BODY_MAX || !isStorableText(body)) check.fail([...at, 'body'], `body must be at most ${BODY_MAX} characters, without NUL`);
    if (entry.postedAt < incident.startedAt) check.fail([...at, 'postedAt'], 'postedAt cannot be before startedAt');
    else if (entry.postedAt.getTime() > now.getTime() + CLOCK_SKEW_MS) check.fail([...at, 'postedAt'], 'postedAt cannot be in the future');
    if (entry.status && !isStatusOfKind(incident.kind, entry.status)) check.fail([...at, 'status'], `${entry.status} is not a status of a ${incident.kind}`);
    return { postedAt: entry.postedAt, body, status: entry.status ?? null };
  });
}
