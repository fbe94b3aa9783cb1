/** What GraphiQL shows a newcomer: where the API key goes, a first query, and a live subscription. */
export const GRAPHIQL_DEFAULT_QUERY = `# Welcome to incident-gateway.
#
# 1. Headers (below): replace
#    <your API key> with your key.
#    \`npm run cli -- seed\` prints a
#    demo key.
# 2. Press re-fetch (bottom left) to
#    load the Docs (book icon, top
#    left): everything is described.
# 3. Run OpenIncidents, then try
#    FollowTimeline with an incident id.
# More: schema/operations/*.graphql

query OpenIncidents {
  viewer { organization { name } scopes }
  incidents(
    first: 10
    filter: { resolvedAt: { isNull: true } }
    orderBy: { field: SEVERITY, direction: ASC }
  ) {
    totalCount
    nodes {
      id
      number
      title
      status
      severity
      impact
      owner { name }
      affectedComponents { component { name } status }
      timeline(last: 1) { nodes { body postedAt cursor } }
    }
  }
}

# Live: new timeline entries of one
# incident. Add after: "<cursor>" to
# replay what you missed.
subscription FollowTimeline($incidentId: ID!) {
  incidentTimeline(incidentId: $incidentId) {
    kind
    status
    body
    postedAt
    cursor
  }
}
`;

export const GRAPHIQL_DEFAULT_HEADERS = JSON.stringify({ Authorization: 'Bearer <your API key>' }, null, 2);
