import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { openDatabase, type Database, type OpenDatabaseOptions } from '../../src/db/client.js';
import { applyMigrations } from '../../src/db/migrate.js';
import { blankDataDir, freshDataDir } from '../support/data-dir.js';
import { createTestDatabase } from '../support/postgres.js';

/** A fresh, empty database of one kind (no migration applied); `open` may be called again to reach the same one. */
export interface FreshDatabase {
  open(options?: Pick<OpenDatabaseOptions, 'onStatement'>): Promise<Database>;
  /** Closes what `open` returned and deletes the database. */
  dispose(): Promise<void>;
}

export interface Target {
  name: 'pglite' | 'postgres';
  /** A new database: empty, or (`migrated`) with every migration of the project applied. */
  create(options?: { migrated?: boolean }): Promise<FreshDatabase>;
}

const pglite: Target = {
  name: 'pglite',
  async create({ migrated = false } = {}) {
    const dataDir = migrated ? await freshDataDir('ig-db-') : await blankDataDir('ig-db-');
    return tracking((options) => openDatabase({ dataDir, ...options }), () => rm(dataDir, { recursive: true, force: true }));
  },
};

const postgres: Target = {
  name: 'postgres',
  async create({ migrated = false } = {}) {
    const database = await createTestDatabase();
    if (!database) throw new Error('TEST_DATABASE_URL is not set');
    if (migrated) {
      const db = await openDatabase({ databaseUrl: database.url, dataDir: tmpdir() });
      await applyMigrations(db).finally(() => db.close());
    }
    return tracking(
      (options) => openDatabase({ databaseUrl: database.url, dataDir: tmpdir(), ...options }),
      () => database.drop(),
    );
  },
};

/** PGlite always; PostgreSQL too when TEST_DATABASE_URL is set. */
export const targets: Target[] = process.env.TEST_DATABASE_URL ? [pglite, postgres] : [pglite];

function tracking(
  openOne: (options: Pick<OpenDatabaseOptions, 'onStatement'>) => Promise<Database>,
  remove: () => Promise<unknown>,
): FreshDatabase {
  const opened: Database[] = [];
  return {
    async open(options = {}) {
      const db = await openOne(options);
      opened.push(db);
      return db;
    },
    async dispose() {
      await Promise.all(opened.map((db) => db.close()));
      await remove();
    },
  };
}
