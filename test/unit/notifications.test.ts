import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkSubscribeFields, retryDelayMs, signatureHeader, subscriberWants, verifySignature } from '../../src/domain/notifications.js';

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
  });
});
