import { encodeGlobalID } from '@pothos/plugin-relay';
import { checkCreateIncident } from '../../domain/incident-input.js';
import { InputCheck } from '../../domain/validation.js';
import { IMPORT_MAX_INCIDENTS, checkPastEntries, pastResolvedAt } from '../../domain/backfill.js';
import type { IncidentStatus } from '../../domain/types.js';
import * as incidents from '../../services/incidents.js';
import { builder } from '../builder.js';
import type { GatewayContext } from '../context.js';
import { actorOf, decodeIdOrRaw, definePayload, rejected, settle, type PayloadShape } from '../common.js';
import {
  ComponentChoiceInput,
  IncidentImpactEnum,
  IncidentKindEnum,
  IncidentSeverityEnum,
  IncidentStatusEnum,
  POST_AS_DESCRIPTION,
  componentRefs,
  postAsOf,
} from './incident.js';

// importIncidents: many past incidents with their timelines, idempotent per externalRef.

const ImportTimelineEntryInput = builder.inputType('ImportTimelineEntryInput', {
  description: 'A timeline entry of an imported incident, as it was posted in the system it comes from.',
  fields: (t) => ({
    postedAt: t.field({ type: 'DateTime', required: true, description: 'When it was posted: not before startedAt, not in the future.' }),
    body: t.string({ required: true, description: 'The text, 1 to 10,000 characters.' }),
    status: t.field({
      type: IncidentStatusEnum,
      description: 'The status from then on; a different one than before makes it a STATUS_CHANGED entry.',
    }),
    postAs: t.id({ description: POST_AS_DESCRIPTION }),
  }),
});

export const ImportIncidentInput = builder.inputType('ImportIncidentInput', {
  description: 'An incident from another system, with its past. Fields as in CreateIncidentInput unless said otherwise.',
  fields: (t) => ({
    externalRef: t.string({
      required: true,
      description: 'Its id in the system it comes from (1 to 255 characters): importing it again returns the incident already there, unchanged.',
    }),
    title: t.string({ required: true, description: '1 to 255 characters after trimming.' }),
    description: t.string({ description: 'Up to 10,000 characters.' }),
    impactDescription: t.string({ description: 'What customers experience, up to 1,000 characters.' }),
    kind: t.field({ type: IncidentKindEnum, description: 'Default INCIDENT.' }),
    severity: t.field({ type: IncidentSeverityEnum, description: 'Default MEDIUM.' }),
    impact: t.field({ type: IncidentImpactEnum, description: 'Sets the impact explicitly; otherwise derived from the components.' }),
    status: t.field({
      type: IncidentStatusEnum,
      description: 'The status it is in now; default the status of its last timeline entry that has one, else INVESTIGATING or SCHEDULED.',
    }),
    message: t.string({ description: 'Text of the CREATED entry at startedAt; a default text when omitted.' }),
    startedAt: t.field({ type: 'DateTime', required: true, description: 'When it started.' }),
    acknowledgedAt: t.field({ type: 'DateTime', description: 'When it was acknowledged.' }),
    resolvedAt: t.field({
      type: 'DateTime',
      description: 'When it was resolved (status RESOLVED, POSTMORTEM or COMPLETED); default the entry that resolved it, else now.',
    }),
    scheduledFor: t.field({ type: 'DateTime', description: 'Maintenance only: planned start.' }),
    scheduledUntil: t.field({ type: 'DateTime', description: 'Maintenance only: planned end.' }),
    tags: t.stringList({ description: 'Up to 20 tags of 1 to 50 characters.' }),
    source: t.string({ description: 'Where it came from (default IMPORT).' }),
    ownerId: t.id({ description: 'Global ID of the owning user.' }),
    componentIds: t.idList({ description: 'Affected components at their current status.' }),
    components: t.field({ type: [ComponentChoiceInput], description: 'Affected components with their status in the incident.' }),
    statusPageIds: t.idList({ description: 'Status pages to publish it on.' }),
    postAs: t.id({ description: 'Global ID of a user: the CREATED, ACKNOWLEDGED and resolving entries are posted as this person.' }),
    timeline: t.field({ type: [ImportTimelineEntryInput], description: `Its timeline entries, at most 200, in any order (they are sorted by postedAt).` }),
  }),
});

const ImportIncidentsInput = builder.inputType('ImportIncidentsInput', {
  description: `Incidents to import, at most ${IMPORT_MAX_INCIDENTS} per call.`,
  fields: (t) => ({
    incidents: t.field({ type: [ImportIncidentInput], required: true, description: 'The incidents.' }),
  }),
});

interface ImportResult {
  results: { incidentId: string; created: boolean }[];
}

const ImportIncidentsPayload = definePayload<ImportResult>('ImportIncidentsPayload', 'Result of importIncidents.', (t) => ({
  incidents: t.prismaField({
    type: ['Incident'],
    nullable: true,
    description: 'One incident per input, in input order: the one created, or the one that already had its externalRef. Null when rejected.',
    resolve: async (query, payload: PayloadShape<ImportResult>, _args, context: GatewayContext) => {
      if (!payload.result) return null;
      const ids = payload.result.results.map((result) => result.incidentId);
      const rows = await context.db.prisma.incident.findMany({ ...query, where: { id: { in: ids } } });
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id)!);
    },
  }),
  createdIncidentIds: t.idList({
    nullable: true,
    description: 'Global IDs of the incidents this call created; the others were there already. Null when rejected.',
    resolve: (payload) =>
      payload.result?.results.filter((result) => result.created).map((result) => encodeGlobalID('Incident', result.incidentId)) ?? null,
  }),
}));

export type ImportIncidentShape = typeof ImportIncidentInput.$inferInput;

/** Checks one incident of the import; problems are reported at ["incidents", index, ...]. */
export function checkImported(check: InputCheck, input: ImportIncidentShape, index: number, now: Date): incidents.ImportedIncident {
  const own = new InputCheck();
  const kind = input.kind ?? 'INCIDENT';
  const entries = checkPastEntries(own, input.timeline ?? [], { kind, startedAt: input.startedAt }, now, ['timeline']);
  const lastStatus = [...entries].sort((a, b) => a.postedAt.getTime() - b.postedAt.getTime()).reverse().find((entry) => entry.status)?.status;
  const status: IncidentStatus | undefined = input.status ?? lastStatus ?? undefined;
  const fields = checkCreateIncident(own, { ...input, kind, status, source: input.source ?? 'IMPORT' }, now);
  for (const error of own.errors) check.errors.push({ ...error, field: ['incidents', String(index), ...(error.field ?? [])] });
  const pastEntries = entries.map((entry, position) => ({ ...entry, authorId: postAsOf(input.timeline?.[position]?.postAs) }));
  return {
    fields: {
      ...fields,
      externalRef: fields.externalRef ?? '',
      resolvedAt: pastResolvedAt(fields.status, fields.resolvedAt, pastEntries, now),
      // History is not news: nothing of an import notifies status page subscribers.
      notifySubscribers: false,
      pastEntries,
    },
    refs: {
      ...componentRefs(input.componentIds, input.components),
      ownerId: input.ownerId == null ? null : decodeIdOrRaw(String(input.ownerId), 'User'),
      statusPageIds: input.statusPageIds?.map((id) => decodeIdOrRaw(String(id), 'StatusPage')) ?? null,
      postAs: postAsOf(input.postAs),
    },
  };
}

builder.mutationField('importIncidents', (t) =>
  t.field({
    type: ImportIncidentsPayload,
    description:
      'Imports past incidents with their timelines, each entry at the instant it happened (so history, asOf and incidentStats see the real past). All or nothing; idempotent per externalRef: an incident whose externalRef your organization already has is returned unchanged.',
    authScopes: { write: true },
    args: { input: t.arg({ type: ImportIncidentsInput, required: true, description: 'The incidents.' }) },
    resolve: async (_root, { input }, context) => {
      const check = new InputCheck();
      if (input.incidents.length > IMPORT_MAX_INCIDENTS) {
        check.fail(['incidents'], `at most ${IMPORT_MAX_INCIDENTS} incidents per call, got ${input.incidents.length}`);
        return rejected(check.errors);
      }
      const now = new Date();
      const items = input.incidents.map((incident, index) => checkImported(check, incident, index, now));
      if (!check.ok) return rejected(check.errors);
      return settle(context, await incidents.importIncidents(context.db.prisma, actorOf(context), items));
    },
  }),
);
