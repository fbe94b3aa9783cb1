import { prismaConnectionHelpers } from '@pothos/plugin-prisma';
import type { Prisma } from '../../generated/prisma/client.js';
import { INCIDENT_STATUSES } from '../../domain/types.js';
import { isOpenStatus } from '../../domain/lifecycle.js';
import { builder } from '../builder.js';
import { nodesOrEdges } from '../connection-selection.js';
import { IncidentRef } from './incident.js';
import { StatusPageRef } from './status-page.js';
import './component.js';
import './escalation-policy.js';

// Fields joining incidents to the catalog and to on-call. They live here because incident.ts
// already imports component.ts, and the other direction would make an import cycle.

const CLOSED_STATUSES = INCIDENT_STATUSES.filter((status) => !isOpenStatus(status));

function componentIncidentsWhere(open: boolean | null | undefined): Prisma.IncidentComponentWhereInput {
  return open == null ? {} : { incident: { status: open ? { notIn: CLOSED_STATUSES } : { in: CLOSED_STATUSES } } };
}

/** Ties broken by incident id, so pages are stable. */
const NEWEST_INCIDENT_FIRST = [{ incident: { startedAt: 'desc' } }, { incidentId: 'desc' }];

const componentIncidents = prismaConnectionHelpers(builder, 'IncidentComponent', {
  cursor: 'incidentId_componentId',
  args: (t) => ({ open: t.boolean({ description: 'true: only open incidents; false: only closed ones; omitted: all.' }) }),
  query: (args) => ({
    where: componentIncidentsWhere(args.open),
    // Prisma takes a list here; the helper's type admits only one entry, the tie-breaker needs two.
    orderBy: NEWEST_INCIDENT_FIRST as Prisma.IncidentComponentOrderByWithRelationInput,
  }),
  select: (nodeSelection) => ({ incident: nodeSelection(true) }),
  resolveNode: (link) => link.incident,
});

builder.prismaObjectField('Component', 'incidents', (t) =>
  t.connection(
    {
      type: IncidentRef,
      description: 'Incidents that affect or affected this component, newest startedAt first.',
      args: componentIncidents.getArgs(),
      select: (args, context, nestedSelection) => ({
        _count: { select: { incidents: { where: componentIncidentsWhere(args.open) } } },
        incidents: componentIncidents.getQuery(args, context, nodesOrEdges(nestedSelection)),
      }),
      resolve: (component, args, context) => ({
        ...componentIncidents.resolve(component.incidents, args, context),
        totalCount: component._count.incidents,
      }),
    },
    {
      name: 'ComponentIncidentConnection',
      description: 'A page of incidents of a component.',
      fields: (connection) => ({
        totalCount: connection.int({ description: 'How many incidents match in all.', resolve: (result) => result.totalCount }),
      }),
    },
    { name: 'ComponentIncidentEdge', description: 'An incident of a component in a page.' },
  ),
);

const incidentStatusPages = prismaConnectionHelpers(builder, 'StatusPageIncident', {
  cursor: 'statusPageId_incidentId',
  query: { orderBy: { publishedAt: 'asc' } },
  select: (nodeSelection) => ({ publishedAt: true, statusPage: nodeSelection(true) }),
  resolveNode: (published) => published.statusPage,
});

builder.prismaObjectFields('Incident', (t) => ({
  statusPages: t.connection(
    {
      type: StatusPageRef,
      description: 'Status pages the incident is published on, in the order it was published.',
      select: (args, context, nestedSelection) => ({
        _count: { select: { statusPages: true } },
        statusPages: incidentStatusPages.getQuery(args, context, nodesOrEdges(nestedSelection)),
      }),
      resolve: (incident, args, context) => ({
        ...incidentStatusPages.resolve(incident.statusPages, args, context),
        totalCount: incident._count.statusPages,
      }),
    },
    {
      name: 'IncidentStatusPageConnection',
      description: 'A page of status pages of an incident.',
      fields: (connection) => ({
        totalCount: connection.int({ description: 'How many pages it is published on.', resolve: (result) => result.totalCount }),
      }),
    },
    {
      name: 'IncidentStatusPageEdge',
      description: 'A status page of an incident in a page, with when the incident was published there.',
      fields: (edge) => ({
        publishedAt: edge.field({
          type: 'DateTime',
          description: 'When the incident was published on this status page (unpublishIncident withdraws it).',
          // The edge carries the link row it was made from (prismaConnectionHelpers spreads it in).
          resolve: (link) => (link as unknown as { publishedAt: Date }).publishedAt,
        }),
      }),
    },
  ),
  escalationPolicy: t.relation('escalationPolicy', {
    nullable: true,
    description: 'The escalation policy attached when the incident was created from a schedule.',
  }),
}));
