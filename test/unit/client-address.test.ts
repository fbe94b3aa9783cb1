import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { clientAddressResolver, limitKeyOf } from '../../src/http/client-address.js';

const request = (peer: string, forwardedFor?: string) =>
  ({ socket: { remoteAddress: peer }, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } }) as unknown as IncomingMessage;

describe('client address', () => {
  it('is the TCP peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    const addressOf = clientAddressResolver(loadConfig({}).trustProxy);
    expect(addressOf(request('198.51.100.4', '203.0.113.9'))).toBe('198.51.100.4');
    expect(addressOf(request('::ffff:198.51.100.4'))).toBe('198.51.100.4');
  });

  it('walks X-Forwarded-For back through trusted proxies only (TRUST_PROXY as CIDR ranges)', () => {
    const addressOf = clientAddressResolver(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.0.2.7' }).trustProxy);
    expect(addressOf(request('10.1.2.3', '203.0.113.9'))).toBe('203.0.113.9');
    expect(addressOf(request('10.1.2.3', '6.6.6.6, 203.0.113.9, 192.0.2.7'))).toBe('203.0.113.9');
    // From an untrusted peer, the header is the client's own claim.
    expect(addressOf(request('198.51.100.4', '203.0.113.9'))).toBe('198.51.100.4');
  });

  it('believes as many hops as TRUST_PROXY counts', () => {
    const addressOf = clientAddressResolver(loadConfig({ TRUST_PROXY: '1' }).trustProxy);
    expect(addressOf(request('10.1.2.3', '6.6.6.6, 203.0.113.9'))).toBe('203.0.113.9');
    expect(addressOf(request('10.1.2.3'))).toBe('10.1.2.3');
  });

  it('takes an IPv6 client by its /64', () => {
    expect(limitKeyOf('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(limitKeyOf('2001:db8:1:2:bbbb::9')).toBe('2001:db8:1:2::/64');
    expect(limitKeyOf('2001:db8:1:3::1')).not.toBe(limitKeyOf('2001:db8:1:2::1'));
  });

  it('refuses a TRUST_PROXY that is neither a hop count nor addresses', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'everyone' })).toThrow(ConfigError);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33' })).toThrow(ConfigError);
    expect(loadConfig({ TRUST_PROXY: 'loopback' }).trustProxy).toEqual(['loopback']);
  });
});
