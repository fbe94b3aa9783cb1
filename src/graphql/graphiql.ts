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
 * An empty Authorization header counts as no key: queries answer UNAUTHENTICATED until a key is
 * filled in, and under INTROSPECTION=on the schema loads for the Docs and autocomplete at once.
 */
export const GRAPHIQL_DEFAULT_HEADERS = JSON.stringify({ Authorization: '' }, null, 2);

/**
 * Runs in the GraphiQL page before GraphiQL itself. Under INTROSPECTION=authenticated (the
 * default) the schema request GraphiQL sends on load, without a key, is refused; GraphiQL would
 * show that refusal in the result pane. Instead the page holds the request and asks again with the
 * key of the first request that carries one (the first Run), so the Docs and autocomplete appear
 * then, and a newcomer is never greeted by an error. Any other answer passes through untouched.
 */
const HOLD_SCHEMA_UNTIL_KEYED = `(() => {
  const send = window.fetch.bind(window);
  const keyOf = (init) => new Headers(init && init.headers).get('authorization') || '';
  const isSchemaRequest = (init) => typeof (init && init.body) === 'string' && init.body.includes('__schema');
  const held = [];
  window.fetch = async (input, init) => {
    const key = keyOf(init);
    if (key) for (const retry of held.splice(0)) retry(key);
    const response = await send(input, init);
    if (key || !isSchemaRequest(init)) return response;
    const answer = await response.clone().json().catch(() => null);
    const refused = answer && answer.errors && answer.errors.some((error) => error.extensions && error.extensions.code === 'UNAUTHENTICATED');
    if (!refused) return response;
    return new Promise((resolve, reject) => {
      held.push((heldKey) => send(input, { ...init, headers: { ...Object.fromEntries(new Headers(init.headers)), authorization: heldKey } }).then(resolve, reject));
    });
  };
})();`;

/** Yoga's GraphiQL page with HOLD_SCHEMA_UNTIL_KEYED in it. */
export function graphiqlPage(html: string): string {
  const root = '<div id="root"></div>';
  if (!html.includes(root)) throw new Error('The GraphiQL page changed: no root element to put the schema script before');
  return html.replace(root, `<script>${HOLD_SCHEMA_UNTIL_KEYED}</script>${root}`);
}
