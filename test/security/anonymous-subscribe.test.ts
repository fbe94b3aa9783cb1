import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../../src/services/api-keys.js';
import { backends, gql, useGateway } from '../support/gateway.js';
import { eventually, startSmtp } from '../support/receivers.js';

const SUBSCRIBE = 'mutation ($input: SubscribeInput!) { subscribe(input: $input) { subscriber { id } signingSecret userErrors { code field message } } }';
const CONFIRM = 'mutation ($token: String!) { confirmSubscription(input: { token: $token }) { confirmed userErrors { code field } } }';
/** What every accepted anonymous subscribe answers, whatever the address's state. */
const SAME_ANSWER = { status: 200, body: { data: { subscribe: { subscriber: null, signingSecret: null, userErrors: [] } } } };

/**
 * Issue 13, row 3 (and the email half of row 13): 50 anonymous subscribes sent 51 confirmation mails
 * to one address and left 66 rows; selecting `subscriber { id }` answered 401 after the write and
 * the mail; without SMTP_URL the answer was "Unexpected error." after writing.
 */
describe.each(backends)('anonymous email subscribe cannot flood an inbox on %s', (backend) => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let org: { orgId: string; key: string };
  let slug: string;
  let pageId: string;

  const anonymous = async (email: string) => {
    const response = await gql(gateway, null, SUBSCRIBE, { input: { statusPageSlug: slug, email } });
    return { status: response.status, body: { data: response.data, ...(response.errors ? { errors: response.errors } : {}) } };
  };
  const prisma = () => gateway.running.db.prisma;
  const mailsTo = (address: string) => smtp.messages.filter((message) => message.to.includes(address));
  const tokenIn = (raw: string) => /^([A-Za-z0-9_-]{32})$/m.exec(raw)![1];
  /** Waits until the outbox has nothing pending for the page, so that a mail not sent would have been by now. */
  const outboxSettled = () =>
    eventually(async () => (await prisma().notification.count({ where: { orgId: org.orgId, status: 'PENDING' } })) === 0, 'the outbox to settle');

  beforeAll(async () => {
    // The SMTP server refuses the first message: confirmations must be retried through the outbox.
    smtp = await startSmtp(1);
  });
  afterAll(async () => smtp?.close());
  const gateway = useGateway(backend, () => ({ SMTP_URL: smtp.url, NOTIFY_POLL_MS: '50', NOTIFY_BACKOFF_BASE_MS: '50', NOTIFY_BACKOFF_MAX_MS: '100' }));
  beforeAll(async () => {
    org = await gateway.createOrg(['admin']);
    slug = `flood-${org.orgId.slice(0, 8)}`;
    pageId = (await prisma().statusPage.create({ data: { orgId: org.orgId, slug, name: 'Flood status' } })).id;
  });

  it('answers fifty subscribes of one address alike, writes one row and sends one confirmation, retried through the outbox', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, () => anonymous('victim@example.com')));
    for (const answer of answers) expect(answer).toEqual(SAME_ANSWER);
    const [sent] = await eventually(async () => mailsTo('victim@example.com').length > 0 && mailsTo('victim@example.com'), 'the confirmation mail');
    expect(sent.raw).toContain('Subject: [Flood status] Confirm your subscription');
    // More repeats, in another case, change nothing either.
    for (const email of ['Victim@Example.com', 'victim@example.com']) expect(await anonymous(email)).toEqual(SAME_ANSWER);
    await outboxSettled();
    expect(mailsTo('victim@example.com')).toHaveLength(1);
    expect(smtp.refused()).toBe(1);
    expect(await prisma().subscriber.count({ where: { statusPageId: pageId } })).toBe(1);
    const [confirmation] = await prisma().notification.findMany({ where: { orgId: org.orgId, kind: 'CONFIRMATION' } });
    expect(confirmation).toMatchObject({ status: 'DELIVERED', attempts: 2, channel: 'EMAIL' });
    // The token was stored only until the mail was sent.
    expect(JSON.stringify(confirmation.payload)).not.toContain(tokenIn(sent.raw));
  });

  it('answers alike and sends nothing for an address that is already subscribed', async () => {
    expect(await anonymous('member@example.com')).toEqual(SAME_ANSWER);
    const mail = await eventually(async () => mailsTo('member@example.com')[0], 'the confirmation mail');
    expect((await gql<any>(gateway, null, CONFIRM, { token: tokenIn(mail.raw) })).data?.confirmSubscription).toEqual({ confirmed: true, userErrors: [] });
    expect(await anonymous('member@example.com')).toEqual(SAME_ANSWER);
    await outboxSettled();
    expect(mailsTo('member@example.com')).toHaveLength(1);
    expect(await prisma().notification.count({ where: { subscriber: { email: 'member@example.com' } } })).toBe(1);
  });

  it('mails a new token once the first has expired, and only the new one confirms', async () => {
    expect(await anonymous('late@example.com')).toEqual(SAME_ANSWER);
    const first = await eventually(async () => mailsTo('late@example.com')[0], 'the first confirmation mail');
    await prisma().subscriber.updateMany({ where: { email: 'late@example.com' }, data: { confirmSentAt: new Date(Date.now() - 25 * 60 * 60 * 1000) } });
    expect((await gql<any>(gateway, null, CONFIRM, { token: tokenIn(first.raw) })).data?.confirmSubscription.userErrors).toEqual([
      { code: 'NOT_FOUND', field: ['token'] },
    ]);
    expect(await anonymous('late@example.com')).toEqual(SAME_ANSWER);
    const second = await eventually(async () => mailsTo('late@example.com')[1], 'the second confirmation mail');
    expect(tokenIn(second.raw)).not.toBe(tokenIn(first.raw));
    expect((await gql<any>(gateway, null, CONFIRM, { token: tokenIn(first.raw) })).data?.confirmSubscription.confirmed).toBe(false);
    expect((await gql<any>(gateway, null, CONFIRM, { token: tokenIn(second.raw) })).data?.confirmSubscription.confirmed).toBe(true);
    expect(await prisma().subscriber.count({ where: { email: 'late@example.com' } })).toBe(1);
  });

  it('answers null for the subscriber to a key that may not read it, instead of an error after the write', async () => {
    const { key: writeKey } = await issueApiKey(prisma(), org.orgId, 'writer', ['write']);
    const input = { statusPageId: encodeGlobalID('StatusPage', pageId), email: 'writer@example.com' };
    const byWriter = await gql<any>(gateway, writeKey, SUBSCRIBE, { input });
    expect(byWriter.status).toBe(200);
    expect(byWriter.errors).toBeUndefined();
    expect(byWriter.data?.subscribe).toEqual({ subscriber: null, signingSecret: null, userErrors: [] });
    const byAdmin = await gql<any>(gateway, org.key, SUBSCRIBE, { input: { ...input, email: 'admin@example.com' } });
    expect(byAdmin.data?.subscribe.subscriber.id).toEqual(expect.any(String));
  });
});

describe.each(backends)('anonymous email subscribe without SMTP_URL on %s', (backend) => {
  const gateway = useGateway(backend);

  it('answers EMAIL_UNAVAILABLE and writes nothing', async () => {
    const org = await gateway.createOrg(['admin']);
    const slug = `nomail-${org.orgId.slice(0, 8)}`;
    await gateway.running.db.prisma.statusPage.create({ data: { orgId: org.orgId, slug, name: 'No mail' } });
    const response = await gql<any>(gateway, null, SUBSCRIBE, { input: { statusPageSlug: slug, email: 'someone@example.com' } });
    expect(response.status).toBe(200);
    expect(response.errors).toBeUndefined();
    expect(response.data?.subscribe).toEqual({
      subscriber: null,
      signingSecret: null,
      userErrors: [{ code: 'EMAIL_UNAVAILABLE', field: ['email'], message: expect.any(String) }],
    });
    expect(await gateway.running.db.prisma.subscriber.count({ where: { orgId: org.orgId } })).toBe(0);
    expect(await gateway.running.db.prisma.notification.count({ where: { orgId: org.orgId } })).toBe(0);
  });
});
