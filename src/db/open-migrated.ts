import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { openDatabase, type Database, type OpenDatabaseOptions } from './client.js';
import { applyMigrations } from './migrate.js';

/** Opens the database and applies pending migrations: what the server and the CLI both start with. */
export async function openMigratedDatabase(
  config: Config,
  logger: Logger,
  options: Pick<OpenDatabaseOptions, 'onStatement'> = {},
): Promise<Database> {
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, ...options });
  try {
    const { applied } = await applyMigrations(db);
    if (applied.length > 0) logger.info({ applied }, 'applied migrations');
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}
