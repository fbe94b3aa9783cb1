/** The operations every target answers; kept side by side so the workloads stay equivalent. */

const INCIDENT_FIELDS = `
  id number title status severity startedAt
  owner { id name email }
  timeline(first: 5) { nodes { id kind body postedAt } }
  affectedComponents { status component { id name status } }`;

export const GATEWAY = {
  typename: '{ __typename }',
  incident: `query W1($id: ID!) { incident(id: $id) { ${INCIDENT_FIELDS} } }`,
  incidents: `query W2 { incidents(first: 50) { totalCount nodes { ${INCIDENT_FIELDS} } } }`,
  createIncident: `mutation W3($input: CreateIncidentInput!) { createIncident(input: $input) { incident { id number } userErrors { code field message } } }`,
};

/** W5: a PagerDuty Events API v2 trigger, as monitoring sends it to /v2/enqueue. */
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

export const PEER = {
  incident: `query W1($rowId: UUID!) { incident: incidentByRowId(rowId: $rowId) { ${PEER_INCIDENT_FIELDS} } }`,
  incidents: `query W2($orgId: UUID!) { incidents: allIncidents(first: 50, condition: { orgId: $orgId }, orderBy: [STARTED_AT_DESC, ROW_ID_DESC]) { totalCount nodes { ${PEER_INCIDENT_FIELDS} } } }`,
};
