import type { Config } from './config.js';
import type { Database } from './db/client.js';
import type { Logger } from './logger.js';
import { seedDemoData } from '../prisma/seed.js';

/** The commands that create an organization and its first key (the key is printed once, by the CLI). */
export const FIRST_KEY_COMMANDS = [
  'npm run cli -- org create --slug my-org --name "My Org"',
  'npm run cli -- key create --org my-org --scopes admin',
];

/**
 * A start on a database without any organization. On the embedded database outside production the
 * demo organization is created and its admin key printed once, so the first query needs nothing
 * else; anywhere else (a shared PostgreSQL, production) nothing is created and the commands that
 * create a key are printed instead. The key goes to `write` only, never to the logger.
 */
export async function welcomeFirstRun(
  db: Database,
  config: Pick<Config, 'databaseUrl' | 'production' | 'host'>,
  port: number,
  logger: Logger,
  write: (text: string) => void = (text) => process.stdout.write(text),
): Promise<void> {
  if ((await db.prisma.organization.count()) > 0) return;
  const graphiql = `http://${config.host}:${port}/graphql`;
  if (config.databaseUrl || config.production) {
    const where = config.databaseUrl
      ? 'with the same DATABASE_URL'
      : 'while the gateway is stopped (the embedded database is opened by one process at a time)';
    write(banner(['No organization yet. Create one and its first admin key ' + where + ':', '', ...FIRST_KEY_COMMANDS.map((command) => `  ${command}`)]));
    return;
  }
  let seeded: { key: string; orgSlug: string };
  try {
    seeded = await seedDemoData(db);
  } catch (error) {
    logger.error({ err: error }, 'first run: creating the demo organization failed');
    write(banner(['Creating the demo organization failed (see the log). Stop the gateway and run:', '', '  npm run cli -- seed']));
    return;
  }
  write(
    banner([
      `First run: created the demo organization "${seeded.orgSlug}" with sample incidents.`,
      'Its admin API key, shown this once (only a hash is stored):',
      '',
      `  ${seeded.key}`,
      '',
      `Open ${graphiql}, put {"Authorization": "Bearer <the key>"}`,
      'in the Headers tab and press Run.',
    ]),
  );
}

function banner(lines: string[]): string {
  const rule = '='.repeat(72);
  return `\n${rule}\n${lines.join('\n')}\n${rule}\n\n`;
}
