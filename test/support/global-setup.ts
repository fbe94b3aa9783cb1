import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../src/config.js';
import { migrationsDirectory } from '../../src/db/migrate.js';
import { openMigratedDatabase } from '../../src/db/open-migrated.js';
import { createLogger } from '../../src/logger.js';
import { copyDirectory } from './copy-directory.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Closed PGlite data directories that tests copy instead of running initdb (test/support/data-dir.ts). */
    pgliteTemplates: { blank: string; migrated: string };
    /** Where tests make their directories (test/support/data-dir.ts), removed when the run ends. */
    scratchDir: string;
  }
}

const CACHE = path.resolve(import.meta.dirname, '../../node_modules/.cache/incident-gateway-tests');

/** What the templates depend on: PGlite's version and every migration's SQL. */
async function templateVersion(): Promise<string> {
  const hash = createHash('sha256');
  const pglitePackage = path.resolve(import.meta.dirname, '../../node_modules/@electric-sql/pglite/package.json');
  hash.update(JSON.parse(await readFile(pglitePackage, 'utf8')).version);
  for (const name of (await readdir(migrationsDirectory)).sort()) {
    const file = path.join(migrationsDirectory, name, 'migration.sql');
    if (existsSync(file)) hash.update(name).update(await readFile(file));
  }
  return hash.digest('hex').slice(0, 16);
}

async function buildTemplates(target: string): Promise<void> {
  await mkdir(CACHE, { recursive: true });
  const building = await mkdtemp(path.join(CACHE, 'building-'));
  try {
    const blank = path.join(building, 'blank');
    const { PGlite } = await import('@electric-sql/pglite');
    await (await PGlite.create({ dataDir: blank })).close();
    const migrated = path.join(building, 'migrated');
    await copyDirectory(blank, migrated);
    await (await openMigratedDatabase(loadConfig({ DATA_DIR: migrated }), createLogger('silent'))).close();
    await rename(building, target);
  } catch (error) {
    await rm(building, { recursive: true, force: true });
    // Another run built the same version meanwhile: use it.
    if (!existsSync(target)) throw error;
  }
}

/**
 * Where a run keeps its data directories: TEST_SCRATCH_DIR, else /dev/shm where it is writable
 * (each test copies a 40 MB template and PGlite writes its WAL there: about 0.8 s a copy on this
 * machine's disk, 0.05 s in memory), else the system's temporary directory.
 */
function scratchRoot(): string {
  if (process.env.TEST_SCRATCH_DIR) return process.env.TEST_SCRATCH_DIR;
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}

/**
 * PGlite's initdb costs 7 to 10 s and the migrations 1 to 2 s on a 2-core machine. They run once
 * per migration set (kept under node_modules/.cache) and each test copies the result in well under
 * a second.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const version = await templateVersion();
  const target = path.join(CACHE, version);
  if (!existsSync(target)) await buildTemplates(target);
  // Templates of former migration sets are of no further use.
  for (const entry of await readdir(CACHE)) {
    if (entry !== version && !entry.startsWith('building-')) await rm(path.join(CACHE, entry), { recursive: true, force: true });
  }
  const scratchDir = await mkdtemp(path.join(scratchRoot(), 'incident-gateway-tests-'));
  const templates = { blank: path.join(scratchDir, 'template-blank'), migrated: path.join(scratchDir, 'template-migrated') };
  await copyDirectory(path.join(target, 'blank'), templates.blank);
  await copyDirectory(path.join(target, 'migrated'), templates.migrated);
  project.provide('pgliteTemplates', templates);
  project.provide('scratchDir', scratchDir);
  return () => rm(scratchDir, { recursive: true, force: true });
}
