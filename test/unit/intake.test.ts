import { describe, expect, it } from 'vitest';
import {
  alertmanagerTitle,
  batchOfEvent,
  containsNul,
  fingerprintOf,
  incidentTitle,
  parseAlertmanagerNotification,
  parseEnqueueEvent,
  resolvesIncident,
  routingKeyOf,
  severityOf,
  severityOfLabel,
  triggerEffect,
  worstSeverity,
} from '../../src/domain/intake.js';

const trigger = {
  routing_key: 'key',
  event_action: 'trigger',
  dedup_key: 'disk',
  payload: { summary: '  DISK at 99%  ', source: 'db-1', severity: 'error', component: 'mysql', group: 'prod', class: 'disk', custom_details: { free: '1%' } },
  links: [{ href: 'https://example.com/', text: 'Runbook' }],
  images: [{ src: 'https://example.com/graph.png' }],
};

describe('severities', () => {
  it('maps PagerDuty severities: critical, error, warning, info', () => {
    expect(['critical', 'error', 'warning', 'info'].map((word) => severityOf(word as never))).toEqual(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW']);
  });

  it('reads an Alertmanager severity label in any case; anything else or none is MEDIUM', () => {
    expect(severityOfLabel('Critical')).toBe('CRITICAL');
    expect(severityOfLabel(' info ')).toBe('LOW');
    expect(severityOfLabel('page')).toBe('MEDIUM');
    expect(severityOfLabel('constructor')).toBe('MEDIUM');
    expect(severityOfLabel(undefined)).toBe('MEDIUM');
  });

  it('takes the worst of several, MEDIUM of none', () => {
    expect(worstSeverity(['LOW', 'HIGH', 'MEDIUM'])).toBe('HIGH');
    expect(worstSeverity([])).toBe('MEDIUM');
  });
});

describe('titles', () => {
  it('folds whitespace and cuts to 255 characters', () => {
    expect(incidentTitle('  a \n\t b  ')).toBe('a b');
    expect(incidentTitle('x'.repeat(300))).toHaveLength(255);
  });

  it('Alertmanager: the common summary, else the alert name and the other group labels', () => {
    expect(alertmanagerTitle({ alertname: 'Down' }, {}, ' Everything is down ')).toBe('Everything is down');
    expect(alertmanagerTitle({ alertname: 'Down', job: 'node', env: 'prod' }, {}, undefined)).toBe('Down (job=node, env=prod)');
    expect(alertmanagerTitle({ job: 'node' }, { alertname: 'Down' }, '')).toBe('Down (job=node)');
    expect(alertmanagerTitle({}, {}, undefined)).toBe('Alertmanager alert');
  });
});

describe('parseEnqueueEvent', () => {
  it('reads a trigger: trimmed summary, mapped severity, payload fields as labels, custom_details as details, links', () => {
    const parsed = parseEnqueueEvent(trigger);
    expect(parsed).toEqual({
      ok: true,
      value: {
        routingKey: 'key',
        action: 'trigger',
        dedupKey: 'disk',
        trigger: {
          summary: 'DISK at 99%',
          severity: 'HIGH',
          source: 'db-1',
          component: 'mysql',
          labels: { component: 'mysql', group: 'prod', class: 'disk' },
          details: { free: '1%' },
          links: [{ href: 'https://example.com/', text: 'Runbook' }],
        },
      },
    });
  });

  it('leaves the dedup key of a trigger to the gateway when none is given; acknowledge and resolve need one', () => {
    const { dedup_key: _key, ...withoutKey } = trigger;
    expect(parseEnqueueEvent(withoutKey)).toMatchObject({ ok: true, value: { dedupKey: null } });
    expect(parseEnqueueEvent({ routing_key: 'key', event_action: 'resolve' })).toEqual({ ok: false, errors: ["'dedup_key' is missing or blank"] });
    expect(parseEnqueueEvent({ routing_key: 'key', event_action: 'acknowledge', dedup_key: 'd' })).toEqual({
      ok: true,
      value: { routingKey: 'key', action: 'acknowledge', dedupKey: 'd', trigger: null },
    });
  });

  it('reports every problem at once, in PagerDuty’s words', () => {
    const parsed = parseEnqueueEvent({ event_action: 'trigger', payload: { summary: '', severity: 'fatal', timestamp: 'noon' }, links: 'x' });
    expect(parsed).toEqual({
      ok: false,
      errors: [
        "'routing_key' is missing or blank",
        "'payload.summary' is missing or blank",
        "'payload.source' is missing or blank",
        "'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')",
        "'payload.timestamp' is not a valid ISO 8601 timestamp",
        "'links' must be an array",
      ],
    });
  });

  it('refuses what is not an object, NUL characters, a long dedup key', () => {
    expect(parseEnqueueEvent([trigger])).toEqual({ ok: false, errors: ['Event must be a JSON object'] });
    expect(parseEnqueueEvent({ ...trigger, payload: { ...trigger.payload, custom_details: { 'a\u0000': 1 } } }).ok).toBe(false);
    expect(parseEnqueueEvent({ ...trigger, dedup_key: 'x'.repeat(256) })).toEqual({ ok: false, errors: ["'dedup_key' must be at most 255 characters"] });
  });

  it('accepts PagerDuty’s own timestamp form (+0000) and cuts a summary above 1024 characters', () => {
    const parsed = parseEnqueueEvent({ ...trigger, payload: { ...trigger.payload, timestamp: '2015-07-17T08:42:58.315+0000', summary: 'y'.repeat(2000) } });
    expect(parsed.ok && parsed.value.trigger?.summary).toHaveLength(1024);
  });

  it('finds the routing key before the rest is checked', () => {
    expect(routingKeyOf({ routing_key: ' k ' })).toBe('k');
    expect(routingKeyOf({ routing_key: 3 })).toBeNull();
    expect(routingKeyOf('k')).toBeNull();
  });

  it('makes one batch of an event, grouped by its dedup key', () => {
    const parsed = parseEnqueueEvent(trigger);
    if (!parsed.ok) throw new Error('parse failed');
    expect(batchOfEvent(parsed.value, 'disk')).toMatchObject({
      groupKey: 'disk',
      incident: { title: 'DISK at 99%', severity: 'HIGH', component: 'mysql' },
      triggers: [{ dedupKey: 'disk' }],
      acknowledges: [],
      resolves: [],
    });
    expect(batchOfEvent({ routingKey: 'k', action: 'resolve', dedupKey: 'disk', trigger: null }, 'disk')).toMatchObject({ triggers: [], resolves: ['disk'] });
  });
});

describe('parseAlertmanagerNotification', () => {
  const notification = {
    version: '4',
    groupKey: '{}:{alertname="Down"}',
    status: 'firing',
    receiver: 'gateway',
    groupLabels: { alertname: 'Down' },
    commonLabels: { alertname: 'Down' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    truncatedAlerts: 0,
    alerts: [
      { status: 'firing', labels: { alertname: 'Down', instance: 'a', severity: 'info' }, annotations: { summary: 'a is down' }, startsAt: '2026-01-01T00:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus/graph', fingerprint: 'fa' },
      { status: 'firing', labels: { alertname: 'Down', instance: 'b', severity: 'critical', component: 'Web' }, annotations: {}, startsAt: '2026-01-01T00:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: 'fb' },
      { status: 'resolved', labels: { alertname: 'Down', instance: 'c' }, annotations: {}, startsAt: '2026-01-01T00:00:00Z', endsAt: '2026-01-01T00:05:00Z', fingerprint: 'fc' },
    ],
  };

  it('splits firing and resolved alerts; the incident takes the worst severity and a component label', () => {
    const parsed = parseAlertmanagerNotification(notification);
    if (!parsed.ok) throw new Error(parsed.errors.join());
    expect(parsed.value.groupKey).toBe('{}:{alertname="Down"}');
    expect(parsed.value.incident).toEqual({ title: 'Down', severity: 'CRITICAL', component: 'Web' });
    expect(parsed.value.triggers.map((alert) => [alert.dedupKey, alert.summary, alert.severity, alert.source, alert.links])).toEqual([
      ['fa', 'a is down', 'LOW', 'a', [{ href: 'http://prometheus/graph', text: 'Source' }]],
      ['fb', 'Down', 'CRITICAL', 'b', []],
    ]);
    expect(parsed.value.resolves).toEqual(['fc']);
  });

  it('uses commonLabels.severity when the group has one', () => {
    const parsed = parseAlertmanagerNotification({ ...notification, commonLabels: { alertname: 'Down', severity: 'warning' } });
    expect(parsed.ok && parsed.value.incident.severity).toBe('MEDIUM');
  });

  it('fingerprints labels when the notification has no fingerprint (Alertmanager before 0.19)', () => {
    const { fingerprint: _given, ...alert } = notification.alerts[0];
    const parsed = parseAlertmanagerNotification({ ...notification, alerts: [alert] });
    expect(parsed.ok && parsed.value.triggers[0].dedupKey).toBe(fingerprintOf(alert.labels as Record<string, string>));
    expect(fingerprintOf({ b: '2', a: '1' })).toBe(fingerprintOf({ a: '1', b: '2' }));
    expect(fingerprintOf({ a: '1' })).not.toBe(fingerprintOf({ a: '2' }));
  });

  it('refuses other versions, a missing group key, bad alerts', () => {
    const parsed = parseAlertmanagerNotification({ ...notification, version: '3', groupKey: '', alerts: [{ status: 'pending', labels: 'x' }] });
    expect(parsed).toEqual({
      ok: false,
      errors: [`'version' must be "4"`, "'groupKey' is missing or blank", "'alerts[0].status' must be 'firing' or 'resolved'", "'alerts[0].labels' must be an object of strings"],
    });
    expect(parseAlertmanagerNotification({ ...notification, alerts: [] }).ok).toBe(false);
    expect(parseAlertmanagerNotification({ ...notification, alerts: Array(1001).fill(notification.alerts[0]) }).ok).toBe(false);
  });
});

describe('what an event does', () => {
  it('a trigger counts an open alert, joins an open incident of its group, or opens one', () => {
    expect(triggerEffect({ alertOpen: true, groupIncidentOpen: true })).toBe('count');
    expect(triggerEffect({ alertOpen: true, groupIncidentOpen: false })).toBe('count');
    expect(triggerEffect({ alertOpen: false, groupIncidentOpen: true })).toBe('attach');
    expect(triggerEffect({ alertOpen: false, groupIncidentOpen: false })).toBe('open-incident');
  });

  it('an incident is resolved when its last alert clears, if the integration says so and it is still open', () => {
    expect(resolvesIncident({ autoResolve: true, openAlertsLeft: 0, incidentOpen: true })).toBe(true);
    expect(resolvesIncident({ autoResolve: true, openAlertsLeft: 1, incidentOpen: true })).toBe(false);
    expect(resolvesIncident({ autoResolve: false, openAlertsLeft: 0, incidentOpen: true })).toBe(false);
    expect(resolvesIncident({ autoResolve: true, openAlertsLeft: 0, incidentOpen: false })).toBe(false);
  });

  it('finds NUL characters anywhere, keys included', () => {
    expect(containsNul({ a: ['ok', { b: 'no\u0000' }] })).toBe(true);
    expect(containsNul({ 'k\u0000': 1 })).toBe(true);
    expect(containsNul({ a: ['ok', 1, null] })).toBe(false);
  });
});
