import { buildSubgraphSchema as buildApolloSubgraph } from '@apollo/subgraph';
import { createGatewayRuntime, type GatewayRuntime } from '@graphql-hive/gateway-runtime';
import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, gql, useGateway } from '../support/gateway.js';

/** A second team's subgraph: it knows incidents by id only and adds their runbook. */
const RUNBOOKS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])
  type Incident @key(fields: "id") {
    id: ID!
    runbookUrl: String!
  }
  type Runbook {
    url: String!
    incident: Incident!
  }
  type Query {
    runbookFor(incidentId: ID!): Runbook!
  }
`;

function runbookUrl(incidentId: string): string {
  return `https://runbooks.example/${encodeURIComponent(incidentId)}`;
}

const runbooksSchema = buildApolloSubgraph({
  typeDefs: parse(RUNBOOKS_SDL),
  resolvers: {
    Query: { runbookFor: (_root: unknown, { incidentId }: { incidentId: string }) => ({ url: runbookUrl(incidentId), incident: { id: incidentId } }) },
    Incident: {
      __resolveReference: (reference: { id: string }) => reference,
      runbookUrl: (incident: { id: string }) => runbookUrl(incident.id),
    },
  } as never,
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}

describe.each(backends)('a federation subgraph on %s (FEDERATION=on)', (backend) => {
  const gateway = useGateway(backend, { FEDERATION: 'on' });
  let runbooks: Server;
  let federationGateway: GatewayRuntime;
  let federationServer: Server;
  let federationUrl: string;
  let key: string;
  let otherKey: string;
  let incidentId: string;
  let foreignIncidentId: string;

  async function federated(query: string, variables: Record<string, unknown> = {}, asKey = key) {
    const response = await fetch(federationUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${asKey}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: any; errors?: { message: string }[] };
  }

  beforeAll(async () => {
    ({ key } = await gateway.createOrg(['write']));
    ({ key: otherKey } = await gateway.createOrg(['write']));
    const create = 'mutation($title: String!) { createIncident(input: { title: $title }) { incident { id } } }';
    incidentId = (await gql(gateway, key, create, { title: 'Checkout down' })).data!.createIncident.incident.id;
    foreignIncidentId = (await gql(gateway, otherKey, create, { title: 'Not yours' })).data!.createIncident.incident.id;

    runbooks = createServer(createYoga({ schema: runbooksSchema, logging: false }));
    const runbooksUrl = await listen(runbooks);

    // The gateway's own SDL, fetched as a composition tool fetches it.
    const sdl = (await gql(gateway, key, '{ _service { sdl } }')).data!._service.sdl as string;
    const composed = composeServices([
      { name: 'incidents', typeDefs: parse(sdl), url: gateway.graphqlUrl },
      { name: 'runbooks', typeDefs: parse(RUNBOOKS_SDL), url: runbooksUrl },
    ]);
    expect(composed.errors ?? []).toEqual([]);
    federationGateway = createGatewayRuntime({
      supergraph: composed.supergraphSdl!,
      logging: false,
      propagateHeaders: { fromClientToSubgraphs: ({ request }) => ({ authorization: request.headers.get('authorization') }) },
    });
    federationServer = createServer(federationGateway);
    federationUrl = await listen(federationServer);
  });
  afterAll(async () => {
    federationServer?.close();
    await federationGateway?.dispose();
    runbooks?.close();
  });

  it('answers _service { sdl } with the federation directives and the four entities', async () => {
    const sdl = (await gql(gateway, key, '{ _service { sdl } }')).data!._service.sdl as string;
    expect(sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.6"');
    for (const type of ['Incident', 'Component', 'User', 'StatusPage']) expect(sdl).toMatch(new RegExp(`type ${type} implements Node\\s+@key\\(fields: "id"\\)`));
  });

  it('joins both subgraphs in one query through a real federation gateway, in both directions', async () => {
    const fromOurs = await federated('{ incidents(first: 5) { nodes { id title runbookUrl } } }');
    expect(fromOurs.errors).toBeUndefined();
    expect(fromOurs.data.incidents.nodes).toEqual([{ id: incidentId, title: 'Checkout down', runbookUrl: runbookUrl(incidentId) }]);

    // From the other subgraph into ours: the gateway calls our _entities.
    const fromTheirs = await federated('query($id: ID!) { runbookFor(incidentId: $id) { url incident { title number } } }', { id: incidentId });
    expect(fromTheirs.errors).toBeUndefined();
    expect(fromTheirs.data.runbookFor).toEqual({ url: runbookUrl(incidentId), incident: { title: 'Checkout down', number: 1 } });
  });

  it('resolves _entities with the tenancy of node: foreign, malformed or mistyped ids are null, and a key is needed', async () => {
    const entities = `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Incident { id title } } }`;
    const representations = [
      { __typename: 'Incident', id: incidentId },
      { __typename: 'Incident', id: foreignIncidentId },
      { __typename: 'Incident', id: 'not-a-global-id' },
      { __typename: 'Incident', id: Buffer.from('Component:00000000-0000-0000-0000-000000000001').toString('base64') },
    ];
    const answer = await gql(gateway, key, entities, { representations });
    expect(answer.errors).toBeUndefined();
    expect(answer.data!._entities).toEqual([{ id: incidentId, title: 'Checkout down' }, null, null, null]);
    const node = await gql(gateway, key, 'query($id: ID!) { node(id: $id) { id } }', { id: foreignIncidentId });
    expect(node.data!.node).toBeNull();

    const anonymous = await gql(gateway, null, entities, { representations: representations.slice(0, 1) });
    expect(anonymous.data?._entities ?? [null]).toEqual([null]);

    const throughGateway = await federated('query($id: ID!) { runbookFor(incidentId: $id) { incident { title } } }', { id: foreignIncidentId }, key);
    expect(throughGateway.data?.runbookFor ?? null).toBeNull();
  });
});

describe('FEDERATION is off by default', () => {
  const gateway = useGateway('pglite');

  it('has no _service or _entities', async () => {
    const { key } = await gateway.createOrg(['read']);
    const answer = await gql(gateway, key, '{ _service { sdl } }');
    expect(answer.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
