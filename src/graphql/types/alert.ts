import type { Prisma } from '../../generated/prisma/client.js';
import { isUuid, NO_ROW_ID } from '../../domain/ids.js';
import type { AlertLink } from '../../domain/intake.js';
import { builder } from '../builder.js';
import { orgOf } from '../context.js';
import { decodeId, scopedNodeWhere } from '../common.js';
import { IncidentSeverityEnum } from './incident.js';

export const AlertStatusEnum = builder.enumType('AlertStatus', {
  description: 'Where an alert from monitoring stands.',
  values: {
    FIRING: { description: 'Open: the monitoring system says the problem is there.' },
    ACKNOWLEDGED: { description: 'Open, and acknowledged (Events API `acknowledge`).' },
    RESOLVED: { description: 'Over: resolved by the monitoring system. A new trigger with its key opens a new alert.' },
  } as const,
});

const AlertLinkRef = builder.objectRef<AlertLink>('AlertLink').implement({
  description: 'A link sent with an alert (Events API `links`, Alertmanager `generatorURL`).',
  fields: (t) => ({
    href: t.exposeString('href', { description: 'The URL.' }),
    text: t.exposeString('text', { nullable: true, description: 'Its text, if any.' }),
  }),
});

export const AlertRef = builder.prismaNode('Alert', {
  id: { field: 'id', description: 'Global ID of the alert.' },
  description:
    'An alert an integration received: deduplicated by its key while open (repeated triggers are counted), attached to the incident it opened or joined.',
  authScopes: { read: true },
  findUnique: scopedNodeWhere,
  nullable: true,
  fields: (t) => ({
    status: t.expose('status', { type: AlertStatusEnum, description: 'FIRING, ACKNOWLEDGED or RESOLVED.' }),
    dedupKey: t.exposeString('dedupKey', { description: 'Events API `dedup_key`, or the Alertmanager fingerprint.' }),
    summary: t.exposeString('summary', { description: 'Events API `payload.summary`; Alertmanager: the summary annotation (else description, else alertname).' }),
    severity: t.expose('severity', {
      type: IncidentSeverityEnum,
      description: 'critical → CRITICAL, error → HIGH, warning → MEDIUM, info → LOW (Alertmanager: the severity label, default MEDIUM).',
    }),
    source: t.exposeString('source', {
      nullable: true,
      description: 'Events API `payload.source`; Alertmanager: the instance label, else the job label.',
    }),
    labels: t.expose('labels', {
      type: 'JSON',
      description: 'Alertmanager labels; Events API: `component`, `group` and `class` of the payload, when given.',
    }),
    details: t.expose('details', {
      type: 'JSON',
      nullable: true,
      description: 'Events API `payload.custom_details`; Alertmanager annotations.',
    }),
    links: t.field({
      type: [AlertLinkRef],
      description: 'Links sent with it.',
      resolve: (alert) => (Array.isArray(alert.links) ? (alert.links as unknown as AlertLink[]) : []),
    }),
    firstSeenAt: t.expose('firstSeenAt', { type: 'DateTime', description: 'When its first trigger arrived.' }),
    lastSeenAt: t.expose('lastSeenAt', { type: 'DateTime', description: 'When its latest trigger arrived.' }),
    resolvedAt: t.expose('resolvedAt', { type: 'DateTime', nullable: true, description: 'When it was resolved; null while open.' }),
    count: t.exposeInt('count', { description: 'How many triggers it received while open (1 for the first).' }),
    integration: t.relation('integration', { description: 'The integration it came in through.' }),
    incident: t.relation('incident', { nullable: true, description: 'The incident it opened or joined; null if that incident was deleted.' }),
  }),
});

builder.prismaObjectField('Incident', 'alerts', (t) =>
  t.relatedConnection(
    'alerts',
    {
      cursor: 'id',
      description: 'The alerts attached to it, oldest first (empty for incidents no integration opened).',
      query: { orderBy: [{ firstSeenAt: 'asc' }, { id: 'asc' }] },
      totalCount: true,
    },
    { name: 'IncidentAlertConnection', description: 'A page of an incident’s alerts.' },
    { name: 'IncidentAlertEdge', description: 'An alert of an incident in a page.' },
  ),
);

interface AlertFilterShape {
  status?: 'FIRING' | 'ACKNOWLEDGED' | 'RESOLVED' | null;
  integrationId?: string | number | null;
  incidentId?: string | number | null;
}

const AlertFilter = builder.inputRef<AlertFilterShape>('AlertFilter').implement({
  description: 'Which alerts to return. All given conditions must hold.',
  fields: (t) => ({
    status: t.field({ type: AlertStatusEnum, description: 'Only alerts with this status.' }),
    integrationId: t.id({ description: 'Only alerts of this integration (global ID).' }),
    incidentId: t.id({ description: 'Only alerts attached to this incident (global ID).' }),
  }),
});

/** A filter's id that names nothing of that type matches nothing. */
function alertWhere(filter: AlertFilterShape | null | undefined): Prisma.AlertWhereInput {
  if (!filter) return {};
  const byId = (value: string | number | null | undefined, typename: string) => {
    const id = value == null ? null : decodeId(String(value), typename);
    return isUuid(id) ? id : NO_ROW_ID;
  };
  return {
    ...(filter.status ? { status: filter.status } : {}),
    ...(filter.integrationId != null ? { integrationId: byId(filter.integrationId, 'Integration') } : {}),
    ...(filter.incidentId != null ? { incidentId: byId(filter.incidentId, 'Incident') } : {}),
  };
}

builder.queryField('alerts', (t) =>
  t.prismaConnection(
    {
      type: 'Alert',
      cursor: 'id',
      description: 'Alerts of your organization, newest first. Page size 1..100, default 25.',
      authScopes: { read: true },
      args: { filter: t.arg({ type: AlertFilter, description: 'Which alerts.' }) },
      resolve: (query, _root, args, context) =>
        context.db.prisma.alert.findMany({
          ...query,
          where: { orgId: orgOf(context), ...alertWhere(args.filter) },
          orderBy: [{ firstSeenAt: 'desc' }, { id: 'desc' }],
        }),
      totalCount: (_connection, args, context) => context.db.prisma.alert.count({ where: { orgId: orgOf(context), ...alertWhere(args.filter) } }),
    },
    { description: 'A page of alerts.' },
    { description: 'An alert in a page.' },
  ),
);
