import type { ComponentStatus, IncidentImpact, IncidentSeverity, IncidentStatus, TimelineEntryKind } from './types.js';

/**
 * One value a timeline entry changed, as the services write it into `changes`. A `components`
 * change holds JSON lists of component ids in `from`/`to`, and beside them each component's
 * status within the incident, in the same order.
 */
export type RecordedChange = {
  field: string;
  from: string | null;
  to: string | null;
  fromStatuses?: ComponentStatus[];
  toStatuses?: ComponentStatus[];
};

/** Who wrote a timeline entry. */
export interface HistoryActor {
  keyId: string | null;
  name: string | null;
}

/** A timeline entry as the history needs it; entries are given oldest first. */
export interface TimelineRecord {
  at: Date;
  actor: HistoryActor;
  kind: TimelineEntryKind;
  changes: readonly RecordedChange[];
}

/** One change of one field. */
export interface HistoryEntry {
  at: Date;
  actor: HistoryActor;
  field: string;
  from: string | null;
  to: string | null;
}

/** A component and its status within the incident. */
export interface ComponentState {
  componentId: string;
  status: ComponentStatus;
}

/** The parts of an incident the event log can rebuild. */
export interface IncidentState {
  status: IncidentStatus;
  severity: IncidentSeverity;
  impact: IncidentImpact;
  ownerId: string | null;
  components: ComponentState[];
  acknowledgedAt: Date | null;
}

/** The components a `components` change names on one side (`from` or `to`). */
export function componentsOf(ids: string | null, statuses: readonly ComponentStatus[] | undefined): ComponentState[] {
  if (ids === null) return [];
  // Entries written before statuses were recorded beside the ids read as OPERATIONAL.
  return (JSON.parse(ids) as string[]).map((componentId, index) => ({ componentId, status: statuses?.[index] ?? 'OPERATIONAL' }));
}

/** How history shows components: a JSON list of `{ componentId, status }`. */
export function encodeComponents(components: readonly ComponentState[]): string {
  return JSON.stringify(components.map(({ componentId, status }) => ({ componentId, status })));
}

/**
 * Every change, oldest first. An acknowledgement carries no `changes` (it sets a timestamp
 * once), so it appears as acknowledgedAt going from null to the moment it happened.
 */
export function historyOf(records: readonly TimelineRecord[]): HistoryEntry[] {
  return records.flatMap((record) => {
    const changes: readonly RecordedChange[] =
      record.kind === 'ACKNOWLEDGED' && record.changes.length === 0
        ? [{ field: 'acknowledgedAt', from: null, to: record.at.toISOString() }]
        : record.changes;
    return changes.map((change) => ({
      at: record.at,
      actor: record.actor,
      field: change.field,
      ...(change.field === 'components'
        ? {
            from: encodeComponents(componentsOf(change.from, change.fromStatuses)),
            to: encodeComponents(componentsOf(change.to, change.toStatuses)),
          }
        : { from: change.from, to: change.to }),
    }));
  });
}

type Field = Exclude<keyof IncidentState, 'acknowledgedAt'>;

/** How each rebuilt field reads from a recorded change value. */
const FIELDS: { [K in Field]: { recorded: string; before: (change: RecordedChange) => IncidentState[K]; after: (change: RecordedChange) => IncidentState[K] } } = {
  status: { recorded: 'status', before: (change) => change.from as IncidentStatus, after: (change) => change.to as IncidentStatus },
  severity: { recorded: 'severity', before: (change) => change.from as IncidentSeverity, after: (change) => change.to as IncidentSeverity },
  impact: { recorded: 'impact', before: (change) => change.from as IncidentImpact, after: (change) => change.to as IncidentImpact },
  ownerId: { recorded: 'owner', before: (change) => change.from, after: (change) => change.to },
  components: {
    recorded: 'components',
    before: (change) => componentsOf(change.from, change.fromStatuses),
    after: (change) => componentsOf(change.to, change.toStatuses),
  },
};

/**
 * The incident as it was at `at`, rebuilt from its timeline, or null when it was not recorded yet.
 *
 * Every change of these fields writes a timeline entry with `from` and `to`, so a field's value at
 * creation is the `from` of its first change, or its current value when it never changed; the
 * entries up to `at` are then replayed over that. Entries written at exactly `at` count.
 */
export function stateAsOf(records: readonly TimelineRecord[], current: IncidentState, at: Date): IncidentState | null {
  if (records.length === 0 || records[0].at.getTime() > at.getTime()) return null;
  const changesOf = (recorded: string) =>
    records.flatMap((record) => record.changes.filter((change) => change.field === recorded).map((change) => ({ at: record.at, change })));
  const rebuild = <K extends Field>(field: K): IncidentState[K] => {
    const { recorded, before, after } = FIELDS[field];
    const changes = changesOf(recorded);
    if (changes.length === 0) return current[field];
    const applied = changes.filter((entry) => entry.at.getTime() <= at.getTime());
    return applied.length === 0 ? before(changes[0].change) : after(applied[applied.length - 1].change);
  };
  return {
    status: rebuild('status'),
    severity: rebuild('severity'),
    impact: rebuild('impact'),
    ownerId: rebuild('ownerId'),
    components: rebuild('components'),
    acknowledgedAt: acknowledgedAsOf(records, current.acknowledgedAt, at),
  };
}

/**
 * acknowledgedAt is set once; it counts from its ACKNOWLEDGED entry, whose time is the
 * timeline's clock (an acknowledgement given at creation has no entry: its own time counts).
 */
function acknowledgedAsOf(records: readonly TimelineRecord[], acknowledgedAt: Date | null, at: Date): Date | null {
  if (!acknowledgedAt) return null;
  const since = records.find((record) => record.kind === 'ACKNOWLEDGED')?.at ?? acknowledgedAt;
  return since.getTime() <= at.getTime() ? acknowledgedAt : null;
}
