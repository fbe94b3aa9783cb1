import { encodeGlobalID } from '@pothos/plugin-relay';
import { parsePrismaCursor } from '@pothos/plugin-prisma';
import type { Incident, Prisma } from '../../generated/prisma/client.js';
import { IMPACT_DESCRIPTION_MAX, checkCreateIncident, checkTags } from '../../domain/incident-input.js';
import { BODY_MAX, DESCRIPTION_MAX, InputCheck, MAX_COMPONENTS, TITLE_MAX } from '../../domain/validation.js';
import type { ComponentStatus } from '../../domain/types.js';
import { isUuid } from '../../domain/ids.js';
import * as incidents from '../../services/incidents.js';
import { builder } from '../builder.js';
import { badUserInput } from '../errors.js';
import { orgOf, type GatewayContext } from '../context.js';
import {
  actorOf,
  decodeId,
  decodeIdOrRaw,
  definePayload,
  rejected,
  scopedNodeWhere,
  settle,
  type PayloadShape,
} from '../common.js';
import { incidentWhere, type IncidentFilterShape } from '../incident-filter.js';
import { deletionTypes } from '../deletion.js';
import { INCIDENT_ORDER_FIELDS, incidentOrderBy, type IncidentOrderField } from '../incident-order.js';
import { ComponentStatusEnum } from './component.js';
import { incidentAsOf } from './history.js';
import { ActorRef } from './actor.js';

// ---------------------------------------------------------------- enums

export const IncidentKindEnum = builder.enumType('IncidentKind', {
  description: 'Unplanned incident or planned maintenance; each has its own lifecycle.',
  values: {
    INCIDENT: { description: 'Something broke. Starts INVESTIGATING.' },
    MAINTENANCE: { description: 'Planned work. Starts SCHEDULED.' },
  } as const,
});

export const IncidentStatusEnum = builder.enumType('IncidentStatus', {
  description:
    'Lifecycle status. INCIDENT: INVESTIGATING, IDENTIFIED, MONITORING move freely; each -> RESOLVED -> POSTMORTEM; RESOLVED -> INVESTIGATING reopens. MAINTENANCE: SCHEDULED -> IN_PROGRESS -> VERIFYING -> COMPLETED, or SCHEDULED -> CANCELLED.',
  values: {
    INVESTIGATING: { description: 'Incident: looking for the cause.' },
    IDENTIFIED: { description: 'Incident: cause found, fix under way.' },
    MONITORING: { description: 'Incident: fix applied, watching.' },
    RESOLVED: { description: 'Incident: over. Sets resolvedAt.' },
    POSTMORTEM: { description: 'Incident: reviewed after resolution. Final.' },
    SCHEDULED: { description: 'Maintenance: planned, not started.' },
    IN_PROGRESS: { description: 'Maintenance: under way.' },
    VERIFYING: { description: 'Maintenance: done, being checked.' },
    COMPLETED: { description: 'Maintenance: finished. Sets resolvedAt. Final.' },
    CANCELLED: { description: 'Maintenance: called off before it started. Final.' },
  } as const,
});

export const IncidentSeverityEnum = builder.enumType('IncidentSeverity', {
  description: 'How urgent the incident is for the responders.',
  values: {
    CRITICAL: { description: 'Full outage or data loss for all or most customers.' },
    HIGH: { description: 'Significant degradation for many customers or a key feature.' },
    MEDIUM: { description: 'Partial degradation with a workaround, or a minority of customers. The default.' },
    LOW: { description: 'Minor or cosmetic issue.' },
  } as const,
});

export const IncidentImpactEnum = builder.enumType('IncidentImpact', {
  description: 'How much customers are affected; derived from the affected components unless set explicitly.',
  values: {
    NONE: { description: 'No customer impact.' },
    MINOR: { description: 'Degraded performance.' },
    MAJOR: { description: 'Partial outage.' },
    CRITICAL: { description: 'Major outage.' },
  } as const,
});

export const TimelineEntryKindEnum = builder.enumType('TimelineEntryKind', {
  description: 'What a timeline entry records.',
  values: {
    CREATED: { description: 'The incident was created; carries the initial message.' },
    MESSAGE: { description: 'A message posted with postIncidentUpdate.' },
    STATUS_CHANGED: { description: 'The status changed.' },
    SEVERITY_CHANGED: { description: 'The severity changed.' },
    IMPACT_CHANGED: { description: 'The impact changed.' },
    COMPONENTS_CHANGED: { description: 'The affected components changed.' },
    OWNER_CHANGED: { description: 'The owner changed.' },
    ACKNOWLEDGED: { description: 'A responder acknowledged the incident.' },
    REOPENED: { description: 'A resolved incident was reopened (back to INVESTIGATING).' },
    PAGED: { description: 'Paging: someone was paged; the body names who and at which level. Never sent to status page subscribers.' },
    ESCALATED: { description: 'Paging: nobody acknowledged in time, so the escalation moved to the level the body names.' },
    ESCALATION_EXHAUSTED: { description: 'Paging: the last rule of the last repeat passed without an acknowledgement; paging stopped.' },
  } as const,
});

const OrderDirectionEnum = builder.enumType('OrderDirection', {
  description: 'Sort direction.',
  values: { ASC: { description: 'Smallest or oldest first.' }, DESC: { description: 'Largest or newest first.' } } as const,
});

const IncidentOrderFieldEnum = builder.enumType('IncidentOrderField', {
  description: 'What incidents can be sorted by.',
  values: Object.fromEntries(
    Object.entries(INCIDENT_ORDER_FIELDS).map(([name, { description }]) => [name, { description }]),
  ) as { [Field in IncidentOrderField]: { description: string } },
});

// ---------------------------------------------------------------- objects

/** Connections here page by uuid; a cursor holding anything else was tampered with: refuse it rather than fail in the database. */
export function checkIdCursors(args: { after?: string | null; before?: string | null }): void {
  for (const cursor of [args.after, args.before]) {
    if (cursor != null && !isUuid(String(parsePrismaCursor(cursor)))) throw badUserInput(`Invalid cursor: ${cursor}`);
  }
}

interface ChangeShape {
  field: string;
  from: string | null;
  to: string | null;
}

/** Changes store raw ids; clients get global IDs they can pass to node(). */
function presentChangeValue(field: string, value: string | null): string | null {
  if (value === null) return null;
  if (field === 'owner') return encodeGlobalID('User', value);
  if (field === 'components') return JSON.stringify((JSON.parse(value) as ComponentChangeItem[]).map(presentComponentItem));
  return value;
}

/** A `components` change lists component ids, or `{ componentId, status }` entries. */
type ComponentChangeItem = string | { componentId: string; status?: string };

function presentComponentItem(item: ComponentChangeItem): ComponentChangeItem {
  return typeof item === 'string' ? encodeGlobalID('Component', item) : { ...item, componentId: encodeGlobalID('Component', item.componentId) };
}

const TimelineChangeRef = builder.objectRef<ChangeShape>('TimelineChange').implement({
  description: 'One value that a timeline entry changed.',
  fields: (t) => ({
    field: t.exposeString('field', { description: 'Which field: status, severity, impact, owner or components.' }),
    from: t.string({
      nullable: true,
      description: 'The value before: an enum value, a User ID (owner), or a JSON array naming Components by global ID (components).',
      resolve: (change) => presentChangeValue(change.field, change.from),
    }),
    to: t.string({
      nullable: true,
      description: 'The value after, in the same form as `from`.',
      resolve: (change) => presentChangeValue(change.field, change.to),
    }),
  }),
});

export const IncidentUpdateRef = builder.prismaNode('IncidentUpdate', {
  id: { field: 'id', description: 'Global ID of the entry.' },
  description: 'An entry in an incident timeline.',
  authScopes: { read: true },
  findUnique: scopedNodeWhere,
  nullable: true,
  fields: (t) => ({
    kind: t.expose('kind', { type: TimelineEntryKindEnum, description: 'What the entry records.' }),
    status: t.expose('status', { type: IncidentStatusEnum, description: 'The incident status at that moment.' }),
    body: t.exposeString('body', { description: 'The message.' }),
    notifySubscribers: t.exposeBoolean('notifySubscribers', { description: 'Whether status page subscribers are told.' }),
    postedAt: t.expose('postedAt', { type: 'DateTime', description: 'When it was written.' }),
    postedBy: t.field({
      type: ActorRef,
      description: 'The API key that wrote it.',
      resolve: (update) => ({ keyId: update.postedByKeyId, name: update.postedByName }),
    }),
    author: t.relation('author', {
      nullable: true,
      description: 'The person it was posted as (`postAs`, or whoever acknowledged through a page); null when posted as the key alone.',
    }),
    changes: t.field({
      type: [TimelineChangeRef],
      description: 'The values this entry changed (empty for messages).',
      resolve: (update) => (Array.isArray(update.changes) ? (update.changes as unknown as ChangeShape[]) : []),
    }),
    sequence: t.exposeInt('sequence', { description: 'Position in the timeline: 1, 2, ...' }),
    cursor: t.string({
      description: 'Resume point for the incidentTimeline subscription: pass it as `after`.',
      resolve: (update) => String(update.sequence),
    }),
    incident: t.relation('incident', { description: 'The incident it belongs to.' }),
  }),
});

const AffectedComponentRef = builder.prismaObject('IncidentComponent', {
  name: 'AffectedComponent',
  description: 'A component affected by an incident, with its status within that incident.',
  fields: (t) => ({
    component: t.relation('component', { description: 'The component.' }),
    status: t.expose('status', { type: ComponentStatusEnum, description: 'Its status as recorded in this incident.' }),
  }),
});

export const IncidentRef = builder.prismaNode('Incident', {
  id: { field: 'id', description: 'Global ID of the incident.' },
  description: 'An incident or a maintenance window, with its timeline.',
  authScopes: { read: true },
  findUnique: scopedNodeWhere,
  nullable: true,
  fields: (t) => ({
    number: t.exposeInt('number', { description: 'Number within your organization: 1, 2, ...' }),
    title: t.exposeString('title', { description: 'Short summary, 1 to 255 characters.' }),
    description: t.exposeString('description', { nullable: true, description: 'Longer text, up to 10,000 characters.' }),
    impactDescription: t.exposeString('impactDescription', {
      nullable: true,
      description: 'What customers experience, in words (up to 1,000 characters); public: status pages show it.',
    }),
    kind: t.expose('kind', { type: IncidentKindEnum, description: 'Incident or maintenance.' }),
    status: t.expose('status', { type: IncidentStatusEnum, description: 'Where it is in its lifecycle.' }),
    severity: t.expose('severity', { type: IncidentSeverityEnum, description: 'Urgency for responders.' }),
    impact: t.expose('impact', { type: IncidentImpactEnum, description: 'Customer impact (derived or overridden).' }),
    impactOverridden: t.boolean({
      description: 'True when impact was set explicitly instead of derived from the components.',
      resolve: (incident) => incident.impactOverride !== null,
    }),
    owner: t.relation('owner', { nullable: true, description: 'Who owns the incident.' }),
    tags: t.exposeStringList('tags', { description: 'Free-form labels.' }),
    source: t.exposeString('source', { description: 'Where it came from: API, MONITOR, IMPORT, ...' }),
    externalRef: t.exposeString('externalRef', { nullable: true, description: 'An id in another system.' }),
    autoCreated: t.exposeBoolean('autoCreated', { description: 'Created by a monitor rather than a person.' }),
    reopenCount: t.exposeInt('reopenCount', { description: 'How often it was reopened after being resolved.' }),
    version: t.exposeInt('version', {
      description: 'Starts at 1, +1 with every change to the incident or its timeline; pass as expectedVersion.',
    }),
    createdBy: t.field({
      type: ActorRef,
      description: 'Who created it.',
      resolve: (incident) => ({ keyId: incident.createdByKeyId, name: incident.createdByName }),
    }),
    startedAt: t.expose('startedAt', { type: 'DateTime', description: 'When it started.' }),
    acknowledgedAt: t.expose('acknowledgedAt', { type: 'DateTime', nullable: true, description: 'First acknowledgement.' }),
    resolvedAt: t.expose('resolvedAt', { type: 'DateTime', nullable: true, description: 'When it was resolved or completed.' }),
    scheduledFor: t.expose('scheduledFor', { type: 'DateTime', nullable: true, description: 'Maintenance: planned start.' }),
    scheduledUntil: t.expose('scheduledUntil', { type: 'DateTime', nullable: true, description: 'Maintenance: planned end.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was recorded.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
    affectedComponents: t.relation('components', {
      description: 'The components it affects, with their status in this incident.',
      query: { orderBy: { position: 'asc' } },
    }),
    timeline: t.relatedConnection(
      'updates',
      {
        cursor: 'id',
        description: 'The timeline, oldest first.',
        query: (args) => {
          checkIdCursors(args);
          return { orderBy: { sequence: 'asc' } };
        },
        totalCount: true,
      },
      { name: 'IncidentTimelineConnection', description: 'A page of timeline entries.' },
      { name: 'IncidentTimelineEdge', description: 'A timeline entry in a page.' },
    ),
  }),
});

// ---------------------------------------------------------------- filters

/** `<Enum>Comparator { eq, in, notIn }` for one of the incident enums. */
function enumComparator<Ref extends typeof IncidentStatusEnum | typeof IncidentSeverityEnum | typeof IncidentImpactEnum | typeof IncidentKindEnum>(
  enumRef: Ref,
  name: string,
  noun: string,
) {
  return builder.inputType(`${name}Comparator`, {
    description: `Matches ${noun}: equal to, one of, or none of.`,
    fields: (t) => ({
      eq: t.field({ type: enumRef, description: 'Equal to.' }),
      in: t.field({ type: [enumRef], description: 'One of.' }),
      notIn: t.field({ type: [enumRef], description: 'None of.' }),
    }),
  });
}

const IncidentStatusComparator = enumComparator(IncidentStatusEnum, 'IncidentStatus', 'a status');
const IncidentSeverityComparator = enumComparator(IncidentSeverityEnum, 'IncidentSeverity', 'a severity');
const IncidentImpactComparator = enumComparator(IncidentImpactEnum, 'IncidentImpact', 'an impact');
const IncidentKindComparator = enumComparator(IncidentKindEnum, 'IncidentKind', 'a kind');
const IDComparator = builder.inputType('IDComparator', {
  description: 'Matches an id: equal to, one of, or none of.',
  fields: (t) => ({
    eq: t.id({ description: 'Equal to.' }),
    in: t.idList({ description: 'One of.' }),
    notIn: t.idList({ description: 'None of.' }),
  }),
});
const StringComparator = builder.inputType('StringComparator', {
  description: 'Matches a string exactly: equal to, one of, or none of.',
  fields: (t) => ({
    eq: t.string({ description: 'Equal to.' }),
    in: t.stringList({ description: 'One of.' }),
    notIn: t.stringList({ description: 'None of.' }),
  }),
});
const DateTimeComparator = builder.inputType('DateTimeComparator', {
  description: 'Matches an instant; all given bounds must hold.',
  fields: (t) => ({
    gt: t.field({ type: 'DateTime', description: 'After.' }),
    gte: t.field({ type: 'DateTime', description: 'At or after.' }),
    lt: t.field({ type: 'DateTime', description: 'Before.' }),
    lte: t.field({ type: 'DateTime', description: 'At or before.' }),
    isNull: t.boolean({ description: 'true: not set (e.g. unresolved); false: set.' }),
  }),
});

export const IncidentFilter = builder.inputRef<IncidentFilterShape>('IncidentFilter').implement({
  description: 'Which incidents to return. All given conditions must hold. and/or nest at most 5 levels; at most 100 filters in all and 100 items per list.',
  fields: (t) => ({
    status: t.field({ type: IncidentStatusComparator, description: 'By status.' }),
    severity: t.field({ type: IncidentSeverityComparator, description: 'By severity.' }),
    impact: t.field({ type: IncidentImpactComparator, description: 'By impact.' }),
    kind: t.field({ type: IncidentKindComparator, description: 'By kind.' }),
    ownerId: t.field({ type: IDComparator, description: 'By owner (User ids).' }),
    componentId: t.field({ type: IDComparator, description: 'By affected component (Component ids).' }),
    tag: t.field({ type: StringComparator, description: 'By tag, ignoring case: eq has the tag, in has any, notIn has none.' }),
    startedAt: t.field({ type: DateTimeComparator, description: 'By start time.' }),
    acknowledgedAt: t.field({
      type: DateTimeComparator,
      description: 'By acknowledgement time; `isNull: true` finds the incidents nobody acknowledged yet.',
    }),
    resolvedAt: t.field({ type: DateTimeComparator, description: 'By resolution time.' }),
    search: t.string({ description: 'Case-insensitive substring of the title or description.' }),
    and: t.field({ type: [IncidentFilter], description: 'All of these filters.' }),
    or: t.field({ type: [IncidentFilter], description: 'Any of these filters.' }),
  }),
});

const IncidentOrder = builder.inputType('IncidentOrder', {
  description: 'Sort order of incidents; ties are broken by id.',
  fields: (t) => ({
    field: t.field({ type: IncidentOrderFieldEnum, required: true, description: 'What to sort by.' }),
    direction: t.field({ type: OrderDirectionEnum, defaultValue: 'DESC', description: 'Direction (default DESC).' }),
  }),
});

// ---------------------------------------------------------------- queries

builder.queryFields((t) => ({
  incident: t.prismaField({
    type: 'Incident',
    nullable: true,
    description: 'One incident by global ID; null when it does not exist in your organization.',
    authScopes: { read: true },
    args: {
      id: t.arg.id({ required: true, description: 'Global ID of the incident.' }),
      asOf: t.arg({
        type: 'DateTime',
        description:
          'The incident as it was at this moment: status, severity, impact, owner, affectedComponents and acknowledgedAt rebuilt from its timeline (other fields are current); null before it was recorded.',
      }),
    },
    resolve: async (query, _root, args, context) => {
      const id = decodeId(String(args.id), 'Incident');
      const incident = id ? await context.db.prisma.incident.findFirst({ ...query, where: scopedNodeWhere(id, context) }) : null;
      // asOf: history.ts rebuilds the past state.
      return incident && args.asOf ? incidentAsOf(context, query, incident, args.asOf) : incident;
    },
  }),
  incidentByNumber: t.prismaField({
    type: 'Incident',
    nullable: true,
    description: 'One incident by its number in your organization.',
    authScopes: { read: true },
    args: { number: t.arg.int({ required: true, description: 'The incident number.' }) },
    resolve: (query, _root, args, context) =>
      context.db.prisma.incident.findFirst({ ...query, where: { orgId: orgOf(context), number: args.number } }),
  }),
  incidents: t.prismaConnection(
    {
      type: 'Incident',
      cursor: 'id',
      description: 'Incidents of your organization, newest startedAt first unless orderBy says otherwise. Page size 1..100, default 25.',
      authScopes: { read: true },
      args: {
        filter: t.arg({ type: IncidentFilter, description: 'Which incidents.' }),
        orderBy: t.arg({ type: IncidentOrder, description: 'Sort order (default STARTED_AT DESC).' }),
      },
      resolve: (query, _root, args, context) => {
        checkIdCursors(args);
        return context.db.prisma.incident.findMany({
          ...query,
          where: { orgId: orgOf(context), ...incidentWhere(args.filter) },
          orderBy: incidentOrderBy(args.orderBy),
        });
      },
      totalCount: (_connection, args, context) =>
        context.db.prisma.incident.count({ where: { orgId: orgOf(context), ...incidentWhere(args.filter) } }),
    },
    { description: 'A page of incidents.' },
    { description: 'An incident in a page.' },
  ),
}));

// ---------------------------------------------------------------- mutations

interface IncidentResult {
  incidentId: string;
  updateId?: string;
  /** The incident as the mutation left it, when it has the row at hand. */
  incident?: Incident;
}

/**
 * A payload's incident. When the selection needs its scalars only, the row the mutation wrote
 * answers without reading it again.
 */
function incidentOf(query: Omit<Prisma.IncidentFindUniqueArgs, 'where'>, result: IncidentResult | null, context: GatewayContext) {
  if (!result) return null;
  if (result.incident && Object.keys(query).length === 0) return result.incident;
  return context.db.prisma.incident.findUnique({ ...query, where: { id: result.incidentId } });
}

function incidentPayload(name: string, description: string) {
  return definePayload<IncidentResult>(name, description, (t) => ({
    incident: t.prismaField({
      type: 'Incident',
      nullable: true,
      description: 'The incident after the change; null when the input was rejected.',
      resolve: (query, payload: PayloadShape<IncidentResult>, _args, context: GatewayContext) => incidentOf(query, payload.result, context),
    }),
  }));
}

export const ComponentChoiceInput = builder.inputType('IncidentComponentInput', {
  description: 'A component and the status it has in the incident (also applied to the component itself).',
  fields: (t) => ({
    componentId: t.id({ required: true, description: 'Global ID of the component.' }),
    status: t.field({ type: ComponentStatusEnum, required: true, description: 'Its status.' }),
  }),
});

/** `postAs`: a User global ID; anything else is kept to be reported NOT_FOUND. */
export function postAsOf(id: string | number | null | undefined): string | null {
  return id == null ? null : decodeIdOrRaw(String(id), 'User');
}

export const POST_AS_DESCRIPTION = 'Global ID of a user of your organization: the timeline entry is posted as this person (IncidentUpdate.author).';

export function componentRefs(
  ids: readonly (string | number)[] | null | undefined,
  withStatus: readonly { componentId: string | number; status: ComponentStatus }[] | null | undefined,
): incidents.ComponentRefsInput {
  return {
    ids: ids?.map((id) => decodeIdOrRaw(String(id), 'Component')) ?? null,
    withStatus: withStatus?.map((choice) => ({ componentId: decodeIdOrRaw(String(choice.componentId), 'Component'), status: choice.status })) ?? null,
  };
}

const CreateIncidentInput = builder.inputType('CreateIncidentInput', {
  description: 'A new incident. Only title is required.',
  fields: (t) => ({
    title: t.string({ required: true, description: '1 to 255 characters after trimming.' }),
    description: t.string({ description: 'Up to 10,000 characters.' }),
    kind: t.field({ type: IncidentKindEnum, description: 'Default INCIDENT.' }),
    severity: t.field({ type: IncidentSeverityEnum, description: 'Default MEDIUM.' }),
    impact: t.field({ type: IncidentImpactEnum, description: 'Sets the impact explicitly; otherwise derived from the components.' }),
    status: t.field({
      type: IncidentStatusEnum,
      description: 'Any status of the kind (for backfills); default INVESTIGATING or SCHEDULED.',
    }),
    message: t.string({ description: 'The first timeline message; a default text when omitted.' }),
    notifySubscribers: t.boolean({ defaultValue: true, description: 'Whether the first entry notifies subscribers (default true).' }),
    ownerId: t.id({ description: 'Global ID of the owning user. Wins over ownerScheduleId for the owner.' }),
    ownerScheduleId: t.id({
      description: 'Global ID of a schedule: whoever is on call now owns the incident, and the escalation policy targeting the schedule is attached.',
    }),
    componentIds: t.idList({ description: `Affected components at their current status (at most ${MAX_COMPONENTS} in all).` }),
    components: t.field({ type: [ComponentChoiceInput], description: 'Affected components with a status to apply.' }),
    statusPageIds: t.idList({ description: 'Status pages to publish the incident on.' }),
    tags: t.stringList({ description: 'Up to 20 tags of 1 to 50 characters.' }),
    externalRef: t.string({ description: 'An id in another system.' }),
    source: t.string({ description: 'Where it came from (default API).' }),
    impactDescription: t.string({ description: 'What customers experience, up to 1,000 characters; shown on status pages.' }),
    startedAt: t.field({ type: 'DateTime', description: 'When it started (default now); an incident at most 24 hours ahead.' }),
    acknowledgedAt: t.field({
      type: 'DateTime',
      description: 'Backfill: when it was acknowledged (not before startedAt, not after resolvedAt, not in the future); written to the timeline at that instant.',
    }),
    resolvedAt: t.field({
      type: 'DateTime',
      description: 'Backfill: when it was resolved, with a status RESOLVED, POSTMORTEM or COMPLETED (default now); written to the timeline at that instant.',
    }),
    scheduledFor: t.field({ type: 'DateTime', description: 'Maintenance only: planned start.' }),
    scheduledUntil: t.field({ type: 'DateTime', description: 'Maintenance only: planned end.' }),
    postAs: t.id({ description: 'Global ID of a user of your organization: the timeline entries are posted as this person.' }),
    idempotencyKey: t.string({
      description: 'Repeating a request with the same key returns the first result (kept 24 hours).',
    }),
  }),
});

builder.mutationField('createIncident', (t) =>
  t.field({
    type: incidentPayload('CreateIncidentPayload', 'Result of createIncident.'),
    description: 'Opens an incident (or schedules maintenance) with a CREATED timeline entry.',
    authScopes: { write: true },
    args: { input: t.arg({ type: CreateIncidentInput, required: true, description: 'The incident.' }) },
    resolve: async (_root, { input }, context) => {
      const check = new InputCheck();
      const fields = checkCreateIncident(check, input);
      if (!check.ok) return rejected(check.errors);
      const outcome = await incidents.createIncident(
        context.db,
        actorOf(context),
        { ...fields, notifySubscribers: input.notifySubscribers ?? true },
        {
          ...componentRefs(input.componentIds, input.components),
          ownerId: input.ownerId == null ? null : decodeIdOrRaw(String(input.ownerId), 'User'),
          ownerScheduleId: input.ownerScheduleId == null ? null : decodeIdOrRaw(String(input.ownerScheduleId), 'Schedule'),
          statusPageIds: input.statusPageIds?.map((id) => decodeIdOrRaw(String(id), 'StatusPage')) ?? null,
          postAs: postAsOf(input.postAs),
        },
      );
      return settle(context, outcome);
    },
  }),
);

const UpdateIncidentInput = builder.inputType('UpdateIncidentInput', {
  description: 'Changes to an incident; omitted fields stay as they are.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global ID of the incident.' }),
    expectedVersion: t.int({ description: 'Fail with VERSION_CONFLICT unless this is the current version.' }),
    title: t.string({ description: 'New title, 1 to 255 characters.' }),
    description: t.string({ description: 'New description; null clears it.' }),
    severity: t.field({ type: IncidentSeverityEnum, description: 'New severity.' }),
    impact: t.field({ type: IncidentImpactEnum, description: 'Overrides the impact; null goes back to deriving it.' }),
    tags: t.stringList({ description: 'Replaces the tags.' }),
    ownerId: t.id({ description: 'New owner; null removes the owner.' }),
    impactDescription: t.string({ description: 'What customers experience, up to 1,000 characters; null clears it.' }),
    acknowledgedAt: t.field({
      type: 'DateTime',
      description: 'Backfill: acknowledges an incident not acknowledged yet at this instant (an ACKNOWLEDGED entry at that instant). Not before startedAt, not after resolvedAt, not in the future.',
    }),
    resolvedAt: t.field({
      type: 'DateTime',
      description: 'Backfill: corrects when a resolved incident (RESOLVED, POSTMORTEM, COMPLETED) was resolved; the entry that resolved it moves to this instant.',
    }),
    postAs: t.id({ description: POST_AS_DESCRIPTION }),
  }),
});

builder.mutationField('updateIncident', (t) =>
  t.field({
    type: incidentPayload('UpdateIncidentPayload', 'Result of updateIncident.'),
    description:
      'Changes title, description, impact description, severity, impact, tags or owner; backfills acknowledgedAt and resolvedAt.',
    authScopes: { write: true },
    args: { input: t.arg({ type: UpdateIncidentInput, required: true, description: 'The changes.' }) },
    resolve: async (_root, { input }, context) => {
      const check = new InputCheck();
      if (input.title === null) check.fail(['title'], 'title cannot be null');
      if (input.severity === null) check.fail(['severity'], 'severity cannot be null');
      if (input.tags === null) check.fail(['tags'], 'tags cannot be null; pass [] to clear them');
      if (input.acknowledgedAt === null) check.fail(['acknowledgedAt'], 'acknowledgedAt cannot be cleared');
      if (input.resolvedAt === null) check.fail(['resolvedAt'], 'resolvedAt cannot be cleared; reopen the incident instead');
      const title = input.title == null ? undefined : check.requiredText(input.title, 'title', TITLE_MAX);
      const description = check.text(input.description, 'description', { max: DESCRIPTION_MAX });
      const impactDescription = check.text(input.impactDescription, 'impactDescription', { max: IMPACT_DESCRIPTION_MAX });
      const tags = checkTags(check, input.tags);
      if (!check.ok) return rejected(check.errors);
      const outcome = await incidents.updateIncident(context.db.prisma, actorOf(context), {
        id: decodeId(String(input.id), 'Incident'),
        expectedVersion: input.expectedVersion,
        title,
        description: description === undefined ? undefined : description || null,
        severity: input.severity ?? undefined,
        impact: input.impact,
        tags,
        ownerId: input.ownerId === undefined ? undefined : input.ownerId === null ? null : decodeIdOrRaw(String(input.ownerId), 'User'),
        impactDescription: impactDescription === undefined ? undefined : impactDescription || null,
        acknowledgedAt: input.acknowledgedAt ?? undefined,
        resolvedAt: input.resolvedAt ?? undefined,
        postAs: postAsOf(input.postAs),
      });
      return settle(context, outcome);
    },
  }),
);

const TransitionIncidentInput = builder.inputType('TransitionIncidentInput', {
  description: 'A status change.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global ID of the incident.' }),
    status: t.field({ type: IncidentStatusEnum, required: true, description: 'The new status.' }),
    message: t.string({ description: 'Text of the timeline entry; a default text when omitted.' }),
    notifySubscribers: t.boolean({ defaultValue: true, description: 'Whether subscribers are told (default true).' }),
    expectedVersion: t.int({ description: 'Fail with VERSION_CONFLICT unless this is the current version.' }),
    postAs: t.id({ description: POST_AS_DESCRIPTION }),
  }),
});

builder.mutationField('transitionIncident', (t) =>
  t.field({
    type: incidentPayload('TransitionIncidentPayload', 'Result of transitionIncident.'),
    description: 'Moves the incident through its lifecycle; anything the lifecycle does not allow is INVALID_TRANSITION.',
    authScopes: { write: true },
    args: { input: t.arg({ type: TransitionIncidentInput, required: true, description: 'The change.' }) },
    resolve: async (_root, { input }, context) => {
      const check = new InputCheck();
      const message = check.text(input.message, 'message', { min: 1, max: BODY_MAX });
      if (!check.ok) return rejected(check.errors);
      const outcome = await incidents.transitionIncident(context.db.prisma, actorOf(context), {
        id: decodeId(String(input.id), 'Incident'),
        status: input.status,
        message,
        notifySubscribers: input.notifySubscribers ?? true,
        expectedVersion: input.expectedVersion,
        postAs: postAsOf(input.postAs),
      });
      return settle(context, outcome);
    },
  }),
);

const AcknowledgeIncidentInput = builder.inputType('AcknowledgeIncidentInput', {
  description: 'The incident to acknowledge.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global ID of the incident.' }),
    postAs: t.id({ description: POST_AS_DESCRIPTION }),
  }),
});

builder.mutationField('acknowledgeIncident', (t) =>
  t.field({
    type: incidentPayload('AcknowledgeIncidentPayload', 'Result of acknowledgeIncident.'),
    description: 'Sets acknowledgedAt once; acknowledging again succeeds and changes nothing.',
    authScopes: { write: true },
    args: { input: t.arg({ type: AcknowledgeIncidentInput, required: true, description: 'The incident.' }) },
    resolve: async (_root, { input }, context) =>
      settle(
        context,
        await incidents.acknowledgeIncident(context.db.prisma, actorOf(context), decodeId(String(input.id), 'Incident'), { postAs: postAsOf(input.postAs) }),
      ),
  }),
);

const PostIncidentUpdateInput = builder.inputType('PostIncidentUpdateInput', {
  description: 'A message for the timeline, optionally with a status change.',
  fields: (t) => ({
    incidentId: t.id({ required: true, description: 'Global ID of the incident.' }),
    body: t.string({ required: true, description: 'The message, 1 to 10,000 characters.' }),
    status: t.field({ type: IncidentStatusEnum, description: 'A new status; the message becomes the transition entry.' }),
    notifySubscribers: t.boolean({ defaultValue: true, description: 'Whether subscribers are told (default true).' }),
    postAs: t.id({ description: POST_AS_DESCRIPTION }),
  }),
});

const PostIncidentUpdatePayload = definePayload<IncidentResult>(
  'PostIncidentUpdatePayload',
  'Result of postIncidentUpdate.',
  (t) => ({
    update: t.prismaField({
      type: 'IncidentUpdate',
      nullable: true,
      description: 'The new timeline entry; null when the input was rejected.',
      resolve: (query, payload: PayloadShape<IncidentResult>, _args, context: GatewayContext) =>
        payload.result?.updateId ? context.db.prisma.incidentUpdate.findUnique({ ...query, where: { id: payload.result.updateId } }) : null,
    }),
    incident: t.prismaField({
      type: 'Incident',
      nullable: true,
      description: 'The incident after the update; null when the input was rejected.',
      resolve: (query, payload: PayloadShape<IncidentResult>, _args, context: GatewayContext) => incidentOf(query, payload.result, context),
    }),
  }),
);

builder.mutationField('postIncidentUpdate', (t) =>
  t.field({
    type: PostIncidentUpdatePayload,
    description: 'Posts a timeline message (and changes the status when one is given).',
    authScopes: { write: true },
    args: { input: t.arg({ type: PostIncidentUpdateInput, required: true, description: 'The update.' }) },
    resolve: async (_root, { input }, context) => {
      const check = new InputCheck();
      const body = check.requiredText(input.body, 'body', BODY_MAX);
      if (!check.ok) return rejected(check.errors);
      const outcome = await incidents.postIncidentUpdate(context.db.prisma, actorOf(context), {
        incidentId: decodeId(String(input.incidentId), 'Incident'),
        body,
        status: input.status,
        notifySubscribers: input.notifySubscribers ?? true,
        postAs: postAsOf(input.postAs),
      });
      return settle(context, outcome);
    },
  }),
);

const SetIncidentComponentsInput = builder.inputType('SetIncidentComponentsInput', {
  description: 'The full new set of affected components.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global ID of the incident.' }),
    components: t.field({ type: [ComponentChoiceInput], description: 'Components with the status to apply.' }),
    componentIds: t.idList({ description: 'Components at their current status.' }),
  }),
});

builder.mutationField('setIncidentComponents', (t) =>
  t.field({
    type: incidentPayload('SetIncidentComponentsPayload', 'Result of setIncidentComponents.'),
    description: 'Replaces the affected components; impact is re-derived unless overridden, components no longer listed are released.',
    authScopes: { write: true },
    args: { input: t.arg({ type: SetIncidentComponentsInput, required: true, description: 'The components.' }) },
    resolve: async (_root, { input }, context) =>
      settle(
        context,
        await incidents.setIncidentComponents(
          context.db.prisma,
          actorOf(context),
          decodeId(String(input.id), 'Incident'),
          componentRefs(input.componentIds, input.components),
        ),
      ),
  }),
);

const deletion = deletionTypes('Incident', 'deletedIncidentId');

builder.mutationField('deleteIncident', (t) =>
  t.field({
    type: deletion.payload,
    description: 'Deletes an incident and its timeline; its components are released.',
    authScopes: { write: true },
    args: { input: t.arg({ type: deletion.input, required: true, description: 'The incident.' }) },
    resolve: async (_root, { input }, context) =>
      settle(context, await incidents.deleteIncident(context.db.prisma, actorOf(context), decodeId(String(input.id), 'Incident'))),
  }),
);
