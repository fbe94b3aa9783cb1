import { request as httpRequest, type ClientRequest } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { backends, gql, type GraphQLResponse } from '../support/gateway.js';
import { sseSubscribe } from '../support/subscriptions.js';
import { createChildDatabase, killChildGateways, startChildGateway, type ChildDatabase, type ChildGateway } from '../support/child-gateway.js';

const CREATE = 'mutation ($title: String!) { createIncident(input: { title: $title }) { incident { id title } userErrors { code } } }';

/** A request whose body arrives in two parts: in flight from the first part until `finish()`. */
function slowRequest(url: string, key: string, body: string) {
  const request: ClientRequest = httpRequest(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, connection: 'close' },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    request.on('response', (res) => {
      let text = '';
      res.on('data', (data: Buffer) => (text += data.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    request.on('error', reject);
  });
  const half = Math.floor(body.length / 2);
  const started = new Promise<void>((resolve) => request.write(body.slice(0, half), () => resolve()));
  return { started, response, finish: () => request.end(body.slice(half)) };
}

describe.each(backends)('graceful shutdown on %s', (backend) => {
  let database: ChildDatabase;
  let child: ChildGateway | undefined;
  afterAll(async () => {
    killChildGateways();
    await database?.drop();
  });

  it('on SIGTERM finishes in-flight mutations, answers new requests with 503, exits 0, and keeps every acknowledged write', async () => {
    database = await createChildDatabase(backend);
    const { key } = await database.createOrg(['write']);
    child = await startChildGateway({ ...database.env, SHUTDOWN_GRACE_MS: '30000', RATE_LIMIT: 'off' });
    const running = child;
    expect((await gql(running, key, CREATE, { title: 'before shutdown' })).data?.createIncident.userErrors).toEqual([]);

    // A live subscription over SSE must not hold the drain open.
    const stream = await sseSubscribe(running, key, 'subscription { incidentChanged { type } }');
    expect(stream.status).toBe(200);

    // Held in flight by its unfinished body, so the drain lasts until the test lets it finish.
    const held = slowRequest(running.graphqlUrl, key, JSON.stringify({ query: CREATE, variables: { title: 'held in flight' } }));
    await held.started;
    // The gateway must have received it before the signal: its in-flight gauge counts it (and the scrape).
    while (!/^http_requests_in_flight [2-9]/m.test(await (await fetch(`${running.url}/metrics`)).text())) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const burst = Array.from({ length: 20 }, (_, index) =>
      gql(running, key, CREATE, { title: `burst ${index}` }).catch((error: unknown) => ({ status: 0, error })),
    );
    running.process.kill('SIGTERM');

    let refused: Response | undefined;
    for (let attempt = 0; attempt < 200 && !refused; attempt += 1) {
      const response = await fetch(running.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query: CREATE, variables: { title: 'after SIGTERM' } }),
      });
      if (response.status === 503) refused = response;
      else await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(refused?.status).toBe(503);
    expect((await refused!.json()).errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
    expect((await fetch(`${running.url}/healthz`)).status).toBe(503);

    held.finish();
    const heldResponse = await held.response;
    expect(heldResponse.status).toBe(200);
    expect(JSON.parse(heldResponse.body).data.createIncident.incident.title).toBe('held in flight');

    const results = await Promise.all(burst);
    for (const result of results) expect([200, 503]).toContain(result.status);
    const acknowledged = results
      .filter((result): result is GraphQLResponse => result.status === 200)
      .map((result) => result.data!.createIncident.incident.title as string);

    expect(await running.exited).toBe(0);
    expect(running.logs.some((line) => line.includes('stopped cleanly'))).toBe(true);
    expect(running.logs.filter((line) => line.includes('grace period over'))).toEqual([]);
    while (await stream.next().catch(() => null));

    // Same data dir (or database): every acknowledged write is there, nothing refused was written.
    child = await startChildGateway({ ...database.env, RATE_LIMIT: 'off' });
    const listed = await gql(child, key, '{ incidents(first: 100) { totalCount nodes { title } } }');
    const titles = listed.data!.incidents.nodes.map((node: { title: string }) => node.title).sort();
    expect(titles).toEqual(['before shutdown', 'held in flight', ...acknowledged].sort());
    child.process.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    // Three cold starts of a separate process (tsx, migrations, PGlite) take a while on a busy machine.
  }, 240_000);
});
