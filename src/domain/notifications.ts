import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ComponentStatus, IncidentImpact, IncidentSeverity, IncidentStatus, TimelineEntryKind } from './types.js';
import type { UserError } from './validation.js';

/** The header carrying a webhook's signature: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const SIGNATURE_HEADER = 'x-incident-gateway-signature';
/** The header carrying the notification id: the same on every retry, so receivers can drop repeats. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** HMAC-SHA256 of `<timestamp>.<body>` with the subscriber's secret, as Stripe signs its webhooks. */
export function signatureOf(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export function signatureHeader(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${signatureOf(secret, timestamp, body)}`;
}

/**
 * What a receiver does: the signature matches the body and the timestamp is recent
 * (`toleranceSeconds` either way, against replays).
 */
export function verifySignature(secret: string, header: string, body: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const parts = new Map(header.split(',').map((part) => part.split('=', 2) as [string, string]));
  const timestamp = Number(parts.get('t'));
  const given = Buffer.from(parts.get('v1') ?? '', 'hex');
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(signatureOf(secret, timestamp, body), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * After failed attempt number `attempts` (1, 2, ...): null when the notification is dead,
 * else the wait before the next try: exponential backoff with full jitter (`random` in [0, 1)).
 */
export function retryDelayMs(policy: RetryPolicy, attempts: number, random: number): number | null {
  if (attempts >= policy.maxAttempts) return null;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempts - 1));
  return Math.round(ceiling * random);
}

/** A subscriber with a component filter hears only of incidents affecting one of those components. */
export function subscriberWants(componentFilter: readonly string[], incidentComponentIds: readonly string[]): boolean {
  return componentFilter.length === 0 || componentFilter.some((id) => incidentComponentIds.includes(id));
}

/** What a notification is about, with ids already as clients know them. */
export interface NotificationSubject {
  statusPage: { id: string; slug: string; name: string };
  incident: {
    id: string;
    number: number;
    title: string;
    status: IncidentStatus;
    severity: IncidentSeverity;
    impact: IncidentImpact;
    components: { id: string; name: string; status: ComponentStatus }[];
  };
  update: { id: string | null; kind: TimelineEntryKind; status: IncidentStatus; body: string; postedAt: string };
}

/** The JSON body of a webhook: `id` is the notification id (idempotency key). */
export function webhookPayload(id: string, subject: NotificationSubject) {
  return { id, type: 'incident.updated' as const, ...subject };
}

export interface Email {
  subject: string;
  text: string;
}

export function renderEmail(subject: NotificationSubject): Email {
  const { incident, update, statusPage } = subject;
  const components = incident.components.map((component) => `- ${component.name}: ${component.status}`).join('\n');
  return {
    subject: `[${statusPage.name}] ${incident.title} (${update.status})`,
    text: [
      `${incident.title}`,
      `Status: ${update.status} · Impact: ${incident.impact}`,
      '',
      update.body,
      ...(components ? ['', 'Affected components:', components] : []),
      '',
      `Posted ${update.postedAt} on ${statusPage.name}.`,
    ].join('\n'),
  };
}

export interface SubscribeFields {
  webhookUrl: string | null;
  email: string | null;
}

/** RFC 5321's limit on an address; a URL longer than any receiver needs is refused too. */
export const EMAIL_MAX = 254;
export const WEBHOOK_URL_MAX = 2048;

/** Exactly one channel: an http(s) webhook URL or an email address; without a key, only an email address (it is confirmed by mail). */
export function checkSubscribeFields(
  webhookUrl: string | null | undefined,
  email: string | null | undefined,
  anonymous = false,
): { fields: SubscribeFields; errors: UserError[] } {
  const url = webhookUrl?.trim() || null;
  const address = email?.trim() || null;
  const errors: UserError[] = [];
  if ((url === null) === (address === null)) {
    errors.push({ code: 'INVALID_INPUT', field: null, message: 'Give exactly one of webhookUrl and email' });
  }
  if (url !== null && url.length > WEBHOOK_URL_MAX) errors.push({ code: 'INVALID_INPUT', field: ['webhookUrl'], message: `webhookUrl must be at most ${WEBHOOK_URL_MAX} characters` });
  else if (url !== null && !isHttpUrl(url)) errors.push({ code: 'INVALID_INPUT', field: ['webhookUrl'], message: 'webhookUrl must be an http or https URL' });
  if (address !== null && address.length > EMAIL_MAX) errors.push({ code: 'INVALID_INPUT', field: ['email'], message: `email must be at most ${EMAIL_MAX} characters` });
  else if (address !== null && !/^[^\s@]+@[^\s@]+$/.test(address)) errors.push({ code: 'INVALID_INPUT', field: ['email'], message: 'email is not an email address' });
  if (anonymous && url !== null) errors.push({ code: 'INVALID_INPUT', field: ['webhookUrl'], message: 'Webhooks need an API key with the write scope' });
  return { fields: { webhookUrl: url, email: address }, errors };
}

function isHttpUrl(value: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** The email that asks an address subscribed without a key to confirm; the token is its only proof. */
export function renderConfirmationEmail(pageName: string, token: string): Email {
  return {
    subject: `[${pageName}] Confirm your subscription`,
    text: `Someone subscribed this address to the incidents of ${pageName}.\n\nTo confirm, run the confirmSubscription mutation with this token:\n\n${token}\n\nIf it was not you, ignore this email: nothing will be sent.\n`,
  };
}

/** How long a mailed confirmation token stays valid; until then a repeat subscribe of the address sends nothing. */
export const CONFIRMATION_VALIDITY_MS = 24 * 60 * 60 * 1000;

/** Whether a confirmation token mailed at `sentAt` still confirms. */
export function confirmationValid(sentAt: Date | null, now: Date): boolean {
  return sentAt !== null && now.getTime() - sentAt.getTime() < CONFIRMATION_VALIDITY_MS;
}

/**
 * What an anonymous email subscribe does, given the address's live subscription of that page if
 * any: at most one confirmation mail per validity period, and nothing at all for an address that
 * is already confirmed. The caller answers the same in every case.
 */
export function anonymousSubscribeAction(existing: { confirmedAt: Date | null; confirmSentAt: Date | null } | null, now: Date): 'CREATE' | 'RESEND' | 'NOTHING' {
  if (existing === null) return 'CREATE';
  if (existing.confirmedAt !== null || confirmationValid(existing.confirmSentAt, now)) return 'NOTHING';
  return 'RESEND';
}
