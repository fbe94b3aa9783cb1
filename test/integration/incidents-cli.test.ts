import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { backends, gql } from '../support/gateway.js';
import { blankDataDir } from '../support/data-dir.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const KEY_PATTERN = /^igw_[0-9a-f]{12}_[A-Za-z0-9_-]{20,}$/;

/**
 * The CLI in a fresh process: through `npm run cli -- ...` exactly as an admin types it, or
 * (`direct`) the same script under node and tsx, which starts faster.
 */
function run(env: Record<string, string>, via: 'npm' | 'direct', args: string[]): Promise<CliResult> {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const [command, prefix] = via === 'npm' ? ['npm', ['run', 'cli', '--']] : [process.execPath, ['--import', 'tsx', 'src/cli.ts']];
  return new Promise((resolve) => {
    execFile(
      command,
      [...prefix, ...args],
      { cwd: process.cwd(), env: { ...inherited, LOG_LEVEL: 'warn', ...env }, timeout: 90_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const npmCli = (env: Record<string, string>, ...args: string[]) => run(env, 'npm', args);
const cli = (env: Record<string, string>, ...args: string[]) => run(env, 'direct', args);

/** Each CLI run opens and migrates the database in a new process: slow on a busy machine. */
const CLI_TEST_TIMEOUT = 240_000;

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1) ?? '';

describe.each(backends)('admin CLI on a fresh %s database', (backend) => {
  let env: Record<string, string>;
  let dataDir: string;
  let database: TestDatabase | null = null;
  let running: RunningGateway | null = null;

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

  const startServer = () =>
    startGateway(loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', RATE_LIMIT: 'off', ...env }), createLogger('silent'));

  it('creates an org and a key that the server, started afterwards, accepts', async () => {
    const org = await npmCli(env, 'org', 'create', '--slug', 'acme', '--name', 'Acme Inc');
    expect(org.code, org.stderr).toBe(0);
    expect(org.stdout).toContain('acme');

    const key = await npmCli(env, 'key', 'create', '--org', 'acme', '--scopes', 'read,write', '--name', 'ops laptop');
    expect(key.code, key.stderr).toBe(0);
    const secret = lastLine(key.stdout);
    expect(secret).toMatch(KEY_PATTERN);

    running = await startServer();
    const graphqlUrl = `http://127.0.0.1:${running.port}/graphql`;
    const viewer = await gql(gateway(graphqlUrl), secret, '{ viewer { organization { slug name } apiKeyName scopes } }');
    expect(viewer.data).toEqual({ viewer: { organization: { slug: 'acme', name: 'Acme Inc' }, apiKeyName: 'ops laptop', scopes: expect.arrayContaining(['read', 'write']) } });
    const created = await gql(gateway(graphqlUrl), secret, 'mutation { createIncident(input: { title: "First" }) { incident { number } userErrors { code } } }');
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

function gateway(graphqlUrl: string) {
  return { graphqlUrl };
}
