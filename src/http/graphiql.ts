/** What GraphiQL shows a newcomer: a first query, and where the API key goes. */
export const GRAPHIQL_DEFAULT_QUERY = `# Welcome to incident-gateway.
# 1. Put your API key in the Headers tab below: {"Authorization": "Bearer igw_..."}
#    (\`npm run cli -- seed\` prints a demo key).
# 2. Run this query, then explore the Docs panel. Every type and field is described.

query OpenIncidents {
  viewer { organization { name } scopes }
  incidents(first: 10, filter: { resolvedAt: { isNull: true } }) {
    totalCount
    nodes {
      number
      title
      status
      severity
      impact
      owner { name }
      affectedComponents { component { name } status }
      timeline(last: 1) { nodes { body postedAt } }
    }
  }
}
`;

export const GRAPHIQL_DEFAULT_HEADERS = JSON.stringify({ Authorization: 'Bearer <your API key>' }, null, 2);
