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

/** At most this many affected components on a card; the rest are counted. */
const CARD_COMPONENTS = 8;

/**
 * The page's DOM. Text goes in through textContent only, never as HTML.
 *
 * Nothing on the board is cut off: each list shows the items that fit whole and hides the rest,
 * and hidden incidents are counted on screen. While every open incident fits as a full card, each
 * gets one; in a big outage the most severe keeps its card and the others become one-line rows.
 */
export class BoardView {
  private readonly list = byId<HTMLOListElement>('incidents');
  private readonly cards = new Map<string, HTMLLIElement>();
  private lastIncidents: { incidents: readonly BoardIncident[]; beyondPage: number } | null = null;
  private lastNow = 0;

  constructor() {
    let pending = 0;
    // A new window size changes what fits.
    addEventListener('resize', () => {
      cancelAnimationFrame(pending);
      pending = requestAnimationFrame(() => this.refit());
    });
  }

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
    this.lastIncidents = { incidents, beyondPage };
    this.lastNow = now;
    const focusedId = (document.activeElement as HTMLElement | null)?.closest<HTMLElement>('.incident')?.dataset.id;
    const keep = new Set(incidents.map((incident) => incident.id));
    for (const [id, card] of this.cards) {
      if (!keep.has(id)) {
        card.remove();
        this.cards.delete(id);
      }
    }
    /** The first `cards` incidents as full cards, the others as rows. */
    const fill = (cards: number) =>
      incidents.forEach((incident, index) => {
        let card = this.cards.get(incident.id);
        if (!card) {
          card = document.createElement('li');
          card.tabIndex = 0;
          card.dataset.id = incident.id;
          this.cards.set(incident.id, card);
        }
        fillCard(card, incident, now, index >= cards);
        if (this.list.children[index] !== card) this.list.insertBefore(card, this.list.children[index] ?? null);
      });
    const more = byId('incidents-more');
    const count = (hidden: readonly HTMLElement[]) => {
      more.hidden = hidden.length + beyondPage === 0;
      more.textContent = notShown(hidden.map((item) => item.dataset.severity ?? ''), beyondPage);
    };
    count([]);
    fill(incidents.length);
    let hidden = fitChildren(this.list);
    if (hidden.length > 0) {
      // Too many for cards: the most severe keeps its card, and the next ones get theirs back
      // for as long as that leaves out no more incidents than rows alone would.
      let cards = 1;
      fill(cards);
      const leftOut = fitChildren(this.list).length;
      while (cards < incidents.length) {
        fill(cards + 1);
        if (fitChildren(this.list).length > leftOut) break;
        cards += 1;
      }
      fill(cards);
      hidden = fitChildren(this.list);
    }
    // The count line takes room from the list: fit again with it in place until both agree.
    for (let pass = 0; pass < 3; pass += 1) {
      count(hidden);
      const again = fitChildren(this.list);
      if (again.length === hidden.length) break;
      hidden = again;
    }
    count(hidden);
    // Moving a focused card blurs it; keyboard users keep their place.
    if (focusedId && document.activeElement === document.body) this.cards.get(focusedId)?.focus({ preventScroll: true });
    byId('incident-count').textContent = `(${incidents.length + beyondPage})`;
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
    this.fitSide();
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
    this.fitSide();
  }

  /** On call first (its count line changes what is left), then the updates below it. */
  private fitSide(): void {
    const list = byId('oncall');
    const more = byId('oncall-more');
    more.hidden = true;
    let hidden = fitChildren(list).length;
    if (hidden > 0) {
      more.hidden = false;
      hidden = fitChildren(list).length;
      more.textContent = `+${hidden} more ${hidden === 1 ? 'schedule' : 'schedules'} not shown`;
    }
    fitChildren(byId('updates'));
  }

  private refit(): void {
    if (this.lastIncidents) this.renderIncidents(this.lastIncidents.incidents, this.lastIncidents.beyondPage, this.lastNow);
    this.fitSide();
  }
}

/**
 * Shows every child of `list` again, then hides the trailing ones that do not fit whole inside
 * the list's box (a half-visible line helps nobody on a wall screen). Returns the hidden ones.
 */
function fitChildren(list: HTMLElement): HTMLElement[] {
  const items = [...list.children] as HTMLElement[];
  for (const item of items) item.hidden = false;
  const bottom = list.getBoundingClientRect().bottom;
  const firstOut = items.findIndex((item) => item.getBoundingClientRect().bottom > bottom + 0.5);
  const hidden = firstOut < 0 ? [] : items.slice(firstOut);
  for (const item of hidden) item.hidden = true;
  return hidden;
}

/** `+38 more open incidents not shown: 3 High, 15 Medium, 20 Low`. */
function notShown(severities: readonly string[], beyondPage: number): string {
  const total = severities.length + beyondPage;
  const counts = new Map<string, number>();
  for (const severity of severities) counts.set(severity, (counts.get(severity) ?? 0) + 1);
  const parts = [...counts].map(([severity, count]) => `${count} ${humanize(severity)}`);
  if (beyondPage > 0) parts.push(`${beyondPage} less severe, not loaded`);
  return `+${total} more open ${total === 1 ? 'incident' : 'incidents'} not shown: ${parts.join(', ')}`;
}

/**
 * A full card, or (compact) one row: number, title, severity, status, age and owner. Either way
 * anything appended to `.incident-body` later (another short line) goes below the title.
 */
function fillCard(card: HTMLLIElement, incident: BoardIncident, now: number, compact: boolean): void {
  const titleId = `incident-${incident.number}-title`;
  const latest = incident.timeline.nodes.at(-1);
  const components = incident.affectedComponents;
  card.className = compact ? 'incident row' : 'incident card';
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
        !compact && fact('Impact', humanize(incident.impact), 'impact'),
        incident.status === 'SCHEDULED' && incident.scheduledFor
          ? fact('Starts', formatTime(incident.scheduledFor, now), 'starts')
          : fact('Age', formatAge(incident.startedAt, now), 'age'),
        fact('Owner', incident.owner?.name ?? 'Unassigned', 'owner'),
        !compact && incident.kind === 'MAINTENANCE' ? fact('Kind', 'Maintenance', 'kind') : null,
        ...pagingFacts(incident, now),
      ),
      !compact && components.length > 0
        ? h(
            'ul',
            { class: 'components', 'aria-label': 'Affected components' },
            ...components
              .slice(0, CARD_COMPONENTS)
              .map((affected) => h('li', { class: 'component', 'data-status': affected.status }, `${affected.component.name}: ${humanize(affected.status)}`)),
            components.length > CARD_COMPONENTS ? h('li', { class: 'component others' }, `+${components.length - CARD_COMPONENTS} more`) : null,
          )
        : null,
      !compact && latest
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
