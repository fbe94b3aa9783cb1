/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** How a component is doing. */
export type ComponentStatus =
  /** Slow or partly failing; derives MINOR impact. */
  | 'DEGRADED_PERFORMANCE'
  /** Down; derives CRITICAL impact. */
  | 'MAJOR_OUTAGE'
  /** Working normally. */
  | 'OPERATIONAL'
  /** Down for some users; derives MAJOR impact. */
  | 'PARTIAL_OUTAGE'
  /** Taken down on purpose for maintenance. */
  | 'UNDER_MAINTENANCE';

/** A new component. Only name is required. */
export type CreateComponentInput = {
  /** Longer text, up to 10,000 characters. */
  description?: string | null | undefined;
  /** Group to show it under, up to 255 characters. */
  group?: string | null | undefined;
  /** 1 to 255 characters after trimming. */
  name: string;
  /** Sort position within its group, 0 or more (default 0). */
  position?: number | null | undefined;
  /** Initial status (default OPERATIONAL). */
  status?: ComponentStatus | null | undefined;
};

/** A new incident. Only title is required. */
export type CreateIncidentInput = {
  /** Backfill: when it was acknowledged (not before startedAt, not after resolvedAt, not in the future); written to the timeline at that instant. */
  acknowledgedAt?: string | null | undefined;
  /** Affected components at their current status (at most 50 in all). */
  componentIds?: Array<string | number> | null | undefined;
  /** Affected components with a status to apply. */
  components?: Array<IncidentComponentInput> | null | undefined;
  /** Up to 10,000 characters. */
  description?: string | null | undefined;
  /** An id in another system. */
  externalRef?: string | null | undefined;
  /** Repeating a request with the same key returns the first result (kept 24 hours). */
  idempotencyKey?: string | null | undefined;
  /** Sets the impact explicitly; otherwise derived from the components. */
  impact?: IncidentImpact | null | undefined;
  /** What customers experience, up to 1,000 characters; shown on status pages. */
  impactDescription?: string | null | undefined;
  /** Default INCIDENT. */
  kind?: IncidentKind | null | undefined;
  /** The first timeline message; a default text when omitted. */
  message?: string | null | undefined;
  /** Whether the first entry notifies subscribers (default true). */
  notifySubscribers?: boolean | null | undefined;
  /** Global ID of the owning user. Wins over ownerScheduleId for the owner. */
  ownerId?: string | number | null | undefined;
  /** Global ID of a schedule: whoever is on call now owns the incident, and the escalation policy targeting the schedule is attached. */
  ownerScheduleId?: string | number | null | undefined;
  /** Global ID of a user of your organization: the timeline entries are posted as this person. */
  postAs?: string | number | null | undefined;
  /** Backfill: when it was resolved, with a status RESOLVED, POSTMORTEM or COMPLETED (default now); written to the timeline at that instant. */
  resolvedAt?: string | null | undefined;
  /** Maintenance only: planned start. */
  scheduledFor?: string | null | undefined;
  /** Maintenance only: planned end. */
  scheduledUntil?: string | null | undefined;
  /** Default MEDIUM. */
  severity?: IncidentSeverity | null | undefined;
  /** Where it came from (default API). */
  source?: string | null | undefined;
  /** When it started (default now); an incident at most 24 hours ahead. */
  startedAt?: string | null | undefined;
  /** Any status of the kind (for backfills); default INVESTIGATING or SCHEDULED. */
  status?: IncidentStatus | null | undefined;
  /** Status pages to publish the incident on. */
  statusPageIds?: Array<string | number> | null | undefined;
  /** Up to 20 tags of 1 to 50 characters. */
  tags?: Array<string> | null | undefined;
  /** 1 to 255 characters after trimming. */
  title: string;
};

/** A new on-call schedule. */
export type CreateScheduleInput = {
  /** Layers in order (1 to 10); a later layer wins. */
  layers: Array<ScheduleLayerInput>;
  /** 1 to 255 characters after trimming. */
  name: string;
  /** IANA time zone of the restriction windows (default UTC). */
  timeZone?: string | null | undefined;
};

/** A new user of your organization. */
export type CreateUserInput = {
  /** Email address, unique within your organization (ignoring case). */
  email: string;
  /** 1 to 255 characters after trimming. */
  name: string;
  /** IANA time zone such as "Europe/Berlin" (default UTC). */
  timeZone?: string | null | undefined;
};

/** A day of the week, in the schedule time zone. */
export type DayOfWeek =
  /** Friday. */
  | 'FRIDAY'
  /** Monday. */
  | 'MONDAY'
  /** Saturday. */
  | 'SATURDAY'
  /** Sunday. */
  | 'SUNDAY'
  /** Thursday. */
  | 'THURSDAY'
  /** Tuesday. */
  | 'TUESDAY'
  /** Wednesday. */
  | 'WEDNESDAY';

/** Why a mutation rejected its input. */
export type ErrorCode =
  /** A component is listed more than once. */
  | 'DUPLICATE_COMPONENT_ID'
  /** Email cannot be sent by this gateway (no SMTP server is configured). */
  | 'EMAIL_UNAVAILABLE'
  /** The idempotency key was already used with a different input. */
  | 'IDEMPOTENCY_CONFLICT'
  /** A component id does not name a component of your organization. */
  | 'INVALID_COMPONENT_ID'
  /** A field is missing, malformed, too long or out of range; `field` says which. */
  | 'INVALID_INPUT'
  /** The lifecycle does not allow this status change. */
  | 'INVALID_TRANSITION'
  /** A referenced object does not exist in your organization. */
  | 'NOT_FOUND'
  /** More than 50 components were given. */
  | 'TOO_MANY_COMPONENTS'
  /** expectedVersion is not the current version: someone else changed the object. */
  | 'VERSION_CONFLICT';

/** Where the paging of an incident stands. */
export type EscalationState =
  /** Someone acknowledged; nobody more is paged. */
  | 'ACKNOWLEDGED'
  /** Paging: waiting for an acknowledgement, escalating when none comes in time. */
  | 'ACTIVE'
  /** Every rule and repeat passed without an acknowledgement; nobody more is paged. */
  | 'EXHAUSTED'
  /** The incident was resolved while paging; nobody more is paged. */
  | 'STOPPED';

/** What happened to an incident. */
export type IncidentChangeType =
  /** It was created. */
  | 'CREATED'
  /** It was deleted; `incident` is its last state, with its relations empty (no owner, components or timeline). */
  | 'DELETED'
  /** Its status changed. */
  | 'TRANSITIONED'
  /** Its fields, components, acknowledgement or timeline changed (but not its status). */
  | 'UPDATED';

/** A component and the status it has in the incident (also applied to the component itself). */
export type IncidentComponentInput = {
  /** Global ID of the component. */
  componentId: string | number;
  /** Its status. */
  status: ComponentStatus;
};

/** How much customers are affected; derived from the affected components unless set explicitly. */
export type IncidentImpact =
  /** Major outage. */
  | 'CRITICAL'
  /** Partial outage. */
  | 'MAJOR'
  /** Degraded performance. */
  | 'MINOR'
  /** No customer impact. */
  | 'NONE';

/** Unplanned incident or planned maintenance; each has its own lifecycle. */
export type IncidentKind =
  /** Something broke. Starts INVESTIGATING. */
  | 'INCIDENT'
  /** Planned work. Starts SCHEDULED. */
  | 'MAINTENANCE';

/** How urgent the incident is for the responders. */
export type IncidentSeverity =
  /** Full outage or data loss for all or most customers. */
  | 'CRITICAL'
  /** Significant degradation for many customers or a key feature. */
  | 'HIGH'
  /** Minor or cosmetic issue. */
  | 'LOW'
  /** Partial degradation with a workaround, or a minority of customers. The default. */
  | 'MEDIUM';

/** Lifecycle status. INCIDENT: INVESTIGATING, IDENTIFIED, MONITORING move freely; each -> RESOLVED -> POSTMORTEM; RESOLVED -> INVESTIGATING reopens. MAINTENANCE: SCHEDULED -> IN_PROGRESS -> VERIFYING -> COMPLETED, or SCHEDULED -> CANCELLED. */
export type IncidentStatus =
  /** Maintenance: called off before it started. Final. */
  | 'CANCELLED'
  /** Maintenance: finished. Sets resolvedAt. Final. */
  | 'COMPLETED'
  /** Incident: cause found, fix under way. */
  | 'IDENTIFIED'
  /** Incident: looking for the cause. */
  | 'INVESTIGATING'
  /** Maintenance: under way. */
  | 'IN_PROGRESS'
  /** Incident: fix applied, watching. */
  | 'MONITORING'
  /** Incident: reviewed after resolution. Final. */
  | 'POSTMORTEM'
  /** Incident: over. Sets resolvedAt. */
  | 'RESOLVED'
  /** Maintenance: planned, not started. */
  | 'SCHEDULED'
  /** Maintenance: done, being checked. */
  | 'VERIFYING';

/** A rotation layer. */
export type ScheduleLayerInput = {
  /** Display name (default "Layer N"). */
  name?: string | null | undefined;
  /** Users taking turns, in order (1 to 50; a user may appear more than once). */
  participantIds: Array<string | number>;
  /** Weekly windows limiting when the layer has someone (default: always). */
  restrictions?: Array<ScheduleRestrictionInput> | null | undefined;
  /** When the first turn starts. */
  rotationStart: string;
  /** Length of one turn in seconds, at least 60. */
  shiftLengthSeconds: number;
};

/** A weekly window in local time of the schedule. */
export type ScheduleRestrictionInput = {
  /** Days on which the window starts (at least one). */
  daysOfWeek: Array<DayOfWeek>;
  /** Local end, HH:MM, exclusive; at or before startTime it ends the next day. */
  endTime: string;
  /** Local start, HH:MM, inclusive. */
  startTime: string;
};

/** What a timeline entry records. */
export type TimelineEntryKind =
  /** A responder acknowledged the incident. */
  | 'ACKNOWLEDGED'
  /** The affected components changed. */
  | 'COMPONENTS_CHANGED'
  /** The incident was created; carries the initial message. */
  | 'CREATED'
  /** Paging: nobody acknowledged in time, so the escalation moved to the level the body names. */
  | 'ESCALATED'
  /** Paging: the last rule of the last repeat passed without an acknowledgement; paging stopped. */
  | 'ESCALATION_EXHAUSTED'
  /** The impact changed. */
  | 'IMPACT_CHANGED'
  /** A message posted with postIncidentUpdate. */
  | 'MESSAGE'
  /** The owner changed. */
  | 'OWNER_CHANGED'
  /** Paging: someone was paged; the body names who and at which level. Never sent to status page subscribers. */
  | 'PAGED'
  /** A resolved incident was reopened (back to INVESTIGATING). */
  | 'REOPENED'
  /** The severity changed. */
  | 'SEVERITY_CHANGED'
  /** The status changed. */
  | 'STATUS_CHANGED';

export type BoardTimelineEntryFragment = { id: string, kind: TimelineEntryKind, status: IncidentStatus, body: string, postedAt: string, sequence: number, cursor: string };

export type BoardIncidentFragment = { id: string, number: number, title: string, kind: IncidentKind, severity: IncidentSeverity, status: IncidentStatus, impact: IncidentImpact, startedAt: string, scheduledFor: string | null, version: number, owner: { id: string, name: string } | null, affectedComponents: Array<{ status: ComponentStatus, component: { id: string, name: string } }>, timeline: { nodes: Array<{ id: string, kind: TimelineEntryKind, status: IncidentStatus, body: string, postedAt: string, sequence: number, cursor: string }> }, escalation: { state: EscalationState, level: number, nextEscalationAt: string | null, pages: { nodes: Array<{ level: number, at: string, user: { id: string, name: string } }> } } | null };

export type BoardSchedulesFragment = { schedules: { nodes: Array<{ id: string, name: string, upcoming: Array<{ startsAt: string }>, onCall: { startsAt: string, endsAt: string | null, user: { id: string, name: string }, override: { id: string } | null } | null }> } };

export type BoardSnapshotQueryVariables = Exact<{
  open: Array<IncidentStatus> | IncidentStatus;
  now: string;
  horizon: string;
}>;


export type BoardSnapshotQuery = { viewer: { organization: { name: string } }, incidents: { totalCount: number, nodes: Array<{ id: string, number: number, title: string, kind: IncidentKind, severity: IncidentSeverity, status: IncidentStatus, impact: IncidentImpact, startedAt: string, scheduledFor: string | null, version: number, owner: { id: string, name: string } | null, affectedComponents: Array<{ status: ComponentStatus, component: { id: string, name: string } }>, timeline: { nodes: Array<{ id: string, kind: TimelineEntryKind, status: IncidentStatus, body: string, postedAt: string, sequence: number, cursor: string }> }, escalation: { state: EscalationState, level: number, nextEscalationAt: string | null, pages: { nodes: Array<{ level: number, at: string, user: { id: string, name: string } }> } } | null }> }, schedules: { nodes: Array<{ id: string, name: string, upcoming: Array<{ startsAt: string }>, onCall: { startsAt: string, endsAt: string | null, user: { id: string, name: string }, override: { id: string } | null } | null }> } };

export type BoardOnCallQueryVariables = Exact<{
  now: string;
  horizon: string;
}>;


export type BoardOnCallQuery = { schedules: { nodes: Array<{ id: string, name: string, upcoming: Array<{ startsAt: string }>, onCall: { startsAt: string, endsAt: string | null, user: { id: string, name: string }, override: { id: string } | null } | null }> } };

export type BoardIncidentChangedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type BoardIncidentChangedSubscription = { incidentChanged: { type: IncidentChangeType, cursor: string, incident: { id: string, number: number, title: string, kind: IncidentKind, severity: IncidentSeverity, status: IncidentStatus, impact: IncidentImpact, startedAt: string, scheduledFor: string | null, version: number, owner: { id: string, name: string } | null, affectedComponents: Array<{ status: ComponentStatus, component: { id: string, name: string } }>, timeline: { nodes: Array<{ id: string, kind: TimelineEntryKind, status: IncidentStatus, body: string, postedAt: string, sequence: number, cursor: string }> }, escalation: { state: EscalationState, level: number, nextEscalationAt: string | null, pages: { nodes: Array<{ level: number, at: string, user: { id: string, name: string } }> } } | null } } };

export type BoardTimelineSubscriptionVariables = Exact<{
  incidentId: string | number;
  after?: string | null | undefined;
}>;


export type BoardTimelineSubscription = { incidentTimeline: { id: string, kind: TimelineEntryKind, status: IncidentStatus, body: string, postedAt: string, sequence: number, cursor: string } };

export type IncidentTimelineQueryVariables = Exact<{
  number: number;
  after?: string | null | undefined;
}>;


export type IncidentTimelineQuery = { incidentByNumber: { id: string, title: string, status: IncidentStatus, timeline: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ kind: TimelineEntryKind, status: IncidentStatus, body: string, postedAt: string, postedBy: { name: string | null }, changes: Array<{ field: string, from: string | null, to: string | null }> }> } } | null };

export type OpenIncidentMutationVariables = Exact<{
  input: CreateIncidentInput;
}>;


export type OpenIncidentMutation = { createIncident: { incident: { id: string, number: number, status: IncidentStatus, severity: IncidentSeverity, version: number } | null, userErrors: Array<{ code: ErrorCode, field: Array<string> | null, message: string }> } };

export type PostUpdateMutationVariables = Exact<{
  incidentId: string | number;
  body: string;
}>;


export type PostUpdateMutation = { postIncidentUpdate: { update: { kind: TimelineEntryKind, body: string, cursor: string } | null, incident: { version: number } | null, userErrors: Array<{ code: ErrorCode, field: Array<string> | null, message: string }> } };

export type ChangeStatusMutationVariables = Exact<{
  id: string | number;
  status: IncidentStatus;
  message?: string | null | undefined;
  expectedVersion?: number | null | undefined;
}>;


export type ChangeStatusMutation = { transitionIncident: { incident: { status: IncidentStatus, resolvedAt: string | null, version: number } | null, userErrors: Array<{ code: ErrorCode, field: Array<string> | null, message: string }> } };

export type AddComponentMutationVariables = Exact<{
  input: CreateComponentInput;
}>;


export type AddComponentMutation = { createComponent: { component: { id: string, name: string, group: string | null, status: ComponentStatus } | null, userErrors: Array<{ code: ErrorCode, field: Array<string> | null, message: string }> } };

export type AddUserMutationVariables = Exact<{
  input: CreateUserInput;
}>;


export type AddUserMutation = { createUser: { user: { id: string, name: string } | null, userErrors: Array<{ code: ErrorCode, field: Array<string> | null, message: string }> } };

export type AddScheduleMutationVariables = Exact<{
  input: CreateScheduleInput;
}>;


export type AddScheduleMutation = { createSchedule: { schedule: { id: string, name: string } | null, userErrors: Array<{ code: ErrorCode, field: Array<string> | null, message: string }> } };

export type WhoIsOnCallQueryVariables = Exact<{
  scheduleId: string | number;
}>;


export type WhoIsOnCallQuery = { onCall: { startsAt: string, endsAt: string | null, user: { name: string, email: string }, override: { id: string } | null } | null };

export type RemoveIncidentMutationVariables = Exact<{
  id: string | number;
}>;


export type RemoveIncidentMutation = { deleteIncident: { deletedIncidentId: string | null, userErrors: Array<{ code: ErrorCode, field: Array<string> | null, message: string }> } };

export type FollowTimelineSubscriptionVariables = Exact<{
  id: string | number;
  after?: string | null | undefined;
}>;


export type FollowTimelineSubscription = { incidentTimeline: { cursor: string, kind: TimelineEntryKind, status: IncidentStatus, body: string, postedAt: string, postedBy: { name: string | null } } };

export type ReliabilityQueryVariables = Exact<{
  from: string;
  to: string;
}>;


export type ReliabilityQuery = { incidentStats: { total: { count: number, reopenRate: number, mtta: { count: number, meanSeconds: number | null, p50Seconds: number | null, p90Seconds: number | null }, mttr: { count: number, meanSeconds: number | null, p50Seconds: number | null, p90Seconds: number | null } }, groups: Array<{ key: string | null, count: number, mttr: { p50Seconds: number | null, p90Seconds: number | null } }> } };

export type ComponentUptimeQueryVariables = Exact<{
  id: string | number;
}>;


export type ComponentUptimeQuery = { node:
    | { name: string, uptime: { availability: number | null, days: Array<{ date: string, availability: number | null, statuses: Array<{ status: ComponentStatus, seconds: number }> }> } }
    | Record<PropertyKey, never>
   | null };

export type SubscribeWebhookMutationVariables = Exact<{
  statusPageId: string | number;
  webhookUrl: string;
}>;


export type SubscribeWebhookMutation = { subscribe: { signingSecret: string | null, subscriber: { id: string } | null, userErrors: Array<{ code: ErrorCode, field: Array<string> | null, message: string }> } };

export type OpenIncidentsQueryVariables = Exact<{ [key: string]: never; }>;


export type OpenIncidentsQuery = { incidents: { totalCount: number, nodes: Array<{ id: string, number: number, title: string, status: IncidentStatus, severity: IncidentSeverity, impact: IncidentImpact, version: number, owner: { name: string } | null, affectedComponents: Array<{ status: ComponentStatus, component: { name: string } }>, timeline: { nodes: Array<{ kind: TimelineEntryKind, body: string, postedAt: string, cursor: string }> } }> } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const BoardTimelineEntryFragmentDoc = new TypedDocumentString(`
    fragment BoardTimelineEntry on IncidentUpdate {
  id
  kind
  status
  body
  postedAt
  sequence
  cursor
}
    `, {"fragmentName":"BoardTimelineEntry"}) as unknown as TypedDocumentString<BoardTimelineEntryFragment, unknown>;
export const BoardIncidentFragmentDoc = new TypedDocumentString(`
    fragment BoardIncident on Incident {
  id
  number
  title
  kind
  severity
  status
  impact
  startedAt
  scheduledFor
  version
  owner {
    id
    name
  }
  affectedComponents {
    status
    component {
      id
      name
    }
  }
  timeline(last: 1) {
    nodes {
      ...BoardTimelineEntry
    }
  }
  escalation {
    state
    level
    nextEscalationAt
    pages(last: 1) {
      nodes {
        level
        at
        user {
          id
          name
        }
      }
    }
  }
}
    fragment BoardTimelineEntry on IncidentUpdate {
  id
  kind
  status
  body
  postedAt
  sequence
  cursor
}`, {"fragmentName":"BoardIncident"}) as unknown as TypedDocumentString<BoardIncidentFragment, unknown>;
export const BoardSchedulesFragmentDoc = new TypedDocumentString(`
    fragment BoardSchedules on Query {
  schedules(first: 25) {
    nodes {
      id
      name
      upcoming: shifts(from: $now, to: $horizon) {
        startsAt
      }
      onCall(at: $now) {
        startsAt
        endsAt
        user {
          id
          name
        }
        override {
          id
        }
      }
    }
  }
}
    `, {"fragmentName":"BoardSchedules"}) as unknown as TypedDocumentString<BoardSchedulesFragment, unknown>;
export const BoardSnapshotDocument = new TypedDocumentString(`
    query BoardSnapshot($open: [IncidentStatus!]!, $now: DateTime!, $horizon: DateTime!) {
  viewer {
    organization {
      name
    }
  }
  incidents(
    first: 50
    filter: {status: {in: $open}}
    orderBy: {field: SEVERITY, direction: ASC}
  ) {
    totalCount
    nodes {
      ...BoardIncident
    }
  }
  ...BoardSchedules
}
    fragment BoardTimelineEntry on IncidentUpdate {
  id
  kind
  status
  body
  postedAt
  sequence
  cursor
}
fragment BoardIncident on Incident {
  id
  number
  title
  kind
  severity
  status
  impact
  startedAt
  scheduledFor
  version
  owner {
    id
    name
  }
  affectedComponents {
    status
    component {
      id
      name
    }
  }
  timeline(last: 1) {
    nodes {
      ...BoardTimelineEntry
    }
  }
  escalation {
    state
    level
    nextEscalationAt
    pages(last: 1) {
      nodes {
        level
        at
        user {
          id
          name
        }
      }
    }
  }
}
fragment BoardSchedules on Query {
  schedules(first: 25) {
    nodes {
      id
      name
      upcoming: shifts(from: $now, to: $horizon) {
        startsAt
      }
      onCall(at: $now) {
        startsAt
        endsAt
        user {
          id
          name
        }
        override {
          id
        }
      }
    }
  }
}`, {"hash":"sha256:11565aeb1de558d53efb04affee08879fec3ccddbd0d09d73f5c29467587cbf8"}) as unknown as TypedDocumentString<BoardSnapshotQuery, BoardSnapshotQueryVariables>;
export const BoardOnCallDocument = new TypedDocumentString(`
    query BoardOnCall($now: DateTime!, $horizon: DateTime!) {
  ...BoardSchedules
}
    fragment BoardSchedules on Query {
  schedules(first: 25) {
    nodes {
      id
      name
      upcoming: shifts(from: $now, to: $horizon) {
        startsAt
      }
      onCall(at: $now) {
        startsAt
        endsAt
        user {
          id
          name
        }
        override {
          id
        }
      }
    }
  }
}`, {"hash":"sha256:d36d281b6ce2b17be2b87144f1530c45e644cdadf105edb18bf98d1ce289fb87"}) as unknown as TypedDocumentString<BoardOnCallQuery, BoardOnCallQueryVariables>;
export const BoardIncidentChangedDocument = new TypedDocumentString(`
    subscription BoardIncidentChanged {
  incidentChanged {
    type
    cursor
    incident {
      ...BoardIncident
    }
  }
}
    fragment BoardTimelineEntry on IncidentUpdate {
  id
  kind
  status
  body
  postedAt
  sequence
  cursor
}
fragment BoardIncident on Incident {
  id
  number
  title
  kind
  severity
  status
  impact
  startedAt
  scheduledFor
  version
  owner {
    id
    name
  }
  affectedComponents {
    status
    component {
      id
      name
    }
  }
  timeline(last: 1) {
    nodes {
      ...BoardTimelineEntry
    }
  }
  escalation {
    state
    level
    nextEscalationAt
    pages(last: 1) {
      nodes {
        level
        at
        user {
          id
          name
        }
      }
    }
  }
}`, {"hash":"sha256:5298c53d00353a6880e2efb33b3e49f8101305e0b5c3cefdc97d085245fd24d8"}) as unknown as TypedDocumentString<BoardIncidentChangedSubscription, BoardIncidentChangedSubscriptionVariables>;
export const BoardTimelineDocument = new TypedDocumentString(`
    subscription BoardTimeline($incidentId: ID!, $after: String) {
  incidentTimeline(incidentId: $incidentId, after: $after) {
    ...BoardTimelineEntry
  }
}
    fragment BoardTimelineEntry on IncidentUpdate {
  id
  kind
  status
  body
  postedAt
  sequence
  cursor
}`, {"hash":"sha256:8a1fb438c221f51d433fd3c1da0f993b5fa6b480be1f4d4a8ace45f83494493b"}) as unknown as TypedDocumentString<BoardTimelineSubscription, BoardTimelineSubscriptionVariables>;
export const IncidentTimelineDocument = new TypedDocumentString(`
    query IncidentTimeline($number: Int!, $after: String) {
  incidentByNumber(number: $number) {
    id
    title
    status
    timeline(first: 50, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        kind
        status
        body
        postedAt
        postedBy {
          name
        }
        changes {
          field
          from
          to
        }
      }
    }
  }
}
    `, {"hash":"sha256:fb07380b7b36760c9961d5cb9f80da2c35493e414678d74bb5603645bb56a8dd"}) as unknown as TypedDocumentString<IncidentTimelineQuery, IncidentTimelineQueryVariables>;
export const OpenIncidentDocument = new TypedDocumentString(`
    mutation OpenIncident($input: CreateIncidentInput!) {
  createIncident(input: $input) {
    incident {
      id
      number
      status
      severity
      version
    }
    userErrors {
      code
      field
      message
    }
  }
}
    `, {"hash":"sha256:d2caf83545b18a42fdb0be7dfe2ea0fbf34336ca796fc9efc9894b8a658bad32"}) as unknown as TypedDocumentString<OpenIncidentMutation, OpenIncidentMutationVariables>;
export const PostUpdateDocument = new TypedDocumentString(`
    mutation PostUpdate($incidentId: ID!, $body: String!) {
  postIncidentUpdate(input: {incidentId: $incidentId, body: $body}) {
    update {
      kind
      body
      cursor
    }
    incident {
      version
    }
    userErrors {
      code
      field
      message
    }
  }
}
    `, {"hash":"sha256:072bcb051866c238a68866aeb0c192849bcd77bc166815ad4479565cd754a52a"}) as unknown as TypedDocumentString<PostUpdateMutation, PostUpdateMutationVariables>;
export const ChangeStatusDocument = new TypedDocumentString(`
    mutation ChangeStatus($id: ID!, $status: IncidentStatus!, $message: String, $expectedVersion: Int) {
  transitionIncident(
    input: {id: $id, status: $status, message: $message, expectedVersion: $expectedVersion}
  ) {
    incident {
      status
      resolvedAt
      version
    }
    userErrors {
      code
      field
      message
    }
  }
}
    `, {"hash":"sha256:f81718807ec2423dc81e4e336206c537a023c7b4be5695e212fb49657345d3c0"}) as unknown as TypedDocumentString<ChangeStatusMutation, ChangeStatusMutationVariables>;
export const AddComponentDocument = new TypedDocumentString(`
    mutation AddComponent($input: CreateComponentInput!) {
  createComponent(input: $input) {
    component {
      id
      name
      group
      status
    }
    userErrors {
      code
      field
      message
    }
  }
}
    `, {"hash":"sha256:b3f04747a55c852e75c2a9a661fcedda30519e2092b261db50980a029e2a937f"}) as unknown as TypedDocumentString<AddComponentMutation, AddComponentMutationVariables>;
export const AddUserDocument = new TypedDocumentString(`
    mutation AddUser($input: CreateUserInput!) {
  createUser(input: $input) {
    user {
      id
      name
    }
    userErrors {
      code
      field
      message
    }
  }
}
    `, {"hash":"sha256:9c41a9dbeebf7e35d03c0fb887a9299b11badf2fe1ba9865dbd64205bd9806d5"}) as unknown as TypedDocumentString<AddUserMutation, AddUserMutationVariables>;
export const AddScheduleDocument = new TypedDocumentString(`
    mutation AddSchedule($input: CreateScheduleInput!) {
  createSchedule(input: $input) {
    schedule {
      id
      name
    }
    userErrors {
      code
      field
      message
    }
  }
}
    `, {"hash":"sha256:d44dd96c783351bca278b5629e6d554bbc4d153eb9b3aae804515beeb95846c1"}) as unknown as TypedDocumentString<AddScheduleMutation, AddScheduleMutationVariables>;
export const WhoIsOnCallDocument = new TypedDocumentString(`
    query WhoIsOnCall($scheduleId: ID!) {
  onCall(scheduleId: $scheduleId) {
    user {
      name
      email
    }
    startsAt
    endsAt
    override {
      id
    }
  }
}
    `, {"hash":"sha256:ea9d3b48d06fe452d0d0823e3cf132a57846a184d6ce2e5e4e7954f884420ea5"}) as unknown as TypedDocumentString<WhoIsOnCallQuery, WhoIsOnCallQueryVariables>;
export const RemoveIncidentDocument = new TypedDocumentString(`
    mutation RemoveIncident($id: ID!) {
  deleteIncident(input: {id: $id}) {
    deletedIncidentId
    userErrors {
      code
      field
      message
    }
  }
}
    `, {"hash":"sha256:20196c9d5d412b890be5f7e9e34614d09cac1150c38dee76bf49c2775e2a724a"}) as unknown as TypedDocumentString<RemoveIncidentMutation, RemoveIncidentMutationVariables>;
export const FollowTimelineDocument = new TypedDocumentString(`
    subscription FollowTimeline($id: ID!, $after: String) {
  incidentTimeline(incidentId: $id, after: $after) {
    cursor
    kind
    status
    body
    postedAt
    postedBy {
      name
    }
  }
}
    `, {"hash":"sha256:20aaaa33ace9f27d1cca85436728e921e40d8a5ff72cf96953b7db54f3de808b"}) as unknown as TypedDocumentString<FollowTimelineSubscription, FollowTimelineSubscriptionVariables>;
export const ReliabilityDocument = new TypedDocumentString(`
    query Reliability($from: DateTime!, $to: DateTime!) {
  incidentStats(
    from: $from
    to: $to
    groupBy: SEVERITY
    filter: {kind: {eq: INCIDENT}}
  ) {
    total {
      count
      reopenRate
      mtta {
        count
        meanSeconds
        p50Seconds
        p90Seconds
      }
      mttr {
        count
        meanSeconds
        p50Seconds
        p90Seconds
      }
    }
    groups {
      key
      count
      mttr {
        p50Seconds
        p90Seconds
      }
    }
  }
}
    `, {"hash":"sha256:bd123e66e6cf372b45692f54e098e3e6f6cdbc1ba2f495c0b7243ffb7e977068"}) as unknown as TypedDocumentString<ReliabilityQuery, ReliabilityQueryVariables>;
export const ComponentUptimeDocument = new TypedDocumentString(`
    query ComponentUptime($id: ID!) {
  node(id: $id) {
    ... on Component {
      name
      uptime {
        availability
        days {
          date
          availability
          statuses {
            status
            seconds
          }
        }
      }
    }
  }
}
    `, {"hash":"sha256:483ddd5522f2de5bfee09070b1c9b1fbc0aa54d7357937cfdaf30a36b533ed0a"}) as unknown as TypedDocumentString<ComponentUptimeQuery, ComponentUptimeQueryVariables>;
export const SubscribeWebhookDocument = new TypedDocumentString(`
    mutation SubscribeWebhook($statusPageId: ID!, $webhookUrl: String!) {
  subscribe(input: {statusPageId: $statusPageId, webhookUrl: $webhookUrl}) {
    subscriber {
      id
    }
    signingSecret
    userErrors {
      code
      field
      message
    }
  }
}
    `, {"hash":"sha256:75bcfab3d02bdcf93811d3e198c281d3d0a73a23adfd7047504a9247ab450919"}) as unknown as TypedDocumentString<SubscribeWebhookMutation, SubscribeWebhookMutationVariables>;
export const OpenIncidentsDocument = new TypedDocumentString(`
    query OpenIncidents {
  incidents(
    first: 25
    filter: {resolvedAt: {isNull: true}}
    orderBy: {field: SEVERITY, direction: ASC}
  ) {
    totalCount
    nodes {
      id
      number
      title
      status
      severity
      impact
      version
      owner {
        name
      }
      affectedComponents {
        status
        component {
          name
        }
      }
      timeline(last: 3) {
        nodes {
          kind
          body
          postedAt
          cursor
        }
      }
    }
  }
}
    `, {"hash":"sha256:0427e03c5e847ebd9bdacd2b64de7e5f76d7cc5326b788b9d8fb374d30fd94bb"}) as unknown as TypedDocumentString<OpenIncidentsQuery, OpenIncidentsQueryVariables>;