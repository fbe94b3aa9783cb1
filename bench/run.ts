import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { encodeGlobalID } from '@pothos/plugin-relay';
import pg from 'pg';
import { DEFAULT_POOL_SIZE } from '../src/db/client.js';
import { cpuSeconds } from './process-cpu.js';
import { openMigratedDatabase } from '../src/db/open-migrated.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { issueApiKey } from '../src/services/api-keys.js';
import { generateIntegrationKey } from '../src/auth/keys.js';
import { enqueueTrigger, GATEWAY, PEER } from './workloads.js';

/**
 * `npm run bench`: W0-W3 and W5 against their baselines and the PostGraphile peer, in one run, on a fresh
 * PostgreSQL database (BENCH_DATABASE_URL's server, default 127.0.0.1:5432), loopback only.
 * Each workload alternates its targets for ROUNDS rounds of SECONDS seconds and keeps the median.
 * Writes bench/results/<date>.json and latest.json, and the table in bench/README.md.
 *
 *   BENCH_SECONDS (default 5), BENCH_ROUNDS (3), BENCH_CONNECTIONS (10)
 *   BENCH_ONLY=W1,W2   run only these workloads (W4 is bench/fanout.ts, run after the others)
 *   BENCH_PROFILE=W2   instead: run the gateway under `node --cpu-prof` for that workload and summarize the profile
 *   BENCH_GATEWAY_ENV='{"LOG_LEVEL":"warn"}'   extra environment for the gateway
 *   BENCH_RENDER_ONLY=1   measure nothing: write the table of results/latest.json into bench/README.md again
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const POOL_SIZE = DEFAULT_POOL_SIZE;
const ONLY = process.env.BENCH_ONLY?.split(',');
const PROFILE = process.env.BENCH_PROFILE;
/** Extra environment for the gateway, e.g. '{"LOG_LEVEL":"warn"}', to measure a setting. */
const GATEWAY_ENV = JSON.parse(process.env.BENCH_GATEWAY_ENV ?? '{}') as Record<string, string>;
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

const SEED = { incidents: 200, updatesPerIncident: 10, components: 10, users: 10 };

// ------------------------------------------------------------------ database

async function onServer(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

interface Seeded {
  orgId: string;
  key: string;
  incidentId: string;
  componentIds: [string, string];
  /** Key of an integration whose incidents get the two components, as W3's do. */
  integrationKey: string;
}

/** A board of SEED.incidents incidents with owners, timelines and two components each, plus a key. */
async function seed(databaseUrl: string | undefined, dataDir: string): Promise<Seeded> {
  const config = loadConfig({ DATABASE_URL: databaseUrl, DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
  const db = await openMigratedDatabase(config, createLogger('warn'));
  try {
    const prisma = db.prisma;
    const org = await prisma.organization.create({ data: { slug: `bench-${randomBytes(3).toString('hex')}`, name: 'Bench' } });
    const { key } = await issueApiKey(prisma, org.id, 'bench', ['write']);
    const orgId = org.id;
    await prisma.$executeRawUnsafe(
      `INSERT INTO "User" (id, "orgId", name, email) SELECT gen_random_uuid(), $1::uuid, 'Responder ' || u, 'responder' || u || '@example.com' FROM generate_series(1, ${SEED.users}) u`,
      orgId,
    );
    await prisma.$executeRawUnsafe(
      `INSERT INTO "Component" (id, "orgId", name, position, "updatedAt") SELECT gen_random_uuid(), $1::uuid, 'Component ' || c, c, now() FROM generate_series(1, ${SEED.components}) c`,
      orgId,
    );
    await prisma.$executeRawUnsafe(
      `INSERT INTO "Incident" (id, "orgId", number, title, description, status, severity, "ownerId", tags, "startedAt", "updatedAt", "lastUpdateSequence")
       SELECT gen_random_uuid(), $1::uuid, g, 'Incident ' || g, 'What happened in incident ' || g,
         (ARRAY['INVESTIGATING','IDENTIFIED','MONITORING','RESOLVED'])[1 + g % 4]::"IncidentStatus",
         (ARRAY['CRITICAL','HIGH','MEDIUM','LOW'])[1 + g % 4]::"IncidentSeverity",
         (SELECT id FROM "User" WHERE "orgId" = $1::uuid AND email = 'responder' || (1 + g % ${SEED.users}) || '@example.com'),
         ARRAY['bench'], now() - g * interval '1 hour', now(), ${SEED.updatesPerIncident}
       FROM generate_series(1, ${SEED.incidents}) g`,
      orgId,
    );
    await prisma.$executeRawUnsafe(
      `INSERT INTO "IncidentComponent" ("incidentId", "componentId", status, position)
       SELECT i.id, c.id, 'DEGRADED_PERFORMANCE', k FROM "Incident" i CROSS JOIN generate_series(0, 1) k
       JOIN "Component" c ON c."orgId" = i."orgId" AND c.position = 1 + (i.number + k) % ${SEED.components}
       WHERE i."orgId" = $1::uuid`,
      orgId,
    );
    await prisma.$executeRawUnsafe(
      `INSERT INTO "IncidentUpdate" (id, "orgId", "incidentId", sequence, kind, status, body, "postedAt")
       SELECT gen_random_uuid(), i."orgId", i.id, s, CASE WHEN s = 1 THEN 'CREATED' ELSE 'MESSAGE' END::"TimelineEntryKind", i.status,
         'Timeline entry ' || s || ' of incident ' || i.number, i."startedAt" + s * interval '1 minute'
       FROM "Incident" i CROSS JOIN generate_series(1, ${SEED.updatesPerIncident}) s WHERE i."orgId" = $1::uuid`,
      orgId,
    );
    await prisma.organization.update({ where: { id: orgId }, data: { nextIncidentNumber: SEED.incidents + 1 } });
    if (databaseUrl) await prisma.$executeRawUnsafe('VACUUM ANALYZE');
    const incident = await prisma.incident.findFirstOrThrow({ where: { orgId }, orderBy: { startedAt: 'desc' } });
    const components = await prisma.component.findMany({ where: { orgId }, orderBy: { position: 'asc' }, take: 2 });
    const integration = generateIntegrationKey();
    await prisma.integration.create({
      data: { orgId, name: 'Bench monitoring', keyHash: integration.hash, components: { create: components.map((component, position) => ({ componentId: component.id, position })) } },
    });
    return { orgId, key, incidentId: incident.id, componentIds: [components[0].id, components[1].id], integrationKey: integration.key };
  } finally {
    await db.close();
  }
}

// ------------------------------------------------------------------ processes

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

interface Server {
  name: string;
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** An OTLP/HTTP endpoint that reads and drops what it is sent: tracing's cost on the gateway alone. */
async function startTraceSink(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createHttpServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function startServer(name: string, args: string[], env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${stderr}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`${name} did not start: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return {
    name,
    url,
    process: child,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function residentMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

// ------------------------------------------------------------------ load

interface Target {
  name: string;
  server: Server;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** A body for each request instead of `body` every time (W5's distinct triggers). */
  nextBody?: () => string;
  /** What a correct answer contains; checked once before measuring. */
  expect: string;
}

interface Run {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  cpuMsPerRequest: number;
  rssMb: number;
  errors: number;
}

async function load(target: Target, seconds: number, overallRate?: number): Promise<Run> {
  const pid = target.server.process.pid!;
  const cpuBefore = await cpuSeconds(pid);
  const result = await autocannon({
    url: target.server.url + target.path,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body: target.body,
    ...(target.nextBody ? { requests: [{ setupRequest: (request: autocannon.Request) => ({ ...request, body: target.nextBody!() }) }] } : {}),
    connections: CONNECTIONS,
    duration: seconds,
    ...(overallRate ? { overallRate } : {}),
  });
  const cpu = (await cpuSeconds(pid)) - cpuBefore;
  const completed = result.requests.total;
  return {
    requestsPerSecond: Math.round(completed / seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuMsPerRequest: completed ? Math.round(((cpu * 1000) / completed) * 1000) / 1000 : 0,
    rssMb: await residentMb(pid),
    errors: result.errors + result.non2xx + result.timeouts,
  };
}

async function check(target: Target): Promise<void> {
  const response = await fetch(target.server.url + target.path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body: target.body,
  });
  const text = await response.text();
  if (!response.ok || !text.includes(target.expect) || text.includes('"errors"')) {
    throw new Error(`${target.name} answered ${response.status}: ${text.slice(0, 500)}`);
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

interface Summary extends Omit<Run, 'errors'> {
  target: string;
  runs: number[];
  errors: number;
}

/** Rounds of every target, in rotated order each round; the median of each figure. */
async function measure(targets: Target[]): Promise<Summary[]> {
  const runs = new Map<string, Run[]>(targets.map((target) => [target.name, []]));
  for (const target of targets) {
    await check(target);
    await load(target, 1); // warm-up: JIT, pools, prepared statements
  }
  for (let round = 0; round < ROUNDS; round += 1) {
    const order = targets.map((_, index) => targets[(index + round) % targets.length]);
    for (const target of order) runs.get(target.name)!.push(await load(target, SECONDS));
  }
  return targets.map((target) => {
    const list = runs.get(target.name)!;
    return {
      target: target.name,
      requestsPerSecond: round(median(list.map((run) => run.requestsPerSecond)), 0),
      p50: round(median(list.map((run) => run.p50)), 1),
      p99: round(median(list.map((run) => run.p99)), 1),
      cpuMsPerRequest: round(median(list.map((run) => run.cpuMsPerRequest)), 3),
      rssMb: Math.max(...list.map((run) => run.rssMb)),
      errors: list.reduce((sum, run) => sum + run.errors, 0),
      runs: list.map((run) => run.requestsPerSecond),
    };
  });
}

// ------------------------------------------------------------------ workloads

interface WorkloadResult {
  id: string;
  title: string;
  goal: string;
  targets: Summary[];
  ratios: Record<string, number>;
  extra?: Record<string, unknown>;
}

const ratio = (a: Summary | undefined, b: Summary | undefined) =>
  a && b && b.requestsPerSecond ? Math.round((a.requestsPerSecond / b.requestsPerSecond) * 1000) / 1000 : NaN;

async function main() {
  if (process.env.BENCH_RENDER_ONLY) {
    await writeTable(JSON.parse(await readFile(path.join(here, 'results', 'latest.json'), 'utf8')) as Report);
    return;
  }
  const started = Date.now();
  const loadAtStart = os.loadavg().map((value) => Math.round(value * 10) / 10);
  const databaseName = `ig_bench_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const databaseUrl = Object.assign(new URL(SERVER_URL), { pathname: `/${databaseName}` }).toString();
  const pgliteDir = await mkdtemp(path.join(os.tmpdir(), 'ig-bench-'));
  const servers: Server[] = [];
  await onServer(`CREATE DATABASE "${databaseName}"`);
  try {
    const data = await seed(databaseUrl, pgliteDir);
    const pgliteData = PROFILE ? null : await seed(undefined, pgliteDir);
    // The baseline and the peer get the pool the gateway picks for this machine.
    const pool = { POOL_SIZE: String(POOL_SIZE) };
    const gatewayEnv = { DATABASE_URL: databaseUrl, RATE_LIMIT: 'off', ...GATEWAY_ENV };
    const tsx = ['--import', 'tsx'];
    const start = async (name: string, args: string[], env: Record<string, string>) => {
      const server = await startServer(name, args, env);
      servers.push(server);
      return server;
    };

    if (PROFILE) {
      await profile(PROFILE, data, gatewayEnv, start);
      return;
    }

    const gateway = await start('gateway', [...tsx, 'src/main.ts'], gatewayEnv);
    const baseline = await start('baseline', [...tsx, 'bench/baseline-server.ts'], { DATABASE_URL: databaseUrl, BENCH_ORG_ID: data.orgId, ...pool });
    let peer: Server | null = null;
    let peerError: string | null = null;
    try {
      peer = await start('postgraphile', ['--require', './bench/polyfill.cjs', ...tsx, 'bench/postgraphile-server.ts'], {
        DATABASE_URL: databaseUrl,
        GRAPHILE_ENV: 'production',
        ...pool,
      });
    } catch (error) {
      peerError = String(error);
    }
    const gatewayPglite = await start('gateway-pglite', [...tsx, 'src/main.ts'], { DATA_DIR: pgliteDir, RATE_LIMIT: 'off' });

    const auth = { authorization: `Bearer ${data.key}` };
    const gql = (query: string, variables?: Record<string, unknown>) => JSON.stringify({ query, variables });
    const incidentGlobalId = encodeGlobalID('Incident', data.incidentId);
    const results: WorkloadResult[] = [];
    const wanted = (id: string) => !ONLY || ONLY.includes(id);

    if (wanted('W0')) {
      const targets = await measure([
        // Every real request carries a key: W0 is measured with the bench key; the keyless row is for comparison only.
        { name: 'gateway', server: gateway, path: '/graphql', headers: auth, body: gql(GATEWAY.typename), expect: '"Query"' },
        { name: 'node:http', server: baseline, path: '/w0', headers: {}, body: gql(GATEWAY.typename), expect: '"Query"' },
        { name: 'gateway, no key (not a goal)', server: gateway, path: '/graphql', headers: {}, body: gql(GATEWAY.typename), expect: '"Query"' },
      ]);
      results.push({ id: 'W0', title: '`{ __typename }` with an API key', goal: 'gateway / node:http >= 0.20', targets, ratios: { 'gateway / node:http': ratio(targets[0], targets[1]) } });
    }

    if (wanted('W1')) {
      const list: Target[] = [
        { name: 'gateway', server: gateway, path: '/graphql', headers: auth, body: gql(GATEWAY.incident, { id: incidentGlobalId }), expect: '"timeline"' },
        { name: 'hand-written SQL', server: baseline, path: '/w1', headers: {}, body: gql(GATEWAY.incident, { id: data.incidentId }), expect: '"timeline"' },
      ];
      if (peer) list.push({ name: 'postgraphile', server: peer, path: '/graphql', headers: {}, body: gql(PEER.incident, { rowId: data.incidentId }), expect: '"timeline"' });
      // The same gateway with OpenTelemetry tracing on, exporting every trace to a sink that only answers 200.
      const sink = await startTraceSink();
      const traced = await start('gateway-traced', [...tsx, 'src/main.ts'], { ...gatewayEnv, OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_SERVICE_NAME: 'incident-gateway-bench' });
      list.push({ name: 'gateway (tracing on)', server: traced, path: '/graphql', headers: auth, body: gql(GATEWAY.incident, { id: incidentGlobalId }), expect: '"timeline"' });
      const targets = await measure(list);
      await sink.close();
      const byName = (name: string) => targets[list.findIndex((target) => target.name === name)];
      const pglite = pgliteData
        ? await measure([{ name: 'gateway (PGlite)', server: gatewayPglite, path: '/graphql', headers: { authorization: `Bearer ${pgliteData.key}` }, body: gql(GATEWAY.incident, { id: encodeGlobalID('Incident', pgliteData.incidentId) }), expect: '"timeline"' }])
        : [];
      results.push({
        id: 'W1',
        title: '`incident(id)` with owner, timeline(first: 5), components',
        goal: 'gateway / hand-written >= 0.30; faster than PostGraphile; tracing on / off: its cost',
        targets: [...targets, ...pglite],
        ratios: {
          'gateway / hand-written': ratio(targets[0], targets[1]),
          'gateway / postgraphile': ratio(targets[0], byName('postgraphile')),
          'tracing on / off': ratio(byName('gateway (tracing on)'), targets[0]),
        },
      });
    }

    if (wanted('W2')) {
      const list: Target[] = [
        { name: 'gateway', server: gateway, path: '/graphql', headers: auth, body: gql(GATEWAY.incidents), expect: '"totalCount"' },
        { name: 'hand-written SQL', server: baseline, path: '/w2', headers: {}, body: gql(GATEWAY.incidents), expect: '"totalCount"' },
        { name: 'naive resolvers', server: baseline, path: '/naive', headers: {}, body: gql(GATEWAY.incidents), expect: '"totalCount"' },
      ];
      if (peer) list.push({ name: 'postgraphile', server: peer, path: '/graphql', headers: {}, body: gql(PEER.incidents, { orgId: data.orgId }), expect: '"totalCount"' });
      const targets = await measure(list);
      const pglite = pgliteData
        ? await measure([{ name: 'gateway (PGlite)', server: gatewayPglite, path: '/graphql', headers: { authorization: `Bearer ${pgliteData.key}` }, body: gql(GATEWAY.incidents), expect: '"totalCount"' }])
        : [];
      results.push({
        id: 'W2',
        title: '`incidents(first: 50)` nested as in W1, with totalCount',
        goal: 'gateway / hand-written >= 0.30; gateway / naive >= 5; faster than PostGraphile',
        targets: [...targets, ...pglite],
        ratios: {
          'gateway / hand-written': ratio(targets[0], targets[1]),
          'gateway / naive': ratio(targets[0], targets[2]),
          'gateway / postgraphile': ratio(targets[0], targets[3]),
        },
      });
    }

    if (wanted('W3')) {
      const input = w3Input(data);
      const list: Target[] = [
        { name: 'gateway', server: gateway, path: '/graphql', headers: auth, body: gql(GATEWAY.createIncident, { input }), expect: '"number"' },
        { name: 'hand-written transaction', server: baseline, path: '/w3', headers: {}, body: gql(GATEWAY.createIncident, { input: { ...input, componentIds: data.componentIds } }), expect: '"number"' },
      ];
      const targets = await measure(list);
      // Latency at half of each target's own peak throughput.
      const halfPeak: Record<string, { rate: number; p50: number; p99: number }> = {};
      for (const [index, target] of list.entries()) {
        const rate = Math.max(1, Math.round(targets[index].requestsPerSecond / 2));
        const run = await load(target, SECONDS, rate);
        halfPeak[target.name] = { rate, p50: run.p50, p99: run.p99 };
      }
      results.push({
        id: 'W3',
        title: '`createIncident` with 2 components',
        goal: 'gateway / hand-written >= 0.5; p99 <= 20 ms at half of peak',
        targets,
        ratios: { 'gateway / hand-written': ratio(targets[0], targets[1]) },
        extra: { halfPeak },
      });
    }

    if (wanted('W5')) {
      const trigger = (dedupKey: string) => ({ name: '', server: gateway, path: '/v2/enqueue', headers: {}, body: enqueueTrigger(data.integrationKey, dedupKey), expect: '"success"' });
      // The repeated trigger's alert is open before measuring (check() sends it once): every request then only counts it.
      const list: Target[] = [
        { ...trigger('bench-repeated'), name: 'repeated trigger (open alert)' },
        { name: 'createIncident', server: gateway, path: '/graphql', headers: auth, body: gql(GATEWAY.createIncident, { input: w3Input(data) }), expect: '"number"' },
        { ...trigger('bench-distinct'), name: 'distinct triggers (new alert + incident)', nextBody: () => enqueueTrigger(data.integrationKey, randomBytes(12).toString('hex')) },
      ];
      const targets = await measure(list);
      results.push({
        id: 'W5',
        title: 'alert intake: Events API triggers on /v2/enqueue',
        goal: 'repeated / createIncident >= 5; distinct / createIncident >= 0.8',
        targets,
        ratios: { 'repeated trigger / createIncident': ratio(targets[0], targets[1]), 'distinct triggers / createIncident': ratio(targets[2], targets[1]) },
      });
    }

    // W4 (subscription fan-out) is bench/fanout.ts, on its own gateway; its figures go beside ours.
    let fanout: unknown = null;
    if (wanted('W4')) {
      await Promise.all(servers.splice(0).map((server) => server.stop()));
      fanout = await runFanout(started);
    }

    const report = {
      date: new Date().toISOString(),
      machine: {
        cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'unknown'}`,
        memoryGb: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
        postgres: await serverVersion(),
        // Other work on the machine skews every figure; ratios within one run are the comparable part.
        loadAverageAtStart: loadAtStart,
        loadAverageAtEnd: os.loadavg().map((value) => Math.round(value * 10) / 10),
      },
      settings: { seconds: SECONDS, rounds: ROUNDS, connections: CONNECTIONS, poolSize: POOL_SIZE, seed: SEED },
      peer: peer ? 'postgraphile 5.1.5 (amber preset, PgIndexBehaviorsPlugin off)' : `not measured: ${peerError}`,
      durationSeconds: Math.round((Date.now() - started) / 1000),
      workloads: results,
      fanout,
    };
    const stamp = report.date.replace(/[:.]/g, '-');
    await writeFile(path.join(here, 'results', `${stamp}.json`), JSON.stringify(report, null, 2) + '\n');
    await writeFile(path.join(here, 'results', 'latest.json'), JSON.stringify(report, null, 2) + '\n');
    await writeTable(report);
    console.log(renderTable(report));
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await onServer(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
    await rm(pgliteDir, { recursive: true, force: true });
  }
}

/** The whole `npm run bench` stays under 10 minutes: fan-out gets what is left of this budget. */
const BENCH_BUDGET_MS = 9.5 * 60_000;

/** Runs bench/fanout.ts (bounded in time) and returns what it wrote, or why there is nothing. */
async function runFanout(startedAt: number): Promise<unknown> {
  const budget = BENCH_BUDGET_MS - (Date.now() - startedAt);
  if (budget < 60_000) return { error: 'skipped: less than a minute of the time budget left' };
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/fanout.ts'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  const timer = setTimeout(() => child.kill('SIGTERM'), budget);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  if (code !== 0) return { error: `bench/fanout.ts exited with ${code}` };
  return JSON.parse(await readFile(path.join(here, 'results', 'fanout.json'), 'utf8'));
}

async function serverVersion(): Promise<string> {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    return (await client.query('SHOW server_version')).rows[0].server_version;
  } finally {
    await client.end();
  }
}

// ------------------------------------------------------------------ profile

type Start = (name: string, args: string[], env: Record<string, string>) => Promise<Server>;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/** W3's createIncident input: a title and the two seeded components. */
function w3Input(data: Seeded) {
  return { title: 'Bench incident', componentIds: data.componentIds.map((id) => encodeGlobalID('Component', id)) };
}

/** Runs one workload against a gateway under --cpu-prof and prints where its self time goes. */
async function profile(workload: string, data: Seeded, env: Record<string, string>, start: Start): Promise<void> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'ig-prof-'));
  const gateway = await start('gateway', ['--cpu-prof', `--cpu-prof-dir=${directory}`, '--import', 'tsx', 'src/main.ts'], env);
  const auth = { authorization: `Bearer ${data.key}` };
  const bodies: Record<string, { headers: Record<string, string>; body: string }> = {
    W0: { headers: auth, body: JSON.stringify({ query: GATEWAY.typename }) },
    W1: { headers: auth, body: JSON.stringify({ query: GATEWAY.incident, variables: { id: encodeGlobalID('Incident', data.incidentId) } }) },
    W2: { headers: auth, body: JSON.stringify({ query: GATEWAY.incidents }) },
    W3: { headers: auth, body: JSON.stringify({ query: GATEWAY.createIncident, variables: { input: w3Input(data) } }) },
  };
  const { headers, body } = bodies[workload];
  const target: Target = { name: 'gateway', server: gateway, path: '/graphql', headers, body, expect: '"data"' };
  await check(target);
  const run = await load(target, SECONDS * 4);
  await gateway.stop();
  const { readdir } = await import('node:fs/promises');
  const [file] = await readdir(directory);
  const profileData = JSON.parse(await readFile(path.join(directory, file), 'utf8')) as { nodes: ProfileNode[] };
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const node of profileData.nodes) {
    const hits = node.hitCount ?? 0;
    total += hits;
    const { url, functionName, lineNumber } = node.callFrame;
    const where = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? (url.includes('/src/') ? 'src (ours)' : url.startsWith('node:') ? url : url ? 'other' : functionName || '(native)');
    byPackage.set(where, (byPackage.get(where) ?? 0) + hits);
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(root, '')}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
  }
  const top = (map: Map<string, number>, count: number) =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, count).map(([name, hits]) => `${((hits / total) * 100).toFixed(1).padStart(5)}%  ${name}`);
  console.log(`${workload}: ${run.requestsPerSecond} req/s under the profiler, ${run.cpuMsPerRequest} ms CPU/request\n`);
  console.log('self time by package:\n' + top(byPackage, 20).join('\n'));
  console.log('\nself time by function:\n' + top(byFunction, 30).join('\n'));
  await rm(directory, { recursive: true, force: true });
}

// ------------------------------------------------------------------ report

type Report = {
  date: string;
  machine: Record<string, unknown>;
  settings: Record<string, unknown>;
  peer: string;
  durationSeconds: number;
  workloads: WorkloadResult[];
  fanout: unknown;
};

function renderTable(report: Report): string {
  const lines = [
    `Latest run: ${report.date.slice(0, 16).replace('T', ' ')} UTC on ${report.machine.cpus}, ${report.machine.memoryGb} GB, Node ${report.machine.node}, PostgreSQL ${report.machine.postgres}; ` +
      `load average ${(report.machine.loadAverageAtStart as number[])[0]} at start, ${(report.machine.loadAverageAtEnd as number[])[0]} at end; ` +
      `${report.settings.rounds} alternated rounds of ${report.settings.seconds} s, ${report.settings.connections} connections, median; whole run ${report.durationSeconds} s. Peer: ${report.peer}.`,
    '',
    '| workload | target | req/s | p50 ms | p99 ms | CPU ms/req | RSS MB | errors |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const workload of report.workloads) {
    for (const target of workload.targets) {
      lines.push(
        `| ${workload.id} ${workload.title} | ${target.target} | ${target.requestsPerSecond} | ${target.p50} | ${target.p99} | ${target.cpuMsPerRequest} | ${target.rssMb} | ${target.errors} |`,
      );
    }
  }
  lines.push('', '| workload | goal | ratio | measured |', '| --- | --- | --- | ---: |');
  for (const workload of report.workloads) {
    for (const [name, value] of Object.entries(workload.ratios)) {
      lines.push(`| ${workload.id} | ${workload.goal} | ${name} | ${Number.isNaN(value) ? 'n/a' : value.toFixed(3)} |`);
    }
    const halfPeak = workload.extra?.halfPeak as Record<string, { rate: number; p50: number; p99: number }> | undefined;
    for (const [name, figures] of Object.entries(halfPeak ?? {})) {
      lines.push(`| ${workload.id} | p99 <= 20 ms at half of peak | ${name} at ${figures.rate} req/s: p50 / p99 ms | ${figures.p50} / ${figures.p99} |`);
    }
  }
  lines.push(...renderFanout(report.fanout));
  return lines.join('\n');
}

interface FanoutResult {
  subscribers: number;
  deliveries: number;
  latencyMs: { p50: number; p99: number; max: number };
  gatewayMemory: { rssBytesPerSubscriber: number; heapBytesPerSubscriber: number };
}

/** W4's figures (bench/fanout.ts) against its goals, or why there are none. */
function renderFanout(fanout: unknown): string[] {
  const results = (fanout as { results?: FanoutResult[] } | null)?.results;
  if (!results) return ['', `W4: no figures (${(fanout as { error?: string } | null)?.error ?? 'not run'}).`];
  const lines = [
    '',
    '| W4 subscribers | deliveries | p50 ms (goal <= 50) | p99 ms (goal <= 250) | max ms | KB per subscriber, RSS / heap (goal <= 30) |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const kb = (bytes: number) => (bytes / 1024).toFixed(0);
  for (const result of results) {
    const memory = result.gatewayMemory;
    lines.push(
      `| ${result.subscribers} | ${result.deliveries} | ${result.latencyMs.p50} | ${result.latencyMs.p99} | ${result.latencyMs.max} | ${kb(memory.rssBytesPerSubscriber)} / ${kb(memory.heapBytesPerSubscriber)} |`,
    );
  }
  return lines;
}

const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

async function writeTable(report: Report): Promise<void> {
  const file = path.join(here, 'README.md');
  const readme = await readFile(file, 'utf8');
  const from = readme.indexOf(START);
  const to = readme.indexOf(END);
  if (from < 0 || to < 0) throw new Error(`bench/README.md lacks the ${START} / ${END} markers`);
  await writeFile(file, `${readme.slice(0, from + START.length)}\n${renderTable(report)}\n${readme.slice(to)}`);
}

await main();
