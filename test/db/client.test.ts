import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client.js';
import { DATA_DIR_LOCK_FILE } from '../../src/db/data-dir-lock.js';
import { blankDataDir, freshDataDir } from '../support/data-dir.js';
import { targets, type FreshDatabase } from './targets.js';

const holdDatabaseScript = fileURLToPath(new URL('./fixtures/hold-database.ts', import.meta.url));

describe('embedded database (PGlite)', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await blankDataDir('ig-pglite-');
  });

  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps data written before close() when reopened', async () => {
    await rm(dataDir, { recursive: true });
    dataDir = await freshDataDir('ig-pglite-');
    const first = await openDatabase({ dataDir });
    await first.prisma.organization.create({ data: { slug: 'acme', name: 'Acme' } });
    await first.close();

    const second = await openDatabase({ dataDir });
    try {
      expect(await second.prisma.organization.findUnique({ where: { slug: 'acme' } })).toMatchObject({ name: 'Acme' });
    } finally {
      await second.close();
    }
  });

  it('refuses a second open of the same directory in one process, even a concurrent one', async () => {
    const attempts = await Promise.allSettled([openDatabase({ dataDir }), openDatabase({ dataDir })]);

    const opened = attempts.flatMap((attempt) => (attempt.status === 'fulfilled' ? [attempt.value] : []));
    const refused = attempts.flatMap((attempt) => (attempt.status === 'rejected' ? [attempt.reason] : []));
    await Promise.all(opened.map((db) => db.close()));
    expect(opened).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(String(refused[0])).toContain(`The embedded database in ${dataDir} is already open in this process`);
  });

  it('refuses a directory another live process holds, and opens it once that process stops', async () => {
    const holder = await startHolder(dataDir);
    try {
      await expect(openDatabase({ dataDir })).rejects.toThrow(
        `The embedded database in ${dataDir} is in use by another process (pid ${holder.pid}). ` +
          'Stop the server first, or set DATABASE_URL.',
      );
    } finally {
      holder.stdin!.end();
      await once(holder, 'exit');
    }

    const db = await openDatabase({ dataDir });
    await db.close();
  });

  it('takes over a lock left by a process that is gone, and releases it on close', async () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    await writeFile(path.join(dataDir, DATA_DIR_LOCK_FILE), `${gone}\n`);

    const db = await openDatabase({ dataDir });
    await db.ping();
    await db.close();
    await db.close();

    expect(existsSync(path.join(dataDir, DATA_DIR_LOCK_FILE))).toBe(false);
  });
});

describe.each(targets)('statement reporting on $name', (target) => {
  let fresh: FreshDatabase;
  let db: Database;
  const statements: string[] = [];

  beforeEach(async () => {
    fresh = await target.create({ migrated: true });
    db = await fresh.open({ onStatement: (sql) => statements.push(sql) });
    statements.length = 0;
  });

  afterEach(async () => {
    await fresh.dispose();
  });

  it('reports each statement once, transactions included', async () => {
    await db.prisma.organization.findMany();
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/^SELECT .*"Organization"/);

    statements.length = 0;
    await db.prisma.$transaction(async (tx) => {
      await tx.organization.create({ data: { slug: 'acme', name: 'Acme' } });
      await tx.organization.count();
    });
    expect(statements.map((sql) => sql.split(' ')[0])).toEqual(['BEGIN', 'INSERT', 'SELECT', 'COMMIT']);
  });
});

/** A child process that opens the embedded database in `dataDir` and holds it until its stdin ends. */
async function startHolder(dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', holdDatabaseScript, dataDir], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  for await (const chunk of child.stdout!) {
    output += String(chunk);
    if (output.includes('ready')) return child;
  }
  throw new Error(`The database holder exited before opening the database (exit code ${child.exitCode})`);
}
