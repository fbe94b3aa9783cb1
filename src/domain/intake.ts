import { createHash } from 'node:crypto';
import { INCIDENT_SEVERITIES, type IncidentSeverity } from './types.js';
import { TITLE_MAX } from './validation.js';

/**
 * Alerts from monitoring: the bodies of the PagerDuty Events API v2 and of Alertmanager's webhook
 * (version 4), checked and turned into one shape, and what an alert event does to what exists.
 */

export const PAGERDUTY_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type PagerDutySeverity = (typeof PAGERDUTY_SEVERITIES)[number];

const SEVERITY_OF: Record<PagerDutySeverity, IncidentSeverity> = {
  critical: 'CRITICAL',
  error: 'HIGH',
  warning: 'MEDIUM',
  info: 'LOW',
};

/** PagerDuty's severities as incident severities: critical→CRITICAL, error→HIGH, warning→MEDIUM, info→LOW. */
export function severityOf(severity: PagerDutySeverity): IncidentSeverity {
  return SEVERITY_OF[severity];
}

/** An Alertmanager `severity` label (same words, any case); anything else or none is MEDIUM. */
export function severityOfLabel(label: string | undefined): IncidentSeverity {
  const word = label?.trim().toLowerCase();
  return word && Object.hasOwn(SEVERITY_OF, word) ? SEVERITY_OF[word as PagerDutySeverity] : 'MEDIUM';
}

/** The most urgent of some severities (MEDIUM when there are none). */
export function worstSeverity(severities: readonly IncidentSeverity[]): IncidentSeverity {
  if (severities.length === 0) return 'MEDIUM';
  return INCIDENT_SEVERITIES[Math.min(...severities.map((severity) => INCIDENT_SEVERITIES.indexOf(severity)))];
}

/** Limits of the Events API, as PagerDuty documents them. */
export const DEDUP_KEY_MAX = 255;
export const SUMMARY_MAX = 1024;
/** Source, component, group, class, link texts: cut to this. */
export const SHORT_TEXT_MAX = 255;
/** Alerts in one Alertmanager notification. */
export const MAX_ALERTS_PER_NOTIFICATION = 1000;

/** An incident title from alert text: trimmed, whitespace runs made single spaces, cut to the title limit. */
export function incidentTitle(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, TITLE_MAX);
}

function cut(text: string, max: number): string {
  return text.trim().slice(0, max);
}

export interface AlertLink {
  href: string;
  text: string | null;
}

/** One alert as it fires: everything stored on a new Alert. */
export interface AlertTrigger {
  /** Events API dedup_key (null: none given, the gateway makes one) or Alertmanager fingerprint. */
  dedupKey: string;
  summary: string;
  severity: IncidentSeverity;
  source: string | null;
  /** A component of the organization with this name is added to a new incident. */
  component: string | null;
  labels: Record<string, string>;
  details: unknown;
  links: AlertLink[];
}

/**
 * What one request asks for, in the order it is applied: triggers, acknowledgements, resolutions.
 * The alerts of one group share an incident: the Alertmanager groupKey, or the dedup key itself.
 */
export interface AlertBatch {
  groupKey: string;
  /** For an incident this batch opens. */
  incident: { title: string; severity: IncidentSeverity; component: string | null };
  triggers: AlertTrigger[];
  acknowledges: string[];
  resolves: string[];
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: string[] };

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** PostgreSQL text and jsonb cannot hold NUL: such a body is refused whole. */
export function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(containsNul);
  if (isObject(value)) return Object.entries(value).some(([key, inner]) => key.includes('\u0000') || containsNul(inner));
  return false;
}

/** Collects the problems of a body in PagerDuty's wording ("'payload.summary' is missing or blank"). */
class EventCheck {
  readonly errors: string[] = [];

  fail(message: string): void {
    this.errors.push(message);
  }

  /** A non-blank string, or null (with an error) when it is missing, blank or not a string. */
  required(value: unknown, name: string): string | null {
    if (typeof value !== 'string' || value.trim() === '') {
      this.fail(`'${name}' is missing or blank`);
      return null;
    }
    return value.trim();
  }

  /** An optional string: null when absent, an error when present but not a string. */
  optional(value: unknown, name: string, max: number): string | null {
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') {
      this.fail(`'${name}' must be a string`);
      return null;
    }
    return cut(value, max) || null;
  }

  timestamp(value: unknown, name: string): void {
    if (value === undefined || value === null) return;
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) this.fail(`'${name}' is not a valid ISO 8601 timestamp`);
  }

  /** An object of string values (labels, annotations); null when it is something else. */
  stringMap(value: unknown, name: string, required: boolean): Record<string, string> {
    if (value === undefined || value === null) {
      if (required) this.fail(`'${name}' is missing`);
      return {};
    }
    if (!isObject(value) || Object.values(value).some((inner) => typeof inner !== 'string')) {
      this.fail(`'${name}' must be an object of strings`);
      return {};
    }
    return value as Record<string, string>;
  }
}

export type EventAction = 'trigger' | 'acknowledge' | 'resolve';
const EVENT_ACTIONS: readonly string[] = ['trigger', 'acknowledge', 'resolve'];

/** An Events API v2 event; a trigger without dedup_key gets one from the gateway (`dedupKey` null). */
export interface EnqueueEvent {
  routingKey: string;
  action: EventAction;
  dedupKey: string | null;
  /** Only for triggers. */
  trigger: Omit<AlertTrigger, 'dedupKey'> | null;
}

/** The routing key of an Events API body, if it has one: it decides the rate-limit bucket before the rest is checked. */
export function routingKeyOf(body: unknown): string | null {
  return isObject(body) && typeof body.routing_key === 'string' && body.routing_key.trim() !== '' ? body.routing_key.trim() : null;
}

function links(check: EventCheck, value: unknown, name: string): AlertLink[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    check.fail(`'${name}' must be an array`);
    return [];
  }
  const result: AlertLink[] = [];
  value.forEach((link, index) => {
    const href = isObject(link) ? check.required(link.href, `${name}[${index}].href`) : (check.fail(`'${name}[${index}]' must be an object`), null);
    const text = isObject(link) ? check.optional(link.text, `${name}[${index}].text`, SHORT_TEXT_MAX) : null;
    if (href) result.push({ href, text });
  });
  return result;
}

function images(check: EventCheck, value: unknown): void {
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) return check.fail(`'images' must be an array`);
  value.forEach((image, index) => {
    if (!isObject(image)) return check.fail(`'images[${index}]' must be an object`);
    check.required(image.src, `images[${index}].src`);
    check.optional(image.href, `images[${index}].href`, Number.MAX_SAFE_INTEGER);
    check.optional(image.alt, `images[${index}].alt`, Number.MAX_SAFE_INTEGER);
  });
}

/** Checks an Events API v2 body (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/). */
export function parseEnqueueEvent(body: unknown): Parsed<EnqueueEvent> {
  if (!isObject(body)) return { ok: false, errors: ['Event must be a JSON object'] };
  if (containsNul(body)) return { ok: false, errors: ['Event must not contain NUL characters'] };
  const check = new EventCheck();
  const routingKey = check.required(body.routing_key, 'routing_key');
  const action = body.event_action;
  if (typeof action !== 'string' || !EVENT_ACTIONS.includes(action)) {
    check.fail(`'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')`);
  }
  let dedupKey: string | null = null;
  if (body.dedup_key !== undefined && body.dedup_key !== null) {
    if (typeof body.dedup_key !== 'string' || body.dedup_key.trim() === '') check.fail(`'dedup_key' must be a non-blank string`);
    else if (body.dedup_key.length > DEDUP_KEY_MAX) check.fail(`'dedup_key' must be at most ${DEDUP_KEY_MAX} characters`);
    else dedupKey = body.dedup_key;
  } else if (action === 'acknowledge' || action === 'resolve') {
    check.fail(`'dedup_key' is missing or blank`);
  }
  let trigger: EnqueueEvent['trigger'] = null;
  if (action === 'trigger') {
    const payload = body.payload;
    if (!isObject(payload)) {
      check.fail(`'payload' is missing or is not an object`);
    } else {
      const summary = check.required(payload.summary, 'payload.summary');
      const source = check.required(payload.source, 'payload.source');
      const severity = payload.severity;
      if (typeof severity !== 'string' || !(PAGERDUTY_SEVERITIES as readonly string[]).includes(severity)) {
        check.fail(`'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')`);
      }
      check.timestamp(payload.timestamp, 'payload.timestamp');
      const component = check.optional(payload.component, 'payload.component', SHORT_TEXT_MAX);
      const group = check.optional(payload.group, 'payload.group', SHORT_TEXT_MAX);
      const eventClass = check.optional(payload.class, 'payload.class', SHORT_TEXT_MAX);
      const labels: Record<string, string> = {};
      if (component) labels.component = component;
      if (group) labels.group = group;
      if (eventClass) labels.class = eventClass;
      if (summary && source) {
        trigger = {
          summary: cut(summary, SUMMARY_MAX),
          severity: severityOf(severity as PagerDutySeverity),
          source: cut(source, SHORT_TEXT_MAX),
          component,
          labels,
          details: payload.custom_details ?? null,
          links: [],
        };
      }
    }
    const eventLinks = links(check, body.links, 'links');
    if (trigger) trigger.links = eventLinks;
    images(check, body.images);
  }
  check.optional(body.client, 'client', Number.MAX_SAFE_INTEGER);
  check.optional(body.client_url, 'client_url', Number.MAX_SAFE_INTEGER);
  if (check.errors.length > 0 || !routingKey) return { ok: false, errors: check.errors };
  return { ok: true, value: { routingKey, action: action as EventAction, dedupKey, trigger } };
}

/** What one Events API event asks for, as a batch; `dedupKey` is the event's or the one made for it. */
export function batchOfEvent(event: EnqueueEvent, dedupKey: string): AlertBatch {
  const trigger = event.trigger;
  return {
    groupKey: dedupKey,
    incident: {
      title: trigger ? incidentTitle(trigger.summary) : dedupKey,
      severity: trigger?.severity ?? 'MEDIUM',
      component: trigger?.component ?? null,
    },
    triggers: trigger ? [{ ...trigger, dedupKey }] : [],
    acknowledges: event.action === 'acknowledge' ? [dedupKey] : [],
    resolves: event.action === 'resolve' ? [dedupKey] : [],
  };
}

/**
 * Alertmanager's fingerprint of a label set when the notification does not carry one (before
 * 0.19): any stable digest of the sorted labels identifies the alert just as well.
 */
export function fingerprintOf(labels: Record<string, string>): string {
  const canonical = Object.keys(labels)
    .sort()
    .map((name) => `${name}\u0001${labels[name]}`)
    .join('\u0002');
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** "HighLatency (service=api, env=prod)": the alert name and the other group labels. */
export function alertmanagerTitle(groupLabels: Record<string, string>, commonLabels: Record<string, string>, summary: string | undefined): string {
  if (summary?.trim()) return incidentTitle(summary);
  const alertname = groupLabels.alertname ?? commonLabels.alertname;
  const others = Object.entries(groupLabels)
    .filter(([name]) => name !== 'alertname')
    .map(([name, value]) => `${name}=${value}`);
  const title = [alertname, others.length > 0 ? `(${others.join(', ')})` : null].filter(Boolean).join(' ');
  return incidentTitle(title) || 'Alertmanager alert';
}

/** Checks an Alertmanager webhook notification (version 4, https://prometheus.io/docs/alerting/latest/configuration/#webhook_config). */
export function parseAlertmanagerNotification(body: unknown): Parsed<AlertBatch> {
  if (!isObject(body)) return { ok: false, errors: ['Notification must be a JSON object'] };
  if (containsNul(body)) return { ok: false, errors: ['Notification must not contain NUL characters'] };
  const check = new EventCheck();
  if (body.version !== '4') check.fail(`'version' must be "4"`);
  const groupKey = check.required(body.groupKey, 'groupKey');
  if (body.status !== 'firing' && body.status !== 'resolved') check.fail(`'status' must be 'firing' or 'resolved'`);
  const groupLabels = check.stringMap(body.groupLabels, 'groupLabels', false);
  const commonLabels = check.stringMap(body.commonLabels, 'commonLabels', false);
  const commonAnnotations = check.stringMap(body.commonAnnotations, 'commonAnnotations', false);
  const alerts = Array.isArray(body.alerts) ? body.alerts : null;
  if (!alerts || alerts.length === 0) check.fail(`'alerts' must be a non-empty array`);
  else if (alerts.length > MAX_ALERTS_PER_NOTIFICATION) check.fail(`'alerts' may hold at most ${MAX_ALERTS_PER_NOTIFICATION} alerts`);
  const title = alertmanagerTitle(groupLabels, commonLabels, commonAnnotations.summary);
  // The last word on a fingerprint wins when one notification names it twice.
  const firing = new Map<string, AlertTrigger>();
  const resolved = new Set<string>();
  (alerts && alerts.length <= MAX_ALERTS_PER_NOTIFICATION ? alerts : []).forEach((alert, index) => {
    const name = `alerts[${index}]`;
    if (!isObject(alert)) return check.fail(`'${name}' must be an object`);
    if (alert.status !== 'firing' && alert.status !== 'resolved') check.fail(`'${name}.status' must be 'firing' or 'resolved'`);
    const labels = check.stringMap(alert.labels, `${name}.labels`, true);
    const annotations = check.stringMap(alert.annotations, `${name}.annotations`, false);
    check.timestamp(alert.startsAt, `${name}.startsAt`);
    check.timestamp(alert.endsAt, `${name}.endsAt`);
    const generatorURL = check.optional(alert.generatorURL, `${name}.generatorURL`, Number.MAX_SAFE_INTEGER);
    const given = check.optional(alert.fingerprint, `${name}.fingerprint`, DEDUP_KEY_MAX);
    const fingerprint = given ?? fingerprintOf(labels);
    firing.delete(fingerprint);
    resolved.delete(fingerprint);
    if (alert.status === 'resolved') {
      resolved.add(fingerprint);
      return;
    }
    firing.set(fingerprint, {
      dedupKey: fingerprint,
      summary: cut(annotations.summary || annotations.description || labels.alertname || title, SUMMARY_MAX),
      severity: severityOfLabel(labels.severity),
      source: cut(labels.instance ?? labels.job ?? '', SHORT_TEXT_MAX) || null,
      component: cut(labels.component ?? '', SHORT_TEXT_MAX) || null,
      labels,
      details: annotations,
      links: generatorURL ? [{ href: generatorURL, text: 'Source' }] : [],
    });
  });
  if (check.errors.length > 0 || !groupKey) return { ok: false, errors: check.errors };
  const triggers = [...firing.values()];
  return {
    ok: true,
    value: {
      groupKey,
      incident: {
        title,
        severity: commonLabels.severity ? severityOfLabel(commonLabels.severity) : worstSeverity(triggers.map((trigger) => trigger.severity)),
        component: commonLabels.component ?? triggers.find((trigger) => trigger.component)?.component ?? null,
      },
      triggers,
      acknowledges: [],
      resolves: [...resolved],
    },
  };
}

// ---------------------------------------------------------------- what an event does

/** A trigger: an open alert with its key is counted; otherwise a new alert joins its group's open incident, or opens one. */
export type TriggerEffect = 'count' | 'attach' | 'open-incident';

export function triggerEffect(state: { alertOpen: boolean; groupIncidentOpen: boolean }): TriggerEffect {
  if (state.alertOpen) return 'count';
  return state.groupIncidentOpen ? 'attach' : 'open-incident';
}

/**
 * Whether resolving alerts resolves their incident: when the integration resolves automatically,
 * no alert of the incident is open any more, and the incident itself still is.
 */
export function resolvesIncident(state: { autoResolve: boolean; openAlertsLeft: number; incidentOpen: boolean }): boolean {
  return state.autoResolve && state.openAlertsLeft === 0 && state.incidentOpen;
}

/** The timeline entry of an incident resolved because its alerts cleared. */
export function alertsClearedMessage(integrationName: string): string {
  return `All alerts cleared: resolved automatically by ${integrationName}.`;
}

/** The first timeline entry of an incident an alert opened. */
export function openedByAlertMessage(integrationName: string, summary: string): string {
  return `Opened by ${integrationName}: ${summary}`;
}
