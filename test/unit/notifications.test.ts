import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  anonymousSubscribeAction,
  checkSubscribeFields,
  CONFIRMATION_VALIDITY_MS,
  confirmationValid,
  retryDelayMs,
  signatureHeader,
  subscriberWants,
  verifySignature,
} from '../../src/domain/notifications.js';

describe('webhook signatures', () => {
  const secret = 'whsec_test';
  const body = '{"id":"n1"}';

  it('signs `<timestamp>.<body>` with HMAC-SHA256', () => {
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(signatureHeader(secret, 1_700_000_000, body)).toBe(`t=1700000000,v1=${expected}`);
  });

  it('verifies the body, the secret and the freshness of the timestamp', () => {
    const header = signatureHeader(secret, 1_700_000_000, body);
    expect(verifySignature(secret, header, body, 1_700_000_100)).toBe(true);
    expect(verifySignature(secret, header, '{"id":"n2"}', 1_700_000_100)).toBe(false);
    expect(verifySignature('whsec_other', header, body, 1_700_000_100)).toBe(false);
    expect(verifySignature(secret, header, body, 1_700_000_301)).toBe(false);
    expect(verifySignature(secret, 'garbage', body, 1_700_000_000)).toBe(false);
  });
});

describe('retryDelayMs', () => {
  const policy = { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 3000 };

  it('doubles the ceiling per attempt up to the maximum, with full jitter', () => {
    expect([1, 2, 3].map((attempts) => retryDelayMs(policy, attempts, 0.999))).toEqual([999, 1998, 2997]);
    expect(retryDelayMs(policy, 1, 0)).toBe(0);
    expect(retryDelayMs(policy, 2, 0.5)).toBe(1000);
  });

  it('gives up (dead letter) after the last attempt', () => {
    expect(retryDelayMs(policy, 4, 0.5)).toBeNull();
  });
});

describe('subscribers', () => {
  it('want every incident without a filter, else those touching a filtered component', () => {
    expect(subscriberWants([], [])).toBe(true);
    expect(subscriberWants(['a'], ['b', 'a'])).toBe(true);
    expect(subscriberWants(['a'], ['b'])).toBe(false);
  });

  it('need exactly one channel, well formed', () => {
    expect(checkSubscribeFields(' https://example.com/hook ', null)).toEqual({ fields: { webhookUrl: 'https://example.com/hook', email: null }, errors: [] });
    expect(checkSubscribeFields(null, 'a@example.com').errors).toEqual([]);
    expect(checkSubscribeFields(null, null).errors.map((error) => error.field)).toEqual([null]);
    expect(checkSubscribeFields('https://a.example', 'a@example.com').errors.map((error) => error.field)).toEqual([null]);
    expect(checkSubscribeFields('javascript:alert(1)', null).errors.map((error) => error.field)).toEqual([['webhookUrl']]);
    expect(checkSubscribeFields(null, 'not-an-address').errors.map((error) => error.field)).toEqual([['email']]);
    // Without a key: email only.
    expect(checkSubscribeFields('https://a.example', null, true).errors.map((error) => error.field)).toEqual([['webhookUrl']]);
    expect(checkSubscribeFields(null, 'a@example.com', true).errors).toEqual([]);
    // Bounded lengths.
    expect(checkSubscribeFields(null, `${'a'.repeat(250)}@example.com`).errors.map((error) => error.field)).toEqual([['email']]);
    expect(checkSubscribeFields(`https://a.example/${'x'.repeat(2048)}`, null).errors.map((error) => error.field)).toEqual([['webhookUrl']]);
  });
});

describe('anonymous email subscribe', () => {
  const now = new Date('2026-06-01T12:00:00Z');
  const ago = (ms: number) => new Date(now.getTime() - ms);

  it('mails a confirmation to a new address, nothing while a token is valid or once confirmed, and a new one after expiry', () => {
    expect(anonymousSubscribeAction(null, now)).toBe('CREATE');
    expect(anonymousSubscribeAction({ confirmedAt: null, confirmSentAt: ago(60_000) }, now)).toBe('NOTHING');
    expect(anonymousSubscribeAction({ confirmedAt: ago(1), confirmSentAt: ago(CONFIRMATION_VALIDITY_MS * 3) }, now)).toBe('NOTHING');
    expect(anonymousSubscribeAction({ confirmedAt: null, confirmSentAt: ago(CONFIRMATION_VALIDITY_MS) }, now)).toBe('RESEND');
    expect(anonymousSubscribeAction({ confirmedAt: null, confirmSentAt: null }, now)).toBe('RESEND');
  });

  it('lets a token confirm for its validity period only', () => {
    expect(confirmationValid(ago(CONFIRMATION_VALIDITY_MS - 1), now)).toBe(true);
    expect(confirmationValid(ago(CONFIRMATION_VALIDITY_MS), now)).toBe(false);
    expect(confirmationValid(null, now)).toBe(false);
  });
});
