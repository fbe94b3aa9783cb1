/**
 * Webhook targets the gateway must never reach unless WEBHOOK_ALLOW_PRIVATE allows them: every
 * spelling of issue row 1 and their kin. `port` is a loopback receiver's, so that a request that
 * got through would be seen there.
 */
export const FORBIDDEN_TARGETS: [name: string, url: (port: number) => string][] = [
  ['loopback', (port) => `http://127.0.0.1:${port}/hook`],
  ['localhost (resolved)', (port) => `http://localhost:${port}/hook`],
  ['unspecified 0.0.0.0', (port) => `http://0.0.0.0:${port}/hook`],
  ['unspecified 0', (port) => `http://0:${port}/hook`],
  ['short 127.1', (port) => `http://127.1:${port}/hook`],
  ['decimal 2130706433', (port) => `http://2130706433:${port}/hook`],
  ['hex 0x7f000001', (port) => `http://0x7f000001:${port}/hook`],
  ['octal 017700000001', (port) => `http://017700000001:${port}/hook`],
  ['octal dotted 0177.0.0.1', (port) => `http://0177.0.0.1:${port}/hook`],
  ['IPv4-mapped [::ffff:127.0.0.1]', (port) => `http://[::ffff:127.0.0.1]:${port}/hook`],
  ['IPv4-compatible [::127.0.0.1]', (port) => `http://[::127.0.0.1]:${port}/hook`],
  ['IPv6 loopback [::1]', (port) => `http://[::1]:${port}/hook`],
  ['IPv6 unspecified [::]', (port) => `http://[::]:${port}/hook`],
  ['link-local metadata 169.254.169.254', () => 'http://169.254.169.254/latest/meta-data/'],
  ['decimal metadata 2852039166', () => 'http://2852039166/latest/meta-data/'],
  ['IPv4-mapped metadata [::ffff:169.254.169.254]', () => 'http://[::ffff:169.254.169.254]/'],
  ['RFC 1918 10.0.0.1', (port) => `http://10.0.0.1:${port}/hook`],
  ['RFC 1918 192.168.1.10', (port) => `http://192.168.1.10:${port}/hook`],
  ['RFC 1918 172.16.0.1', (port) => `https://172.16.0.1:${port}/hook`],
  ['unique-local [fd00::1]', (port) => `http://[fd00::1]:${port}/hook`],
  ['IPv6 link-local [fe80::1]', (port) => `http://[fe80::1]:${port}/hook`],
  ['CGNAT 100.64.0.1', (port) => `http://100.64.0.1:${port}/hook`],
  ['multicast 224.0.0.1', (port) => `http://224.0.0.1:${port}/hook`],
  ['broadcast 255.255.255.255', (port) => `http://255.255.255.255:${port}/hook`],
  ['reserved 240.0.0.1', (port) => `http://240.0.0.1:${port}/hook`],
  ['NAT64 of loopback [64:ff9b::7f00:1]', (port) => `http://[64:ff9b::7f00:1]:${port}/hook`],
];

/** Row 11: credentials in the URL (and a public host, so only the user info is wrong). */
export const USER_INFO_URL = 'http://user:pw@93.184.215.14/hook';

/** Public addresses (literals: the test machines have no DNS for the internet). */
export const PUBLIC_URLS = ['http://93.184.215.14/hook', 'https://[2606:2800:21f:cb07:6820:80da:af6b:8b2e]/hook', 'https://8.8.8.8:8443/a/b?c=d'];
