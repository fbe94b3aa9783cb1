import { NO_ROW_ID } from '../../domain/ids.js';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { prismaConnectionHelpers } from '@pothos/plugin-prisma';
import type { Prisma } from '../../generated/prisma/client.js';
import { InputCheck, MAX_COMPONENTS } from '../../domain/validation.js';
import { PUBLIC_TIMELINE_KINDS, checkStatusPageFields } from '../../domain/catalog.js';
import * as statusPages from '../../services/status-pages.js';
import { builder } from '../builder.js';
import { nodesOrEdges } from '../connection-selection.js';
import type { GatewayContext } from '../context.js';
import { actorOf, decodeId, decodeIdOrRaw, definePayload, orgWideList, rejected, scopedNodeWhere, settle, type PayloadShape } from '../common.js';
import { deletionTypes } from '../deletion.js';
import { ComponentRef, ComponentStatusEnum } from './component.js';
import { IncidentImpactEnum, IncidentKindEnum, IncidentRef, IncidentStatusEnum, TimelineEntryKindEnum } from './incident.js';

/**
 * A status page is public: anyone may read a public page by its slug. Only a key of the page's
 * own organization sees more than what the page shows; for everyone else the other fields are null.
 */
function isMember(context: GatewayContext, orgId: string): boolean {
  return context.auth?.orgId === orgId;
}

/** Timeline entries outside the public kinds exist only for the incident's own organization. */
function visibleEntries(context: GatewayContext): Prisma.IncidentUpdateWhereInput {
  const publicKinds: Prisma.IncidentUpdateWhereInput = { kind: { in: [...PUBLIC_TIMELINE_KINDS] } };
  return context.auth ? { OR: [{ orgId: context.auth.orgId }, publicKinds] } : publicKinds;
}

const memberOnly = 'Null without a key of the organization.';

export const StatusPageComponentRef = builder.prismaObject('Component', {
  variant: 'StatusPageComponent',
  description: `A component as a status page shows it: name, group and status. Other fields: ${memberOnly}`,
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Display name.' }),
    group: t.exposeString('group', { nullable: true, description: 'Name of the group it is shown under.' }),
    status: t.expose('status', { type: ComponentStatusEnum, description: 'Current status.' }),
    id: t.id({
      nullable: true,
      description: `Global ID of the component. ${memberOnly}`,
      resolve: (component, _args, context) => (isMember(context, component.orgId) ? encodeGlobalID('Component', component.id) : null),
    }),
    component: t.variant(ComponentRef, {
      description: `The component with all its fields. ${memberOnly}`,
      isNull: (component, _args, context) => !isMember(context, component.orgId),
    }),
  }),
});

const StatusPageTimelineEntryRef = builder.prismaObject('IncidentUpdate', {
  variant: 'StatusPageTimelineEntry',
  description: 'A timeline entry as a status page shows it. Without a key of the organization only CREATED, MESSAGE, STATUS_CHANGED and REOPENED entries are listed.',
  fields: (t) => ({
    kind: t.expose('kind', { type: TimelineEntryKindEnum, description: 'What the entry records.' }),
    body: t.exposeString('body', { description: 'The message.' }),
    postedAt: t.expose('postedAt', { type: 'DateTime', description: 'When it was written.' }),
  }),
});

const StatusPageIncidentRef = builder.prismaObject('Incident', {
  variant: 'StatusPageIncident',
  description: `An incident as a status page shows it. Fields beyond title, kind, status, impact, impactDescription, startedAt, resolvedAt and timeline: ${memberOnly}`,
  fields: (t) => ({
    title: t.exposeString('title', { description: 'Short summary.' }),
    impactDescription: t.exposeString('impactDescription', { nullable: true, description: 'What customers experience, in words.' }),
    kind: t.expose('kind', { type: IncidentKindEnum, description: 'Incident or maintenance.' }),
    status: t.expose('status', { type: IncidentStatusEnum, description: 'Where it is in its lifecycle.' }),
    impact: t.expose('impact', { type: IncidentImpactEnum, description: 'Customer impact.' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', description: 'When it started.' }),
    resolvedAt: t.expose('resolvedAt', { type: 'DateTime', nullable: true, description: 'When it was resolved or completed.' }),
    timeline: t.relatedConnection(
      'updates',
      {
        type: StatusPageTimelineEntryRef,
        cursor: 'id',
        description: 'The public timeline, oldest first (every entry for a key of the organization).',
        query: (_args, context) => ({ where: visibleEntries(context), orderBy: { sequence: 'asc' } }),
        totalCount: true,
      },
      { name: 'StatusPageTimelineConnection', description: 'A page of public timeline entries.' },
      { name: 'StatusPageTimelineEdge', description: 'A public timeline entry in a page.' },
    ),
    id: t.id({
      nullable: true,
      description: `Global ID of the incident. ${memberOnly}`,
      resolve: (incident, _args, context) => (isMember(context, incident.orgId) ? encodeGlobalID('Incident', incident.id) : null),
    }),
    incident: t.variant(IncidentRef, {
      description: `The incident with all its fields. ${memberOnly}`,
      isNull: (incident, _args, context) => !isMember(context, incident.orgId),
    }),
  }),
});

const publishedIncidents = prismaConnectionHelpers(builder, 'StatusPageIncident', {
  cursor: 'statusPageId_incidentId',
  // Prisma takes a list here; the helper's type admits only one entry, the tie-breaker needs two.
  query: { orderBy: [{ incident: { startedAt: 'desc' } }, { incidentId: 'desc' }] as Prisma.StatusPageIncidentOrderByWithRelationInput },
  select: (nodeSelection) => ({ incident: nodeSelection(true) }),
  resolveNode: (published) => published.incident,
});

export const StatusPageRef = builder.prismaNode('StatusPage', {
  id: { field: 'id', description: 'Global ID of the status page.' },
  description: `A public page showing components and published incidents. A public page can be read without a key by its slug; fields beyond name, slug, components and incidents: ${memberOnly}`,
  // Refetching by id needs a key; the public handle of a page is its slug.
  findUnique: (id, context) => (context.auth ? scopedNodeWhere(id, context) : { id: NO_ROW_ID }),
  nullable: true,
  fields: (t) => ({
    slug: t.exposeString('slug', { description: 'Unique name in URLs, e.g. "acme-status".' }),
    name: t.exposeString('name', { description: 'Display name.' }),
    public: t.boolean({
      nullable: true,
      description: `Whether anyone may read the page without a key. ${memberOnly}`,
      resolve: (page, _args, context) => (isMember(context, page.orgId) ? page.public : null),
    }),
    createdAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: `When it was created. ${memberOnly}`,
      resolve: (page, _args, context) => (isMember(context, page.orgId) ? page.createdAt : null),
    }),
    components: t.field({
      type: [StatusPageComponentRef],
      description: 'Its components, in display order.',
      select: (_args, _context, nestedSelection) => ({
        components: { orderBy: { position: 'asc' }, select: { component: nestedSelection(true) } },
      }),
      resolve: (page) => page.components.map((shown) => shown.component),
    }),
    incidents: t.connection(
      {
        type: StatusPageIncidentRef,
        description: 'Incidents published on it, newest startedAt first.',
        select: (args, context, nestedSelection) => ({
          _count: { select: { incidents: true } },
          incidents: publishedIncidents.getQuery(args, context, nodesOrEdges(nestedSelection)),
        }),
        resolve: (page, args, context) => ({
          ...publishedIncidents.resolve(page.incidents, args, context),
          totalCount: page._count.incidents,
        }),
      },
      {
        name: 'StatusPageIncidentConnection',
        description: 'A page of published incidents.',
        fields: (connection) => ({
          totalCount: connection.int({ description: 'How many incidents the page has in all.', resolve: (result) => result.totalCount }),
        }),
      },
      { name: 'StatusPageIncidentEdge', description: 'A published incident in a page.' },
    ),
  }),
});

builder.queryFields((t) => ({
  statusPage: t.prismaField({
    type: 'StatusPage',
    nullable: true,
    description:
      'A status page by slug. Answers without a key for a public page (its public fields only); a private page needs a key of its organization, otherwise null.',
    args: { slug: t.arg.string({ required: true, description: 'The page slug.' }) },
    resolve: (query, _root, args, context) =>
      context.db.prisma.statusPage.findFirst({
        ...query,
        where: { slug: args.slug, ...(context.auth ? { OR: [{ orgId: context.auth.orgId }, { public: true }] } : { public: true }) },
      }),
  }),
  statusPages: t.prismaConnection(
    {
      type: 'StatusPage',
      cursor: 'id',
      description: 'The status pages of your organization, oldest first. Page size 1..100, default 25.',
      authScopes: { read: true },
      ...orgWideList('statusPage', [{ createdAt: 'asc' }, { id: 'asc' }]),
    },
    { description: 'A page of status pages.' },
    { description: 'A status page in a page.' },
  ),
}));

// ---------------------------------------------------------------- mutations

interface StatusPageResult {
  statusPageId: string;
  incidentId?: string;
}

function statusPagePayload(name: string, description: string) {
  return definePayload<StatusPageResult>(name, description, (t) => ({
    statusPage: t.prismaField({
      type: 'StatusPage',
      nullable: true,
      description: 'The status page after the change; null when the input was rejected.',
      resolve: (query, payload: PayloadShape<StatusPageResult>, _args, context: GatewayContext) =>
        payload.result ? context.db.prisma.statusPage.findUnique({ ...query, where: { id: payload.result.statusPageId } }) : null,
    }),
  }));
}

const decodeComponentIds = (ids: readonly (string | number)[] | null | undefined) =>
  ids?.map((id) => decodeIdOrRaw(String(id), 'Component'));

const CreateStatusPageInput = builder.inputType('CreateStatusPageInput', {
  description: 'A new status page.',
  fields: (t) => ({
    slug: t.string({
      required: true,
      description: 'Unique across all organizations, up to 63 lower-case letters, digits and inner hyphens.',
    }),
    name: t.string({ required: true, description: '1 to 255 characters after trimming.' }),
    public: t.boolean({ description: 'Whether anyone may read it without a key (default true).' }),
    componentIds: t.idList({ description: `Its components in display order (at most ${MAX_COMPONENTS}, no duplicates).` }),
  }),
});

builder.mutationField('createStatusPage', (t) =>
  t.field({
    type: statusPagePayload('CreateStatusPagePayload', 'Result of createStatusPage.'),
    description: 'Creates a status page. A taken slug is INVALID_INPUT on ["slug"].',
    authScopes: { write: true },
    args: { input: t.arg({ type: CreateStatusPageInput, required: true, description: 'The page.' }) },
    resolve: async (_root, { input }, context) => {
      const check = new InputCheck();
      const fields = checkStatusPageFields(check, input, 'create');
      if (!check.ok) return rejected(check.errors);
      return settle(
        context,
        await statusPages.createStatusPage(context.db.prisma, actorOf(context), {
          ...fields,
          slug: fields.slug!,
          name: fields.name!,
          componentIds: decodeComponentIds(input.componentIds),
        }),
      );
    },
  }),
);

const UpdateStatusPageInput = builder.inputType('UpdateStatusPageInput', {
  description: 'Changes to a status page; omitted fields stay as they are.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global ID of the status page.' }),
    slug: t.string({ description: 'New slug (same rules as on creation).' }),
    name: t.string({ description: 'New name.' }),
    public: t.boolean({ description: 'Whether anyone may read it without a key.' }),
    componentIds: t.idList({ description: 'Replaces its components, in display order.' }),
  }),
});

builder.mutationField('updateStatusPage', (t) =>
  t.field({
    type: statusPagePayload('UpdateStatusPagePayload', 'Result of updateStatusPage.'),
    description: 'Changes a status page.',
    authScopes: { write: true },
    args: { input: t.arg({ type: UpdateStatusPageInput, required: true, description: 'The changes.' }) },
    resolve: async (_root, { input }, context) => {
      const check = new InputCheck();
      const fields = checkStatusPageFields(check, input, 'update');
      if (input.componentIds === null) check.fail(['componentIds'], 'componentIds cannot be null; pass [] to clear them');
      if (!check.ok) return rejected(check.errors);
      return settle(
        context,
        await statusPages.updateStatusPage(context.db.prisma, actorOf(context), decodeId(String(input.id), 'StatusPage'), {
          ...fields,
          componentIds: decodeComponentIds(input.componentIds),
        }),
      );
    },
  }),
);

const deletion = deletionTypes('StatusPage', 'deletedStatusPageId');

builder.mutationField('deleteStatusPage', (t) =>
  t.field({
    type: deletion.payload,
    description: 'Deletes a status page; its incidents stay, no longer published there.',
    authScopes: { write: true },
    args: { input: t.arg({ type: deletion.input, required: true, description: 'The status page.' }) },
    resolve: async (_root, { input }, context) =>
      settle(context, await statusPages.deleteStatusPage(context.db.prisma, actorOf(context), decodeId(String(input.id), 'StatusPage'))),
  }),
);

const PublishIncidentInput = builder.inputType('PublishIncidentInput', {
  description: 'An incident and the status page to show it on.',
  fields: (t) => ({
    incidentId: t.id({ required: true, description: 'Global ID of the incident.' }),
    statusPageId: t.id({ required: true, description: 'Global ID of the status page.' }),
  }),
});

/** The payload of publishIncident and unpublishIncident: the incident and the page. */
function publicationPayload(name: string, description: string, verb: { incident: string; statusPage: string }) {
  return definePayload<StatusPageResult>(name, description, (t) => ({
    incident: t.prismaField({
      type: 'Incident',
      nullable: true,
      description: `The ${verb.incident} incident; null when the input was rejected.`,
      resolve: (query, payload: PayloadShape<StatusPageResult>, _args, context: GatewayContext) =>
        payload.result?.incidentId ? context.db.prisma.incident.findUnique({ ...query, where: { id: payload.result.incidentId } }) : null,
    }),
    statusPage: t.prismaField({
      type: 'StatusPage',
      nullable: true,
      description: `The status page it is ${verb.statusPage}; null when the input was rejected.`,
      resolve: (query, payload: PayloadShape<StatusPageResult>, _args, context: GatewayContext) =>
        payload.result ? context.db.prisma.statusPage.findUnique({ ...query, where: { id: payload.result.statusPageId } }) : null,
    }),
  }));
}

const PublishIncidentPayload = publicationPayload('PublishIncidentPayload', 'Result of publishIncident.', {
  incident: 'published',
  statusPage: 'now on',
});

builder.mutationField('publishIncident', (t) =>
  t.field({
    type: PublishIncidentPayload,
    description: 'Shows an incident on a status page; publishing it again changes nothing.',
    authScopes: { write: true },
    args: { input: t.arg({ type: PublishIncidentInput, required: true, description: 'The incident and page.' }) },
    resolve: async (_root, { input }, context) =>
      settle(
        context,
        await statusPages.publishIncident(
          context.db.prisma,
          actorOf(context),
          decodeId(String(input.incidentId), 'Incident'),
          decodeId(String(input.statusPageId), 'StatusPage'),
        ),
      ),
  }),
);

const UnpublishIncidentInput = builder.inputType('UnpublishIncidentInput', {
  description: 'An incident and the status page to withdraw it from.',
  fields: (t) => ({
    incidentId: t.id({ required: true, description: 'Global ID of the incident.' }),
    statusPageId: t.id({ required: true, description: 'Global ID of the status page.' }),
  }),
});

builder.mutationField('unpublishIncident', (t) =>
  t.field({
    type: publicationPayload('UnpublishIncidentPayload', 'Result of unpublishIncident.', { incident: 'withdrawn', statusPage: 'no longer on' }),
    description:
      'Withdraws an incident from a status page: the page (and its public view) stops showing it at once, and its subscribers hear no more of it. Withdrawing one that is not on the page succeeds and changes nothing.',
    authScopes: { write: true },
    args: { input: t.arg({ type: UnpublishIncidentInput, required: true, description: 'The incident and page.' }) },
    resolve: async (_root, { input }, context) =>
      settle(
        context,
        await statusPages.unpublishIncident(
          context.db.prisma,
          actorOf(context),
          decodeId(String(input.incidentId), 'Incident'),
          decodeId(String(input.statusPageId), 'StatusPage'),
        ),
      ),
  }),
);
