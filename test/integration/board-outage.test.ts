import { mkdir } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { backends, startTestGateway, type TestGateway } from '../support/gateway.js';
import { openOutage } from '../support/outage.js';

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);
const SIZES = [
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
];

interface Readability {
  shown: number;
  /** Everything that is cut, too small or off screen, described; empty when all is readable. */
  problems: string[];
  /** The on-screen count of incidents not shown (0 when none is shown). */
  counted: number;
  countText: string;
  firstIsCard: boolean;
}

/**
 * What a person in front of the wall screen can read: each shown incident's title (and its
 * severity, status, age and owner) whole, at 16 px or more, inside the viewport and not clipped
 * by any box; the page itself fits the viewport; the line counting the rest is on screen.
 */
function readability(page: Page): Promise<Readability> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const inside = (rect: DOMRect, box: { left: number; top: number; right: number; bottom: number }) =>
      rect.left >= box.left - 0.5 && rect.top >= box.top - 0.5 && rect.right <= box.right + 0.5 && rect.bottom <= box.bottom + 0.5;
    const viewport = { left: 0, top: 0, right: innerWidth, bottom: innerHeight };
    const check = (element: HTMLElement, what: string, minFont: number) => {
      const rect = element.getBoundingClientRect();
      const size = parseFloat(getComputedStyle(element).fontSize);
      if (size < minFont) problems.push(`${what}: font ${size}px`);
      if (element.scrollWidth > element.clientWidth || element.scrollHeight > element.clientHeight) problems.push(`${what}: text overflows its box`);
      if (!inside(rect, viewport)) problems.push(`${what}: outside the viewport`);
      for (let box = element.parentElement; box; box = box.parentElement) {
        const style = getComputedStyle(box);
        if ((style.overflowX !== 'visible' || style.overflowY !== 'visible') && !inside(rect, box.getBoundingClientRect())) {
          problems.push(`${what}: clipped by ${box.tagName.toLowerCase()}#${box.id}.${box.className}`);
        }
      }
    };
    const shown = [...document.querySelectorAll<HTMLElement>('#incidents > li')].filter((item) => !item.hidden && item.getClientRects().length > 0);
    for (const item of shown) {
      const label = `#${item.dataset.number}`;
      check(item.querySelector('h3')!, `${label} title`, 16);
      for (const fact of item.querySelectorAll<HTMLElement>('.severity, dd')) check(fact, `${label} ${fact.className}`, 12);
    }
    if (document.documentElement.scrollHeight > innerHeight || document.documentElement.scrollWidth > innerWidth) {
      problems.push('the page is larger than the viewport');
    }
    const more = document.getElementById('incidents-more')!;
    const countText = more.hidden ? '' : more.textContent!;
    if (countText) check(more, 'count of incidents not shown', 16);
    return {
      shown: shown.length,
      problems,
      counted: Number(/^\+(\d+) more open incidents? not shown/.exec(countText)?.[1] ?? 0),
      countText,
      firstIsCard: shown[0]?.classList.contains('card') ?? false,
    };
  });
}

describe.each(backends)('board in a big outage on %s', (backend) => {
  let gateway: TestGateway;
  let browser: Browser;
  beforeAll(async () => {
    gateway = await startTestGateway(backend);
    browser = await launchChromium();
    await mkdir(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
  });

  it.each([5, 50])('with %i open incidents, at 1280x720 and 1920x1080 every visible title is fully readable and incidents not shown are counted on screen', async (count) => {
    const { key } = await gateway.createOrg(['read', 'write']);
    await openOutage(gateway, key, count);
    const page = await browser.newPage({ viewport: SIZES[0] });
    await page.goto(`${gateway.url}/board#key=${encodeURIComponent(key)}`);
    await page.locator('#connection[data-state="live"]').waitFor();
    await expect.poll(() => page.locator('#incident-count').textContent()).toBe(`(${count})`);

    for (const size of SIZES) {
      await page.setViewportSize(size);
      // The board refits on resize: wait until what is shown and what is counted add up again.
      await expect.poll(async () => {
        const seen = await readability(page);
        return seen.shown + seen.counted;
      }).toBe(count);
      const seen = await readability(page);
      await page.screenshot({ path: new URL(`board-outage-${backend}-${count}-${size.width}x${size.height}.png`, ARTIFACTS).pathname });
      expect(seen.problems, `${size.width}x${size.height}`).toEqual([]);
      expect(seen.firstIsCard).toBe(true);
      if (count === 5) {
        expect(seen.shown).toBe(5);
        expect(seen.countText).toBe('');
      } else {
        // A wall screen shows a good part of a big outage, and says how much more there is.
        expect(seen.shown).toBeGreaterThanOrEqual(size.height === 720 ? 6 : 10);
        expect(seen.countText).toMatch(/^\+\d+ more open incidents not shown: \d+ (Critical|High|Medium|Low)/);
      }
    }
    await page.close();
  }, 180_000);
});
