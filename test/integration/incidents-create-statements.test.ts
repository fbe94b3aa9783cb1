import { beforeAll, describe, expect, it } from 'vitest';
import { backends, useGateway } from '../support/gateway.js';
import { createComponent, createUser, ok, type TestOrg } from '../support/incidents-fixtures.js';

/** The bench's W3 operation (bench/workloads.ts): scalars of the incident only. */
const CREATE = `mutation ($input: CreateIncidentInput!) {
  createIncident(input: $input) { incident { id number version impact } userErrors { code field message } }
}`;

/** "INSERT Incident", "SELECT Component", "BEGIN": what a statement does, to which table. */
function shapeOf(sql: string): string {
  const verb = /^\s*(\w+)/.exec(sql)?.[1] ?? sql;
  const table = /\b(?:FROM|INTO|UPDATE)\s+(?:"public"\.)?"(\w+)"/i.exec(sql)?.[1];
  return table ? `${verb} ${table}` : verb;
}

describe.each(backends)('createIncident statements on %s', (backend) => {
  // No rate limit, and no background outbox polling to blur the counts.
  const gateway = useGateway(backend, { RATE_LIMIT: 'off', NOTIFY_POLL_MS: '3600000', ESCALATION_POLL_MS: '3600000' });
  let org: TestOrg;
  let componentIds: string[];

  beforeAll(async () => {
    org = await gateway.createOrg(['write']);
    componentIds = [];
    for (let n = 0; n < 10; n++) componentIds.push(await createComponent(gateway, org.orgId, `Component ${n}`, n % 2 ? 'OPERATIONAL' : 'DEGRADED_PERFORMANCE'));
  });

  async function shapesOfCreate(input: Record<string, unknown>) {
    const { result, statements } = await gateway.statementsDuring(() => ok(gateway, org.key, CREATE, { input }));
    expect(result.createIncident.userErrors).toEqual([]);
    const shapes = statements.map((statement) => shapeOf(statement.sql));
    // Before the transaction only the API key check (the auth layer's business, not counted here).
    const begin = shapes.indexOf('BEGIN');
    expect(begin).toBeLessThanOrEqual(1);
    return { incident: result.createIncident.incident, shapes: shapes.slice(begin) };
  }

  it('creates an incident with components in one short transaction and answers from the row it wrote', async () => {
    const { incident, shapes } = await shapesOfCreate({ title: 'Two components', componentIds: componentIds.slice(0, 2) });
    expect(incident).toMatchObject({ version: 1, impact: 'MINOR' });
    expect(shapes).toEqual([
      'BEGIN',
      // checks, locks and reads the components at once
      'SELECT Component',
      // the org's next number, the incident, its components and its CREATED entry; no outbox
      // lookup, as an incident on no status page has nobody to notify
      'WITH Organization',
      'COMMIT',
      // and no statement after it: the payload is the row written
    ]);
  });

  it('answers exactly what reading the incident afterwards answers', async () => {
    const scalars = `id number title description kind status severity impact impactOverridden tags source externalRef autoCreated
      reopenCount version createdBy { keyId name } startedAt acknowledgedAt resolvedAt scheduledFor scheduledUntil createdAt updatedAt`;
    const input = {
      title: 'Backfilled',
      description: 'All of it',
      status: 'RESOLVED',
      severity: 'HIGH',
      tags: ['db', 'eu'],
      externalRef: 'PD-1',
      source: 'import',
      startedAt: '2025-01-02T03:04:05.678Z',
      componentIds: componentIds.slice(0, 3),
    };
    // Plain input goes straight to the driver; an owner takes Prisma's transaction: both answer the row they wrote.
    for (const extra of [{}, { ownerId: await createUser(gateway, org.orgId, 'Owner') }]) {
      const written = await ok(gateway, org.key, `mutation ($input: CreateIncidentInput!) { createIncident(input: $input) { incident { ${scalars} } } }`, {
        input: { ...input, ...extra },
      });
      const incident = written.createIncident.incident;
      const read = await ok(gateway, org.key, `query ($id: ID!) { incident(id: $id) { ${scalars} } }`, { id: incident.id });
      expect(incident).toEqual(read.incident);
      expect(incident).toMatchObject({ status: 'RESOLVED', impact: 'MINOR', tags: ['db', 'eu'], source: 'IMPORT', startedAt: input.startedAt, version: 1 });
    }
  });

  it('costs the same statements for 2 and 10 components', async () => {
    const two = await shapesOfCreate({ title: 'Two', componentIds: componentIds.slice(0, 2) });
    const ten = await shapesOfCreate({ title: 'Ten', componentIds });
    expect(ten.shapes).toEqual(two.shapes);
  });
});
