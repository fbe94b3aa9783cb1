import { execute, lexicographicSortSchema, parse } from 'graphql';
import { builder } from './builder.js';
import './types/organization.js';
import './types/user.js';
import './types/component.js';
import './types/incident.js';
import './types/incident-import.js';
import './types/history.js';
import './types/analytics.js';
import './types/notifications.js';
import './types/status-page.js';
import './types/schedule.js';
import './types/escalation-policy.js';
import './types/contact-method.js';
import './types/escalation.js';
import './types/incident-links.js';
import './types/subscriptions.js';
import './types/api-key.js';
import './types/rate-limit.js';
import './types/integration.js';
import './types/alert.js';
import './federation.js';

/** The whole schema, with types sorted so its printed form is stable. */
export const schema = lexicographicSortSchema(builder.toSchema());

/**
 * The same schema as an Apollo Federation 2 subgraph (`FEDERATION=on`): `_service { sdl }`,
 * `_entities`, and Incident, Component, User and StatusPage as entities keyed by `id`.
 */
export function buildSubgraphSchema() {
  return lexicographicSortSchema(builder.toSubGraphSchema({ linkUrl: 'https://specs.apollo.dev/federation/v2.6', federationDirectives: ['@key'] }));
}

/** The subgraph's SDL with its federation directives, as `_service { sdl }` gives it to a gateway. */
export async function subgraphSdl(): Promise<string> {
  const result = await execute({ schema: buildSubgraphSchema(), document: parse('{ _service { sdl } }'), contextValue: {} });
  return (result.data as { _service: { sdl: string } })._service.sdl;
}
