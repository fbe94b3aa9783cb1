import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../package-root.js';

/** The first query, from schema/operations/: codegen validates it and the operations test runs it. */
const FIRST_QUERY = readFileSync(path.join(packageRoot(import.meta.url), 'schema', 'operations', 'open-incidents.graphql'), 'utf8');

/** What GraphiQL shows a newcomer in its one default tab: where the API key goes, then the first query. */
export const GRAPHIQL_DEFAULT_QUERY = `# Welcome to incident-gateway.
#
# 1. In Headers (below), set
#    "Authorization" to
#    "Bearer <your API key>".
#    The first \`npm start\`
#    printed a demo key.
# 2. Press Run (pink ▶ button).
# 3. Docs: the top button of
#    the bar on the left.
# More: schema/operations/

${FIRST_QUERY}`;

/**
 * An empty Authorization header counts as no key: the schema loads for the Docs and autocomplete
 * without an error, and queries answer UNAUTHENTICATED until a key is filled in.
 */
export const GRAPHIQL_DEFAULT_HEADERS = JSON.stringify({ Authorization: '' }, null, 2);
