import { execFile } from 'node:child_process';
import { cp, mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Copies the directory tree `from` into `to` (made when missing): by the system's cp where there
 * is one, as Node's fs.cp walks a PGlite data directory's 1,155 files in JavaScript (about 0.4 s
 * of CPU a copy against 0.05 s, a whole core's worth over a test run).
 */
export async function copyDirectory(from: string, to: string): Promise<void> {
  if (process.platform === 'win32') return cp(from, to, { recursive: true });
  await mkdir(to, { recursive: true });
  await run('cp', ['-R', `${from}/.`, to]);
}
