import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createGuardedHttp, isAllowedAddress, OutboundError, parseAddressRanges, redactUrl } from '../../src/net/guarded-http.js';
import { FORBIDDEN_TARGETS, PUBLIC_URLS, USER_INFO_URL } from './forbidden-targets.js';

/** An HTTP server on one loopback address that records the paths it was asked for. */
async function startServer(host: string, handle: (path: string, response: ServerResponse) => void = (_path, response) => response.end('ok')) {
  const paths: string[] = [];
  const server: Server = createServer((request, response) => {
    paths.push(request.url ?? '');
    request.resume();
    handle(request.url ?? '', response);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    paths,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function failure(work: Promise<unknown>): Promise<OutboundError> {
  const error = await work.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OutboundError);
  return error as OutboundError;
}

describe('guarded outbound HTTP client', () => {
  let receiver: Awaited<ReturnType<typeof startServer>>;
  const held: ServerResponse[] = [];

  beforeAll(async () => {
    receiver = await startServer('127.0.0.1', (path, response) => {
      if (path === '/redirect') response.writeHead(302, { location: `/internal` }).end();
      else if (path === '/hang') held.push(response);
      else if (path === '/large') response.end(Buffer.alloc(200_000, 'x'));
      else response.end('ok');
    });
  });
  afterAll(async () => {
    for (const response of held) response.destroy();
    await receiver?.close();
  });

  it.each(FORBIDDEN_TARGETS)('refuses %s, at check and at request, without connecting', async (_name, url) => {
    const http = createGuardedHttp();
    const target = url(receiver.port);
    expect(await http.checkUrl(target)).toBe('the host is not a public address');
    const error = await failure(http.request(target, { method: 'POST', body: '{}', timeoutMs: 2000 }));
    expect(error).toMatchObject({ code: 'FORBIDDEN_ADDRESS', permanent: true });
    // The message names neither the URL nor an address: it may be stored and shown.
    expect(error.message).toBe('the host is not a public address');
    expect(receiver.paths).not.toContain('/hook');
  });

  it('refuses URLs with user info and schemes other than http(s)', async () => {
    const http = createGuardedHttp();
    expect(await http.checkUrl(USER_INFO_URL)).toMatch(/user info/);
    expect(await http.checkUrl(`http://user@127.0.0.1:${receiver.port}/`)).toMatch(/user info/);
    expect(await http.checkUrl('ftp://93.184.215.14/')).toMatch(/http and https/);
    expect(await http.checkUrl('file:///etc/passwd')).toMatch(/http and https/);
    expect(await http.checkUrl('not a url')).toBe('not a valid URL');
    const error = await failure(http.request(USER_INFO_URL, { timeoutMs: 1000 }));
    expect(error).toMatchObject({ code: 'INVALID_URL', permanent: true });
    expect(error.message).not.toContain('pw');
  });

  it('accepts public addresses, and host names that do not resolve now (checked again on use)', async () => {
    const http = createGuardedHttp({ resolveHost: async () => Promise.reject(Object.assign(new Error('no such host'), { code: 'ENOTFOUND' })) });
    for (const url of PUBLIC_URLS) expect(await http.checkUrl(url)).toBeNull();
    expect(await http.checkUrl('https://hooks.example.com/x')).toBeNull();
    const error = await failure(http.request('https://hooks.example.com/x', { timeoutMs: 1000 }));
    expect(error).toMatchObject({ code: 'DNS_FAILED', permanent: false });
  });

  it('refuses a host name when any of its addresses is not public', async () => {
    const http = createGuardedHttp({
      resolveHost: async () => [
        { address: '93.184.215.14', family: 4 },
        { address: '10.1.2.3', family: 4 },
      ],
    });
    expect(await http.checkUrl('http://mixed.example/')).toBe('the host is not a public address');
  });

  it('reaches ranges of WEBHOOK_ALLOW_PRIVATE, and only those', async () => {
    const http = createGuardedHttp({ allowPrivate: parseAddressRanges('127.0.0.0/8, ::1/128') });
    const response = await http.request(`http://127.1:${receiver.port}/allowed`, { method: 'POST', body: 'x', timeoutMs: 5000 });
    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe('ok');
    expect(receiver.paths).toContain('/allowed');
    expect(await http.checkUrl(`http://[::ffff:127.0.0.1]:${receiver.port}/`)).toBeNull();
    expect(await http.checkUrl('http://10.0.0.1/')).toBe('the host is not a public address');
    expect(await http.checkUrl('http://169.254.169.254/')).toBe('the host is not a public address');
  });

  it('classifies addresses with ipaddr.js ranges, IPv4 inside IPv6 included', () => {
    for (const address of ['127.0.0.1', '::1', '::ffff:7f00:1', '::7f00:1', '::ffff:a9fe:a9fe', '0.0.0.0', '::', '100.100.1.1', 'fc00::1', 'ff02::1', 'not-an-ip']) {
      expect(isAllowedAddress(address), address).toBe(false);
    }
    for (const address of ['93.184.215.14', '8.8.8.8', '2606:2800:21f:cb07:6820:80da:af6b:8b2e', '::ffff:8.8.8.8']) {
      expect(isAllowedAddress(address), address).toBe(true);
    }
    expect(isAllowedAddress('10.9.8.7', parseAddressRanges('10.0.0.0/8'))).toBe(true);
    expect(isAllowedAddress('::ffff:10.9.8.7', parseAddressRanges('10.0.0.0/8'))).toBe(true);
    expect(isAllowedAddress('10.9.8.7', parseAddressRanges('10.9.8.6'))).toBe(false);
    expect(() => parseAddressRanges('10.0.0.0/33')).toThrow();
    expect(() => parseAddressRanges('intranet')).toThrow();
    expect(parseAddressRanges(' , ')).toEqual([]);
  });

  it('connects to the address it checked, whatever DNS answers next (no rebinding window)', async () => {
    // The allowed target listens on 127.0.0.2; 127.0.0.1 stands for the internal network.
    const allowed = await startServer('127.0.0.2');
    const internal = await startServer('127.0.0.1');
    try {
      const answers = ['127.0.0.2', '127.0.0.1'];
      let lookups = 0;
      const http = createGuardedHttp({
        allowPrivate: parseAddressRanges('127.0.0.2/32'),
        resolveHost: async () => [{ address: answers[Math.min(lookups++, 1)], family: 4 }],
      });
      // The same port on both addresses would be ideal; the path tells the servers apart instead.
      const response = await http.request(`http://rebind.example:${allowed.port}/rebind`, { timeoutMs: 5000 });
      expect(response.status).toBe(200);
      expect(allowed.paths).toEqual(['/rebind']);
      expect(internal.paths).toEqual([]);
      expect(lookups).toBe(1);
      // A second request resolves again and is refused before connecting.
      expect(await failure(http.request(`http://rebind.example:${internal.port}/rebind`, { timeoutMs: 5000 }))).toMatchObject({ code: 'FORBIDDEN_ADDRESS' });
      expect(internal.paths).toEqual([]);
    } finally {
      await allowed.close();
      await internal.close();
    }
  });

  it('does not follow redirects: a 3xx is returned as it is', async () => {
    const http = createGuardedHttp({ allowPrivate: parseAddressRanges('127.0.0.1') });
    const response = await http.request(`http://127.0.0.1:${receiver.port}/redirect`, { timeoutMs: 5000 });
    expect(response.status).toBe(302);
    expect(receiver.paths).not.toContain('/internal');
  });

  it('bounds the time of the whole exchange and the size of the response', async () => {
    const http = createGuardedHttp({ allowPrivate: parseAddressRanges('127.0.0.1') });
    const started = Date.now();
    expect(await failure(http.request(`http://127.0.0.1:${receiver.port}/hang`, { timeoutMs: 300 }))).toMatchObject({
      code: 'TIMEOUT',
      message: 'timed out after 300 ms',
    });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await failure(http.request(`http://127.0.0.1:${receiver.port}/large`, { timeoutMs: 5000, maxResponseBytes: 10_000 }))).toMatchObject({
      code: 'RESPONSE_TOO_LARGE',
    });
    const slowDns = createGuardedHttp({ resolveHost: () => new Promise(() => {}) });
    expect(await failure(slowDns.request('http://slow.example/', { timeoutMs: 200 }))).toMatchObject({ code: 'TIMEOUT' });
  });

  it('reports a refused connection without the address', async () => {
    const closed = await startServer('127.0.0.1');
    await closed.close();
    const http = createGuardedHttp({ allowPrivate: parseAddressRanges('127.0.0.1') });
    const error = await failure(http.request(`http://127.0.0.1:${closed.port}/`, { timeoutMs: 5000 }));
    expect(error).toMatchObject({ code: 'CONNECT_FAILED', message: 'the connection failed (ECONNREFUSED)' });
  });

  it('redacts URLs to scheme, host, port and path', () => {
    expect(redactUrl('https://user:pw@hooks.example.com:8443/a/b?token=secret#frag')).toBe('https://hooks.example.com:8443/a/b');
    expect(redactUrl('http://[::1]:80/x')).toBe('http://[::1]/x');
    expect(redactUrl('::nope')).toBe('(not a URL)');
  });
});

describe('outbound settings', () => {
  it('allows no private range and delivers 8 at once by default; WEBHOOK_ALLOW_PRIVATE takes CIDRs only', () => {
    const defaults = loadConfig({});
    expect(defaults.outbound.allowPrivate).toEqual([]);
    expect(defaults.notifications.concurrency).toBe(8);
    const set = loadConfig({ WEBHOOK_ALLOW_PRIVATE: '10.0.0.0/8, fd00::/8', NOTIFY_CONCURRENCY: '2' });
    expect(set.outbound.allowPrivate.map(([address, bits]) => `${address.toString()}/${bits}`)).toEqual(['10.0.0.0/8', 'fd00::/8']);
    expect(set.notifications.concurrency).toBe(2);
    expect(() => loadConfig({ WEBHOOK_ALLOW_PRIVATE: 'intranet' })).toThrow(ConfigError);
    expect(() => loadConfig({ NOTIFY_CONCURRENCY: '0' })).toThrow(ConfigError);
  });
});
