import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { encodeGlobalID } from '@pothos/plugin-relay';
import pg from 'pg';
import { DEFAULT_POOL_SIZE } from '../src/db/client.js';
import { cpuSeconds } from './process-cpu.js';
import { freePort } from '../test/support/ports.js';
import { openMigratedDatabase } from '../src/db/open-migrated.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { issueApiKey } from '../src/services/api-keys.js';
import { generateIntegrationKey } from '../src/auth/keys.js';
import { ON_CALL_HORIZON_MS, OPEN_STATUSES } from '../src/http/board/page/state.js';
import { enqueueTrigger, GATEWAY, PEER } from './workloads.js';

/**
 * `npm run bench`: W0-W3 and W5 against their baselines and the PostGraphile peer, in one run, on a fresh
 * PostgreSQL database (BENCH_DATABASE_URL's server, default 127.0.0.1:5432), loopback only.
 * Each workload alternates its targets for ROUNDS rounds of SECONDS seconds and keeps the median.
 * Writes bench/results/<date>.json and latest.json, and the table in bench/README.md.
 *
 *   BENCH_SECONDS (default 3), BENCH_ROUNDS (3), BENCH_CONNECTIONS (10)
 *   BENCH_ONLY=W1,W2   run only these workloads (W4 is bench/fanout.ts, run after the others)
 *   BENCH_PROFILE=W2   instead: run the gateway under `node --cpu-prof` for that workload and summarize the profile
 *   BENCH_GATEWAY_ENV='{"LOG_LEVEL":"warn"}'   extra environment for the gateway
 *   BENCH_RENDER_ONLY=1   measure nothing: write the table of results/latest.json into bench/README.md again
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const POOL_SIZE = DEFAULT_POOL_SIZE;
const ONLY = process.env.BENCH_ONLY?.split(',');
const PROFILE = process.env.BENCH_PROFILE;
/** Extra environment for the gateway, e.g. '{"LOG_LEVEL":"warn"}', to measure a setting. */
const GATEWAY_ENV = JSON.parse(process.env.BENCH_GATEWAY_ENV ?? '{}') as Record<string, string>;
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** The PGlite gateway's W1 and W2 rows (off by default: they are no goal, and the run has 10 minutes). */
const PGLITE = process.env.BENCH_PGLITE === '1';
const PRODUCTION_MAIN = 'dist/src/main.js';

const SEED = { incidents: 2000, openEvery: 7, updatesPerIncident: 10, components: 10, users: 10, schedules: 3 };

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

/**
 * An organization of SEED.incidents incidents, one in SEED.openEvery open (the rest resolved or in
 * postmortem, with resolvedAt), severities, statuses and tags varied (tags among api, database,
 * network), each with an owner, a timeline and two components; the open ones escalating with a
 * page each; SEED.schedules schedules of one daily rotation of 3; and an API key.
 */
async function seed(databaseUrl: string | undefined, dataDir: string): Promise<Seeded> {
  const config = loadConfig({ DATABASE_URL: databaseUrl, DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
  const db = await openMigratedDatabase(config, createLogger('warn'));
  try {
    const prisma = db.prisma;
    const org = await prisma.organization.create({ data: { slug: `bench-${randomBytes(3).toString('hex')}`, name: 'Bench' } });
    const { key } = await issueApiKey(prisma, org.id, 'bench', ['write']);
    const orgId = org.id;
    const run = (sql: string) => prisma.$executeRawUnsafe(sql, orgId);
    await run(
      `INSERT INTO "User" (id, "orgId", name, email) SELECT gen_random_uuid(), $1::uuid, 'Responder ' || u, 'responder' || u || '@example.com' FROM generate_series(1, ${SEED.users}) u`,
    );
    await run(
      `INSERT INTO "Component" (id, "orgId", name, position, "updatedAt") SELECT gen_random_uuid(), $1::uuid, 'Component ' || c, c, now() FROM generate_series(1, ${SEED.components}) c`,
    );
    // g % openEvery = 0 is open (one of three open statuses), the rest closed; severity by g % 4, tags by g % 5: independent.
    await run(
      `INSERT INTO "Incident" (id, "orgId", number, title, description, status, severity, "ownerId", tags, "tagKeys", "startedAt", "resolvedAt", "updatedAt", "lastUpdateSequence")
       SELECT gen_random_uuid(), $1::uuid, g, 'Incident ' || g, 'What happened in incident ' || g,
         (CASE WHEN g % ${SEED.openEvery} = 0 THEN (ARRAY['INVESTIGATING','IDENTIFIED','MONITORING'])[1 + (g / ${SEED.openEvery}) % 3]
               ELSE (ARRAY['RESOLVED','RESOLVED','POSTMORTEM'])[1 + g % 3] END)::"IncidentStatus",
         (ARRAY['CRITICAL','HIGH','MEDIUM','LOW'])[1 + g % 4]::"IncidentSeverity",
         (SELECT id FROM "User" WHERE "orgId" = $1::uuid AND email = 'responder' || (1 + g % ${SEED.users}) || '@example.com'),
         t.tags, t.tags, now() - g * interval '1 hour',
         CASE WHEN g % ${SEED.openEvery} = 0 THEN NULL ELSE now() - g * interval '1 hour' + interval '2 hours' END,
         now(), ${SEED.updatesPerIncident}
       FROM generate_series(1, ${SEED.incidents}) g
       CROSS JOIN LATERAL (SELECT CASE g % 5 WHEN 0 THEN ARRAY['api'] WHEN 1 THEN ARRAY['database'] WHEN 2 THEN ARRAY['api', 'database'] WHEN 3 THEN ARRAY['network'] ELSE ARRAY[]::text[] END AS tags) t`,
    );
    await run(
      `INSERT INTO "IncidentComponent" ("incidentId", "componentId", status, position)
       SELECT i.id, c.id, 'DEGRADED_PERFORMANCE', k FROM "Incident" i CROSS JOIN generate_series(0, 1) k
       JOIN "Component" c ON c."orgId" = i."orgId" AND c.position = 1 + (i.number + k) % ${SEED.components}
       WHERE i."orgId" = $1::uuid`,
    );
    await run(
      `INSERT INTO "IncidentUpdate" (id, "orgId", "incidentId", sequence, kind, status, body, "postedAt")
       SELECT gen_random_uuid(), i."orgId", i.id, s, CASE WHEN s = 1 THEN 'CREATED' ELSE 'MESSAGE' END::"TimelineEntryKind", i.status,
         'Timeline entry ' || s || ' of incident ' || i.number, i."startedAt" + s * interval '1 minute'
       FROM "Incident" i CROSS JOIN generate_series(1, ${SEED.updatesPerIncident}) s WHERE i."orgId" = $1::uuid`,
    );
    // The board shows each open incident's escalation and its last page.
    await run(
      `INSERT INTO "Escalation" ("incidentId", "orgId", state, level, "nextEscalationAt", "updatedAt")
       SELECT id, "orgId", 'ACTIVE', number % 3, now() + interval '10 minutes', now() FROM "Incident" WHERE "orgId" = $1::uuid AND "resolvedAt" IS NULL`,
    );
    await run(
      `INSERT INTO "Page" (id, "orgId", "incidentId", "userId", level, at)
       SELECT gen_random_uuid(), "orgId", id, "ownerId", number % 3, "startedAt" + interval '1 minute' FROM "Incident" WHERE "orgId" = $1::uuid AND "resolvedAt" IS NULL`,
    );
    await run(
      `INSERT INTO "Schedule" (id, "orgId", name, "timeZone", "createdAt")
       SELECT gen_random_uuid(), $1::uuid, 'Rotation ' || s, 'UTC', now() - s * interval '1 day' FROM generate_series(1, ${SEED.schedules}) s`,
    );
    await run(
      `INSERT INTO "ScheduleLayer" (id, "scheduleId", position, name, "rotationStart", "shiftLengthSeconds")
       SELECT gen_random_uuid(), id, 0, 'Daily', date_trunc('day', now()) - interval '30 days', 86400 FROM "Schedule" WHERE "orgId" = $1::uuid`,
    );
    await run(
      `INSERT INTO "ScheduleLayerParticipant" ("layerId", position, "userId")
       SELECT l.id, p, u.id FROM "ScheduleLayer" l JOIN "Schedule" s ON s.id = l."scheduleId" CROSS JOIN generate_series(0, 2) p
       JOIN "User" u ON u."orgId" = s."orgId" AND u.email = 'responder' || (1 + p) || '@example.com' WHERE s."orgId" = $1::uuid`,
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

/** One goal of the issue, what this run measured for it, and whether that meets it. */
interface Goal {
  goal: string;
  measured: string;
  met: boolean;
}

interface WorkloadResult {
  id: string;
  title: string;
  targets: Summary[];
  ratios: Record<string, number>;
  goals: Goal[];
}

/** The goal "ratio >= minimum" (`wording` instead of the formula where it reads better). */
function atLeast(name: string, ratios: Record<string, number>, minimum: number, wording = `${name} >= ${minimum}`): Goal {
  const value = ratios[name];
  return { goal: wording, measured: Number.isNaN(value) ? 'n/a' : `${name} ${value.toFixed(3)}`, met: value >= minimum };
}

/** What the client sends for the next page: a target's answer to W2's first page, picked by `pick`. */
async function firstPageEnd(server: Server, headers: Record<string, string>, body: string, pick: (body: any) => string): Promise<string> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const response = await fetch(`${server.url}${server.name === 'baseline' ? '/w2' : '/graphql'}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      const answer = await response.json();
      const cursor = pick(answer);
      if (!cursor) throw new Error(`${server.name}: no end of the first page in ${JSON.stringify(answer).slice(0, 300)}`);
      return cursor;
    } catch (error) {
      // A reset connection on a loaded machine is tried again; a wrong answer is not.
      if (attempt === 3 || !(error instanceof TypeError)) throw error;
    }
  }
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
    const pgliteData = PGLITE && !PROFILE ? await seed(undefined, pgliteDir) : null;
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

    // The gateway as production runs it (docs/operations.md): built, `node dist/src/main.js`.
    await build();
    const productionEnv = { ...gatewayEnv, NODE_ENV: 'production' };
    const gateway = await start('gateway', [PRODUCTION_MAIN], productionEnv);
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
    const gatewayPglite = pgliteData ? await start('gateway-pglite', [PRODUCTION_MAIN], { DATA_DIR: pgliteDir, RATE_LIMIT: 'off' }) : null;

    const auth = { authorization: `Bearer ${data.key}` };
    const gql = (query: string, variables?: Record<string, unknown>) => JSON.stringify({ query, variables });
    const incidentGlobalId = encodeGlobalID('Incident', data.incidentId);
    const results: WorkloadResult[] = [];
    const wanted = (id: string) => !ONLY || ONLY.includes(id);
    const byName = (targets: Summary[], name: string) => targets.find((target) => target.target === name);
    const pgliteRow = async (body: string, expect: string) =>
      gatewayPglite && pgliteData
        ? measure([{ name: 'gateway (PGlite)', server: gatewayPglite, path: '/graphql', headers: { authorization: `Bearer ${pgliteData.key}` }, body, expect }])
        : [];

    if (wanted('W0')) {
      const list: Target[] = [
        // Every real request carries a key: W0 is measured with the bench key.
        { name: 'gateway', server: gateway, path: '/graphql', headers: auth, body: gql(GATEWAY.typename), expect: '"Query"' },
        { name: 'node:http', server: baseline, path: '/w0', headers: {}, body: gql(GATEWAY.typename), expect: '"Query"' },
      ];
      if (peer) list.push({ name: 'postgraphile', server: peer, path: '/graphql', headers: {}, body: gql(GATEWAY.typename), expect: '"Query"' });
      const targets = await measure(list);
      const ratios = { 'gateway / node:http': ratio(targets[0], targets[1]), 'gateway / postgraphile': ratio(targets[0], byName(targets, 'postgraphile')) };
      results.push({
        id: 'W0',
        title: '`{ __typename }` with an API key',
        targets,
        ratios,
        goals: [atLeast('gateway / node:http', ratios, 0.2), atLeast('gateway / postgraphile', ratios, 1, 'faster than PostGraphile')],
      });
    }

    if (wanted('W1')) {
      const list: Target[] = [
        { name: 'gateway', server: gateway, path: '/graphql', headers: auth, body: gql(GATEWAY.incident, { id: incidentGlobalId }), expect: '"timeline"' },
        { name: 'hand-written SQL', server: baseline, path: '/w1', headers: {}, body: gql(GATEWAY.incident, { id: data.incidentId }), expect: '"timeline"' },
      ];
      if (peer) list.push({ name: 'postgraphile', server: peer, path: '/graphql', headers: {}, body: gql(PEER.incident, { rowId: data.incidentId }), expect: '"timeline"' });
      // The same gateway with OpenTelemetry tracing on, exporting every trace to a sink that only answers 200.
      const sink = await startTraceSink();
      const traced = await start('gateway-traced', [PRODUCTION_MAIN], { ...productionEnv, OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_SERVICE_NAME: 'incident-gateway-bench' });
      list.push({ name: 'gateway (tracing on)', server: traced, path: '/graphql', headers: auth, body: gql(GATEWAY.incident, { id: incidentGlobalId }), expect: '"timeline"' });
      const targets = await measure(list);
      await sink.close();
      await traced.stop();
      const ratios = {
        'gateway / hand-written': ratio(targets[0], targets[1]),
        'gateway / postgraphile': ratio(targets[0], byName(targets, 'postgraphile')),
        'tracing on / off': ratio(byName(targets, 'gateway (tracing on)'), targets[0]),
      };
      results.push({
        id: 'W1',
        title: '`incident(id)` with owner, timeline(first: 5), components',
        targets: [...targets, ...(pgliteData ? await pgliteRow(gql(GATEWAY.incident, { id: encodeGlobalID('Incident', pgliteData.incidentId) }), '"timeline"') : [])],
        ratios,
        goals: [atLeast('gateway / hand-written', ratios, 0.5), atLeast('gateway / postgraphile', ratios, 3)],
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
      const ratios = {
        'gateway / hand-written': ratio(targets[0], targets[1]),
        'gateway / naive': ratio(targets[0], targets[2]),
        'gateway / postgraphile': ratio(targets[0], byName(targets, 'postgraphile')),
      };
      results.push({
        id: 'W2',
        title: '`incidents(first: 50)` nested as in W1, with totalCount',
        targets: [...targets, ...(await pgliteRow(gql(GATEWAY.incidents), '"totalCount"'))],
        ratios,
        goals: [atLeast('gateway / hand-written', ratios, 0.75), atLeast('gateway / postgraphile', ratios, 3)],
      });
    }

    if (wanted('W3')) {
      const input = w3Input(data);
      const list: Target[] = [
        { name: 'gateway', server: gateway, path: '/graphql', headers: auth, body: gql(GATEWAY.createIncident, { input }), expect: '"number"' },
        { name: 'hand-written transaction', server: baseline, path: '/w3', headers: {}, body: gql(GATEWAY.createIncident, { input: { ...input, componentIds: data.componentIds } }), expect: '"number"' },
      ];
      const targets = await measure(list);
      // Latency of both at the same rate: half of the gateway's peak.
      const rate = Math.max(1, Math.round(targets[0].requestsPerSecond / 2));
      const [gatewayAtHalf, handWrittenAtHalf] = [await load(list[0], SECONDS, rate), await load(list[1], SECONDS, rate)];
      const ratios = { 'gateway / hand-written': ratio(targets[0], targets[1]) };
      const p99Ratio = round(gatewayAtHalf.p99 / Math.max(1, handWrittenAtHalf.p99), 2);
      results.push({
        id: 'W3',
        title: '`createIncident` with 2 components',
        targets,
        ratios,
        goals: [
          atLeast('gateway / hand-written', ratios, 0.85),
          {
            goal: `p99 at half of the gateway's peak (${rate} req/s) <= 1.2x the hand-written transaction's p99 at that rate`,
            measured: `gateway p50 / p99 ${gatewayAtHalf.p50} / ${gatewayAtHalf.p99} ms, hand-written ${handWrittenAtHalf.p50} / ${handWrittenAtHalf.p99} ms: ${p99Ratio}x`,
            met: gatewayAtHalf.p99 <= 1.2 * Math.max(1, handWrittenAtHalf.p99),
          },
        ],
      });
    }

    if (wanted('W5')) {
      // Page 2: each target's own cursor for the end of W2's first page.
      const gatewayCursor = await firstPageEnd(gateway, auth, gql(`{ incidents(first: 50) { pageInfo { endCursor } } }`), (body) => body.data.incidents.pageInfo.endCursor);
      const peerCursor = peer
        ? await firstPageEnd(peer, {}, gql(`query ($orgId: UUID!) { allIncidents(first: 50, condition: { orgId: $orgId }, orderBy: [STARTED_AT_DESC, ROW_ID_DESC]) { pageInfo { endCursor } } }`, { orgId: data.orgId }), (body) => body.data.allIncidents.pageInfo.endCursor)
        : '';
      const lastOfFirstPage = await firstPageEnd(baseline, {}, gql(GATEWAY.incidents), (body) => body.data.incidents.nodes[49].id);
      const now = new Date();
      const board = { open: OPEN_STATUSES, now: now.toISOString(), horizon: new Date(now.getTime() + ON_CALL_HORIZON_MS).toISOString() };
      const operations = [
        { name: 'OpenIncidents', expect: '"totalCount"', ours: gql(GATEWAY.openIncidents), path: '/w5-open', peer: gql(PEER.openIncidents, { orgId: data.orgId }) },
        { name: 'page 2 (after:)', expect: '"endCursor"', ours: gql(GATEWAY.incidentsAfter, { after: gatewayCursor }), path: '/w5-page2', handWritten: gql(GATEWAY.incidentsAfter, { after: lastOfFirstPage }), peer: gql(PEER.incidentsAfter, { orgId: data.orgId, after: peerCursor }) },
        { name: 'filter status + severity + tag', expect: '"totalCount"', ours: gql(GATEWAY.incidentsFiltered), path: '/w5-filter', peer: gql(PEER.incidentsFiltered, { orgId: data.orgId }) },
        { name: 'BoardSnapshot', expect: '"schedules"', ours: gql(GATEWAY.boardSnapshot, board), path: '/w5-board', peer: gql(PEER.boardSnapshot, { orgId: data.orgId }) },
      ];
      for (const operation of operations) {
        const list: Target[] = [
          { name: 'gateway', server: gateway, path: '/graphql', headers: auth, body: operation.ours, expect: operation.expect },
          { name: 'hand-written SQL', server: baseline, path: operation.path, headers: {}, body: operation.handWritten ?? operation.ours, expect: operation.expect },
        ];
        if (peer) list.push({ name: 'postgraphile', server: peer, path: '/graphql', headers: {}, body: operation.peer, expect: operation.name === 'BoardSnapshot' ? '"incidents"' : '"nodes"' });
        const targets = await measure(list);
        const ratios = { 'gateway / hand-written': ratio(targets[0], targets[1]), 'gateway / postgraphile': ratio(targets[0], byName(targets, 'postgraphile')) };
        results.push({
          id: 'W5',
          title: operation.name,
          targets,
          ratios,
          goals: [atLeast('gateway / hand-written', ratios, 0.3), atLeast('gateway / postgraphile', ratios, 2)],
        });
      }
    }

    if (wanted('W6')) {
      const trigger = (dedupKey: string) => ({ name: '', server: gateway, path: '/v2/enqueue', headers: {}, body: enqueueTrigger(data.integrationKey, dedupKey), expect: '"success"' });
      // The repeated trigger's alert is open before measuring (check() sends it once): every request then only counts it.
      const list: Target[] = [
        { ...trigger('bench-repeated'), name: 'repeated trigger (open alert)' },
        { name: 'createIncident', server: gateway, path: '/graphql', headers: auth, body: gql(GATEWAY.createIncident, { input: w3Input(data) }), expect: '"number"' },
        { ...trigger('bench-distinct'), name: 'distinct triggers (new alert + incident)', nextBody: () => enqueueTrigger(data.integrationKey, randomBytes(12).toString('hex')) },
      ];
      const targets = await measure(list);
      const ratios = { 'repeated trigger / createIncident': ratio(targets[0], targets[1]), 'distinct triggers / createIncident': ratio(targets[2], targets[1]) };
      results.push({
        id: 'W6',
        title: 'alert intake: Events API triggers on /v2/enqueue',
        targets,
        ratios,
        goals: [atLeast('repeated trigger / createIncident', ratios, 5), atLeast('distinct triggers / createIncident', ratios, 0.8)],
      });
    }

    await Promise.all(servers.splice(0).map((server) => server.stop()));

    // Start and memory: the built gateway as production runs it, and `npm start` (tsx), each on the migrated database.
    const footprints: Footprint[] = [];
    if (wanted('memory')) {
      const w2 = { headers: auth, body: gql(GATEWAY.incidents), expect: '"totalCount"' };
      footprints.push(await footprint('built: node dist/src/main.js', [process.execPath, PRODUCTION_MAIN], productionEnv, w2));
      footprints.push(await footprint('npm start (tsx)', ['npm', 'start'], gatewayEnv, w2));
    }

    // W4 (subscription fan-out) is bench/fanout.ts, on its own gateway; its figures go beside ours.
    const fanout = wanted('W4') ? await runFanout(started) : null;

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
      footprints,
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

/** `npm run build`, as production does before running `node dist/src/main.js`. */
async function build(): Promise<void> {
  const child = spawn('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`npm run build exited with ${code}`);
}

/** Start and memory of one way of running the gateway. */
interface Footprint {
  how: string;
  /** From spawning the command to the first 200 of /readyz, each of START_RUNS starts. */
  startMs: number[];
  /** The gateway process's RSS 5 s after ready, and its highest during W2 (sampled every 100 ms). */
  idleRssMb: number;
  w2RssMb: number;
  /** The same for all processes of the command (npm and tsx's own process around the gateway's). */
  idleRssAllMb: number;
  w2RssAllMb: number;
  w2RequestsPerSecond: number;
}

const START_RUNS = 3;

/** The processes of the process group `pgid` (a command spawned detached), with parents and RSS. */
async function processGroup(pgid: number): Promise<{ pid: number; ppid: number; rssMb: number }[]> {
  const { readdir } = await import('node:fs/promises');
  const found = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Fields after the command's closing parenthesis: state, ppid, pgrp, ...
      const stat = (await readFile(`/proc/${entry}/stat`, 'utf8')).split(') ').at(-1)!.split(' ');
      if (Number(stat[2]) !== pgid) continue;
      found.push({ pid: Number(entry), ppid: Number(stat[1]), rssMb: await residentMb(Number(entry)) });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** The gateway of a process group: the process no other one of the group has as parent. */
const gatewayOf = (group: { pid: number; ppid: number; rssMb: number }[]) => group.find((process) => !group.some((other) => other.ppid === process.pid))!;

/**
 * Starts `command` START_RUNS times on the migrated bench database, timing each start to /readyz;
 * the last one idles 5 s (RSS read) and then answers W2 for SECONDS (highest RSS kept).
 */
async function footprint(how: string, command: string[], env: Record<string, string>, w2: { headers: Record<string, string>; body: string; expect: string }): Promise<Footprint> {
  const startMs: number[] = [];
  for (let run = 1; ; run += 1) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const started = performance.now();
    const child = spawn(command[0], command.slice(1), {
      cwd: root,
      env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: 'ignore',
      detached: true,
    });
    const stop = async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid!, 'SIGTERM');
      const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    };
    try {
      for (;;) {
        if (child.exitCode !== null) throw new Error(`${how} exited with ${child.exitCode}`);
        if (performance.now() - started > 60_000) throw new Error(`${how}: no /readyz within 60 s`);
        const ready = await fetch(`${url}/readyz`).then((response) => response.ok, () => false);
        if (ready) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      startMs.push(Math.round(performance.now() - started));
      if (run < START_RUNS) continue;
      await new Promise((resolve) => setTimeout(resolve, 5000));
      const idle = await processGroup(child.pid!);
      let w2Rss = 0;
      let w2RssAll = 0;
      const sampler = setInterval(() => {
        void processGroup(child.pid!).then((group) => {
          w2Rss = Math.max(w2Rss, gatewayOf(group)?.rssMb ?? 0);
          w2RssAll = Math.max(w2RssAll, group.reduce((sum, process) => sum + process.rssMb, 0));
        });
      }, 100);
      const server: Server = { name: how, url, process: child, stop };
      const target: Target = { name: how, server, path: '/graphql', ...w2 };
      await check(target);
      const w2Run = await load({ ...target, server: { ...server, process: { pid: gatewayOf(idle).pid } as ChildProcess } }, SECONDS);
      clearInterval(sampler);
      return {
        how,
        startMs,
        idleRssMb: gatewayOf(idle).rssMb,
        w2RssMb: w2Rss,
        idleRssAllMb: idle.reduce((sum, process) => sum + process.rssMb, 0),
        w2RssAllMb: w2RssAll,
        w2RequestsPerSecond: w2Run.requestsPerSecond,
      };
    } finally {
      await stop();
    }
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
  const written = await readFile(path.join(here, 'results', 'fanout.json'), 'utf8').then((text) => JSON.parse(text) as { measuredAt: string }, () => null);
  const thisRun = written && Date.parse(written.measuredAt) >= startedAt ? written : null;
  if (code === 0 && thisRun) return thisRun;
  // Stopped by the budget: the sizes it finished, and why the rest are missing.
  const error = code === null ? 'bench/fanout.ts stopped at the end of the time budget' : `bench/fanout.ts exited with ${code}`;
  return thisRun ? { ...thisRun, error } : { error };
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
  footprints?: Footprint[];
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
  const goals: { row: string; goal: Goal }[] = [];
  for (const workload of report.workloads) for (const goal of workload.goals) goals.push({ row: `${workload.id} ${workload.title}`, goal });
  goals.push(...fanoutGoals(report.fanout), ...footprintGoals(report.footprints));
  lines.push('', '| row | goal | measured | met |', '| --- | --- | --- | --- |');
  for (const { row, goal } of goals) lines.push(`| ${row} | ${goal.goal} | ${goal.measured} | ${goal.met ? 'met' : '**not met**'} |`);
  lines.push(...renderFanout(report.fanout), ...renderFootprints(report.footprints));
  return lines.join('\n');
}

interface FanoutResult {
  subscribers: number;
  deliveries: number;
  lost: number;
  gatewayUsPerDelivery: number;
  connectSeconds: number;
  latencyMs: { p50: number; p99: number; max: number };
  gatewayMemory: { rssBytesPerSubscriber: number; heapBytesPerSubscriber: number };
}

const fanoutResults = (fanout: unknown) => (fanout as { results?: FanoutResult[] } | null)?.results;

/** W4's goals: at 5,000 subscribers latency, loss and memory; at 10,000 connected and nothing lost. */
function fanoutGoals(fanout: unknown): { row: string; goal: Goal }[] {
  const results = fanoutResults(fanout);
  const at = (size: number) => results?.find((result) => result.subscribers === size);
  const five = at(5000);
  const ten = at(10000);
  const missing = (fanout as { error?: string } | null)?.error ?? 'not run';
  return [
    {
      row: 'W4 fan-out, 5,000 subscribers',
      goal: five
        ? {
            goal: 'p50 <= 50 ms, p99 <= 250 ms, none lost, <= 15 KB per subscriber',
            measured: `p50 ${five.latencyMs.p50} ms, p99 ${five.latencyMs.p99} ms, ${five.lost} lost of ${five.deliveries + five.lost}, ${(five.gatewayMemory.rssBytesPerSubscriber / 1024).toFixed(1)} KB RSS / ${(five.gatewayMemory.heapBytesPerSubscriber / 1024).toFixed(1)} KB heap`,
            met: five.latencyMs.p50 <= 50 && five.latencyMs.p99 <= 250 && five.lost === 0 && Math.max(five.gatewayMemory.rssBytesPerSubscriber, five.gatewayMemory.heapBytesPerSubscriber) <= 15 * 1024,
          }
        : { goal: 'p50 <= 50 ms, p99 <= 250 ms, none lost, <= 15 KB per subscriber', measured: missing, met: false },
    },
    {
      row: 'W4 fan-out, 10,000 subscribers',
      goal: ten
        ? { goal: 'all connected, none lost', measured: `${ten.subscribers} connected in ${ten.connectSeconds} s, ${ten.lost} lost of ${ten.deliveries + ten.lost}`, met: ten.lost === 0 }
        : { goal: 'all connected, none lost', measured: missing, met: false },
    },
  ];
}

/** The memory and start goals, for each way of running the gateway. */
function footprintGoals(footprints: Footprint[] | undefined): { row: string; goal: Goal }[] {
  return (footprints ?? []).flatMap((footprint) => [
    {
      row: `memory, ${footprint.how}`,
      goal: {
        goal: 'gateway RSS idle <= 150 MB, under W2 <= 250 MB',
        measured: `idle ${footprint.idleRssMb} MB, under W2 ${footprint.w2RssMb} MB (all its processes: ${footprint.idleRssAllMb} / ${footprint.w2RssAllMb} MB)`,
        met: footprint.idleRssMb <= 150 && footprint.w2RssMb <= 250,
      },
    },
    {
      row: `start, ${footprint.how}`,
      goal: { goal: 'process start to /readyz 200 <= 2 s (median of 3)', measured: `${footprint.startMs.join(', ')} ms`, met: median(footprint.startMs) <= 2000 },
    },
  ]);
}

/** W4's figures (bench/fanout.ts), or why there are none. */
function renderFanout(fanout: unknown): string[] {
  const results = fanoutResults(fanout);
  if (!results) return ['', `W4: no figures (${(fanout as { error?: string } | null)?.error ?? 'not run'}).`];
  const lines = [
    '',
    '| W4 subscribers | deliveries | lost | p50 ms | p99 ms | max ms | gateway µs per delivery | KB per subscriber, RSS / heap | connect s |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const kb = (bytes: number) => (bytes / 1024).toFixed(1);
  for (const result of results) {
    const memory = result.gatewayMemory;
    lines.push(
      `| ${result.subscribers} | ${result.deliveries} | ${result.lost} | ${result.latencyMs.p50} | ${result.latencyMs.p99} | ${result.latencyMs.max} | ${result.gatewayUsPerDelivery} | ${kb(memory.rssBytesPerSubscriber)} / ${kb(memory.heapBytesPerSubscriber)} | ${result.connectSeconds} |`,
    );
  }
  return lines;
}

function renderFootprints(footprints: Footprint[] | undefined): string[] {
  if (!footprints?.length) return [];
  return [
    '',
    '| run as | start to /readyz ms | idle RSS MB | RSS under W2 MB | all its processes, idle / W2 MB | W2 req/s |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...footprints.map(
      (footprint) =>
        `| ${footprint.how} | ${footprint.startMs.join(', ')} | ${footprint.idleRssMb} | ${footprint.w2RssMb} | ${footprint.idleRssAllMb} / ${footprint.w2RssAllMb} | ${footprint.w2RequestsPerSecond} |`,
    ),
  ];
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
