import { beforeAll, describe, expect, it } from 'vitest';
import { backends, gql, useGateway } from '../support/gateway.js';

const CREATE = `mutation ($input: CreateIncidentInput!) {
  createIncident(input: $input) { incident { id number title version createdBy { keyId name } } userErrors { code field } }
}`;
const TRANSITION = `mutation ($input: TransitionIncidentInput!) {
  transitionIncident(input: $input) { incident { id status version } userErrors { code field } }
}`;

describe.each(backends)('idempotency, optimistic concurrency and audit on %s', (backend) => {
  const gateway = useGateway(backend);
  let org: { orgId: string; key: string };
  beforeAll(async () => {
    org = await gateway.createOrg(['write']);
  });

  const incidentsTitled = (title: string) => gateway.running.db.prisma.incident.count({ where: { title } });

  it('returns the first result for a repeated idempotency key with the same input, one incident', async () => {
    const input = { title: 'Replayed', severity: 'HIGH', idempotencyKey: 'deploy-42' };
    const first = await gql(gateway, org.key, CREATE, { input });
    const second = await gql(gateway, org.key, CREATE, { input });
    expect(first.data?.createIncident.userErrors).toEqual([]);
    expect(second.data?.createIncident).toEqual(first.data?.createIncident);
    expect(await incidentsTitled('Replayed')).toBe(1);
  });

  it('answers IDEMPOTENCY_CONFLICT for the same key with a different input, writing nothing', async () => {
    await gql(gateway, org.key, CREATE, { input: { title: 'Original', idempotencyKey: 'conflict-1' } });
    const conflicting = await gql(gateway, org.key, CREATE, { input: { title: 'Changed', idempotencyKey: 'conflict-1' } });
    expect(conflicting.data?.createIncident).toEqual({ incident: null, userErrors: [{ code: 'IDEMPOTENCY_CONFLICT', field: ['idempotencyKey'] }] });
    expect(await incidentsTitled('Changed')).toBe(0);
    expect(await incidentsTitled('Original')).toBe(1);
  });

  it('forgets an idempotency key after 24 hours: the same key then creates a new incident', async () => {
    const input = { title: 'Expiring', idempotencyKey: 'nightly-7' };
    const first = await gql(gateway, org.key, CREATE, { input });
    const replay = await gql(gateway, org.key, CREATE, { input });
    expect(replay.data?.createIncident.incident.id).toBe(first.data?.createIncident.incident.id);
    // The record as it would be a day and a minute later.
    await gateway.running.db.prisma.idempotencyRecord.updateMany({
      where: { orgId: org.orgId, key: 'nightly-7' },
      data: { createdAt: new Date(Date.now() - (24 * 60 + 1) * 60_000) },
    });
    const later = await gql(gateway, org.key, CREATE, { input });
    expect(later.data?.createIncident.userErrors).toEqual([]);
    expect(later.data?.createIncident.incident.id).not.toBe(first.data?.createIncident.incident.id);
    expect(await incidentsTitled('Expiring')).toBe(2);
    // And the new record holds the key again for the next 24 hours.
    expect((await gql(gateway, org.key, CREATE, { input })).data?.createIncident.incident.id).toBe(later.data?.createIncident.incident.id);
  });

  it('keeps idempotency keys per organization', async () => {
    const other = await gateway.createOrg(['write']);
    const input = { title: 'Per org', idempotencyKey: 'shared-name' };
    const mine = await gql(gateway, org.key, CREATE, { input });
    const theirs = await gql(gateway, other.key, CREATE, { input });
    expect(theirs.data?.createIncident.incident.id).not.toBe(mine.data?.createIncident.incident.id);
    expect(await incidentsTitled('Per org')).toBe(2);
  });

  it('creates one incident for 10 concurrent requests with one idempotency key', async () => {
    const input = { title: 'Concurrent replay', idempotencyKey: 'burst-1' };
    const responses = await Promise.all(Array.from({ length: 10 }, () => gql(gateway, org.key, CREATE, { input })));
    const ids = new Set(responses.map((response) => response.data?.createIncident.incident?.id));
    expect(responses.every((response) => response.status === 200 && response.data?.createIncident.userErrors.length === 0)).toBe(true);
    expect(ids.size).toBe(1);
    expect(await incidentsTitled('Concurrent replay')).toBe(1);
  });

  it('lets exactly one of 20 concurrent transitions with the same expectedVersion win; the others get VERSION_CONFLICT', async () => {
    const created = await gql(gateway, org.key, CREATE, { input: { title: 'Contended' } });
    const { id, version } = created.data!.createIncident.incident;
    const statuses = ['IDENTIFIED', 'MONITORING'];
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        gql(gateway, org.key, TRANSITION, { input: { id, status: statuses[index % 2], expectedVersion: version, message: `attempt ${index}` } }),
      ),
    );
    const winners = responses.filter((response) => response.data?.transitionIncident.incident);
    const losers = responses.filter((response) => !response.data?.transitionIncident.incident);
    expect(winners).toHaveLength(1);
    expect(losers.map((response) => response.data?.transitionIncident.userErrors)).toEqual(
      Array.from({ length: 19 }, () => [{ code: 'VERSION_CONFLICT', field: ['expectedVersion'] }]),
    );
    expect(winners[0].data?.transitionIncident.incident.version).toBe(version + 1);
    const timeline = await gateway.running.db.prisma.incidentUpdate.count({ where: { incident: { id: Buffer.from(id, 'base64').toString().split(':')[1] } } });
    expect(timeline).toBe(2);
  });

  it('records which key created an incident and posted each timeline entry', async () => {
    const admin = await gateway.createOrg(['admin']);
    const second = await gql(gateway, admin.key, 'mutation { createApiKey(input: { name: "responder bot", scopes: ["write"] }) { key apiKey { id } } }');
    const { key: botKey, apiKey: bot } = second.data!.createApiKey;
    const adminRow = await gateway.running.db.prisma.apiKey.findFirstOrThrow({ where: { orgId: admin.orgId, id: { not: Buffer.from(bot.id, 'base64').toString().split(':')[1] } } });
    const adminActor = { keyId: Buffer.from(`ApiKey:${adminRow.id}`).toString('base64'), name: adminRow.name };

    const created = await gql(gateway, admin.key, CREATE, { input: { title: 'Audited' } });
    const { id, createdBy } = created.data!.createIncident.incident;
    expect(createdBy).toEqual(adminActor);
    await gql(gateway, botKey, TRANSITION, { input: { id, status: 'IDENTIFIED' } });
    const read = await gql(gateway, admin.key, 'query ($id: ID!) { incident(id: $id) { createdBy { keyId name } timeline { nodes { kind postedBy { keyId name } } } } }', { id });
    expect(read.data?.incident).toEqual({
      createdBy: adminActor,
      timeline: {
        nodes: [
          { kind: 'CREATED', postedBy: adminActor },
          { kind: 'STATUS_CHANGED', postedBy: { keyId: bot.id, name: 'responder bot' } },
        ],
      },
    });
  });
});
