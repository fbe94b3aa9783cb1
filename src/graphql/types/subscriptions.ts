import { NO_ROW_ID } from '../../domain/ids.js';
import { GraphQLError } from 'graphql';
import type { Component, IncidentUpdate, Incident } from '../../generated/prisma/client.js';
import { getDatamodel } from '../../generated/pothos-types.js';
import { filterUsesComponents, incidentMatches, type Comparator, type IncidentMatchFilter } from '../../domain/incident-match.js';
import type { IncidentImpact, IncidentKind, IncidentSeverity, IncidentStatus } from '../../domain/types.js';
import { createCoalescer, type Coalesce } from '../../realtime/coalesce.js';
import type { ChannelEvent, IncidentChangedEvent, PubSub } from '../../realtime/pubsub.js';
import { channelStream, sequencedStream, type EntryLog } from '../../realtime/streams.js';
import { builder } from '../builder.js';
import { decodeId, scopedNodeWhere } from '../common.js';
import { orgOf, type GatewayContext } from '../context.js';
import { badUserInput } from '../errors.js';
import type { IncidentFilterShape } from '../incident-filter.js';
import { IncidentFilter, IncidentUpdateRef } from './incident.js';
import { StatusPageComponentRef } from './status-page.js';

function notFound(what: string) {
  return new GraphQLError(`No ${what} with this id in your organization.`, { extensions: { code: 'NOT_FOUND' } });
}

/** One coalescer per gateway (its pub/sub), so instances sharing a process never share loads. */
const coalescers = new WeakMap<PubSub, Coalesce>();
function coalescerOf(context: GatewayContext): Coalesce {
  let coalesce = coalescers.get(context.pubsub);
  if (!coalesce) coalescers.set(context.pubsub, (coalesce = createCoalescer()));
  return coalesce;
}

// ---------------------------------------------------------------- incidentTimeline

/** IncidentUpdate.cursor is the entry's sequence number as a string. */
function parseTimelineCursor(cursor: string): number {
  if (!/^\d{1,9}$/.test(cursor)) throw badUserInput(`"after" must be a timeline cursor (IncidentUpdate.cursor), got "${cursor}"`);
  return Number(cursor);
}

/** A deletion ends the timeline: its subscriptions complete. */
const sequenceOfTimelineEvent = (event: ChannelEvent<'incident.timeline'>) => ('deleted' in event ? null : event.sequence);

/** An incident's timeline; subscribers of one incident share each read of new entries (the gateway's coalescer), not their replay (`open`). */
class TimelineLog implements EntryLog<IncidentUpdate> {
  constructor(
    private readonly context: GatewayContext,
    private readonly incidentId: string,
  ) {}

  /** One statement: the incident with the entries; null when it was deleted since the subscription found it. */
  async open(from: number, limit: number): Promise<IncidentUpdate[] | null> {
    const incident = await this.context.db.prisma.incident.findUnique({
      where: { id: this.incidentId },
      select: { updates: { where: { sequence: { gt: from } }, orderBy: { sequence: 'asc' }, take: limit } },
    });
    return incident?.updates ?? null;
  }

  load(from: number, upTo: number, limit: number): Promise<IncidentUpdate[]> {
    return coalescerOf(this.context)(`timeline:${this.incidentId}:${from}:${upTo}:${limit}`, () =>
      this.context.db.prisma.incidentUpdate.findMany({
        where: { incidentId: this.incidentId, sequence: { gt: from, lte: upTo } },
        orderBy: { sequence: 'asc' },
        take: limit,
      }),
    );
  }
}

builder.subscriptionField('incidentTimeline', (t) =>
  t.field({
    type: IncidentUpdateRef,
    description:
      'Every new timeline entry of an incident, with whatever fields you select. With `after`, first the entries after that cursor, in order, then the new ones: none missed, none twice. Completes when the incident is deleted. An incident of another organization is NOT_FOUND, as a missing one.',
    authScopes: { read: true },
    args: {
      incidentId: t.arg.id({ required: true, description: 'Global ID of the incident.' }),
      after: t.arg.string({
        description: 'Resume after this entry: an IncidentUpdate.cursor you received. "0" replays the whole timeline.',
      }),
    },
    subscribe: async (_root, args, context) => {
      const after = args.after == null ? null : parseTimelineCursor(args.after);
      const id = decodeId(String(args.incidentId), 'Incident');
      const incident = id
        ? await context.db.prisma.incident.findFirst({ where: scopedNodeWhere(id, context), select: { id: true, lastUpdateSequence: true } })
        : null;
      if (!incident) throw notFound('incident');
      // Deleted from now until the stream listens, it is found gone when the stream opens the timeline.
      return sequencedStream(context.pubsub, 'incident.timeline', incident.id, {
        // Without `after`, "new" means after the newest entry at the time of subscribing.
        after: after ?? incident.lastUpdateSequence,
        sequenceOf: sequenceOfTimelineEvent,
        log: new TimelineLog(context, incident.id),
      });
    },
    // Rows are shared between subscribers: each gets its own copy to resolve fields on.
    resolve: (entry: IncidentUpdate) => ({ ...entry }),
  }),
);

// ---------------------------------------------------------------- incidentChanged

const IncidentChangeTypeEnum = builder.enumType('IncidentChangeType', {
  description: 'What happened to an incident.',
  values: {
    CREATED: { description: 'It was created.' },
    UPDATED: { description: 'Its fields, components, acknowledgement or timeline changed (but not its status).' },
    TRANSITIONED: { description: 'Its status changed.' },
    DELETED: { description: 'It was deleted; `incident` is its last state, with its relations empty (no owner, components or timeline).' },
  } as const,
});

const INCIDENT_FIELDS = getDatamodel().datamodel.models.Incident.fields;
/** The datetime columns of Incident, which a JSON snapshot carries as strings. */
const INCIDENT_DATE_FIELDS = INCIDENT_FIELDS.filter((field) => field.type === 'DateTime').map((field) => field.name);
/** A deleted incident's relations are gone with it: they resolve as empty (no owner, no components, no timeline). */
const DELETED_RELATIONS = Object.fromEntries(
  INCIDENT_FIELDS.filter((field) => field.kind === 'object').map((field) => [field.name, field.isList ? [] : null]),
);
const DELETED_COUNTS = Object.fromEntries(
  INCIDENT_FIELDS.filter((field) => field.kind === 'object' && field.isList).map((field) => [field.name, 0]),
);

/** The incident row an event carries, with its dates as Date again. */
function incidentOf(event: IncidentChangedEvent): Incident {
  const row: Record<string, unknown> = { ...event.snapshot };
  for (const name of INCIDENT_DATE_FIELDS) {
    if (typeof row[name] === 'string') row[name] = new Date(row[name]);
  }
  return row as unknown as Incident;
}

interface IncidentChange {
  type: IncidentChangedEvent['type'];
  incident: Incident;
  cursor: string;
}

const IncidentChangedEventRef = builder.objectRef<IncidentChange>('IncidentChangedEvent').implement({
  description: 'An incident of your organization was created, changed, moved to another status or deleted.',
  fields: (t) => ({
    type: t.field({ type: IncidentChangeTypeEnum, description: 'What happened.', resolve: (change) => change.type }),
    incident: t.prismaField({
      type: 'Incident',
      description: 'The incident as this change left it (DELETED: as it was, with its relations empty). Its relations are read when the event is sent.',
      resolve: async (query, change, _args, context) => {
        const deleted = () => ({ ...change.incident, ...DELETED_RELATIONS, _count: DELETED_COUNTS });
        if (change.type === 'DELETED') return deleted();
        // Subscribers sending the same operation share one read per event.
        const row = await coalescerOf(context)(`incident:${change.cursor}:${JSON.stringify(query)}`, () =>
          context.db.prisma.incident.findUnique({ ...query, where: { id: change.incident.id } }),
        );
        // The fields are those of this change even when the incident has changed again since.
        return row ? { ...row, ...change.incident } : deleted();
      },
    }),
    cursor: t.exposeString('cursor', { description: 'Identifies this change: the incident and its version.' }),
  }),
});

/** The filter with its global IDs decoded once; an id that does not decode matches nothing. */
function decodeComparator(comparator: Comparator<string> | null | undefined, typename: string): Comparator<string> | null {
  if (!comparator) return null;
  const decode = (id: string) => decodeId(id, typename) ?? NO_ROW_ID;
  return {
    eq: comparator.eq == null ? null : decode(comparator.eq),
    in: comparator.in?.map(decode) ?? null,
    notIn: comparator.notIn?.map(decode) ?? null,
  };
}
function matchFilterOf(filter: IncidentFilterShape | null | undefined): IncidentMatchFilter | null {
  if (!filter) return null;
  return {
    ...filter,
    ownerId: decodeComparator(filter.ownerId, 'User'),
    componentId: decodeComparator(filter.componentId, 'Component'),
    and: filter.and?.map((inner) => matchFilterOf(inner) ?? {}) ?? null,
    or: filter.or?.map((inner) => matchFilterOf(inner) ?? {}) ?? null,
  };
}

builder.subscriptionField('incidentChanged', (t) =>
  t.field({
    type: IncidentChangedEventRef,
    description:
      'Incidents of your organization being created, updated, transitioned or deleted, for those matching the filter (the same filter as the incidents query, applied to the incident as the change left it).',
    authScopes: { read: true },
    args: { filter: t.arg({ type: IncidentFilter, description: 'Only incidents matching this; all when omitted.' }) },
    subscribe: (_root, args, context) => {
      const filter = matchFilterOf(args.filter);
      const needsComponents = filterUsesComponents(filter);
      const coalesce = coalescerOf(context);
      return channelStream<'incident.changed', IncidentChange>(context.pubsub, 'incident.changed', orgOf(context), {
        event: async (event, out) => {
          const incident = incidentOf(event);
          // A deleted incident's components are gone with it: component conditions do not exclude it.
          const componentIds =
            needsComponents && event.type !== 'DELETED'
              ? await coalesce(`components:${event.incidentId}:${event.cursor}`, async () =>
                  (await context.db.prisma.incidentComponent.findMany({ where: { incidentId: event.incidentId }, select: { componentId: true } })).map(
                    (link) => link.componentId,
                  ),
                )
              : null;
          const facts = {
            status: incident.status as IncidentStatus,
            severity: incident.severity as IncidentSeverity,
            impact: incident.impact as IncidentImpact,
            kind: incident.kind as IncidentKind,
            ownerId: incident.ownerId,
            tags: incident.tags,
            title: incident.title,
            description: incident.description,
            startedAt: incident.startedAt,
            acknowledgedAt: incident.acknowledgedAt,
            resolvedAt: incident.resolvedAt,
            componentIds,
          };
          if (incidentMatches(filter, facts)) await out.emit({ type: event.type, incident, cursor: event.cursor });
        },
      });
    },
    resolve: (change) => change,
  }),
);

// ---------------------------------------------------------------- componentStatusChanged

builder.subscriptionField('componentStatusChanged', (t) =>
  t.field({
    type: StatusPageComponentRef,
    description:
      'Components of a status page whose status changed, each with its new status, as the page shows them. A public page needs no key (over SSE; a WebSocket connection always needs one); a private page needs a key of its organization, otherwise it is NOT_FOUND, as a missing one.',
    args: { statusPageSlug: t.arg.string({ required: true, description: 'Slug of the status page.' }) },
    subscribe: async (_root, args, context) => {
      const page = await context.db.prisma.statusPage.findUnique({
        where: { slug: args.statusPageSlug },
        select: { id: true, orgId: true, public: true },
      });
      if (!page || !(page.public || page.orgId === context.auth?.orgId)) throw notFound('status page');
      const coalesce = coalescerOf(context);
      return channelStream<'component.status', Component>(context.pubsub, 'component.status', page.orgId, {
        event: async (event, out) => {
          // Page membership is read per event, so components added to or removed from the page count from then on.
          const component = await coalesce(`page-component:${page.id}:${event.componentId}`, () =>
            context.db.prisma.component.findFirst({ where: { id: event.componentId, statusPages: { some: { statusPageId: page.id } } } }),
          );
          if (component) await out.emit({ ...component, status: event.status as Component['status'] });
        },
      });
    },
    resolve: (component) => component,
  }),
);
