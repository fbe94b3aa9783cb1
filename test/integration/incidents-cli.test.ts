import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { backends, gql, startTestGateway, type TestGateway } from '../support/gateway.js';
import { blankDataDir } from '../support/data-dir.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

const KEY_PATTERN = /^igw_[0-9a-f]{12}_[A-Za-z0-9_-]{20,}$/;

const npmCli = (env: Record<string, string>, ...args: string[]) => runCli(env, args, 'npm');
const cli = (env: Record<string, string>, ...args: string[]) => runCli(env, args);

/** Each CLI run opens and migrates the database in a new process: slow on a busy machine. */
const CLI_TEST_TIMEOUT = 240_000;

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1) ?? '';

describe.each(backends)('admin CLI on a fresh %s database', (backend) => {
  let env: Record<string, string>;
  let dataDir: string;
  let database: TestDatabase | null = null;
  let running: TestGateway | null = null;

  beforeAll(async () => {
    // As initdb leaves it: the CLI applies the migrations itself, as on a new installation.
    dataDir = await blankDataDir('ig-cli-');
    database = backend === 'postgres' ? await createTestDatabase() : null;
    env = { DATA_DIR: dataDir, ...(database ? { DATABASE_URL: database.url } : {}) };
  });
  afterAll(async () => {
    await running?.stop();
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  // On the database the CLI wrote, left in place when it stops.
  const startServer = () => startTestGateway(backend, env);

  it('creates an org and a key that the server, started afterwards, accepts', async () => {
    const org = await npmCli(env, 'org', 'create', '--slug', 'acme', '--name', 'Acme Inc');
    expect(org.code, org.stderr).toBe(0);
    expect(org.stdout).toContain('acme');

    const key = await npmCli(env, 'key', 'create', '--org', 'acme', '--scopes', 'read,write', '--name', 'ops laptop');
    expect(key.code, key.stderr).toBe(0);
    const secret = lastLine(key.stdout);
    expect(secret).toMatch(KEY_PATTERN);

    running = await startServer();
    const viewer = await gql(running, secret, '{ viewer { organization { slug name } apiKeyName scopes } }');
    expect(viewer.data).toEqual({ viewer: { organization: { slug: 'acme', name: 'Acme Inc' }, apiKeyName: 'ops laptop', scopes: expect.arrayContaining(['read', 'write']) } });
    const created = await gql(running, secret, 'mutation { createIncident(input: { title: "First" }) { incident { number } userErrors { code } } }');
    expect(created.data).toEqual({ createIncident: { incident: { number: 1 }, userErrors: [] } });
  }, CLI_TEST_TIMEOUT);

  if (backend === 'pglite') {
    it('says clearly that the data dir is in use while the server runs, then works once it stopped', async () => {
      expect(running).not.toBeNull();
      const locked = await cli(env, 'key', 'create', '--org', 'acme', '--scopes', 'read');
      expect(locked.code).not.toBe(0);
      expect(locked.stderr).toMatch(/in use by another process/);
      expect(locked.stderr).toMatch(/Stop the server/);
      expect(locked.stderr).not.toMatch(/\n\s+at /);
      expect(lastLine(locked.stdout)).not.toMatch(KEY_PATTERN);

      await running!.stop();
      running = null;
      const key = await cli(env, 'key', 'create', '--org', 'acme', '--scopes', 'read');
      expect(key.code, key.stderr).toBe(0);
      expect(lastLine(key.stdout)).toMatch(KEY_PATTERN);
    }, CLI_TEST_TIMEOUT);
  }

  it('explains mistakes without a stack trace', async () => {
    await running?.stop();
    running = null;
    const missingOrg = await cli(env, 'key', 'create', '--org', 'nobody', '--scopes', 'read');
    expect(missingOrg.code).toBe(2);
    expect(missingOrg.stderr).toMatch(/no organization with slug "nobody"/);
    const duplicate = await cli(env, 'org', 'create', '--slug', 'acme', '--name', 'Again');
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toMatch(/already exists/);
    for (const result of [missingOrg, duplicate]) expect(result.stderr).not.toMatch(/\n\s+at /);
  }, CLI_TEST_TIMEOUT);
});
