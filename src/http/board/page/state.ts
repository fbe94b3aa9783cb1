import { isOpenStatus } from '../../../domain/lifecycle.js';
import { INCIDENT_SEVERITIES, INCIDENT_STATUSES } from '../../../domain/types.js';
import type {
  BoardIncidentFragment,
  BoardSchedulesFragment,
  BoardTimelineEntryFragment,
  IncidentChangeType,
} from '../../../client/generated/graphql.js';
import type { OnCallRow } from './view.js';

export type BoardIncident = BoardIncidentFragment;
export type TimelineEntry = BoardTimelineEntryFragment & { incidentId: string; incidentNumber: number };

/** Statuses the board shows: every status the lifecycle counts as open. */
export const OPEN_STATUSES = INCIDENT_STATUSES.filter(isOpenStatus);

/** How many timeline entries the "latest updates" column keeps. */
export const RECENT_ENTRIES = 12;

/**
 * What the board knows, fed by the snapshot query and the two subscriptions in any order:
 * incidents merge by `version`, timeline entries by id, so a late or repeated message never
 * moves the board backwards.
 */
export class BoardState {
  readonly incidents = new Map<string, BoardIncident>();
  private readonly entries = new Map<string, TimelineEntry>();
  /** Incident numbers by id, kept after an incident leaves the list so its last entries still say which it was. */
  private readonly numbers = new Map<string, number>();
  /** Highest timeline sequence seen per incident, with its cursor: where incidentTimeline resumes. */
  private readonly resumePoints = new Map<string, { sequence: number; cursor: string }>();
  /** Incidents that changed through events while a snapshot was in flight (the snapshot may predate them). */
  private touchedDuringSnapshot: Set<string> | null = null;

  /** Call before sending the snapshot query; pass its result to applySnapshot. */
  beginSnapshot(): void {
    this.touchedDuringSnapshot = new Set();
  }

  /** Replaces the open incidents with the snapshot's, keeping anything events changed meanwhile. Returns the ids added and removed. */
  applySnapshot(incidents: readonly BoardIncident[]): { added: string[]; removed: string[] } {
    const touched = this.touchedDuringSnapshot ?? new Set<string>();
    this.touchedDuringSnapshot = null;
    const inSnapshot = new Set(incidents.map((incident) => incident.id));
    const removed = [...this.incidents.keys()].filter((id) => !inSnapshot.has(id) && !touched.has(id));
    for (const id of removed) this.incidents.delete(id);
    const added: string[] = [];
    for (const incident of incidents) {
      if (touched.has(incident.id)) continue;
      if (!this.incidents.has(incident.id)) added.push(incident.id);
      this.merge(incident);
    }
    return { added, removed };
  }

  /** An incidentChanged event. Returns what happened to the board's list. */
  applyChange(type: IncidentChangeType, incident: BoardIncident): 'added' | 'updated' | 'removed' | 'ignored' {
    this.touchedDuringSnapshot?.add(incident.id);
    this.numbers.set(incident.id, incident.number);
    const known = this.incidents.get(incident.id);
    if (known && known.version > incident.version) return 'ignored';
    if (type === 'DELETED' || !isOpenStatus(incident.status)) {
      this.recordEntries(incident);
      return this.incidents.delete(incident.id) ? 'removed' : 'ignored';
    }
    this.merge(incident);
    return known ? 'updated' : 'added';
  }

  /** An incidentTimeline entry (live or replayed). Returns false when it was already known. */
  applyEntry(incidentId: string, entry: BoardTimelineEntryFragment): boolean {
    const incident = this.incidents.get(incidentId);
    const isNew = this.recordEntry(incidentId, entry);
    if (isNew && incident && entry.sequence > (incident.timeline.nodes.at(-1)?.sequence ?? 0)) {
      this.incidents.set(incidentId, { ...incident, status: entry.status, timeline: { nodes: [entry] } });
    }
    return isNew;
  }

  /** The cursor to resume an incident's timeline from: the newest entry seen, or null for "live only". */
  resumeCursor(incidentId: string): string | null {
    return this.resumePoints.get(incidentId)?.cursor ?? null;
  }

  /** Open incidents, most severe first, then longest running first. */
  sortedIncidents(): BoardIncident[] {
    return [...this.incidents.values()].sort(
      (a, b) =>
        INCIDENT_SEVERITIES.indexOf(a.severity) - INCIDENT_SEVERITIES.indexOf(b.severity) ||
        Date.parse(a.startedAt) - Date.parse(b.startedAt) ||
        a.number - b.number,
    );
  }

  /** The newest timeline entries across incidents, newest first. */
  recentEntries(): TimelineEntry[] {
    return [...this.entries.values()]
      .sort((a, b) => Date.parse(b.postedAt) - Date.parse(a.postedAt) || b.sequence - a.sequence)
      .slice(0, RECENT_ENTRIES);
  }

  private merge(incident: BoardIncident): void {
    const known = this.incidents.get(incident.id);
    if (known && known.version > incident.version) return;
    this.incidents.set(incident.id, incident);
    this.recordEntries(incident);
  }

  private recordEntries(incident: BoardIncident): void {
    this.numbers.set(incident.id, incident.number);
    for (const entry of incident.timeline.nodes) this.recordEntry(incident.id, entry);
  }

  private recordEntry(incidentId: string, entry: BoardTimelineEntryFragment): boolean {
    const resume = this.resumePoints.get(incidentId);
    if (!resume || entry.sequence > resume.sequence) this.resumePoints.set(incidentId, { sequence: entry.sequence, cursor: entry.cursor });
    if (this.entries.has(entry.id)) return false;
    this.entries.set(entry.id, { ...entry, incidentId, incidentNumber: this.numbers.get(incidentId) ?? 0 });
    this.pruneEntries();
    return true;
  }

  private pruneEntries(): void {
    if (this.entries.size <= RECENT_ENTRIES * 4) return;
    const keep = new Set(this.recentEntries().map((entry) => entry.id));
    for (const id of this.entries.keys()) if (!keep.has(id)) this.entries.delete(id);
  }
}

/** How far ahead the board looks for the next on-call change (the `horizon` of BoardSchedules). */
export const ON_CALL_HORIZON_MS = 7 * 24 * 3600_000;

export function onCallRows(data: BoardSchedulesFragment): OnCallRow[] {
  return data.schedules.nodes.map((schedule) => ({
    scheduleId: schedule.id,
    scheduleName: schedule.name,
    personName: schedule.onCall?.user.name ?? null,
    endsAt: schedule.onCall?.endsAt ?? null,
    isOverride: Boolean(schedule.onCall?.override),
  }));
}

/**
 * When who is on call next changes on any schedule: the earliest end of a current shift or start
 * of a coming one after `now`; the horizon itself when nothing changes before it.
 */
export function nextOnCallChange(data: BoardSchedulesFragment, now: number): number {
  const times = data.schedules.nodes
    .flatMap((schedule) => [schedule.onCall?.endsAt, ...schedule.upcoming.map((shift) => shift.startsAt)])
    .filter((time): time is string => Boolean(time))
    .map((time) => Date.parse(time))
    .filter((time) => time > now);
  return Math.min(now + ON_CALL_HORIZON_MS, ...times);
}
