import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { seedDemoData } from '../prisma/seed.js';
import { launchChromium } from '../test/support/browser.js';

/** Writes docs/board.png: the board over the demo data (`npm run cli -- seed`), at 1920x1080, on a throwaway database. */
const target = fileURLToPath(new URL('../docs/board.png', import.meta.url));
const dataDir = await mkdtemp(path.join(tmpdir(), 'ig-board-shot-'));
const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
const running = await startGateway(config, createLogger(config.logLevel));
const browser = await launchChromium();
try {
  const { key } = await seedDemoData(running.db.prisma);
  const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  await page.goto(`http://127.0.0.1:${running.port}/board#key=${encodeURIComponent(key)}`);
  await page.locator('#connection[data-state="live"]').waitFor();
  await page.locator('#incidents .incident').first().waitFor();
  await page.locator('#oncall li').first().waitFor();
  await page.screenshot({ path: target });
  console.log(`wrote ${target}`);
} finally {
  await browser.close();
  await running.stop();
  await rm(dataDir, { recursive: true, force: true });
}
