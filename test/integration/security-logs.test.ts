import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { backends, gql, useGateway } from '../support/gateway.js';
import { wsClient } from '../support/subscriptions.js';

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** The real gateway with its real logger, writing into memory instead of stdout. */
describe.each(backends)('logs and masked errors on %s', (backend) => {
  const lines: string[] = [];
  const gateway = useGateway(backend, {}, { logger: createLogger('debug', { write: (line: string) => void lines.push(line) }) });
  let key: string;
  let orgId: string;
  const logs = () => lines.map((line) => JSON.parse(line) as LogLine);

  beforeAll(async () => {
    ({ orgId, key } = await gateway.createOrg(['write']));
  });

  it('logs each operation as JSON with request id, org, operation name and duration, and never the key', async () => {
    const response = await fetch(gateway.graphqlUrl, {
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
    await gql(gateway, key, 'mutation Create { createIncident(input: { title: "logged" }) { incident { id } } }');
    await gql(gateway, `${key}x`, '{ viewer { scopes } }');
    const ws = wsClient(gateway, key);
    await ws.subscribe('subscription { incidentChanged { type } }').close();
    await ws.dispose();
    expect(lines.length).toBeGreaterThan(linesBefore);
    const everything = lines.join('\n');
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(key);
  });

  it('masks internal errors (no stack, no SQL) and logs them with the request id the response carries', async () => {
    // A real failure underneath: the components table is gone.
    await gateway.running.db.prisma.$executeRawUnsafe('DROP TABLE "Component" CASCADE');
    const response = await gql(gateway, key, 'query Broken { components { totalCount } }');
    expect(response.errors).toEqual([expect.objectContaining({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } })]);
    expect(JSON.stringify(response)).not.toMatch(/Component"|relation|SELECT|\bat .*:\d+:\d+|prisma/i);
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toBeTruthy();
    const logged = logs().filter((line) => line.msg === 'internal error');
    expect(logged).toContainEqual(expect.objectContaining({ level: 50, requestId, orgId, err: expect.objectContaining({ message: expect.any(String) }) }));
  });
});
