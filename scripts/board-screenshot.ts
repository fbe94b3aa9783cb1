import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { startGateway } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { OPEN_STATUSES } from '../src/http/board/page/state.js';
import { seedDemoData } from '../prisma/seed.js';
import { launchChromium } from '../test/support/browser.js';
import { gql } from '../test/support/gateway.js';
import { openOutage } from '../test/support/outage.js';

/**
 * Writes the board's screenshots in docs/, each on a throwaway database:
 * - board.png: the demo data (`npm run cli -- seed`) at 1920x1080;
 * - board-1280x720.png and board-1920x1080.png: a big outage, the demo data plus more open
 *   incidents up to 50 (test/support/outage.ts).
 */
const BIG_OUTAGE = 50;
const docs = (name: string) => fileURLToPath(new URL(`../docs/${name}`, import.meta.url));

async function shoot(page: Page, url: string, size: { width: number; height: number }, target: string, openCount?: number) {
  await page.setViewportSize(size);
  await page.goto(url);
  await page.locator('#connection[data-state="live"]').waitFor();
  await page.locator('#incidents .incident').first().waitFor();
  await page.locator('#oncall li').first().waitFor();
  if (openCount !== undefined) await page.locator('#incident-count', { hasText: `(${openCount})` }).waitFor();
  await page.screenshot({ path: target });
  console.log(`wrote ${target}`);
}

async function withDemoGateway(work: (url: string, key: string) => Promise<void>) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'ig-board-shot-'));
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', RATE_LIMIT: 'off' });
  const running = await startGateway(config, createLogger(config.logLevel));
  try {
    const { key } = await seedDemoData(running.db);
    await work(`http://127.0.0.1:${running.port}`, key);
  } finally {
    await running.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await withDemoGateway((url, key) => shoot(page, `${url}/board#key=${encodeURIComponent(key)}`, { width: 1920, height: 1080 }, docs('board.png')));
  await withDemoGateway(async (url, key) => {
    const gateway = { graphqlUrl: `${url}/graphql` };
    const open = await gql(gateway, key, 'query ($open: [IncidentStatus!]) { incidents(filter: { status: { in: $open } }) { totalCount } }', { open: OPEN_STATUSES });
    await openOutage(gateway, key, BIG_OUTAGE - open.data!.incidents.totalCount);
    for (const size of [
      { width: 1280, height: 720 },
      { width: 1920, height: 1080 },
    ]) {
      await shoot(page, `${url}/board#key=${encodeURIComponent(key)}`, size, docs(`board-${size.width}x${size.height}.png`), BIG_OUTAGE);
    }
  });
} finally {
  await browser.close();
}
