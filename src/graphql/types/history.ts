import { encodeGlobalID, resolveArrayConnection } from '@pothos/plugin-relay';
import type { Prisma } from '../../generated/prisma/client.js';
import {
  encodeComponents,
  historyOf,
  stateAsOf,
  type ComponentState,
  type HistoryEntry,
  type RecordedChange,
  type TimelineRecord,
} from '../../domain/history.js';
import type { ComponentStatus, IncidentImpact, IncidentSeverity, IncidentStatus, TimelineEntryKind } from '../../domain/types.js';
import { builder } from '../builder.js';
import type { GatewayContext } from '../context.js';
import { ActorRef } from './actor.js';

/** The timeline columns the history reads. */
const TIMELINE_SELECT = { postedAt: true, postedByKeyId: true, postedByName: true, kind: true, changes: true } as const;

interface TimelineRow {
  postedAt: Date;
  postedByKeyId: string | null;
  postedByName: string | null;
  kind: string;
  changes: Prisma.JsonValue;
}

function timelineRecords(rows: readonly TimelineRow[]): TimelineRecord[] {
  return rows.map((row) => ({
    at: row.postedAt,
    actor: { keyId: row.postedByKeyId, name: row.postedByName },
    kind: row.kind as TimelineEntryKind,
    changes: Array.isArray(row.changes) ? (row.changes as unknown as RecordedChange[]) : [],
  }));
}

/** Owner and component ids as clients know them: Relay global IDs. */
function presentValue(field: string, value: string | null): string | null {
  if (value === null) return null;
  if (field === 'owner') return encodeGlobalID('User', value);
  if (field === 'components') {
    const components = JSON.parse(value) as ComponentState[];
    return encodeComponents(components.map((entry) => ({ ...entry, componentId: encodeGlobalID('Component', entry.componentId) })));
  }
  return value;
}

const HistoryEntryRef = builder.objectRef<HistoryEntry>('IncidentChange').implement({
  description: 'One change of one field of an incident, from its timeline.',
  fields: (t) => ({
    at: t.expose('at', { type: 'DateTime', description: 'When the change was made.' }),
    actor: t.field({ type: ActorRef, description: 'Who made it.', resolve: (entry) => entry.actor }),
    field: t.exposeString('field', {
      description: 'Which field: status, severity, impact, owner, components or acknowledgedAt.',
    }),
    from: t.string({
      nullable: true,
      description:
        'The value before: an enum value, a User global ID for owner, a JSON list of { componentId, status } for components; null when unset.',
      resolve: (entry) => presentValue(entry.field, entry.from),
    }),
    to: t.string({
      nullable: true,
      description: 'The value after, in the same form as `from`.',
      resolve: (entry) => presentValue(entry.field, entry.to),
    }),
  }),
});

builder.prismaObjectField('Incident', 'history', (t) =>
  t.connection(
    {
      type: HistoryEntryRef,
      description: 'Every change of the incident (status, severity, impact, owner, components, acknowledgement), oldest first.',
      select: { updates: { select: TIMELINE_SELECT, orderBy: { sequence: 'asc' } } },
      resolve: (incident, args) => {
        const entries = historyOf(timelineRecords(incident.updates));
        return { ...resolveArrayConnection({ args }, entries), totalCount: entries.length };
      },
    },
    {
      name: 'IncidentHistoryConnection',
      description: 'A page of incident changes.',
      fields: (connection) => ({
        totalCount: connection.int({
          description: 'How many changes there are in all.',
          resolve: (page) => (page as unknown as { totalCount: number }).totalCount,
        }),
      }),
    },
    { name: 'IncidentHistoryEdge', description: 'A change in a page.' },
  ),
);

/** What a prisma query asks of one relation: `true`, or its own select/include. */
type NestedQuery = boolean | { select?: object; include?: object } | undefined;

function nestedOf(query: { select?: object; include?: object }, relation: string): NestedQuery {
  return ((query.include ?? query.select) as Record<string, NestedQuery> | undefined)?.[relation];
}

function shapeOf(nested: NestedQuery): { select?: object; include?: object } {
  if (!nested || nested === true) return {};
  // `id` is always selected: the rebuilt rows are matched by it.
  return nested.select ? { select: { ...nested.select, id: true } } : nested.include ? { include: nested.include } : {};
}

/**
 * Turns a loaded incident row into the incident as it was at `asOf`, rebuilt from its timeline
 * (domain/history.ts), or null when it was not recorded yet. Rewrites the row in place, so the
 * relations the query loaded (owner, affected components) answer with their values of then.
 */
export async function incidentAsOf<Row extends { id: string; orgId: string }>(
  context: GatewayContext,
  query: { select?: object; include?: object },
  row: Row,
  asOf: Date,
): Promise<Row | null> {
  const { prisma } = context.db;
  const [current, timeline, links] = await Promise.all([
    prisma.incident.findUniqueOrThrow({
      where: { id: row.id },
      select: { status: true, severity: true, impact: true, ownerId: true, acknowledgedAt: true },
    }),
    prisma.incidentUpdate.findMany({ where: { incidentId: row.id }, select: TIMELINE_SELECT, orderBy: { sequence: 'asc' } }),
    prisma.incidentComponent.findMany({ where: { incidentId: row.id }, select: { componentId: true, status: true }, orderBy: { position: 'asc' } }),
  ]);
  const state = stateAsOf(
    timelineRecords(timeline),
    {
      status: current.status as IncidentStatus,
      severity: current.severity as IncidentSeverity,
      impact: current.impact as IncidentImpact,
      ownerId: current.ownerId,
      components: links.map((link) => ({ componentId: link.componentId, status: link.status as ComponentStatus })),
      acknowledgedAt: current.acknowledgedAt,
    },
    asOf,
  );
  if (!state) return null;

  const componentsQuery = nestedOf(query, 'components');
  const componentQuery = componentsQuery && componentsQuery !== true ? nestedOf(componentsQuery, 'component') : undefined;
  const [owner, components] = await Promise.all([
    state.ownerId
      ? prisma.user.findFirst({ ...shapeOf(nestedOf(query, 'owner')), where: { id: state.ownerId, orgId: row.orgId } })
      : null,
    prisma.component.findMany({
      ...shapeOf(componentQuery),
      where: { id: { in: state.components.map((entry) => entry.componentId) }, orgId: row.orgId },
    }),
  ]);
  const componentById = new Map(components.map((component) => [(component as { id: string }).id, component]));
  return Object.assign(row, {
    status: state.status,
    severity: state.severity,
    impact: state.impact,
    ownerId: state.ownerId,
    owner,
    acknowledgedAt: state.acknowledgedAt,
    // A component deleted since is left out: there is nothing left to show of it.
    components: state.components.flatMap((entry, position) => {
      const component = componentById.get(entry.componentId);
      return component ? [{ incidentId: row.id, componentId: entry.componentId, status: entry.status, position, component }] : [];
    }),
  });
}
