import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../src/config.js';
import { openMigratedDatabase } from '../../src/db/open-migrated.js';
import { createLogger } from '../../src/logger.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated, closed PGlite data directory that test gateways copy instead of running initdb. */
    pgliteTemplateDir: string;
  }
}

/**
 * PGlite's initdb and the migrations cost about 11 s per fresh data directory on a 2-core
 * machine; one migrated directory per run, copied for each gateway, costs well under a second.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ig-template-'));
  const db = await openMigratedDatabase(loadConfig({ DATA_DIR: dir }), createLogger('silent'));
  await db.close();
  project.provide('pgliteTemplateDir', dir);
  return () => rm(dir, { recursive: true, force: true });
}
