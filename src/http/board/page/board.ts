import type { Client } from 'graphql-ws';
import {
  BoardIncidentChangedDocument,
  BoardOnCallDocument,
  BoardSnapshotDocument,
  BoardTimelineDocument,
  type BoardSchedulesFragment,
} from '../../../client/generated/graphql.js';
import { createLiveClient, GatewayError, isCloseEvent, request, subscribe, CLOSE_REVOKED, CLOSE_UNAUTHENTICATED } from './api.js';
import { BoardState, nextOnCallChange, onCallRows, ON_CALL_HORIZON_MS, OPEN_STATUSES } from './state.js';
import type { BoardView } from './view.js';

/** Re-render this often so ages and the clock move on; nothing is fetched. */
const TICK_MS = 1_000;
/** A failed snapshot (rate limit, gateway hiccup) is tried again after this long while connected. */
const SNAPSHOT_RETRY_MS = 5_000;

/**
 * The live board: a snapshot over HTTP, then incidentChanged for the list and one
 * incidentTimeline per open incident. After a reconnect every timeline resumes from the last
 * entry seen (`after`) and a fresh snapshot catches up on what changed meanwhile.
 */
export class LiveBoard {
  private readonly state = new BoardState();
  private readonly timelines = new Map<string, () => void>();
  private readonly client: Client;
  private readonly stopChanges: () => void;
  private readonly ticker: ReturnType<typeof setInterval>;
  private onCallTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private connected = false;
  /** Open incidents beyond the snapshot's page (the least severe); they appear as they change. */
  private beyondPage = 0;
  private onCall: ReturnType<typeof onCallRows> = [];
  private snapshotGeneration = 0;
  /** Until the first snapshot the lists would claim "all clear": show nothing instead. */
  private loaded = false;
  private stopped = false;

  constructor(
    private readonly key: string,
    private readonly view: BoardView,
    private readonly onRefused: (message: string) => void,
  ) {
    view.setConnection('connecting');
    this.client = createLiveClient(key, {
      connected: () => {
        this.connected = true;
        view.setConnection('live');
        void this.catchUp();
      },
      closed: () => {
        this.connected = false;
        clearTimeout(this.retryTimer);
        if (this.stopped) return;
        view.setConnection('reconnecting');
        // Timelines resume with `after` once connected again; the library would resend the old cursor.
        for (const id of [...this.timelines.keys()]) this.unwatch(id);
      },
    });
    this.stopChanges = subscribe(this.client, BoardIncidentChangedDocument, {}, {
      next: ({ incidentChanged: change }) => {
        const outcome = this.state.applyChange(change.type, change.incident);
        const label = `Incident ${change.incident.number}, ${change.incident.title}`;
        if (outcome === 'added') {
          this.watch(change.incident.id);
          view.announce(`New: ${label}`);
        } else if (outcome === 'removed') {
          this.unwatch(change.incident.id);
          view.announce(`${label}: ${change.type === 'DELETED' ? 'deleted' : change.incident.status.toLowerCase()}`);
        }
        this.render();
      },
      error: (error) => this.fail(error),
    });
    this.ticker = setInterval(() => this.render(), TICK_MS);
    this.render();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.ticker);
    clearTimeout(this.onCallTimer);
    clearTimeout(this.retryTimer);
    for (const id of [...this.timelines.keys()]) this.unwatch(id);
    this.stopChanges();
    void this.client.dispose();
  }

  private async catchUp(): Promise<void> {
    // Resume known timelines first, from what was seen before the connection dropped.
    for (const id of this.state.incidents.keys()) this.watch(id);
    const generation = ++this.snapshotGeneration;
    this.state.beginSnapshot();
    try {
      const snapshot = await request(this.key, BoardSnapshotDocument, { open: OPEN_STATUSES, ...onCallWindow() });
      if (generation !== this.snapshotGeneration || this.stopped) return;
      this.view.setOrganization(snapshot.viewer.organization.name);
      this.showOnCall(snapshot);
      const { added, removed } = this.state.applySnapshot(snapshot.incidents.nodes);
      this.beyondPage = snapshot.incidents.totalCount - snapshot.incidents.nodes.length;
      this.loaded = true;
      for (const id of added) this.watch(id);
      for (const id of removed) this.unwatch(id);
      this.view.setConnection('live');
      this.render();
    } catch (error) {
      if (this.fail(error) && this.connected && generation === this.snapshotGeneration) {
        this.retryTimer = setTimeout(() => void this.catchUp(), SNAPSHOT_RETRY_MS);
      }
    }
  }

  /** No event says who is on call: the board asks again exactly when the next shift changes hands. */
  private showOnCall(schedules: BoardSchedulesFragment): void {
    const now = Date.now();
    this.onCall = onCallRows(schedules);
    clearTimeout(this.onCallTimer);
    this.onCallTimer = setTimeout(() => void this.refreshOnCall(), nextOnCallChange(schedules, now) - now);
    this.render();
  }

  private async refreshOnCall(): Promise<void> {
    try {
      const schedules = await request(this.key, BoardOnCallDocument, onCallWindow());
      if (this.stopped) return;
      if (this.connected) this.view.setConnection('live');
      this.showOnCall(schedules);
    } catch (error) {
      if (this.fail(error)) this.onCallTimer = setTimeout(() => void this.refreshOnCall(), SNAPSHOT_RETRY_MS);
    }
  }

  private watch(incidentId: string): void {
    if (this.timelines.has(incidentId)) return;
    const dispose = subscribe(
      this.client,
      BoardTimelineDocument,
      { incidentId, after: this.state.resumeCursor(incidentId) },
      {
        next: ({ incidentTimeline: entry }) => {
          if (this.state.applyEntry(incidentId, entry)) this.render();
        },
        // The incident is gone (deleted): incidentChanged says so too.
        error: () => this.unwatch(incidentId),
      },
    );
    this.timelines.set(incidentId, dispose);
  }

  private unwatch(incidentId: string): void {
    this.timelines.get(incidentId)?.();
    this.timelines.delete(incidentId);
  }

  /** Shows what went wrong; returns whether trying again may help (false once the key is refused). */
  private fail(error: unknown): boolean {
    if (this.stopped) return false;
    const refused =
      (error instanceof GatewayError && (error.code === 'UNAUTHENTICATED' || error.code === 'FORBIDDEN')) ||
      (isCloseEvent(error) && (error.code === CLOSE_UNAUTHENTICATED || error.code === CLOSE_REVOKED));
    if (refused) {
      this.stop();
      this.view.setConnection('refused');
      this.onRefused(error instanceof GatewayError ? error.message : 'The gateway refused this key.');
      return false;
    }
    this.view.setConnection('error', error instanceof Error ? error.message : 'connection failed');
    return true;
  }

  private render(): void {
    const now = Date.now();
    this.view.setClock(now);
    if (!this.loaded) return;
    this.view.renderIncidents(this.state.sortedIncidents(), this.beyondPage, now);
    this.view.renderUpdates(this.state.recentEntries(), now);
    this.view.renderOnCall(this.onCall, now);
  }
}

function onCallWindow(): { now: string; horizon: string } {
  const now = Date.now();
  return { now: new Date(now).toISOString(), horizon: new Date(now + ON_CALL_HORIZON_MS).toISOString() };
}
