import { request as httpRequest } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { backends, gql, startTestGateway, useGateway, type TestGateway } from '../support/gateway.js';

/** A public status page asked for everything it shows: requested cost 4,703, most of it unused. */
const HEAVY_STATUS_PAGE = `query ($slug: String!) {
  statusPage(slug: $slug) {
    name components { name status }
    incidents(first: 100) { nodes { title status impact timeline(first: 45) { nodes { kind body postedAt } } } }
  }
}`;
const STREAM = 'subscription ($slug: String!) { componentStatusChanged(statusPageSlug: $slug) { name status } }';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request from a chosen loopback address (127.0.0.0/8 is all this host's), as a client there would send it. */
function requestFrom(
  gateway: TestGateway,
  options: { from?: string; method?: string; path?: string; headers?: Record<string, string>; body?: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${gateway.url}${options.path ?? '/graphql'}`,
      { method: options.method ?? 'GET', localAddress: options.from ?? '127.0.0.1', headers: options.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A GraphQL POST from a chosen loopback address. */
function postFrom(
  gateway: TestGateway,
  options: { from?: string; headers?: Record<string, string>; query: string; variables?: Record<string, unknown> },
): Promise<Answer> {
  return requestFrom(gateway, {
    from: options.from,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    body: JSON.stringify({ query: options.query, variables: options.variables }),
  });
}

/** Opening an acknowledge link that does not exist (410), as a token guesser would. */
const guessAckLink = (gateway: TestGateway, options: { from?: string; headers?: Record<string, string> }) =>
  requestFrom(gateway, { ...options, path: `/ack/${'g'.repeat(43)}` });

/** The acknowledge links' own bucket per client address: 30, refilled at one every 2 s. */
const ACK_BUCKET = 30;

/** An anonymous SSE stream from `from`: resolves with its status once the headers arrive; `close` ends it. */
function streamFrom(gateway: TestGateway, from: string, slug: string): Promise<{ status: number; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      gateway.graphqlUrl,
      { method: 'POST', localAddress: from, headers: { 'content-type': 'application/json', accept: 'text/event-stream' } },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode!, close: () => req.destroy() });
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ query: STREAM, variables: { slug } }));
  });
}

async function flood(count: number, concurrency: number, send: () => Promise<Answer>): Promise<Answer[]> {
  const answers: Answer[] = [];
  const workers = Array.from({ length: concurrency }, async () => {
    while (answers.length < count) {
      const slot = answers.length;
      answers.push(null as never);
      answers[slot] = await send();
    }
  });
  await Promise.all(workers);
  return answers;
}

async function publicPage(gateway: TestGateway): Promise<{ key: string; slug: string }> {
  const { key, slug: orgSlug } = await gateway.createOrg(['write']);
  const slug = `page-${orgSlug}`;
  const created = await gql(gateway, key, 'mutation ($slug: String!) { createStatusPage(input: { slug: $slug, name: "Status" }) { statusPage { id } userErrors { code } } }', { slug });
  expect(created.data?.createStatusPage.userErrors).toEqual([]);
  return { key, slug };
}

const codesOf = (answer: Answer) => (JSON.parse(answer.body) as { errors?: { extensions?: { code?: string } }[] }).errors?.map((error) => error.extensions?.code) ?? [];

describe.each(backends)('anonymous rate limits per client address on %s', (backend) => {
  // The defaults: ANON_RATE_LIMIT_BUCKET 300, ANON_RATE_LIMIT_REFILL_PER_SECOND 10, ANON_MAX_STREAMS_PER_IP 20.
  const gateway = useGateway(backend, { RATE_LIMIT: 'on' });
  let page: { key: string; slug: string };
  const opened: { close(): void }[] = [];
  beforeAll(async () => {
    page = await publicPage(gateway);
  });
  afterEach(() => opened.splice(0).forEach((stream) => stream.close()));

  const heavy = (from: string, headers?: Record<string, string>) => postFrom(gateway, { from, headers, query: HEAVY_STATUS_PAGE, variables: { slug: page.slug } });

  it('answers a flood of anonymous statusPage queries with 429 RATE_LIMITED, per client address', async () => {
    const answers = await flood(250, 16, () => heavy('127.0.0.2'));
    const limited = answers.filter((answer) => answer.status === 429);
    const served = answers.filter((answer) => answer.status === 200);
    expect(served.length + limited.length).toBe(answers.length);
    // 300 points, refilled at 10 a second: each answer needs a full bucket (most of it is given
    // back, the page being small), so the flood gets a few answers a second, not hundreds.
    expect(served.length).toBeGreaterThan(0);
    expect(limited.length).toBeGreaterThan(answers.length / 2);
    const refusal = limited[0];
    expect(codesOf(refusal)).toEqual(['RATE_LIMITED']);
    expect(Number(refusal.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refusal.headers['ratelimit-limit']).toBe('300');
    expect(Number(refusal.headers['ratelimit-remaining'])).toBeLessThan(300);
    expect(JSON.parse(refusal.body).data ?? null).toBeNull();

    // Through Yoga's own HTTP layer (a request with Origin does not take the direct path) alike.
    const viaYoga = (await flood(40, 8, () => heavy('127.0.0.2', { origin: 'https://status.example' }))).find((answer) => answer.status === 429);
    expect(viaYoga, 'no 429 through Yoga').toBeDefined();
    expect(codesOf(viaYoga!)).toEqual(['RATE_LIMITED']);
    expect(viaYoga!.headers['ratelimit-limit']).toBe('300');
    expect(Number(viaYoga!.headers['retry-after'])).toBeGreaterThanOrEqual(1);

    // Another address has its own bucket, and a key its own from any address.
    const other = await heavy('127.0.0.3');
    expect(other.status).toBe(200);
    expect(JSON.parse(other.body).data.statusPage.name).toBe('Status');
    const keyed = await postFrom(gateway, { from: '127.0.0.2', headers: { authorization: `Bearer ${page.key}` }, query: '{ viewer { scopes } }' });
    expect(keyed.status).toBe(200);
    expect(keyed.headers['ratelimit-limit']).toBe('1000');
  }, 120_000);

  it('charges what a query really used: a small page leaves most of the bucket', async () => {
    const first = await heavy('127.0.0.4');
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body).extensions.cost).toMatchObject({ requestedQueryCost: 4703, throttleStatus: { maximumAvailable: 300, restoreRate: 10 } });
    expect(Number(first.headers['ratelimit-remaining'])).toBeGreaterThan(290);
  });

  it('ignores X-Forwarded-For without TRUST_PROXY', async () => {
    const answers = await flood(60, 6, () => heavy('127.0.0.5', { 'x-forwarded-for': `198.51.100.${Math.floor(Math.random() * 250)}` }));
    expect(answers.filter((answer) => answer.status === 429).length).toBeGreaterThan(30);
  });

  it(`allows at most ANON_MAX_STREAMS_PER_IP (20) open anonymous SSE streams per address; the next one gets 429`, async () => {
    const streams = await Promise.all(Array.from({ length: 20 }, () => streamFrom(gateway, '127.0.0.6', page.slug)));
    opened.push(...streams);
    expect(streams.map((stream) => stream.status)).toEqual(Array(20).fill(200));
    const refused = await postFrom(gateway, { from: '127.0.0.6', headers: { accept: 'text/event-stream' }, query: STREAM, variables: { slug: page.slug } });
    expect(refused.status).toBe(429);
    expect(codesOf(refused)).toEqual(['RATE_LIMITED']);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);

    const elsewhere = await streamFrom(gateway, '127.0.0.7', page.slug);
    opened.push(elsewhere);
    expect(elsewhere.status).toBe(200);
    // A stream that ends gives its slot back.
    streams[0].close();
    let again = 429;
    for (let attempt = 0; attempt < 50 && again === 429; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const stream = await streamFrom(gateway, '127.0.0.6', page.slug);
      opened.push(stream);
      again = stream.status;
    }
    expect(again).toBe(200);
  });
});

describe.each(backends)('TRUST_PROXY on %s', (backend) => {
  const gateway = useGateway(backend, { RATE_LIMIT: 'on', TRUST_PROXY: '127.0.0.0/8', ANON_RATE_LIMIT_BUCKET: '20', ANON_RATE_LIMIT_REFILL_PER_SECOND: '1' });
  let slug: string;
  beforeAll(async () => {
    ({ slug } = await publicPage(gateway));
  });

  it('believes X-Forwarded-For from a trusted proxy: each forwarded client has its own bucket', async () => {
    const from = (client: string) =>
      postFrom(gateway, { headers: { 'x-forwarded-for': `${client}, 127.0.0.9` }, query: HEAVY_STATUS_PAGE, variables: { slug } });
    const answers = await flood(10, 2, () => from('203.0.113.7'));
    expect(answers.some((answer) => answer.status === 429)).toBe(true);
    expect((await from('203.0.113.7')).status).toBe(429);
    expect((await from('203.0.113.8')).status).toBe(200);
    // The same client behind another proxy hop of ours is the same client.
    expect((await postFrom(gateway, { from: '127.0.0.10', headers: { 'x-forwarded-for': '203.0.113.7' }, query: HEAVY_STATUS_PAGE, variables: { slug } })).status).toBe(429);
  });

  it('limits guesses at acknowledge links per forwarded client too', async () => {
    const guess = (client: string) => guessAckLink(gateway, { headers: { 'x-forwarded-for': `${client}, 127.0.0.9` } });
    const answers = await flood(ACK_BUCKET + 10, 4, () => guess('203.0.113.20'));
    expect(answers.filter((answer) => answer.status === 410).length).toBeGreaterThanOrEqual(ACK_BUCKET);
    expect(answers.filter((answer) => answer.status === 429).length).toBeGreaterThan(0);
    expect((await guess('203.0.113.20')).status).toBe(429);
    expect((await guess('203.0.113.21')).status).toBe(410);
  });
});

describe('RATE_LIMIT=off', () => {
  const gateway = useGateway('pglite', { RATE_LIMIT: 'off', ANON_RATE_LIMIT_BUCKET: '1', ANON_MAX_STREAMS_PER_IP: '0' });
  let slug: string;
  beforeAll(async () => {
    ({ slug } = await publicPage(gateway));
  });

  it('turns off the anonymous limits too', async () => {
    const answers = await flood(20, 4, () => postFrom(gateway, { query: HEAVY_STATUS_PAGE, variables: { slug } }));
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    const stream = await streamFrom(gateway, '127.0.0.1', slug);
    stream.close();
    expect(stream.status).toBe(200);
  });
});

const redisUrls = process.env.TEST_REDIS_URL ? [process.env.TEST_REDIS_URL] : [];

describe.each(redisUrls)('anonymous limits shared by two instances through Redis (%s)', (redisUrl) => {
  let first: TestGateway;
  let second: TestGateway;
  let slugs: string[];
  const opened: { close(): void }[] = [];
  // A loopback address of this run's own: the shared Redis may hold other runs' buckets.
  const from = `127.${1 + Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
  beforeAll(async () => {
    const env = { RATE_LIMIT: 'on', REDIS_URL: redisUrl, ANON_RATE_LIMIT_BUCKET: '20', ANON_RATE_LIMIT_REFILL_PER_SECOND: '1', ANON_MAX_STREAMS_PER_IP: '2' };
    [first, second] = await Promise.all([startTestGateway('pglite', env), startTestGateway('pglite', env)]);
    slugs = [(await publicPage(first)).slug, (await publicPage(second)).slug];
  });
  afterAll(async () => {
    opened.forEach((stream) => stream.close());
    await Promise.all([first?.stop(), second?.stop()]);
  });

  it('draws one address from one bucket on both instances', async () => {
    const heavy = (gateway: TestGateway, slug: string) => postFrom(gateway, { from, query: HEAVY_STATUS_PAGE, variables: { slug } });
    expect((await heavy(first, slugs[0])).status).toBe(200);
    // The first instance took the whole bucket (20) and gave back what the small page left unused,
    // about 17 points: the second needs a full bucket again, 3 s of refill away. On its own bucket it would answer.
    const refused = await heavy(second, slugs[1]);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['ratelimit-remaining'])).toBeLessThan(20);
  });

  it('draws an address’s guesses at acknowledge links from one bucket on both instances', async () => {
    const ackFrom = `127.${1 + Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
    const answers = await flood(ACK_BUCKET + 5, 4, () => guessAckLink(first, { from: ackFrom }));
    expect(answers.filter((answer) => answer.status === 429).length).toBeGreaterThan(0);
    // On a bucket of its own the second instance would answer 410.
    expect((await guessAckLink(second, { from: ackFrom })).status).toBe(429);
  });

  it('counts an address’s streams over both instances', async () => {
    const a = await streamFrom(first, from, slugs[0]);
    const b = await streamFrom(second, from, slugs[1]);
    opened.push(a, b);
    expect([a.status, b.status]).toEqual([200, 200]);
    const third = await streamFrom(first, from, slugs[0]);
    opened.push(third);
    expect(third.status).toBe(429);
    b.close();
    let again = 429;
    for (let attempt = 0; attempt < 50 && again === 429; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const stream = await streamFrom(first, from, slugs[0]);
      opened.push(stream);
      again = stream.status;
    }
    expect(again).toBe(200);
  });
});
