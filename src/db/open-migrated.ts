import type { Logger } from 'pino';
import { openDatabase, type Database, type OpenDatabaseOptions } from './client.js';
import { applyMigrations } from './migrate.js';

/** Opens the database and applies pending migrations: what the server and the CLI both start with. */
export async function openMigratedDatabase(
  location: Pick<OpenDatabaseOptions, 'databaseUrl' | 'dataDir'>,
  logger: Logger,
  options: Pick<OpenDatabaseOptions, 'onStatement'> = {},
): Promise<Database> {
  const db = await openDatabase({ databaseUrl: location.databaseUrl, dataDir: location.dataDir, ...options });
  try {
    const { applied } = await applyMigrations(db);
    if (applied.length > 0) logger.info({ applied }, 'applied migrations');
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}
