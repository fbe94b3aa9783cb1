import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, gql, useGateway } from '../support/gateway.js';
import { createChildDatabase, startChildGateway, type ChildDatabase, type ChildGateway } from '../support/child-gateway.js';
import { eventually, startHttpReceiver } from '../support/receivers.js';
import { FORBIDDEN_TARGETS, PUBLIC_URLS, USER_INFO_URL } from './forbidden-targets.js';

const SUBSCRIBE = 'mutation ($input: SubscribeInput!) { subscribe(input: $input) { subscriber { id } signingSecret userErrors { code field message } } }';
const REFUSED = 'webhook URL refused: the host is not a public address';

/**
 * Issue 13, rows 1 and 11: webhook subscribers reached loopback, private and metadata addresses in
 * every spelling (delivery status then works as a port scanner), and URLs with user info were
 * accepted, their credentials logged. The gateway here allows 127.0.0.2 only (WEBHOOK_ALLOW_PRIVATE):
 * the receiver listening there stands for a public one, the "internal" one on 127.0.0.1 must never
 * be reached.
 */
describe.each(backends)('webhook destinations are public addresses on %s', (backend) => {
  let org: { orgId: string; key: string };
  let internal: Awaited<ReturnType<typeof startHttpReceiver>>;
  let allowed: Awaited<ReturnType<typeof startHttpReceiver>>;

  let pages = 0;
  async function newPage(name: string) {
    pages += 1;
    const page = await gateway.running.db.prisma.statusPage.create({ data: { orgId: org.orgId, slug: `${name}-${pages}-${org.orgId.slice(0, 8)}`, name } });
    return { id: page.id, globalId: encodeGlobalID('StatusPage', page.id) };
  }

  async function createIncident(pageGlobalId: string, title: string) {
    const created = await gql<any>(gateway, org.key, 'mutation ($input: CreateIncidentInput!) { createIncident(input: $input) { userErrors { code } } }', {
      input: { title, statusPageIds: [pageGlobalId] },
    });
    expect(created.data?.createIncident.userErrors).toEqual([]);
  }

  beforeAll(async () => {
    internal = await startHttpReceiver();
    allowed = await startHttpReceiver((request, response) => {
      if (request.path.startsWith('/redirect')) response.writeHead(302, { location: `${internal.url}/internal` }).end();
      else response.end('ok');
    }, '127.0.0.2');
  });
  afterAll(async () => {
    await internal?.close();
    await allowed?.close();
  });
  const gateway = useGateway(backend, {
    WEBHOOK_ALLOW_PRIVATE: '127.0.0.2/32',
    NOTIFY_POLL_MS: '50',
    NOTIFY_BACKOFF_BASE_MS: '20',
    NOTIFY_BACKOFF_MAX_MS: '50',
    NOTIFY_MAX_ATTEMPTS: '3',
    NOTIFY_TIMEOUT_MS: '2000',
  });
  beforeAll(async () => {
    org = await gateway.createOrg(['admin']);
  });

  it.each(FORBIDDEN_TARGETS)('refuses %s when the subscriber is created, writing nothing', async (_name, url) => {
    const page = await newPage('refused');
    const response = await gql<any>(gateway, org.key, SUBSCRIBE, { input: { statusPageId: page.globalId, webhookUrl: url(internal.port) } });
    expect(response.errors).toBeUndefined();
    expect(response.data?.subscribe).toEqual({
      subscriber: null,
      signingSecret: null,
      userErrors: [{ code: 'INVALID_INPUT', field: ['webhookUrl'], message: 'webhookUrl is not allowed: the host is not a public address' }],
    });
    expect(await gateway.running.db.prisma.subscriber.count({ where: { statusPageId: page.id } })).toBe(0);
  });

  it('refuses a URL with user info when the subscriber is created, without echoing it', async () => {
    const page = await newPage('userinfo');
    const response = await gql<any>(gateway, org.key, SUBSCRIBE, { input: { statusPageId: page.globalId, webhookUrl: USER_INFO_URL } });
    expect(response.data?.subscribe.userErrors).toEqual([{ code: 'INVALID_INPUT', field: ['webhookUrl'], message: expect.stringContaining('user info') }]);
    expect(JSON.stringify(response)).not.toContain('pw');
    expect(await gateway.running.db.prisma.subscriber.count({ where: { statusPageId: page.id } })).toBe(0);
  });

  it('accepts public addresses and the ranges of WEBHOOK_ALLOW_PRIVATE', async () => {
    const page = await newPage('accepted');
    for (const webhookUrl of [...PUBLIC_URLS, `${allowed.url}/ok`]) {
      const response = await gql<any>(gateway, org.key, SUBSCRIBE, { input: { statusPageId: page.globalId, webhookUrl } });
      expect(response.data?.subscribe.userErrors, webhookUrl).toEqual([]);
    }
  });

  it('checks again at every delivery: stored forbidden targets end DEAD at once, all with the same reason, and nothing reaches them', async () => {
    const page = await newPage('stored');
    const prisma = gateway.running.db.prisma;
    // Rows as an older version (or a changed allow list) may have left them: written directly.
    const targets = [...FORBIDDEN_TARGETS.map(([name, url]) => [name, url(internal.port)] as const), ['user info', USER_INFO_URL] as const];
    const ids = new Map<string, string>();
    for (const [name, webhookUrl] of targets) {
      const subscriber = await prisma.subscriber.create({
        data: { orgId: org.orgId, statusPageId: page.id, channel: 'WEBHOOK', webhookUrl, signingSecret: 'whsec_test', confirmedAt: new Date() },
      });
      ids.set(subscriber.id, name);
    }
    await createIncident(page.globalId, 'Scan the internal network');
    const notifications = await eventually(async () => {
      const rows = await prisma.notification.findMany({ where: { subscriberId: { in: [...ids.keys()] } } });
      return rows.length === ids.size && rows.every((row) => row.status === 'DEAD') && rows;
    }, 'every stored forbidden target to end DEAD');
    for (const row of notifications) {
      const name = ids.get(row.subscriberId!)!;
      expect({ name, attempts: row.attempts, lastError: row.lastError }).toEqual({
        name,
        attempts: 1,
        lastError: name === 'user info' ? 'webhook URL refused: URLs with user info (user:password@) are not allowed' : REFUSED,
      });
    }
    expect(internal.received).toEqual([]);
  });

  it('does not follow redirects: a 302 is a failed attempt and its target is never asked', async () => {
    const page = await newPage('redirect');
    const response = await gql<any>(gateway, org.key, SUBSCRIBE, { input: { statusPageId: page.globalId, webhookUrl: `${allowed.url}/redirect` } });
    expect(response.data?.subscribe.userErrors).toEqual([]);
    await createIncident(page.globalId, 'Follow me');
    const dead = await eventually(
      () => gateway.running.db.prisma.notification.findFirst({ where: { subscriber: { statusPageId: page.id }, status: 'DEAD' } }),
      'the redirected notification to end DEAD',
    );
    expect(dead).toMatchObject({ attempts: 3, lastError: 'HTTP 302' });
    expect(allowed.received.filter((request) => request.path === '/redirect')).toHaveLength(3);
    expect(internal.received).toEqual([]);
  });
});

/** Row 11: URLs in logs. The gateway runs as its own process so that its JSON log lines can be read. */
describe.each(backends)('webhook URLs in logs and lastError on %s', (backend) => {
  let database: ChildDatabase | undefined;
  let child: ChildGateway | undefined;
  let receiver: Awaited<ReturnType<typeof startHttpReceiver>>;

  afterAll(async () => {
    if (child && child.process.exitCode === null) child.process.kill('SIGKILL');
    await child?.exited;
    await receiver?.close();
    await database?.drop();
  });

  it('shows scheme, host, port and path only: never the query', async () => {
    receiver = await startHttpReceiver((_request, response) => response.writeHead(500).end('nope'));
    database = await createChildDatabase(backend);
    const { key } = await database.createOrg(['admin']);
    child = await startChildGateway({
      ...database.env,
      RATE_LIMIT: 'off',
      WEBHOOK_ALLOW_PRIVATE: '127.0.0.0/8',
      NOTIFY_POLL_MS: '50',
      NOTIFY_BACKOFF_BASE_MS: '20',
      NOTIFY_BACKOFF_MAX_MS: '50',
      NOTIFY_MAX_ATTEMPTS: '2',
    });
    const ok = async (query: string, variables?: Record<string, unknown>) => {
      const response = await gql<any>(child!, key, query, variables);
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      return response.data;
    };
    const page = await ok('mutation { createStatusPage(input: { slug: "logs-status", name: "Logs" }) { statusPage { id } } }');
    const pageId = page.createStatusPage.statusPage.id;
    const subscribed = await ok(SUBSCRIBE, { input: { statusPageId: pageId, webhookUrl: `${receiver.url}/down/path?token=s3cr3t-query#frag` } });
    expect(subscribed.subscribe.userErrors).toEqual([]);
    await ok('mutation ($input: CreateIncidentInput!) { createIncident(input: $input) { incident { id } } }', { input: { title: 'Log me', statusPageIds: [pageId] } });
    const dead = await eventually(async () => {
      const data = await ok('{ notifications(first: 5) { nodes { status attempts lastError } } }');
      return data.notifications.nodes[0]?.status === 'DEAD' && data.notifications.nodes[0];
    }, 'the failing notification to end DEAD');
    expect(dead).toEqual({ status: 'DEAD', attempts: 2, lastError: 'HTTP 500' });
    const failures = await eventually(async () => {
      const lines = child!.logs.filter((line) => line.includes('notification delivery failed'));
      return lines.length === 2 && lines;
    }, 'two warn lines');
    for (const line of failures) expect(JSON.parse(line)).toMatchObject({ url: `${receiver.url}/down/path`, err: 'HTTP 500' });
    expect(child.logs.join('\n')).not.toContain('s3cr3t');
  });
});
