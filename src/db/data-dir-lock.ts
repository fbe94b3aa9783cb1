import { link, readFile, realpath, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface DataDirLock {
  release(): Promise<void>;
}

export const DATA_DIR_LOCK_FILE = 'incident-gateway.lock';

// Directories this process holds, so a second open in the same process is refused too, and
// so a lock file naming our own pid (left by an earlier process that had the same pid, as
// happens with pid 1 in containers) is recognised as stale.
const heldDirectories = new Set<string>();

/**
 * PGlite corrupts a data directory opened by two processes at once, so the directory is
 * locked by a file holding the owner's pid. A lock whose process is gone is taken over.
 */
export async function acquireDataDirLock(directory: string): Promise<DataDirLock> {
  const key = await realpath(directory);
  // Checked and reserved with no await in between, so concurrent opens in this process see it.
  if (heldDirectories.has(key)) {
    throw new Error(`The embedded database in ${directory} is already open in this process (pid ${process.pid}).`);
  }
  heldDirectories.add(key);
  try {
    const lockFile = path.join(directory, DATA_DIR_LOCK_FILE);
    await createOrTakeOver(directory, lockFile);
    return { release: () => releaseLock(key, lockFile) };
  } catch (error) {
    heldDirectories.delete(key);
    throw error;
  }
}

async function createOrTakeOver(directory: string, lockFile: string): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await createLockFile(lockFile)) return;
    const owner = await readOwner(lockFile);
    if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
      throw new Error(
        `The embedded database in ${directory} is in use by another process (pid ${owner}). ` +
          'Stop the server first, or set DATABASE_URL.',
      );
    }
    await unlink(lockFile).catch((error: unknown) => {
      if (!isErrorCode(error, 'ENOENT')) throw error;
    });
  }
  throw new Error(`Could not lock the embedded database in ${directory}: ${lockFile} keeps changing.`);
}

/** Links a complete file into place, so nobody ever reads a lock file without its pid. */
async function createLockFile(lockFile: string): Promise<boolean> {
  const draft = `${lockFile}.${process.pid}`;
  await writeFile(draft, `${process.pid}\n`);
  try {
    await link(draft, lockFile);
    return true;
  } catch (error) {
    if (isErrorCode(error, 'EEXIST')) return false;
    throw error;
  } finally {
    await unlink(draft);
  }
}

async function releaseLock(key: string, lockFile: string): Promise<void> {
  if (!heldDirectories.delete(key)) return;
  if ((await readOwner(lockFile)) === process.pid) await unlink(lockFile);
}

/** The pid in the lock file; undefined when the file is gone or holds no pid. */
async function readOwner(lockFile: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(lockFile, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch (error) {
    if (isErrorCode(error, 'ENOENT')) return undefined;
    throw error;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return isErrorCode(error, 'EPERM');
  }
}

function isErrorCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
