import { ESCALATION_STATES } from '../../domain/escalation.js';
import { builder } from '../builder.js';
import { IncidentRef, checkIdCursors } from './incident.js';
import { NotificationStatusEnum } from './notifications.js';
import './contact-method.js';
import './escalation-policy.js';

const EscalationStateEnum = builder.enumType('EscalationState', {
  description: 'Where the paging of an incident stands.',
  values: {
    ACTIVE: { description: 'Paging: waiting for an acknowledgement, escalating when none comes in time.' },
    ACKNOWLEDGED: { description: 'Someone acknowledged; nobody more is paged.' },
    EXHAUSTED: { description: 'Every rule and repeat passed without an acknowledgement; nobody more is paged.' },
    STOPPED: { description: 'The incident was resolved while paging; nobody more is paged.' },
  } satisfies Record<(typeof ESCALATION_STATES)[number], { description: string }>,
});

builder.prismaObject('Page', {
  description: 'One page: a user paged at an escalation level through one of their contact methods.',
  fields: (t) => ({
    user: t.relation('user', { description: 'Who was paged.' }),
    level: t.exposeInt('level', { description: 'The escalation level: the index of the rule (level 0 pages the owner when there is one).' }),
    at: t.expose('at', { type: 'DateTime', description: 'When the page was written to the outbox.' }),
    contactMethod: t.relation('contactMethod', {
      nullable: true,
      description: 'Where it went; null when the user had no contact method (nothing could be sent) or it was removed since.',
    }),
    deliveryStatus: t.field({
      type: NotificationStatusEnum,
      nullable: true,
      description: 'How its delivery went (the outbox notification status; DEAD also when paging stopped before it was sent); null without a contact method.',
      select: { notification: { select: { status: true } } },
      resolve: (page) => page.notification?.status ?? null,
    }),
  }),
});

const EscalationRef = builder.prismaObject('Incident', {
  variant: 'Escalation',
  description: 'The paging of an incident: who was paged, at which level, and when it escalates next.',
  include: { escalation: true },
  fields: (t) => ({
    policy: t.relation('escalationPolicy', { nullable: true, description: 'The escalation policy followed; null when only the owner is paged.' }),
    state: t.field({ type: EscalationStateEnum, description: 'Where paging stands.', resolve: (incident) => incident.escalation!.state }),
    level: t.int({ description: 'The level paged last (or being paged now).', resolve: (incident) => incident.escalation!.level }),
    nextEscalationAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the next level is paged (or the escalation is exhausted) unless someone acknowledges first; null when nothing more is planned.',
      resolve: (incident) => incident.escalation!.nextEscalationAt,
    }),
    pages: t.relatedConnection(
      'pages',
      {
        cursor: 'id',
        description: 'Every page of this incident, oldest first.',
        query: (args) => {
          checkIdCursors(args);
          return { orderBy: [{ at: 'asc' }, { id: 'asc' }] };
        },
        totalCount: true,
      },
      { name: 'PageConnection', description: 'A page of pages.' },
      { name: 'PageEdge', description: 'A page (of paging) in a connection page.' },
    ),
  }),
});

builder.prismaObjectField(IncidentRef, 'escalation', (t) =>
  t.variant(EscalationRef, {
    description: 'Its paging; null when it was never paged (no owner and no escalation policy).',
    isNull: (incident) => !(incident as { escalation?: unknown }).escalation,
  }),
);
