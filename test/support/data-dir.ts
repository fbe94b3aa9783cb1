import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { inject } from 'vitest';
import { copyDirectory } from './copy-directory.js';

/**
 * A new directory under the run's scratch directory (test/support/global-setup.ts): in memory
 * where the machine has /dev/shm, so that the data directories tests copy and write cost no disk I/O.
 */
export function scratchDirectory(prefix: string): Promise<string> {
  return mkdtemp(path.join(inject('scratchDir'), prefix));
}

async function copyOf(template: string, prefix: string): Promise<string> {
  const dir = await scratchDirectory(prefix);
  await copyDirectory(template, dir);
  return dir;
}

/** A new PGlite data directory, already migrated: a copy of the run's template. */
export function freshDataDir(prefix = 'ig-test-'): Promise<string> {
  return copyOf(inject('pgliteTemplates').migrated, prefix);
}

/**
 * A new PGlite data directory as `initdb` leaves it: no migration applied, no data. For tests of
 * what happens on a new database (migrations, the CLI's and the server's first start) without
 * paying PGlite's initdb each time.
 */
export function blankDataDir(prefix = 'ig-blank-'): Promise<string> {
  return copyOf(inject('pgliteTemplates').blank, prefix);
}
