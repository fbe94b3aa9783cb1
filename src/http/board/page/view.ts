import { formatAge, formatCountdown, formatTime, humanize } from './format.js';
import type { BoardIncident, TimelineEntry } from './state.js';

export type ConnectionState = 'no-key' | 'connecting' | 'live' | 'reconnecting' | 'refused' | 'error';

/** One schedule in the "on call now" column. */
export interface OnCallRow {
  scheduleId: string;
  scheduleName: string;
  personName: string | null;
  endsAt: string | null;
  isOverride: boolean;
}

const CONNECTION_TEXT: Record<ConnectionState, string> = {
  'no-key': 'No key',
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  refused: 'Key refused',
  error: 'Error',
};

type Child = Node | string | null | false;

function h(tag: string, attributes: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) if (child !== null && child !== false) element.append(child);
  return element;
}

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`board page is missing #${id}`);
  return element as T;
}

/** The page's DOM. Text goes in through textContent only, never as HTML. */
export class BoardView {
  private readonly list = byId<HTMLOListElement>('incidents');
  private readonly cards = new Map<string, HTMLLIElement>();

  showKeyForm(onKey: (key: string) => void, message = ''): void {
    byId('board').hidden = true;
    byId('forget').hidden = true;
    byId('key-panel').hidden = false;
    byId('key-error').textContent = message;
    const form = byId<HTMLFormElement>('key-form');
    const input = byId<HTMLInputElement>('key-input');
    form.onsubmit = (event) => {
      event.preventDefault();
      const key = input.value.trim();
      if (key) onKey(key);
    };
    input.focus();
  }

  showBoard(onForget: () => void): void {
    byId('key-panel').hidden = true;
    byId<HTMLInputElement>('key-input').value = '';
    byId('board').hidden = false;
    const forget = byId<HTMLButtonElement>('forget');
    forget.hidden = false;
    forget.onclick = onForget;
  }

  setConnection(state: ConnectionState, detail?: string): void {
    const element = byId('connection');
    element.dataset.state = state;
    document.body.dataset.connection = state;
    element.textContent = detail ? `${CONNECTION_TEXT[state]}: ${detail}` : CONNECTION_TEXT[state];
  }

  setOrganization(name: string): void {
    byId('org').textContent = `${name} · Incident board`;
    document.title = `${name} · Incident board`;
  }

  setClock(now: number): void {
    byId('clock').textContent = new Date(now).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hour12: false });
  }

  /** Screen readers hear arrivals and departures without the whole list being read again. */
  announce(text: string): void {
    byId('announcer').textContent = text;
  }

  renderIncidents(incidents: readonly BoardIncident[], beyondPage: number, now: number): void {
    const focusedId = (document.activeElement as HTMLElement | null)?.closest<HTMLElement>('.incident')?.dataset.id;
    const keep = new Set(incidents.map((incident) => incident.id));
    for (const [id, card] of this.cards) {
      if (!keep.has(id)) {
        card.remove();
        this.cards.delete(id);
      }
    }
    incidents.forEach((incident, index) => {
      let card = this.cards.get(incident.id);
      if (!card) {
        card = document.createElement('li');
        card.className = 'incident';
        card.tabIndex = 0;
        card.dataset.id = incident.id;
        this.cards.set(incident.id, card);
      }
      fillCard(card, incident, now);
      if (this.list.children[index] !== card) this.list.insertBefore(card, this.list.children[index] ?? null);
    });
    // Moving a focused card blurs it; keyboard users keep their place.
    if (focusedId && document.activeElement === document.body) this.cards.get(focusedId)?.focus({ preventScroll: true });
    byId('incident-count').textContent = beyondPage > 0 ? `(${incidents.length}, ${beyondPage} less severe not shown)` : `(${incidents.length})`;
    byId('no-incidents').hidden = incidents.length > 0;
  }

  renderUpdates(entries: readonly TimelineEntry[], now: number): void {
    byId('updates').replaceChildren(
      ...entries.map((entry) =>
        h(
          'li',
          { 'data-entry-id': entry.id, 'data-cursor': entry.cursor },
          h(
            'div',
            { class: 'entry-head' },
            h('span', { class: 'entry-incident' }, `#${entry.incidentNumber}`),
            h('time', { datetime: entry.postedAt }, formatTime(entry.postedAt, now)),
            h('span', { class: 'entry-kind' }, entryLabel(entry)),
          ),
          h('p', { class: 'entry-body' }, entry.body),
        ),
      ),
    );
  }

  renderOnCall(rows: readonly OnCallRow[], now: number): void {
    byId('oncall').replaceChildren(
      ...rows.map((row) =>
        h(
          'li',
          { 'data-schedule-id': row.scheduleId },
          h('span', { class: 'schedule' }, row.scheduleName),
          row.personName
            ? h('span', { class: 'person' }, row.personName)
            : h('span', { class: 'person nobody' }, 'Nobody on call'),
          row.personName && row.endsAt ? h('span', { class: 'until' }, ` until ${formatTime(row.endsAt, now)}`) : null,
          row.isOverride ? h('span', { class: 'until' }, ' (override)') : null,
        ),
      ),
    );
    byId('no-schedules').hidden = rows.length > 0;
  }
}

function fillCard(card: HTMLLIElement, incident: BoardIncident, now: number): void {
  const titleId = `incident-${incident.number}-title`;
  const latest = incident.timeline.nodes.at(-1);
  card.dataset.severity = incident.severity;
  card.dataset.status = incident.status;
  card.dataset.number = String(incident.number);
  card.setAttribute('aria-labelledby', titleId);
  card.replaceChildren(
    h('div', { class: 'severity' }, humanize(incident.severity).toUpperCase()),
    h(
      'div',
      { class: 'incident-body' },
      h('h3', { id: titleId }, h('span', { class: 'number' }, `#${incident.number}`), h('span', { class: 'title' }, incident.title)),
      h(
        'dl',
        { class: 'facts' },
        fact('Status', humanize(incident.status), 'status'),
        fact('Impact', humanize(incident.impact), 'impact'),
        fact('Owner', incident.owner?.name ?? 'Unassigned', 'owner'),
        incident.status === 'SCHEDULED' && incident.scheduledFor
          ? fact('Starts', formatTime(incident.scheduledFor, now), 'starts')
          : fact('Age', formatAge(incident.startedAt, now), 'age'),
        incident.kind === 'MAINTENANCE' ? fact('Kind', 'Maintenance', 'kind') : null,
        ...pagingFacts(incident, now),
      ),
      incident.affectedComponents.length > 0
        ? h(
            'ul',
            { class: 'components', 'aria-label': 'Affected components' },
            ...incident.affectedComponents.map((affected) =>
              h('li', { class: 'component', 'data-status': affected.status }, `${affected.component.name}: ${humanize(affected.status)}`),
            ),
          )
        : null,
      latest
        ? h(
            'p',
            { class: 'latest', 'data-cursor': latest.cursor },
            h('time', { datetime: latest.postedAt }, formatTime(latest.postedAt, now)),
            h('span', { class: 'latest-body' }, latest.body),
          )
        : null,
    ),
  );
}

/** Who was paged last and what happens next, while the incident has paging. */
function pagingFacts(incident: BoardIncident, now: number): HTMLElement[] {
  const { escalation } = incident;
  if (!escalation) return [];
  const last = escalation.pages.nodes.at(-1);
  const next =
    escalation.state === 'ACTIVE'
      ? escalation.nextEscalationAt
        ? `Level ${escalation.level}, escalates ${formatCountdown(escalation.nextEscalationAt, now)}`
        : `Level ${escalation.level}, waiting for an acknowledgement`
      : `${humanize(escalation.state)} at level ${escalation.level}`;
  return [
    fact('Paged', last ? `${last.user.name} (level ${last.level}, ${formatTime(last.at, now)})` : 'Nobody yet', 'paged'),
    fact('Escalation', next, 'escalation'),
  ];
}

function fact(label: string, value: string, name: string): HTMLElement {
  return h('div', {}, h('dt', {}, label), h('dd', { class: name }, value));
}

function entryLabel(entry: TimelineEntry): string {
  if (entry.kind === 'STATUS_CHANGED' || entry.kind === 'REOPENED') return `${humanize(entry.kind)}: ${humanize(entry.status)}`;
  return humanize(entry.kind);
}
