import { isAsyncIterable } from 'graphql-yoga';
import { parse, subscribe } from 'graphql';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/graphql/schema.js';
import { backends, gql, useGateway, sharedDeployments, useSharedDeployment } from '../support/gateway.js';
import { pubsubListeners, sseSubscribe, untilListeners, untilListenersAtMost, wsClient } from '../support/subscriptions.js';

const TIMELINE = `subscription ($id: ID!, $after: String) {
  incidentTimeline(incidentId: $id, after: $after) { sequence cursor kind body }
}`;

const CHANGED = `subscription ($filter: IncidentFilter) {
  incidentChanged(filter: $filter) { type cursor incident { title severity status } }
}`;

describe.each(backends)('subscriptions on %s', (backend) => {
  const gateway = useGateway(backend);
  let key: string;
  /** Pub/sub listeners with no client connected. */
  let idle: number;
  beforeAll(async () => {
    ({ key } = await gateway.createOrg(['write']));
    idle = await pubsubListeners(gateway);
  });
  /** Clients a test opened; closed after it, passed or failed. */
  const opened: { dispose(): unknown }[] = [];
  const connect = (withKey: string | null) => {
    const ws = wsClient(gateway, withKey);
    opened.push(ws);
    return ws;
  };
  const sse = async (withKey: string | null, query: string, variables?: Record<string, unknown>) => {
    const stream = await sseSubscribe(gateway, withKey, query, variables);
    opened.push({ dispose: stream.close });
    return stream;
  };
  // Clients leave asynchronously: each test starts once the previous one's listeners are gone.
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((client) => client.dispose()));
    await untilListenersAtMost(gateway, idle);
  });

  async function createIncident(title: string, extra = '', withKey = key): Promise<string> {
    const response = await request(withKey, `mutation { createIncident(input: { title: "${title}" ${extra} }) { incident { id } userErrors { code } } }`);
    return response.data!.createIncident.incident.id;
  }
  async function post(incidentId: string, body: string, withKey = key) {
    const response = await request(withKey, 'mutation ($id: ID!, $body: String!) { postIncidentUpdate(input: { incidentId: $id, body: $body }) { update { sequence } userErrors { code } } }', {
      id: incidentId,
      body,
    });
    expect(response.data?.postIncidentUpdate.userErrors).toEqual([]);
    return response.data!.postIncidentUpdate.update.sequence as number;
  }
  const request = (withKey: string | null, query: string, variables?: Record<string, unknown>) => gql(gateway, withKey, query, variables);

  it('delivers new timeline entries live over WebSocket with exactly the selected fields', async () => {
    const incidentId = await createIncident('Live delivery');
    const ws = connect(key);
    const before = await pubsubListeners(gateway);
    const subscription = ws.subscribe(
      'subscription ($id: ID!) { incidentTimeline(incidentId: $id) { kind body cursor incident { title } } }',
      { id: incidentId },
    );
    const received = subscription.next();
    await untilListeners(gateway, before + 1);
    await post(incidentId, 'We found it');
    expect(await received).toEqual({
      data: { incidentTimeline: { kind: 'MESSAGE', body: 'We found it', cursor: '2', incident: { title: 'Live delivery' } } },
    });
  });

  it('replays the entries after a cursor, then continues live', async () => {
    const incidentId = await createIncident('Replay');
    for (const body of ['one', 'two', 'three']) await post(incidentId, body);
    const ws = connect(key);
    const subscription = ws.subscribe(TIMELINE, { id: incidentId, after: '2' });
    const replayed = await subscription.take(2);
    expect(replayed.map((result) => result.data?.incidentTimeline)).toEqual([
      { sequence: 3, cursor: '3', kind: 'MESSAGE', body: 'two' },
      { sequence: 4, cursor: '4', kind: 'MESSAGE', body: 'three' },
    ]);
    await post(incidentId, 'four');
    expect((await subscription.next()).data?.incidentTimeline).toEqual({ sequence: 5, cursor: '5', kind: 'MESSAGE', body: 'four' });
  });

  it('starts a timeline subscription with two reads (the incident checked; once listening, its entries and whether it still exists), replaying what the timeline query shows', async () => {
    const incidentId = await createIncident('Started');
    await request(key, 'mutation ($id: ID!) { transitionIncident(input: { id: $id, status: IDENTIFIED, message: "Found it" }) { userErrors { code } } }', { id: incidentId });
    await post(incidentId, 'A note');
    const FIELDS = 'id sequence cursor kind status body postedAt notifySubscribers changes { field from to } postedBy { __typename }';
    const timeline = await request(key, `query ($id: ID!) { incident(id: $id) { timeline(first: 10) { nodes { ${FIELDS} } } } }`, { id: incidentId });
    const { result, statements } = await gateway.statementsDuring(() =>
      connect(key).subscribe(`subscription ($id: ID!) { incidentTimeline(incidentId: $id, after: "0") { ${FIELDS} } }`, { id: incidentId }).take(3),
    );
    expect(result.map((entry) => entry.data?.incidentTimeline)).toEqual(timeline.data?.incident.timeline.nodes);
    const reads = statements.map((statement) => statement.sql).filter((sql) => /"public"\."Incident(Update)?"/.test(sql));
    expect(reads).toHaveLength(2);
    expect(reads[0]).not.toContain('"IncidentUpdate"');
    expect(reads[1]).toContain('"public"."IncidentUpdate"');
  });

  it('replays a timeline longer than one page read, then continues live', async () => {
    const incidentId = await createIncident('Long');
    // Entries 2 to 102: the replay reads them in two pages.
    await Promise.all(Array.from({ length: 101 }, (_, index) => post(incidentId, `entry ${index}`)));
    const subscription = connect(key).subscribe(TIMELINE, { id: incidentId, after: '0' });
    expect((await subscription.take(102)).map((result) => result.data?.incidentTimeline.sequence)).toEqual(Array.from({ length: 102 }, (_, index) => index + 1));
    await post(incidentId, 'live');
    expect((await subscription.next()).data?.incidentTimeline.sequence).toBe(103);
  });

  it('costs the same statements per update for each selection once as for many subscribers of each, each receiving its own', async () => {
    const incidentId = await createIncident('Fan-out');
    const selections = ['body kind incident { title }', 'sequence body'];
    const statementsWith = async (subscribers: number) => {
      const before = await pubsubListeners(gateway);
      const streams = Array.from({ length: subscribers }, (_, index) =>
        connect(key).subscribe(`subscription ($id: ID!) { incidentTimeline(incidentId: $id) { ${selections[index % selections.length]} } }`, { id: incidentId }),
      );
      const received = streams.map((stream) => stream.next());
      await untilListeners(gateway, before + subscribers);
      const { result, statements } = await gateway.statementsDuring(async () => {
        await post(incidentId, `to ${subscribers}`);
        return Promise.all(received);
      });
      // The timeline and incident reads; the notification worker may poll its outbox meanwhile.
      return { result, statements: statements.map((statement) => statement.sql).filter((sql) => /"public"\."Incident(Update)?"/.test(sql)) };
    };
    const once = await statementsWith(2);
    const many = await statementsWith(8);
    expect(many.statements).toEqual(once.statements);
    expect(many.result).toEqual(
      Array.from({ length: 8 }, (_, index) => ({
        data: { incidentTimeline: index % 2 === 0 ? { body: 'to 8', kind: 'MESSAGE', incident: { title: 'Fan-out' } } : { sequence: 3, body: 'to 8' } },
      })),
    );
  });

  it('has no gap and no duplicate when entries are written while subscribers switch from replay to live', async () => {
    const incidentId = await createIncident('Busy');
    const ws = connect(key);
    const total = 25;
    const subscribers: ReturnType<typeof ws.subscribe>[] = [];
    // A writer posts one entry after another while subscribers join from the start at different moments.
    for (let written = 1; written < total; written += 1) {
      if (written % 4 === 1) subscribers.push(ws.subscribe(TIMELINE, { id: incidentId, after: '0' }));
      await post(incidentId, `entry ${written}`);
    }
    for (const subscription of subscribers) {
      const sequences = (await subscription.take(total)).map((result) => result.data?.incidentTimeline.sequence);
      expect(sequences).toEqual(Array.from({ length: total }, (_, index) => index + 1));
    }
    await post(incidentId, 'one more');
    for (const subscription of subscribers) expect((await subscription.next()).data?.incidentTimeline.sequence).toBe(total + 1);
  });

  it('completes a timeline subscription whose incident is deleted after the subscription checked it and before it listens', async () => {
    const incidentId = await createIncident('Deleted while subscribing');
    const check = await gateway.running.gateway.verifiedKeys.check(key);
    if (check.status !== 'valid') throw new Error(`the test key is ${check.status}`);
    // The subscription as a transport runs it, on the gateway's own database and pub/sub, except
    // that the test, not the transport, decides when to ask for the first event: in between, the
    // delete commits and announces the end to nobody.
    const stream = await subscribe({
      schema,
      document: parse(TIMELINE),
      variableValues: { id: incidentId },
      contextValue: { db: gateway.running.db, pubsub: gateway.running.pubsub, auth: check.auth, requestId: 'deleted-while-subscribing' },
    });
    if (!isAsyncIterable(stream)) throw new Error(`the subscription did not start: ${JSON.stringify(stream)}`);
    const events = stream[Symbol.asyncIterator]();
    opened.push({ dispose: () => events.return?.() });
    const deleted = await request(key, 'mutation ($id: ID!) { deleteIncident(input: { id: $id }) { deletedIncidentId } }', { id: incidentId });
    expect(deleted.data?.deleteIncident.deletedIncidentId).toBe(incidentId);
    const first = events.next();
    const stillOpen = new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), 3_000));
    expect(await Promise.race([first, stillOpen])).toEqual({ done: true, value: undefined });
  });

  it('answers an incident of another organization as a missing one (NOT_FOUND)', async () => {
    const other = await gateway.createOrg(['write']);
    const foreignIncident = await createIncident('Not yours', '', other.key);
    const ws = connect(key);
    for (const id of [foreignIncident, 'SW5jaWRlbnQ6MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw']) {
      const result = await ws.subscribe(TIMELINE, { id }).next();
      expect(result.errors).toEqual([expect.objectContaining({ extensions: { code: 'NOT_FOUND' } })]);
    }
  });

  it('closes a WebSocket without a key or with a bad key with 4401', async () => {
    for (const badKey of [null, 'igw_000000000000_not-a-real-secret', 'nonsense']) {
      const ws = connect(badKey);
      await ws.subscribe(CHANGED).failure();
      expect(await ws.closed).toBe(4401);
    }
  });

  it('refuses a key without the read scope with FORBIDDEN', async () => {
    const { key: noScopes } = await gateway.createOrg([]);
    const ws = connect(noScopes);
    const result = await ws.subscribe(CHANGED).next();
    expect(result.errors).toEqual([expect.objectContaining({ extensions: { code: 'FORBIDDEN' } })]);
  });

  it('sends incidentChanged events of the caller organization that match the filter', async () => {
    const { key: orgKey } = await gateway.createOrg(['write']);
    const other = await gateway.createOrg(['write']);
    const ws = connect(orgKey);
    const before = await pubsubListeners(gateway);
    const critical = ws.subscribe(CHANGED, { filter: { severity: { eq: 'CRITICAL' } } });
    const all = ws.subscribe(CHANGED);
    const firstCritical = critical.take(3);
    const firstAny = all.next();
    await untilListeners(gateway, before + 2);
    await createIncident('Another org', 'severity: CRITICAL', other.key);
    await createIncident('Minor', 'severity: LOW', orgKey);
    const id = await createIncident('Major', 'severity: CRITICAL', orgKey);
    await request(orgKey, 'mutation ($id: ID!) { transitionIncident(input: { id: $id, status: RESOLVED }) { userErrors { code } } }', { id });
    await request(orgKey, 'mutation ($id: ID!) { deleteIncident(input: { id: $id }) { deletedIncidentId } }', { id });
    expect((await firstAny).data?.incidentChanged).toEqual({
      type: 'CREATED',
      cursor: expect.any(String),
      incident: { title: 'Minor', severity: 'LOW', status: 'INVESTIGATING' },
    });
    expect((await firstCritical).map((result) => [result.data?.incidentChanged.type, result.data?.incidentChanged.incident])).toEqual([
      ['CREATED', { title: 'Major', severity: 'CRITICAL', status: 'INVESTIGATING' }],
      ['TRANSITIONED', { title: 'Major', severity: 'CRITICAL', status: 'RESOLVED' }],
      ['DELETED', { title: 'Major', severity: 'CRITICAL', status: 'RESOLVED' }],
    ]);
  });

  it('matches incidentChanged filters exactly as the incidents query filters', async () => {
    const { key: orgKey } = await gateway.createOrg(['write']);
    const made = async (query: string, variables: Record<string, unknown>) => {
      const response = await request(orgKey, query, variables);
      expect(response.errors).toBeUndefined();
      return Object.values(response.data!)[0] as Record<string, { id: string }>;
    };
    const user = async (name: string) =>
      (await made('mutation ($input: CreateUserInput!) { createUser(input: $input) { user { id } } }', { input: { name, email: `${name}@example.com` } })).user.id;
    const [ana, bo] = [await user('ana'), await user('bo')];
    const api = (await made('mutation { createComponent(input: { name: "API" }) { component { id } } }', {})).component.id;
    const incidents: Record<string, unknown>[] = [
      { title: 'Checkout slow', severity: 'HIGH', tags: ['db', 'eu'], ownerId: ana, componentIds: [api] },
      {
        title: 'Login errors',
        description: 'Checkout unaffected',
        severity: 'LOW',
        tags: ['Auth'],
        startedAt: '2025-06-01T00:00:00.000Z',
        acknowledgedAt: '2025-06-01T00:05:00.000Z',
      },
      { title: 'DB failover', severity: 'CRITICAL', tags: ['db'], status: 'RESOLVED' },
      { title: 'Upgrade', kind: 'MAINTENANCE', tags: ['eu'], ownerId: bo },
      { title: 'Sentinel', tags: ['sentinel'], severity: 'LOW' },
    ];
    const ids: string[] = [];
    for (const input of incidents) {
      ids.push((await made('mutation ($input: CreateIncidentInput!) { createIncident(input: $input) { incident { id } } }', { input })).incident.id);
    }
    const filters: Record<string, unknown>[] = [
      { severity: { in: ['HIGH', 'CRITICAL'] } },
      { tag: { eq: 'db' } },
      { tag: { notIn: ['db'] } },
      { ownerId: { notIn: [ana] } },
      { ownerId: { in: [ana, bo] }, kind: { eq: 'INCIDENT' } },
      { resolvedAt: { isNull: true }, status: { notIn: ['SCHEDULED'] } },
      { search: 'checkout' },
      { componentId: { eq: api } },
      { componentId: { notIn: [api] } },
      { startedAt: { lt: '2026-01-01T00:00:00.000Z' } },
      { acknowledgedAt: { isNull: true } },
      { acknowledgedAt: { isNull: false } },
      { acknowledgedAt: { gte: '2025-06-01T00:05:00.000Z', lt: '2026-01-01T00:00:00.000Z' } },
      { tag: { eq: 'DB' } },
      { tag: { in: ['auth', 'EU'] } },
      { tag: { notIn: ['AUTH'] } },
      { or: [{ severity: { eq: 'LOW' } }, { and: [{ tag: { in: ['eu'] } }, { kind: { eq: 'INCIDENT' } }] }] },
      { or: [] },
    ];
    const ws = connect(orgKey);
    const before = await pubsubListeners(gateway);
    // Each subscription also hears of the sentinel: once it arrives, everything before it has.
    const subscriptions = filters.map((filter) => ws.subscribe(CHANGED, { filter: { or: [filter, { tag: { eq: 'sentinel' } }] } }));
    await untilListeners(gateway, before + filters.length);
    for (const id of ids) {
      await request(orgKey, 'mutation ($id: ID!) { postIncidentUpdate(input: { incidentId: $id, body: "ping" }) { userErrors { code } } }', { id });
    }
    for (const [index, filter] of filters.entries()) {
      const heard: string[] = [];
      for (;;) {
        const title = (await subscriptions[index].next()).data?.incidentChanged.incident.title as string;
        if (title === 'Sentinel') break;
        heard.push(title);
      }
      const listed = await request(orgKey, 'query ($filter: IncidentFilter) { incidents(first: 100, filter: $filter) { nodes { title } } }', { filter });
      const expected = (listed.data!.incidents.nodes as { title: string }[]).map((node) => node.title).filter((title) => title !== 'Sentinel');
      expect({ filter, titles: heard.sort() }).toEqual({ filter, titles: expected.sort() });
    }
  });

  it('resolves a DELETED incident from its last state, its relations as empty', async () => {
    const id = await createIncident('Short-lived');
    const ws = connect(key);
    const before = await pubsubListeners(gateway);
    const changes = ws.subscribe(
      'subscription { incidentChanged { type incident { id title owner { id } affectedComponents { status } timeline(last: 1) { nodes { id } } } } }',
    );
    const deleted = changes.next();
    await untilListeners(gateway, before + 1);
    await request(key, 'mutation ($id: ID!) { deleteIncident(input: { id: $id }) { deletedIncidentId } }', { id });
    expect(await deleted).toEqual({
      data: { incidentChanged: { type: 'DELETED', incident: { id, title: 'Short-lived', owner: null, affectedComponents: [], timeline: { nodes: [] } } } },
    });
  });

  it('sends component status changes of a status page, to anyone for a public page (over SSE)', async () => {
    const { key: orgKey } = await gateway.createOrg(['write']);
    const stranger = await gateway.createOrg(['write']);
    const componentIds: string[] = [];
    for (const name of ['API', 'Web', 'Internal']) {
      const created = await request(orgKey, `mutation { createComponent(input: { name: "${name}" }) { component { id } } }`);
      componentIds.push(created.data!.createComponent.component.id);
    }
    const suffix = Math.random().toString(36).slice(2, 8);
    const pages = { public: `public-${suffix}`, private: `private-${suffix}` };
    for (const [slug, isPublic] of [[pages.public, true], [pages.private, false]] as const) {
      const created = await request(orgKey, 'mutation ($input: CreateStatusPageInput!) { createStatusPage(input: $input) { userErrors { code } } }', {
        input: { slug, name: slug, public: isPublic, componentIds: componentIds.slice(0, 2) },
      });
      expect(created.data?.createStatusPage.userErrors).toEqual([]);
    }
    const COMPONENTS = 'subscription ($slug: String!) { componentStatusChanged(statusPageSlug: $slug) { name status id component { description } } }';

    for (const [who, slug] of [[null, pages.private], [stranger.key, pages.private], [orgKey, 'no-such-page']] as const) {
      const refused = await sse(who, COMPONENTS, { slug });
      expect((await refused.next())?.errors).toEqual([expect.objectContaining({ extensions: { code: 'NOT_FOUND' } })]);
    }

    const before = await pubsubListeners(gateway);
    const anonymous = await sse(null, COMPONENTS, { slug: pages.public });
    const ws = connect(orgKey);
    const member = ws.subscribe(COMPONENTS, { slug: pages.private });
    const memberEvents = member.take(2);
    await untilListeners(gateway, before + 2);
    const setStatus = (id: string, status: string) =>
      request(orgKey, 'mutation ($id: ID!, $status: ComponentStatus!) { setComponentStatus(input: { id: $id, status: $status }) { userErrors { code } } }', { id, status });
    // Not on the pages: nobody hears of it.
    await setStatus(componentIds[2], 'MAJOR_OUTAGE');
    await setStatus(componentIds[0], 'PARTIAL_OUTAGE');
    await setStatus(componentIds[1], 'DEGRADED_PERFORMANCE');
    expect((await anonymous.next())?.data?.componentStatusChanged).toEqual({ name: 'API', status: 'PARTIAL_OUTAGE', id: null, component: null });
    expect((await anonymous.next())?.data?.componentStatusChanged).toEqual({ name: 'Web', status: 'DEGRADED_PERFORMANCE', id: null, component: null });
    expect((await memberEvents).map((result) => result.data?.componentStatusChanged)).toEqual([
      { name: 'API', status: 'PARTIAL_OUTAGE', id: componentIds[0], component: { description: null } },
      { name: 'Web', status: 'DEGRADED_PERFORMANCE', id: componentIds[1], component: { description: null } },
    ]);
  });

  it('publishes nothing for a rejected mutation', async () => {
    const incidentId = await createIncident('Rejections');
    const ws = connect(key);
    const before = await pubsubListeners(gateway);
    const timeline = ws.subscribe(TIMELINE, { id: incidentId });
    const changes = ws.subscribe(CHANGED);
    const firstEntry = timeline.next();
    const firstChange = changes.next();
    await untilListeners(gateway, before + 2);
    // Rejected inside the transaction (the lifecycle forbids it) and by the version guard.
    const invalid = await request(key, 'mutation ($id: ID!) { transitionIncident(input: { id: $id, status: INVESTIGATING }) { userErrors { code } } }', { id: incidentId });
    expect(invalid.data?.transitionIncident.userErrors).toEqual([{ code: 'INVALID_TRANSITION' }]);
    const stale = await request(key, 'mutation ($id: ID!) { transitionIncident(input: { id: $id, status: IDENTIFIED, expectedVersion: 99 }) { userErrors { code } } }', { id: incidentId });
    expect(stale.data?.transitionIncident.userErrors).toEqual([{ code: 'VERSION_CONFLICT' }]);
    await post(incidentId, 'the first thing that happened');
    expect((await firstEntry).data?.incidentTimeline).toMatchObject({ sequence: 2, body: 'the first thing that happened' });
    expect((await firstChange).data?.incidentChanged).toMatchObject({ type: 'UPDATED', incident: { title: 'Rejections' } });
  });

  it('delivers over SSE with the same key checks as queries', async () => {
    const incidentId = await createIncident('Over SSE');
    const stream = await sse(key, TIMELINE, { id: incidentId, after: '0' });
    expect(stream.status).toBe(200);
    expect(stream.contentType).toContain('text/event-stream');
    expect((await stream.next())?.data?.incidentTimeline).toMatchObject({ sequence: 1, kind: 'CREATED' });
    await post(incidentId, 'streamed');
    expect((await stream.next())?.data?.incidentTimeline).toMatchObject({ sequence: 2, body: 'streamed' });

    for (const badKey of [null, 'igw_000000000000_not-a-real-secret']) {
      const refused = await sse(badKey, TIMELINE, { id: incidentId });
      expect(refused.status).toBe(401);
      expect((await refused.next())?.errors).toEqual([expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' } })]);
    }
  });

  it('frees every listener when clients leave (400 connect/subscribe/disconnect cycles, 50 at a time)', async () => {
    const incidentId = await createIncident('Churn');
    const batch = 50;
    for (let done = 0; done < 400; done += batch) {
      await Promise.all(
        Array.from({ length: batch }, async (_, index) => {
          const ws = wsClient(gateway, key);
          const subscription = index % 2 ? ws.subscribe(TIMELINE, { id: incidentId, after: '0' }) : ws.subscribe(CHANGED);
          if (index % 2) await subscription.next();
          await ws.dispose();
        }),
      );
    }
    await untilListenersAtMost(gateway, idle);
    expect(await pubsubListeners(gateway)).toBe(idle);
  });
});

// Two instances of one deployment: one PostgreSQL database, one Redis (needs TEST_DATABASE_URL and TEST_REDIS_URL).
describe.each(sharedDeployments)('two gateway instances sharing PostgreSQL and Redis (%s)', (redisUrl) => {
  const [first, second] = useSharedDeployment(redisUrl);

  it('delivers each instance’s events to subscribers of the other', async () => {
    const { key } = await first.createOrg(['write']);
    const created = await gql(first, key, 'mutation { createIncident(input: { title: "Across instances" }) { incident { id } } }');
    const id = created.data!.createIncident.incident.id as string;
    const onSecond = wsClient(second, key);
    const onFirst = wsClient(first, key);
    try {
      const [beforeFirst, beforeSecond] = [await pubsubListeners(first), await pubsubListeners(second)];
      const timelineOnSecond = onSecond.subscribe(TIMELINE, { id, after: '0' });
      const changesOnFirst = onFirst.subscribe(CHANGED);
      const changesOnSecond = onSecond.subscribe(CHANGED);
      expect((await timelineOnSecond.next()).data?.incidentTimeline).toMatchObject({ sequence: 1, kind: 'CREATED' });
      const firstChangeOnFirst = changesOnFirst.next();
      const firstChangeOnSecond = changesOnSecond.next();
      await untilListeners(first, beforeFirst + 1);
      await untilListeners(second, beforeSecond + 2);

      // Written through the first instance, heard on the second.
      await gql(first, key, 'mutation ($id: ID!) { postIncidentUpdate(input: { incidentId: $id, body: "from the first" }) { userErrors { code } } }', { id });
      expect((await timelineOnSecond.next()).data?.incidentTimeline).toMatchObject({ sequence: 2, body: 'from the first' });
      expect((await firstChangeOnSecond).data?.incidentChanged).toMatchObject({ type: 'UPDATED', incident: { title: 'Across instances' } });
      expect((await firstChangeOnFirst).data?.incidentChanged).toMatchObject({ type: 'UPDATED' });

      // Written through the second, heard on the first.
      await gql(second, key, 'mutation ($id: ID!) { transitionIncident(input: { id: $id, status: IDENTIFIED }) { userErrors { code } } }', { id });
      expect((await changesOnFirst.next()).data?.incidentChanged).toMatchObject({ type: 'TRANSITIONED', incident: { status: 'IDENTIFIED' } });
      expect((await timelineOnSecond.next()).data?.incidentTimeline).toMatchObject({ sequence: 3, kind: 'STATUS_CHANGED' });
    } finally {
      await Promise.all([onFirst.dispose(), onSecond.dispose()]);
    }
  });
});
