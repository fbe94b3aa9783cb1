import { beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { backends, gql, useGateway } from '../support/gateway.js';
import {
  USER_ERRORS,
  createComponent,
  createIncident,
  createOrg,
  createUser,
  expectNothingWritten,
  ok,
  orgFootprint,
  type IncidentShape,
  type TestOrg,
} from '../support/incidents-fixtures.js';

const MISSING = encodeGlobalID('Incident', '5b0f7c9e-3a7e-4f0e-9d55-9f1a2b3c4d5e');

/** Every incident mutation, with an input naming `id`, and the input field that carries it. */
function mutationsOn(id: string, componentId: string, userId: string): { name: string; input: Record<string, unknown>; select: string; field: string }[] {
  const incident = `incident { id } ${USER_ERRORS}`;
  return [
    { name: 'updateIncident', input: { id, title: 'Taken over', ownerId: userId }, select: incident, field: 'id' },
    { name: 'transitionIncident', input: { id, status: 'RESOLVED', expectedVersion: 1 }, select: incident, field: 'id' },
    { name: 'acknowledgeIncident', input: { id }, select: incident, field: 'id' },
    { name: 'postIncidentUpdate', input: { incidentId: id, body: 'Hello', status: 'IDENTIFIED' }, select: `update { id } ${incident}`, field: 'incidentId' },
    { name: 'setIncidentComponents', input: { id, componentIds: [componentId] }, select: incident, field: 'id' },
    { name: 'deleteIncident', input: { id }, select: `deletedIncidentId ${USER_ERRORS}`, field: 'id' },
  ];
}

const inputType = (name: string) => `${name[0].toUpperCase()}${name.slice(1)}Input`;

describe.each(backends)('incident access on %s', (backend) => {
  const gateway = useGateway(backend);
  let mine: TestOrg;
  let theirs: TestOrg;
  let theirIncident: IncidentShape;
  let myComponent: string;
  let myUser: string;

  beforeAll(async () => {
    mine = await createOrg(gateway);
    theirs = await createOrg(gateway);
    myComponent = await createComponent(gateway, mine.orgId, 'Mine');
    myUser = await createUser(gateway, mine.orgId, 'Me');
    const theirComponent = await createComponent(gateway, theirs.orgId, 'Theirs');
    theirIncident = await createIncident(gateway, theirs.key, {
      title: 'Secret outage',
      components: [{ componentId: theirComponent, status: 'MAJOR_OUTAGE' }],
      tags: ['secret'],
    });
  });

  describe('tenant isolation', () => {
    it('another organization’s incident and timeline entries are null in incident, node and nodes', async () => {
      const entry = theirIncident.timeline.nodes[0].id;
      const data = await ok(gateway, mine.key, `query ($id: ID!, $entry: ID!) {
        incident(id: $id) { id }
        node(id: $id) { id }
        entry: node(id: $entry) { id }
        nodes(ids: [$id, $entry]) { id }
        incidentByNumber(number: ${theirIncident.number}) { id }
      }`, { id: theirIncident.id, entry });
      expect(data).toEqual({ incident: null, node: null, entry: null, nodes: [null, null], incidentByNumber: null });
    });

    it('is invisible in the incidents list and its filters', async () => {
      const mineOnly = await createIncident(gateway, mine.key, { title: 'My outage' });
      const data = await ok<{ all: { totalCount: number; nodes: { id: string }[] }; secret: { totalCount: number } }>(
        gateway,
        mine.key,
        `{ all: incidents(first: 100) { totalCount nodes { id } }
           secret: incidents(filter: { or: [{ search: "secret" }, { tag: { eq: "secret" } }, { severity: { eq: MEDIUM } }] }) { totalCount } }`,
      );
      expect(data.all).toEqual({ totalCount: 1, nodes: [{ id: mineOnly.id }] });
      expect(data.secret.totalCount).toBe(1);
    });

    it('every mutation answers NOT_FOUND for it, exactly as for a missing id, and writes nothing anywhere', async () => {
      const before = await orgFootprint(gateway, theirs.orgId);
      await expectNothingWritten(gateway, mine.orgId, async () => {
        const foreign = mutationsOn(theirIncident.id, myComponent, myUser);
        const missing = mutationsOn(MISSING, myComponent, myUser);
        for (const [index, { name, input, select, field }] of foreign.entries()) {
          const query = `mutation ($input: ${inputType(name)}!) { ${name}(input: $input) { ${select} } }`;
          const answer = (await ok<Record<string, Record<string, unknown>>>(gateway, mine.key, query, { input }))[name];
          const missingAnswer = (await ok<Record<string, Record<string, unknown>>>(gateway, mine.key, query, { input: missing[index].input }))[name];
          expect(answer.userErrors, name).toEqual([{ code: 'NOT_FOUND', field: [field], message: expect.any(String) }]);
          expect(answer, name).toEqual(missingAnswer);
          expect(Object.entries(answer).filter(([key]) => key !== 'userErrors').every(([, value]) => value === null), name).toBe(true);
        }
      });
      expect(await orgFootprint(gateway, theirs.orgId)).toEqual(before);
    });

    it('an id of another type, or a malformed one, is NOT_FOUND too', async () => {
      const data = await ok<{ transitionIncident: { userErrors: { code: string }[] } }>(
        gateway,
        mine.key,
        `mutation ($id: ID!) { transitionIncident(input: { id: $id, status: RESOLVED }) { ${USER_ERRORS} } }`,
        { id: myComponent },
      );
      expect(data.transitionIncident.userErrors.map((error) => error.code)).toEqual(['NOT_FOUND']);
      for (const id of ['garbage', encodeGlobalID('Incident', 'not-a-uuid')]) {
        const answer = await ok<{ transitionIncident: { userErrors: { code: string }[] } }>(
          gateway,
          mine.key,
          `mutation ($id: ID!) { transitionIncident(input: { id: $id, status: RESOLVED }) { ${USER_ERRORS} } }`,
          { id },
        );
        expect(answer.transitionIncident.userErrors.map((error) => error.code), id).toEqual(['NOT_FOUND']);
      }
    });
  });

  describe('authentication and scopes', () => {
    it('a read-only key reads but gets FORBIDDEN on every incident mutation, with nothing written', async () => {
      const reader = await gateway.createOrg(['read']);
      // A read-only org cannot create through the API, so its incident goes straight into the database.
      const incident = await gateway.running.db.prisma.incident.create({
        data: { orgId: reader.orgId, number: 1, title: 'Seeded', status: 'INVESTIGATING' },
      });
      await gateway.running.db.prisma.organization.update({ where: { id: reader.orgId }, data: { nextIncidentNumber: 2 } });
      const id = encodeGlobalID('Incident', incident.id);
      const read = await gql(gateway, reader.key, '{ incidents { totalCount } }');
      expect(read.data).toEqual({ incidents: { totalCount: 1 } });

      await expectNothingWritten(gateway, reader.orgId, async () => {
        const all = [
          { name: 'createIncident', input: { title: 'Nope' }, select: `incident { id } ${USER_ERRORS}` },
          ...mutationsOn(id, myComponent, myUser),
        ];
        for (const { name, input, select } of all) {
          const response = await gql(gateway, reader.key, `mutation ($input: ${inputType(name)}!) { ${name}(input: $input) { ${select} } }`, { input });
          expect(response.errors?.map((error) => error.extensions?.code), name).toEqual(['FORBIDDEN']);
          expect(response.data ?? null, name).toBeNull();
        }
      });
    });

    it('no key is HTTP 401 UNAUTHENTICATED, for queries and mutations alike', async () => {
      for (const query of ['{ incidents { totalCount } }', 'mutation { createIncident(input: { title: "x" }) { incident { id } } }', '{ viewer { scopes } }']) {
        const response = await gql(gateway, null, query);
        expect(response.status, query).toBe(401);
        expect(response.errors?.map((error) => error.extensions?.code), query).toEqual(['UNAUTHENTICATED']);
      }
    });

    it('a bad, malformed or revoked key is HTTP 401 UNAUTHENTICATED and writes nothing', async () => {
      const revoked = await createOrg(gateway);
      await gateway.running.db.prisma.apiKey.updateMany({ where: { orgId: revoked.orgId }, data: { revokedAt: new Date() } });
      const wrongSecret = `${mine.key.slice(0, -4)}AAAA`;
      for (const key of ['nonsense', 'igw_000000000000_abc', wrongSecret, revoked.key]) {
        await expectNothingWritten(gateway, mine.orgId, async () => {
          const response = await gql(gateway, key, 'mutation { createIncident(input: { title: "x" }) { incident { id } } }');
          expect(response.status, key).toBe(401);
          expect(response.errors?.map((error) => error.extensions?.code), key).toEqual(['UNAUTHENTICATED']);
        });
      }
      const scheme = await fetch(gateway.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Basic ${mine.key}` },
        body: JSON.stringify({ query: '{ incidents { totalCount } }' }),
      });
      expect(scheme.status).toBe(401);
    });
  });

  describe('internal errors', () => {
    it('are masked: no SQL, no Prisma, no stack; and a failed write leaves nothing behind', async () => {
      const prisma = gateway.running.db.prisma;
      const incident = await createIncident(gateway, mine.key, { title: 'Before the break' });
      // Break the database under the server to force a genuine internal error.
      await prisma.$executeRawUnsafe('ALTER TABLE "IncidentUpdate" RENAME COLUMN "body" TO "body_moved"');
      try {
        const read = await fetch(gateway.graphqlUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${mine.key}` },
          body: JSON.stringify({ query: '{ incidents { nodes { title timeline { nodes { body } } } } }' }),
        });
        const readText = await read.text();
        const before = await orgFootprint(gateway, mine.orgId);
        const write = await fetch(gateway.graphqlUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${mine.key}` },
          body: JSON.stringify({ query: 'mutation { createIncident(input: { title: "During the break" }) { incident { id } userErrors { code } } }' }),
        });
        const writeText = await write.text();
        expect(await orgFootprint(gateway, mine.orgId)).toEqual(before);
        for (const text of [readText, writeText]) {
          const body = JSON.parse(text) as { errors?: { message: string; extensions?: { code?: string } }[] };
          expect(body.errors?.map((error) => error.extensions?.code)).toContain('INTERNAL_SERVER_ERROR');
          for (const leak of [/prisma/i, /select/i, /insert/i, /body_moved/, /IncidentUpdate/, /\bat .*\.(ts|js):\d+/, /stack/i]) {
            expect(text, String(leak)).not.toMatch(leak);
          }
        }
      } finally {
        await prisma.$executeRawUnsafe('ALTER TABLE "IncidentUpdate" RENAME COLUMN "body_moved" TO "body"');
      }
      const after = await ok<{ incident: { timeline: { nodes: { body: string }[] } } }>(gateway, mine.key, 'query ($id: ID!) { incident(id: $id) { timeline { nodes { body } } } }', {
        id: incident.id,
      });
      expect(after.incident.timeline.nodes).toHaveLength(1);
    });
  });
});
