/**
 * The one way the gateway makes an outbound HTTP request (subscriber webhooks, contact methods,
 * anything later). A URL given by a user must never make the gateway reach its own network.
 *
 *   const http = createGuardedHttp({ allowPrivate: config.outbound.allowPrivate });
 *   const problem = await http.checkUrl(input.url);        // at creation: null, or a message for a userError
 *   const response = await http.request(url, {             // at every use
 *     method: 'POST', headers, body, timeoutMs: 10_000, maxResponseBytes: 64 * 1024,
 *   });                                                    // -> { status, headers, body }, or throws OutboundError
 *
 * Rules, for both calls:
 * - The URL is parsed with WHATWG URL (which turns every numeric IPv4 spelling such as
 *   2130706433, 0x7f000001, 017700000001 or 127.1 into dotted form); http and https only; user
 *   info (`user:pw@`) is refused.
 * - The host is resolved (every address) and each address must be public: loopback, private,
 *   link-local (cloud metadata), unique-local, CGNAT, multicast, unspecified, broadcast and
 *   reserved ranges are refused, as are IPv4-mapped and IPv4-compatible IPv6 forms of them
 *   (ipaddr.js decides the ranges). `allowPrivate` (WEBHOOK_ALLOW_PRIVATE) is the only exception.
 * - `request` connects to the very addresses it checked (a pinned lookup), so a DNS answer that
 *   changes in between (rebinding) cannot redirect it; it never follows redirects (a 3xx is
 *   returned like any status: callers treat everything outside 2xx as a failure); the whole
 *   exchange, DNS included, is bounded by `timeoutMs`, and the response body by `maxResponseBytes`.
 * - OutboundError messages never hold the URL or an address, so they can be stored and shown;
 *   log a URL only through `redactUrl`.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/** A CIDR range as ipaddr.js parses it. */
export type AddressRange = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Resolves every address of a host name (dns.lookup with `all: true`); replaceable in tests. */
export type ResolveHost = (hostname: string) => Promise<LookupAddress[]>;

export interface GuardedHttpOptions {
  /** Ranges reachable although not public (WEBHOOK_ALLOW_PRIVATE); default none. */
  allowPrivate?: readonly AddressRange[];
  resolveHost?: ResolveHost;
}

export interface GuardedRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** For the whole exchange: DNS, connect, request and response body. */
  timeoutMs: number;
  /** A longer response body fails the request (RESPONSE_TOO_LARGE); default 64 KiB. */
  maxResponseBytes?: number;
}

export interface GuardedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export type OutboundErrorCode = 'INVALID_URL' | 'FORBIDDEN_ADDRESS' | 'DNS_FAILED' | 'CONNECT_FAILED' | 'TIMEOUT' | 'RESPONSE_TOO_LARGE';

/** Why an outbound request failed; the message is safe to store and show (no URL, no address). */
export class OutboundError extends Error {
  constructor(
    readonly code: OutboundErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'OutboundError';
  }

  /** Trying again cannot help: the URL itself is refused. */
  get permanent(): boolean {
    return this.code === 'INVALID_URL' || this.code === 'FORBIDDEN_ADDRESS';
  }
}

export interface GuardedHttp {
  /** Null when `url` may be used, else why not (for a userError). A host that does not resolve now is accepted: `request` checks again. */
  checkUrl(url: string): Promise<string | null>;
  request(url: string, init: GuardedRequestInit): Promise<GuardedResponse>;
}

const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
/** How long `checkUrl` waits for DNS before accepting the URL (it is checked again on use). */
const CHECK_RESOLVE_MS = 3_000;
/** ::a.b.c.d, the deprecated IPv4-compatible form. */
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');

/** Parses WEBHOOK_ALLOW_PRIVATE: comma-separated CIDRs (a bare address is that one host). Throws on anything else. */
export function parseAddressRanges(list: string): AddressRange[] {
  return list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry): AddressRange => {
      if (entry.includes('/')) return ipaddr.parseCIDR(entry);
      const address = ipaddr.parse(entry);
      return [address, address.kind() === 'ipv4' ? 32 : 128];
    });
}

/** The IPv4 address an IPv4-mapped (::ffff:a.b.c.d) or IPv4-compatible (::a.b.c.d) IPv6 address reaches; else the address itself. */
function embeddedIPv4(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  if (address instanceof ipaddr.IPv6 && (address.isIPv4MappedAddress() || address.match(IPV4_COMPATIBLE))) {
    return ipaddr.fromByteArray(address.toByteArray().slice(12));
  }
  return address;
}

function inRanges(address: ipaddr.IPv4 | ipaddr.IPv6, ranges: readonly AddressRange[]): boolean {
  return ranges.some(([network, bits]) => address.kind() === network.kind() && address.match(network, bits));
}

/** Whether an address (as text, from DNS or a URL) may be reached: public unicast, or inside an allowed range. */
export function isAllowedAddress(text: string, allowPrivate: readonly AddressRange[] = []): boolean {
  if (!ipaddr.isValid(text)) return false;
  const address = ipaddr.parse(text);
  const reached = embeddedIPv4(address);
  if (inRanges(address, allowPrivate) || inRanges(reached, allowPrivate)) return true;
  return reached.range() === 'unicast';
}

/** scheme://host:port/path of a URL, for logs and stored errors: never user info, query or fragment. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(not a URL)';
  }
}

/** The URL, when its form is acceptable; else an OutboundError('INVALID_URL'). */
function parseTarget(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new OutboundError('INVALID_URL', 'not a valid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new OutboundError('INVALID_URL', 'only http and https URLs are allowed');
  if (parsed.username !== '' || parsed.password !== '') throw new OutboundError('INVALID_URL', 'URLs with user info (user:password@) are not allowed');
  return parsed;
}

/** The URL's host without the brackets of an IPv6 literal. */
function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

const defaultResolveHost: ResolveHost = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** Hands the connection the addresses that were checked, whatever DNS says by then. */
function pinnedLookup(addresses: LookupAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, addresses);
    else callback(null, addresses[0].address, addresses[0].family);
  };
}

/** Rejects when `signal` aborts, so that a lookup that cannot be cancelled still cannot outlast it. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException | null)?.code ?? 'unknown error';
}

export function createGuardedHttp(options: GuardedHttpOptions = {}): GuardedHttp {
  const allowPrivate = options.allowPrivate ?? [];
  const resolveHost = options.resolveHost ?? defaultResolveHost;

  async function addressesOf(url: URL, signal: AbortSignal): Promise<LookupAddress[]> {
    const host = hostOf(url);
    const family = isIP(host);
    if (family !== 0) return [{ address: host, family }];
    try {
      const addresses = await untilAborted(resolveHost(host), signal);
      if (addresses.length === 0) throw new OutboundError('DNS_FAILED', 'the host name has no address');
      return addresses;
    } catch (error) {
      if (error instanceof OutboundError || signal.aborted) throw error;
      throw new OutboundError('DNS_FAILED', `the host name could not be resolved (${errorCode(error)})`);
    }
  }

  function checkAddresses(addresses: LookupAddress[]): void {
    // One forbidden address is enough: the connection could pick any of them.
    if (addresses.some((entry) => !isAllowedAddress(entry.address, allowPrivate))) {
      throw new OutboundError('FORBIDDEN_ADDRESS', 'the host is not a public address');
    }
  }

  function send(url: URL, addresses: LookupAddress[], init: GuardedRequestInit, signal: AbortSignal): Promise<GuardedResponse> {
    const maxBytes = init.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    return new Promise<GuardedResponse>((resolve, reject) => {
      const request = (url.protocol === 'https:' ? https : http).request(
        url,
        // A connection of its own (no pooled socket from an earlier lookup), to the checked addresses only.
        { method: init.method ?? 'GET', headers: init.headers, signal, agent: false, lookup: pinnedLookup(addresses) },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) {
              reject(new OutboundError('RESPONSE_TOO_LARGE', `the response was larger than ${maxBytes} bytes`));
              request.destroy();
            } else {
              chunks.push(chunk);
            }
          });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
          response.on('close', () => {
            if (!response.complete) reject(new OutboundError('CONNECT_FAILED', 'the connection closed before the response ended'));
          });
        },
      );
      request.on('error', (error) => reject(new OutboundError('CONNECT_FAILED', `the connection failed (${errorCode(error)})`)));
      request.end(init.body);
    });
  }

  return {
    async checkUrl(url) {
      const signal = AbortSignal.timeout(CHECK_RESOLVE_MS);
      try {
        checkAddresses(await addressesOf(parseTarget(url), signal));
        return null;
      } catch (error) {
        if (error instanceof OutboundError && error.permanent) return error.message;
        // Not resolvable now: accepted, and checked again on every request.
        return null;
      }
    },

    async request(url, init) {
      const target = parseTarget(url);
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), init.timeoutMs);
      try {
        const addresses = await addressesOf(target, controller.signal);
        checkAddresses(addresses);
        return await send(target, addresses, init, controller.signal);
      } catch (error) {
        if (controller.signal.aborted) throw new OutboundError('TIMEOUT', `timed out after ${init.timeoutMs} ms`);
        throw error;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
