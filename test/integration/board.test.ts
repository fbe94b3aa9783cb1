import { mkdir } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddComponentDocument,
  AddScheduleDocument,
  AddUserDocument,
  ChangeStatusDocument,
  OpenIncidentDocument,
  PostUpdateDocument,
  RemoveIncidentDocument,
  type CreateIncidentInput,
} from '../../src/client/generated/graphql.js';
import { launchChromium } from '../support/browser.js';
import { backends, gql, startTestGateway, type TestGateway } from '../support/gateway.js';
import { sendOk } from '../support/typed.js';

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);

/**
 * Cuts the gateway's WebSocket connections from the server side, and refuses new ones until
 * restored: what a board sees when the network drops or the gateway restarts.
 */
function webSocketSwitch(gateway: TestGateway) {
  const open = new Set<Duplex>();
  let refusing = false;
  // Runs before graphql-ws's own upgrade handler, which leaves a destroyed socket alone.
  gateway.running.gateway.server.prependListener('upgrade', (_request, socket: Duplex) => {
    if (refusing) return socket.destroy();
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  return {
    cut() {
      refusing = true;
      for (const socket of open) socket.destroy();
    },
    restore() {
      refusing = false;
    },
  };
}

/** The board's incident cards, top to bottom, as "#number title". */
function cards(page: Page): Promise<string[]> {
  return page.locator('#incidents .incident h3').allTextContents();
}

function card(page: Page, title: string) {
  return page.locator('#incidents .incident', { hasText: title });
}

function updateBodies(page: Page): Promise<string[]> {
  return page.locator('#updates .entry-body').allTextContents();
}

describe.each(backends)('war-room board on %s', (backend) => {
  let gateway: TestGateway;
  let browser: Browser;
  let key: string;

  const open = async (input: CreateIncidentInput) => {
    const { createIncident } = await sendOk(gateway, key, OpenIncidentDocument, { input });
    expect(createIncident.userErrors).toEqual([]);
    return createIncident.incident!;
  };
  const post = (incidentId: string, body: string) => sendOk(gateway, key, PostUpdateDocument, { incidentId, body });
  const move = async (id: string, status: 'IDENTIFIED' | 'RESOLVED', message: string) => {
    const { transitionIncident } = await sendOk(gateway, key, ChangeStatusDocument, { id, status, message });
    expect(transitionIncident.userErrors).toEqual([]);
  };

  beforeAll(async () => {
    // One minute of an escalation policy's delays lasts a second here.
    gateway = await startTestGateway(backend, { ESCALATION_MINUTE_MS: '1000' });
    browser = await launchChromium();
    ({ key } = await gateway.createOrg(['write']));
    await mkdir(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
  });

  it('shows the open incidents, follows changes live, and catches up after the WebSocket drops', async () => {
    const { createComponent: payments } = await sendOk(gateway, key, AddComponentDocument, { input: { name: 'Payments', group: 'Billing' } });
    const { createUser: ada } = await sendOk(gateway, key, AddUserDocument, { input: { name: 'Ada Lovelace', email: 'ada@example.com' } });
    const { createUser: grace } = await sendOk(gateway, key, AddUserDocument, { input: { name: 'Grace Hopper', email: 'grace@example.com' } });
    const hour = 3600_000;
    const rotation = (start: number) => ({
      rotationStart: new Date(start).toISOString(),
      shiftLengthSeconds: 8 * 3600,
      participantIds: [ada.user!.id, grace.user!.id],
    });
    await sendOk(gateway, key, AddScheduleDocument, { input: { name: 'Primary', layers: [rotation(Date.now() - hour)] } });
    await sendOk(gateway, key, AddScheduleDocument, { input: { name: 'Secondary', layers: [rotation(Date.now() + 24 * hour)] } });

    const checkout = await open({
      title: 'Checkout returns 502',
      severity: 'HIGH',
      message: 'Checkout fails for some users.',
      ownerId: grace.user!.id,
      components: [{ componentId: payments.component!.id, status: 'PARTIAL_OUTAGE' }],
    });
    const search = await open({ title: 'Search is slow', severity: 'LOW' });
    const database = await open({ title: 'Primary database down', severity: 'CRITICAL', message: 'Writes fail everywhere.' });
    const old = await open({ title: 'Old resolved problem', severity: 'CRITICAL' });
    await move(old.id, 'RESOLVED', 'Fixed long ago.');
    const network = webSocketSwitch(gateway);
    // Its owner (who has no contact method: nothing is sent, nothing written to the timeline) is paged at once.
    const pagedOnce = async () =>
      (await gql(gateway, key, 'query ($id: ID!) { incident(id: $id) { escalation { pages(first: 1) { totalCount } } } }', { id: checkout.id })).data!.incident
        .escalation?.pages.totalCount;
    await expect.poll(pagedOnce).toBe(1);

    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const outside: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(gateway.url) && !request.url().startsWith('data:')) outside.push(request.url());
    });
    await page.goto(`${gateway.url}/board#key=${encodeURIComponent(key)}`);

    // Initial content: open incidents only, most severe first, the key gone from the address bar.
    await expect.poll(() => cards(page)).toEqual(['#3Primary database down', '#1Checkout returns 502', '#2Search is slow']);
    await expect.poll(() => page.locator('#connection').getAttribute('data-state')).toBe('live');
    expect(page.url()).toBe(`${gateway.url}/board`);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(1);
    await expect.poll(() => card(page, 'Checkout returns 502').locator('.severity').textContent()).toBe('HIGH');
    expect(await card(page, 'Checkout returns 502').locator('.status').textContent()).toBe('Investigating');
    expect(await card(page, 'Checkout returns 502').locator('.latest-body').textContent()).toBe('Checkout fails for some users.');
    expect(await card(page, 'Checkout returns 502').locator('.owner').textContent()).toBe('Grace Hopper');
    expect(await card(page, 'Checkout returns 502').locator('.paged').textContent()).toMatch(/^Grace Hopper \(level 0, \d\d:\d\d\)$/);
    expect(await card(page, 'Checkout returns 502').locator('.escalation').textContent()).toBe('Level 0, waiting for an acknowledgement');
    expect(await card(page, 'Search is slow').locator('.paged').count()).toBe(0);
    expect(await card(page, 'Checkout returns 502').locator('.impact').textContent()).toBe('Major');
    expect(await card(page, 'Checkout returns 502').locator('.component').allTextContents()).toEqual(['Payments: Partial outage']);
    expect(await page.locator('#oncall li').allInnerTexts()).toEqual([
      // The time the shift ends, with its date when that is not today.
      expect.stringMatching(/^Primary\s+Ada Lovelace until ([A-Z][a-z]{2} \d{1,2} )?\d\d:\d\d/),
      expect.stringMatching(/^Secondary\s+Nobody on call/),
    ]);
    await page.evaluate(() => Object.assign(window, { loadedOnce: true }));

    // An update and a transition through the API change the page without a reload.
    await post(checkout.id, 'Rolled back the 14:02 deploy.');
    await expect.poll(() => card(page, 'Checkout returns 502').locator('.latest-body').textContent()).toBe('Rolled back the 14:02 deploy.');
    await move(checkout.id, 'IDENTIFIED', 'Bad deploy of the cart service.');
    await expect.poll(() => card(page, 'Checkout returns 502').locator('.status').textContent()).toBe('Identified');
    await move(search.id, 'RESOLVED', 'Index rebuilt.');
    await expect.poll(() => cards(page)).toEqual(['#3Primary database down', '#1Checkout returns 502']);
    const login = await open({ title: 'Login emails delayed', severity: 'MEDIUM' });
    await expect.poll(() => cards(page)).toEqual(['#3Primary database down', '#1Checkout returns 502', '#5Login emails delayed']);
    expect(await page.evaluate(() => (window as { loadedOnce?: boolean }).loadedOnce)).toBe(true);

    // The connection drops: the board says so, and what happens meanwhile shows up once it is back.
    network.cut();
    await expect.poll(() => page.locator('#connection').getAttribute('data-state')).toBe('reconnecting');
    await expect.poll(() => page.locator('#connection').textContent()).toBe('Reconnecting…');
    await post(database.id, 'Failing over to the replica.');
    await post(database.id, 'Replica promoted; writes are back.');
    await move(login.id, 'RESOLVED', 'Queue drained.');
    await page.screenshot({ path: new URL(`board-${backend}-reconnecting.png`, ARTIFACTS).pathname });
    network.restore();

    await expect.poll(() => page.locator('#connection').getAttribute('data-state'), { timeout: 30_000 }).toBe('live');
    await expect.poll(() => cards(page)).toEqual(['#3Primary database down', '#1Checkout returns 502']);
    await expect.poll(() => card(page, 'Primary database down').locator('.latest-body').textContent()).toBe('Replica promoted; writes are back.');
    // Both entries written while disconnected, each once, newest first: nothing missed, nothing twice.
    await expect.poll(async () => (await updateBodies(page)).filter((body) => body.startsWith('Failing over') || body.startsWith('Replica promoted'))).toEqual([
      'Replica promoted; writes are back.',
      'Failing over to the replica.',
    ]);
    const entryIds = await page.locator('#updates li').evaluateAll((items) => items.map((item) => item.getAttribute('data-entry-id')));
    expect(new Set(entryIds).size).toBe(entryIds.length);
    expect(await page.evaluate(() => (window as { loadedOnce?: boolean }).loadedOnce)).toBe(true);

    // A deleted incident leaves the board too, and the board stays live.
    const { createIncident: typo } = await sendOk(gateway, key, OpenIncidentDocument, { input: { title: 'Opened by mistake', severity: 'LOW' } });
    await expect.poll(() => cards(page)).toContain('#6Opened by mistake');
    const { deleteIncident } = await sendOk(gateway, key, RemoveIncidentDocument, { id: typo.incident!.id });
    expect(deleteIncident.userErrors).toEqual([]);
    await expect.poll(() => cards(page)).toEqual(['#3Primary database down', '#1Checkout returns 502']);
    expect(await page.locator('#connection').getAttribute('data-state')).toBe('live');

    await page.screenshot({ path: new URL(`board-${backend}-1280x720.png`, ARTIFACTS).pathname });
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.screenshot({ path: new URL(`board-${backend}-1920x1080.png`, ARTIFACTS).pathname });
    expect(outside).toEqual([]);
    await page.close();
  });

  it('shows who was paged last, the escalation level and the time to the next escalation, live', async () => {
    const ok = async (query: string, variables: Record<string, unknown>) => {
      const response = await gql(gateway, key, query, variables);
      expect(response.errors).toBeUndefined();
      return response.data!;
    };
    const { createUser: hedy } = await sendOk(gateway, key, AddUserDocument, { input: { name: 'Hedy Lamarr', email: 'hedy@example.com' } });
    const { createUser: alan } = await sendOk(gateway, key, AddUserDocument, { input: { name: 'Alan Turing', email: 'alan@example.com' } });
    // Paged people have somewhere to be paged (a page to nobody's address writes no PAGED entry).
    for (const user of [hedy, alan]) {
      await ok('mutation ($input: AddContactMethodInput!) { addContactMethod(input: $input) { userErrors { message } } }', {
        input: { userId: user.user!.id, kind: 'EMAIL', address: user.user!.name.split(' ')[0].toLowerCase() + '@example.com' },
      });
    }
    const { createSchedule } = await sendOk(gateway, key, AddScheduleDocument, {
      input: { name: 'Paging', layers: [{ rotationStart: new Date(Date.now() - 3600_000).toISOString(), shiftLengthSeconds: 86_400, participantIds: [hedy.user!.id] }] },
    });
    const scheduleId = createSchedule.schedule!.id;
    await ok('mutation ($input: CreateEscalationPolicyInput!) { createEscalationPolicy(input: $input) { userErrors { message } } }', {
      input: { name: 'Paging board', rules: [{ delayMinutes: 6, targets: [{ scheduleId }] }, { delayMinutes: 30, targets: [{ userId: alan.user!.id }] }] },
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`${gateway.url}/board#key=${encodeURIComponent(key)}`);
    await expect.poll(() => page.locator('#connection').getAttribute('data-state')).toBe('live');

    const paged = await open({ title: 'Paging on the board', severity: 'CRITICAL', ownerScheduleId: scheduleId });
    const facts = card(page, 'Paging on the board');
    // Pages are written by the paging poller, a moment after the incident.
    await expect.poll(() => facts.locator('.paged').textContent(), { timeout: 10_000 }).toMatch(/^Hedy Lamarr \(level 0, /);
    // The countdown runs down by itself, without any event.
    await expect.poll(() => facts.locator('.escalation').textContent(), { timeout: 5_000 }).toMatch(/^Level 0, escalates in [1-6]s$/);
    const seconds = async () => Number(/in (\d)s/.exec((await facts.locator('.escalation').textContent()) ?? '')?.[1]);
    const before = await seconds();
    await expect.poll(seconds, { timeout: 5_000 }).toBeLessThan(before);

    await expect.poll(() => facts.locator('.paged').textContent(), { timeout: 15_000 }).toMatch(/^Alan Turing \(level 1, /);
    await expect.poll(() => facts.locator('.escalation').textContent(), { timeout: 5_000 }).toMatch(/^Level 1, escalates in \d\d?s$/);
    await ok('mutation ($id: ID!) { acknowledgeIncident(input: { id: $id }) { userErrors { message } } }', { id: paged.id });
    await expect.poll(() => facts.locator('.escalation').textContent(), { timeout: 5_000 }).toBe('Acknowledged at level 1');
    await page.screenshot({ path: new URL(`board-${backend}-paging.png`, ARTIFACTS).pathname });
    await page.close();
  });

  it('asks for a key in a keyboard-usable form, refuses a bad one, and keeps the key out of every URL', async () => {
    await open({ title: 'Status page slow', severity: 'LOW' });
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    const urls: string[] = [];
    page.on('request', (request) => urls.push(request.url()));
    await page.goto(`${gateway.url}/board`);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('key-input');

    await page.keyboard.type('igw_000000000000_not-a-real-key');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#connection').getAttribute('data-state')).toBe('refused');
    await expect.poll(() => page.locator('#key-error').textContent()).toBe('The gateway refused this key.');
    expect(await page.locator('#key-panel').isVisible()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    await page.keyboard.type(key);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#connection').getAttribute('data-state')).toBe('live');
    await expect.poll(() => page.locator('#incidents .incident').count()).toBeGreaterThan(0);
    // From the form, Tab moves on to the incident cards; Shift+Tab from there reaches "Change key".
    const focused = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.getAttribute('aria-labelledby'));
    await page.keyboard.press('Tab');
    expect(await focused()).toMatch(/^incident-\d+-title$/);
    await page.keyboard.press('Shift+Tab');
    expect(await focused()).toBe('forget');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#key-panel').isVisible()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(urls.filter((url) => url.includes(key))).toEqual([]);
    await page.close();
  });

  it('serves the page and its assets with a strict content security policy', async () => {
    const page = await fetch(`${gateway.url}/board`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(await page.text()).toContain('<script type="module" src="/board/board.js"></script>');
    const script = await fetch(`${gateway.url}/board/board.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toContain('graphql-transport-ws');
    expect((await fetch(`${gateway.url}/board/board.css`)).status).toBe(200);
    expect((await fetch(`${gateway.url}/board/missing.js`)).status).toBe(404);
    expect((await fetch(`${gateway.url}/board`, { method: 'POST' })).status).toBe(405);
  });
});
