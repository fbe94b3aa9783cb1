/** The operations every target answers; kept side by side so the workloads stay equivalent. */
import { BoardSnapshotDocument, OpenIncidentsDocument } from '../src/client/generated/graphql.js';

const INCIDENT_FIELDS = `
  id number title status severity startedAt
  owner { id name email }
  timeline(first: 5) { nodes { id kind body postedAt } }
  affectedComponents { status component { id name status } }`;

/** W5's filter: a status, a severity and a tag, as a client narrowing the list sends it. */
export const W5_FILTER = { status: 'RESOLVED', severity: 'HIGH', tag: 'database' } as const;

export const GATEWAY = {
  typename: '{ __typename }',
  incident: `query W1($id: ID!) { incident(id: $id) { ${INCIDENT_FIELDS} } }`,
  incidents: `query W2 { incidents(first: 50) { totalCount nodes { ${INCIDENT_FIELDS} } } }`,
  createIncident: `mutation W3($input: CreateIncidentInput!) { createIncident(input: $input) { incident { id number } userErrors { code field message } } }`,
  /** W5: the operations clients send, as they send them (schema/operations, through the generated documents). */
  openIncidents: String(OpenIncidentsDocument),
  boardSnapshot: String(BoardSnapshotDocument),
  /** W5: the second page of W2's list. */
  incidentsAfter: `query W5Page2($after: String!) { incidents(first: 50, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { ${INCIDENT_FIELDS} } } }`,
  incidentsFiltered: `query W5Filter { incidents(first: 25, filter: { status: { eq: ${W5_FILTER.status} }, severity: { eq: ${W5_FILTER.severity} }, tag: { eq: "${W5_FILTER.tag}" } }) { totalCount nodes { ${INCIDENT_FIELDS} } } }`,
};

/** W6: a PagerDuty Events API v2 trigger, as monitoring sends it to /v2/enqueue. */
export function enqueueTrigger(routingKey: string, dedupKey: string): string {
  return JSON.stringify({
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: { summary: 'DISK at 99% on bench-db-1', source: 'bench-db-1', severity: 'critical', custom_details: { free: '1%' } },
  });
}

/** The same selections in PostGraphile 5's (amber preset) naming. */
const PEER_INCIDENT_FIELDS = `
  id number title status severity startedAt
  owner: userByOwnerId { id name email }
  timeline: incidentUpdatesByIncidentId(first: 5, orderBy: SEQUENCE_ASC) { nodes { id kind body postedAt } }
  affectedComponents: incidentComponentsByIncidentId(orderBy: POSITION_ASC) { nodes { status component: componentByComponentId { id name status } } }`;

/**
 * W5 in PostGraphile's spelling: amber's `condition` (equality, null for IS NULL) and `orderBy`.
 * Where `condition` cannot say what our `filter` says, the nearest it can:
 * - open incidents: `resolvedAt: null` (the seed resolves exactly the closed ones, as the gateway does);
 * - the tag: left out (amber has no condition on an array column); status and severity alone
 *   match more rows, and the page holds the same 25;
 * - worst first: by number (amber offers no order on an enum column);
 * - the board's on-call: the schedules' layers, participants and overrides, from which a client
 *   would work out who is on call (PostGraphile has no rotation logic); `timeline(last: n)` as
 *   the last n by sequence.
 */
const PEER_OPEN_FIELDS = `
  id number title status severity impact version
  owner: userByOwnerId { name }
  affectedComponents: incidentComponentsByIncidentId(orderBy: POSITION_ASC) { nodes { status component: componentByComponentId { name } } }
  timeline: incidentUpdatesByIncidentId(last: 3, orderBy: SEQUENCE_ASC) { edges { cursor node { kind body postedAt } } }`;

const PEER_BOARD_FIELDS = `
  id number title kind severity status impact startedAt scheduledFor version
  owner: userByOwnerId { id name }
  affectedComponents: incidentComponentsByIncidentId(orderBy: POSITION_ASC) { nodes { status component: componentByComponentId { id name } } }
  timeline: incidentUpdatesByIncidentId(last: 1, orderBy: SEQUENCE_ASC) { edges { cursor node { id kind status body postedAt sequence } } }
  escalation: escalationByIncidentId { state level nextEscalationAt }
  pages: pagesByIncidentId(last: 1, orderBy: [AT_ASC, ROW_ID_ASC]) { nodes { level at user: userByUserId { id name } } }`;

export const PEER = {
  incident: `query W1($rowId: UUID!) { incident: incidentByRowId(rowId: $rowId) { ${PEER_INCIDENT_FIELDS} } }`,
  incidents: `query W2($orgId: UUID!) { incidents: allIncidents(first: 50, condition: { orgId: $orgId }, orderBy: [STARTED_AT_DESC, ROW_ID_DESC]) { totalCount nodes { ${PEER_INCIDENT_FIELDS} } } }`,
  incidentsAfter: `query W5Page2($orgId: UUID!, $after: Cursor!) { incidents: allIncidents(first: 50, after: $after, condition: { orgId: $orgId }, orderBy: [STARTED_AT_DESC, ROW_ID_DESC]) { totalCount pageInfo { hasNextPage endCursor } nodes { ${PEER_INCIDENT_FIELDS} } } }`,
  incidentsFiltered: `query W5Filter($orgId: UUID!) { incidents: allIncidents(first: 25, condition: { orgId: $orgId, status: ${W5_FILTER.status}, severity: ${W5_FILTER.severity} }, orderBy: [STARTED_AT_DESC, ROW_ID_DESC]) { totalCount nodes { ${PEER_INCIDENT_FIELDS} } } }`,
  openIncidents: `query OpenIncidents($orgId: UUID!) { incidents: allIncidents(first: 25, condition: { orgId: $orgId, resolvedAt: null }, orderBy: [NUMBER_ASC]) { totalCount nodes { ${PEER_OPEN_FIELDS} } } }`,
  boardSnapshot: `query BoardSnapshot($orgId: UUID!) {
    organization: organizationByRowId(rowId: $orgId) { name }
    incidents: allIncidents(first: 50, condition: { orgId: $orgId, resolvedAt: null }, orderBy: [NUMBER_ASC]) { totalCount nodes { ${PEER_BOARD_FIELDS} } }
    schedules: allSchedules(first: 25, condition: { orgId: $orgId }, orderBy: [CREATED_AT_ASC, ROW_ID_ASC]) { nodes {
      id name timeZone
      layers: scheduleLayersByScheduleId(orderBy: POSITION_ASC) { nodes { rotationStart shiftLengthSeconds restrictions
        participants: scheduleLayerParticipantsByLayerId(orderBy: POSITION_ASC) { nodes { user: userByUserId { id name } } } } }
      overrides: scheduleOverridesByScheduleId(orderBy: STARTS_AT_ASC) { nodes { rowId startsAt endsAt user: userByUserId { id name } } }
    } }
  }`,
};
