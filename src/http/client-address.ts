import type { IncomingMessage } from 'node:http';
import ipaddr from 'ipaddr.js';
import proxyAddr from 'proxy-addr';
import type { Config } from '../config.js';

/**
 * "The client address of this request", as limits per client see it: the TCP peer, or, when that
 * peer is a trusted proxy (TRUST_PROXY), the address that proxy put in X-Forwarded-For, walking
 * back through trusted proxies only. A spoofed X-Forwarded-For from an untrusted peer changes nothing.
 */
export type ClientAddressOf = (req: IncomingMessage) => string;

export function clientAddressResolver(trustProxy: Config['trustProxy']): ClientAddressOf {
  const hops = trustProxy;
  const trust = typeof hops === 'number' ? (_address: string, hop: number) => hop < hops : proxyAddr.compile(hops);
  return (req) => limitKeyOf(proxyAddr(req, trust));
}

/**
 * What one client is, for a limit: an IPv4 address (IPv4-mapped IPv6 included) as itself, an IPv6
 * address by its /64, the block a single host or subscriber is usually given.
 */
export function limitKeyOf(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16));
  return `${parts.join(':')}::/64`;
}
