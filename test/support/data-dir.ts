import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';

/** A new PGlite data directory, already migrated: a copy of the run's template (test/support/global-setup.ts). */
export async function freshDataDir(prefix = 'ig-test-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  await cp(inject('pgliteTemplateDir'), dir, { recursive: true });
  return dir;
}
