import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { openMigratedDatabase } from './db/open-migrated.js';
import { openDatabase } from './db/client.js';
import { applyMigrations, createMigration } from './db/migrate.js';
import { isScope, type Scope } from './auth/keys.js';
import { issueApiKey } from './services/api-keys.js';

const USAGE = `usage: npm run cli -- <command>
  org create --slug S --name N                     create an organization
  key create --org S --scopes read,write [--name N] create an API key (printed alone on the last line)
  seed                                             load demo data and print a demo key
  import --org S --file F                          import incidents from JSON lines (one ImportIncidentInput per line; - reads stdin)
  migrate                                          apply pending migrations
  migration <name>                                 write a new migration from prisma/schema.prisma changes`;

class UsageError extends Error {}

function required(values: Record<string, string | boolean | undefined>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value.trim();
}

async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      slug: { type: 'string' },
      name: { type: 'string' },
      org: { type: 'string' },
      scopes: { type: 'string' },
      file: { type: 'string' },
    },
  });
  const command = positionals.join(' ');
  const config = loadConfig();
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');

  if (positionals[0] === 'migration') {
    const name = positionals[1];
    if (!name || !/^[a-z0-9_]+$/i.test(name)) throw new UsageError('migration needs a name of letters, digits and _');
    const written = await createMigration(name);
    console.log(written ? `wrote ${written}` : 'no schema changes: nothing to write');
    return;
  }
  if (command === 'migrate') {
    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      const { applied } = await applyMigrations(db);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
    } finally {
      await db.close();
    }
    return;
  }
  if (!['org create', 'key create', 'seed', 'import'].includes(command)) throw new UsageError(`unknown command "${command}"`);
  const importFile = command === 'import' ? required(values, 'file') : '';
  const lines = command === 'import' ? readFileSync(importFile === '-' ? 0 : importFile, 'utf8') : '';

  const db = await openMigratedDatabase(config, logger);
  try {
    if (command === 'org create') {
      const slug = required(values, 'slug');
      if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(slug)) throw new UsageError('--slug must be lowercase letters, digits and dashes');
      const org = await db.prisma.organization.create({ data: { slug, name: required(values, 'name') } });
      console.log(`created organization ${org.slug} (${org.name})`);
    } else if (command === 'key create') {
      const slug = required(values, 'org');
      const scopes = required(values, 'scopes').split(',').map((scope) => scope.trim());
      const unknown = scopes.filter((scope) => !isScope(scope));
      if (unknown.length > 0) throw new UsageError(`unknown scopes: ${unknown.join(', ')} (use read, write, admin)`);
      const org = await db.prisma.organization.findUnique({ where: { slug } });
      if (!org) throw new UsageError(`no organization with slug "${slug}"`);
      const name = typeof values.name === 'string' && values.name.trim() ? values.name.trim() : `cli key (${scopes.join(',')})`;
      const { key } = await issueApiKey(db.prisma, org.id, name, scopes as Scope[]);
      console.log(`created key "${name}" for ${org.slug} with scopes ${scopes.join(',')}; it is shown once:`);
      console.log(key);
    } else if (command === 'import') {
      const slug = required(values, 'org');
      const org = await db.prisma.organization.findUnique({ where: { slug } });
      if (!org) throw new UsageError(`no organization with slug "${slug}"`);
      // Loaded here only: it builds the GraphQL schema, which the other commands do not need.
      const { ImportLinesError, importJsonLines } = await import('./graphql/import-lines.js');
      const { created, existing } = await importJsonLines(db.prisma, org.id, lines).catch((error: unknown) => {
        throw error instanceof ImportLinesError ? new Error(`nothing of the failing lines was imported:\n${error.message}`) : error;
      });
      console.log(`imported ${created} incidents into ${org.slug}; ${existing} were there already (same externalRef)`);
    } else {
      // Loaded here only: it brings the incident and on-call services, which the other commands do not need.
      const { seedDemoData } = await import('../prisma/seed.js');
      const { key, orgSlug } = await seedDemoData(db);
      console.log(`seeded demo organization "${orgSlug}"; demo key (admin), shown once:`);
      console.log(key);
    }
  } finally {
    await db.close();
  }
}

try {
  await run(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError || error instanceof ConfigError) {
    console.error(`error: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  const message = error instanceof Error ? error.message : String(error);
  if (/Unique constraint/i.test(message)) {
    console.error('error: that already exists (slugs are unique)');
    process.exit(1);
  }
  console.error(`error: ${message}`);
  process.exit(1);
}
