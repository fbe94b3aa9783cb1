import { createHash } from 'node:crypto';
import { appendFile, cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { applyMigrations, createMigration, migrationsDirectory, pendingMigrations } from '../../src/db/migrate.js';
import { scratchDirectory } from '../support/data-dir.js';
import { targets, type FreshDatabase } from './targets.js';

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
}

async function migrationNames(directory = migrationsDirectory): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
}

function migrationRows(db: Database): Promise<MigrationRow[]> {
  return db.prisma.$queryRaw<MigrationRow[]>`
    SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" ORDER BY migration_name`;
}

async function tableExists(db: Database, table: string): Promise<boolean> {
  const [row] = await db.prisma.$queryRaw<{ exists: boolean }[]>`
    SELECT to_regclass(${`"${table}"`}) IS NOT NULL AS "exists"`;
  return row.exists;
}

describe.each(targets)('migrations on $name', (target) => {
  let fresh: FreshDatabase | undefined;
  let scratch: string;

  beforeEach(async () => {
    scratch = await scratchDirectory('ig-migrations-');
  });

  afterEach(async () => {
    await fresh?.dispose();
    fresh = undefined;
    await rm(scratch, { recursive: true, force: true });
  });

  /** A new database, empty or with the project's migrations already applied (the common case, cheaper on PGlite). */
  async function openFresh(options: { migrated: boolean }): Promise<Database> {
    fresh = await target.create(options);
    return fresh.open();
  }

  /** A copy of the project's migrations that a test may change. */
  async function copyOfMigrations(): Promise<string> {
    const directory = path.join(scratch, 'migrations');
    await cp(migrationsDirectory, directory, { recursive: true });
    return directory;
  }

  async function addMigration(directory: string, name: string, sql: string): Promise<void> {
    await mkdir(path.join(directory, name));
    await writeFile(path.join(directory, name, 'migration.sql'), sql);
  }

  it('applies every migration to a fresh database once, recording Prisma checksums', async () => {
    const db = await openFresh({ migrated: false });
    const names = await migrationNames();
    expect(names.length).toBeGreaterThan(0);
    expect(await pendingMigrations(db)).toEqual(names);

    expect(await applyMigrations(db)).toEqual({ applied: names });

    for (const table of ['Organization', 'ApiKey', 'Incident', 'IncidentUpdate', 'Component', 'Schedule']) {
      expect(await tableExists(db, table), table).toBe(true);
    }
    const rows = await migrationRows(db);
    expect(rows.map((row) => row.migration_name)).toEqual(names);
    for (const row of rows) {
      const sql = await readFile(path.join(migrationsDirectory, row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
      expect(row.finished_at).toBeInstanceOf(Date);
    }

    expect(await applyMigrations(db)).toEqual({ applied: [] });
    expect(await pendingMigrations(db)).toEqual([]);
    expect(await migrationRows(db)).toHaveLength(names.length);
  });

  it('refuses to run when an applied migration was modified', async () => {
    const db = await openFresh({ migrated: true });
    const directory = await copyOfMigrations();
    await applyMigrations(db, { migrationsDirectory: directory });
    const [first] = await migrationNames(directory);
    await appendFile(path.join(directory, first, 'migration.sql'), '\n-- edited afterwards\n');

    await expect(applyMigrations(db, { migrationsDirectory: directory })).rejects.toThrow(
      `Migrations were modified after they were applied: ${first}.`,
    );
  });

  it('rolls a failing migration back whole, records it as failed and refuses to go on', async () => {
    const db = await openFresh({ migrated: true });
    const directory = await copyOfMigrations();
    await addMigration(directory, '29990101000000_broken', 'CREATE TABLE "Broken" (id integer);\nSELECT 1 / 0;\n');

    await expect(applyMigrations(db, { migrationsDirectory: directory })).rejects.toThrow(/division by zero/);
    expect(await tableExists(db, 'Broken')).toBe(false);
    const broken = (await migrationRows(db)).find((row) => row.migration_name === '29990101000000_broken');
    expect(broken?.finished_at).toBeNull();
    expect(await pendingMigrations(db, { migrationsDirectory: directory })).toEqual(['29990101000000_broken']);

    await expect(applyMigrations(db, { migrationsDirectory: directory })).rejects.toThrow(/failed/);
  });

  it('runs a migration script whole, semicolons inside $$ bodies included', async () => {
    const db = await openFresh({ migrated: true });
    const directory = await copyOfMigrations();
    await addMigration(
      directory,
      '29990101000000_function',
      'CREATE FUNCTION "answer"() RETURNS integer AS $$\nBEGIN\n  RETURN 42;\nEND;\n$$ LANGUAGE plpgsql;\n',
    );

    const { applied } = await applyMigrations(db, { migrationsDirectory: directory });

    expect(applied.at(-1)).toBe('29990101000000_function');
    const [row] = await db.prisma.$queryRaw<{ answer: number }[]>`SELECT "answer"() AS answer`;
    expect(row.answer).toBe(42);
  });

  if (target.name === 'postgres') {
    it('applies each migration once when two connections race (advisory lock)', async () => {
      const db = await openFresh({ migrated: false });
      const other = await fresh!.open();

      const results = await Promise.all([applyMigrations(db), applyMigrations(other)]);

      const names = await migrationNames();
      expect(results.flatMap((result) => result.applied).sort()).toEqual(names);
      expect(await migrationRows(db)).toHaveLength(names.length);
    });
  }
});

describe('createMigration', () => {
  let scratch: string;

  beforeEach(async () => {
    scratch = await scratchDirectory('ig-create-migration-');
  });

  afterEach(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('returns null when the migrations already match the schema', async () => {
    const directory = path.join(scratch, 'migrations');
    await cp(migrationsDirectory, directory, { recursive: true });

    expect(await createMigration('nothing', { migrationsDirectory: directory })).toBeNull();
    expect(await migrationNames(directory)).toEqual(await migrationNames());
  });

  it('writes the SQL of a schema change as a new timestamped migration', async () => {
    const directory = path.join(scratch, 'migrations');
    await cp(migrationsDirectory, directory, { recursive: true });
    const schemaPath = path.join(scratch, 'schema.prisma');
    const schema = await readFile(path.join(migrationsDirectory, '..', 'schema.prisma'), 'utf8');
    await writeFile(schemaPath, `${schema}\nmodel Widget {\n  id Int @id\n}\n`);

    const file = await createMigration('add widget', { migrationsDirectory: directory, schemaPath });

    expect(file).toMatch(/[/\\]\d{14}_add_widget[/\\]migration\.sql$/);
    const sql = await readFile(file!, 'utf8');
    expect(sql).toContain('CREATE TABLE "Widget"');
    expect(sql).not.toContain('"Organization"');
    expect(await readFile(path.join(directory, 'migration_lock.toml'), 'utf8')).toContain('provider = "postgresql"');
  });
});
