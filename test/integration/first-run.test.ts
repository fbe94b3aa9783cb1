import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OpenIncidentsDocument } from '../../src/client/generated/graphql.js';
import { loadConfig } from '../../src/config.js';
import { openMigratedDatabase } from '../../src/db/open-migrated.js';
import { FIRST_KEY_COMMANDS } from '../../src/first-run.js';
import { createLogger } from '../../src/logger.js';
import { createChildDatabase, killChildGateways, startChildGateway, type ChildDatabase, type ChildGateway } from '../support/child-gateway.js';
import { freshDataDir, scratchDirectory } from '../support/data-dir.js';
import { sendOk } from '../support/typed.js';

const KEY_LINE = /^\s+(igw_[0-9a-f]{12}_[A-Za-z0-9_-]{43})$/;

/** Everything the process wrote, stdout and stderr, line by line. */
function output(child: ChildGateway): string[] {
  return [...child.logs, ...child.stderr().split('\n')];
}

async function stop(child: ChildGateway): Promise<void> {
  child.process.kill('SIGTERM');
  const code = await child.exited;
  expect(code, `${child.logs.join('\n')}\n${child.stderr()} signal=${child.process.signalCode}`).toBe(0);
}

async function organizationCount(env: Record<string, string>): Promise<number> {
  const db = await openMigratedDatabase(loadConfig(env), createLogger('silent'));
  try {
    return await db.prisma.organization.count();
  } finally {
    await db.close();
  }
}

/** `npm start` as the README tells a newcomer to run it: the real process, on a database with no organization. */
describe('first run', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    killChildGateways();
    for (const step of cleanup) await step();
  });

  it('on a fresh embedded database creates the demo organization, prints its admin key once, and that key runs the first query; a second start prints no key', async () => {
    const parent = await scratchDirectory('ig-first-run-');
    cleanup.push(() => rm(parent, { recursive: true, force: true }));
    // Not even the directory exists: initdb, migrations and the demo data all happen in this start.
    const env = { DATA_DIR: path.join(parent, 'data') };

    const first = await startChildGateway(env);
    const keys = first.logs.map((line) => KEY_LINE.exec(line)?.[1]).filter((key): key is string => Boolean(key));
    expect(keys).toHaveLength(1);
    const [key] = keys;
    expect(first.logs.join('\n')).toContain('First run: created the demo organization "demo"');
    // Printed once, plainly; no log record carries it.
    expect(output(first).filter((line) => line.includes(key))).toHaveLength(1);
    expect(first.logs.filter((line) => line.startsWith('{') && line.includes(key))).toEqual([]);

    const { incidents } = await sendOk(first, key, OpenIncidentsDocument);
    expect(incidents.totalCount).toBeGreaterThan(0);
    expect(incidents.nodes[0]).toMatchObject({ title: 'Payment API returning 5xx errors', severity: 'CRITICAL' });
    await stop(first);

    const second = await startChildGateway(env);
    expect(output(second).some((line) => KEY_LINE.test(line) || line.includes('First run'))).toBe(false);
    expect((await sendOk(second, key, OpenIncidentsDocument)).incidents.totalCount).toBe(incidents.totalCount);
    await stop(second);
  }, 240_000);

  it('with NODE_ENV=production creates nothing and prints the commands that create a key', async () => {
    const dataDir = await freshDataDir('ig-first-run-');
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const env = { DATA_DIR: dataDir, NODE_ENV: 'production' };
    const child = await startChildGateway(env);
    const printed = output(child).join('\n');
    expect(printed).toContain('No organization yet');
    for (const command of FIRST_KEY_COMMANDS) expect(printed).toContain(command);
    expect(printed).not.toMatch(/igw_/);
    await stop(child);
    expect(await organizationCount(env)).toBe(0);
  }, 120_000);

  if (process.env.TEST_DATABASE_URL) {
    it('on PostgreSQL (DATABASE_URL) creates nothing and prints the commands that create a key', async () => {
      const database: ChildDatabase = await createChildDatabase('postgres');
      cleanup.push(() => database.drop());
      const child = await startChildGateway(database.env);
      const printed = output(child).join('\n');
      expect(printed).toContain('No organization yet. Create one and its first admin key with the same DATABASE_URL');
      for (const command of FIRST_KEY_COMMANDS) expect(printed).toContain(command);
      expect(printed).not.toMatch(/igw_/);
      await stop(child);
      expect(await organizationCount(database.env)).toBe(0);
    }, 120_000);
  }
});
