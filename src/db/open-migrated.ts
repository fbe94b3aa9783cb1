import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { openDatabase, type Database } from './client.js';
import { applyMigrations } from './migrate.js';

/** Opens the database and applies pending migrations: what the server and the CLI both start with. */
export async function openMigratedDatabase(config: Config, logger: Logger): Promise<Database> {
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const { applied } = await applyMigrations(db);
    if (applied.length > 0) logger.info({ applied }, 'applied migrations');
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}
