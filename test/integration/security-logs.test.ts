import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { issueApiKey } from '../../src/services/api-keys.js';
import { backends, gql } from '../support/gateway.js';
import { freshDataDir } from '../support/data-dir.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { wsClient } from '../support/subscriptions.js';

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** The real gateway with its real logger, writing into memory instead of stdout. */
describe.each(backends)('logs and masked errors on %s', (backend) => {
  const lines: string[] = [];
  let running: RunningGateway;
  let dataDir: string;
  let database: TestDatabase | null = null;
  let graphqlUrl: string;
  let key: string;
  let orgId: string;
  const logs = () => lines.map((line) => JSON.parse(line) as LogLine);

  beforeAll(async () => {
    dataDir = await freshDataDir('ig-logs-');
    database = backend === 'postgres' ? await createTestDatabase() : null;
    const config = loadConfig({ PORT: '0', DATA_DIR: dataDir, RATE_LIMIT: 'off', ...(database ? { DATABASE_URL: database.url } : {}) });
    running = await startGateway(config, createLogger('debug', { write: (line: string) => void lines.push(line) }));
    graphqlUrl = `http://127.0.0.1:${running.port}/graphql`;
    const org = await running.db.prisma.organization.create({ data: { slug: `logs-${Date.now()}`, name: 'Logs' } });
    orgId = org.id;
    ({ key } = await issueApiKey(running.db.prisma, org.id, 'logged key', ['write']));
  });
  afterAll(async () => {
    await running?.stop();
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('logs each operation as JSON with request id, org, operation name and duration, and never the key', async () => {
    const response = await fetch(graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-request-id': 'req-logs-1' },
      body: JSON.stringify({ query: 'query WhoAmI { viewer { scopes } }' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('req-logs-1');
    expect(logs()).toContainEqual(
      expect.objectContaining({ msg: 'graphql operation', requestId: 'req-logs-1', orgId, operationName: 'WhoAmI', durationMs: expect.any(Number), errors: 0 }),
    );

    // The key travels in every way a client sends it, valid or not; none of it reaches the logs.
    const secret = key.slice(key.indexOf('_', 'igw_'.length) + 1);
    const linesBefore = lines.length;
    await gql({ graphqlUrl }, key, 'mutation Create { createIncident(input: { title: "logged" }) { incident { id } } }');
    await gql({ graphqlUrl }, `${key}x`, '{ viewer { scopes } }');
    const ws = wsClient({ wsUrl: graphqlUrl.replace('http', 'ws') }, key);
    await ws.subscribe('subscription { incidentChanged { type } }').close();
    await ws.dispose();
    expect(lines.length).toBeGreaterThan(linesBefore);
    const everything = lines.join('\n');
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(key);
  });

  it('masks internal errors (no stack, no SQL) and logs them with the request id the response carries', async () => {
    // A real failure underneath: the components table is gone.
    await running.db.prisma.$executeRawUnsafe('DROP TABLE "Component" CASCADE');
    const response = await gql({ graphqlUrl }, key, 'query Broken { components { totalCount } }');
    expect(response.errors).toEqual([expect.objectContaining({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } })]);
    expect(JSON.stringify(response)).not.toMatch(/Component"|relation|SELECT|\bat .*:\d+:\d+|prisma/i);
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toBeTruthy();
    const logged = logs().filter((line) => line.msg === 'internal error');
    expect(logged).toContainEqual(expect.objectContaining({ level: 50, requestId, orgId, err: expect.objectContaining({ message: expect.any(String) }) }));
  });
});
