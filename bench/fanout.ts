/**
 * Subscription fan-out: N WebSocket subscribers (graphql-ws) follow one incident's timeline, one
 * update is posted, and every subscriber's delivery latency is measured (from sending the mutation
 * to receiving the entry), with the gateway's memory per subscriber.
 *
 *   npx tsx bench/fanout.ts              # N = 5000 (latency goals) and 10000 (connected, nothing lost)
 *   npx tsx bench/fanout.ts 200 1000     # other sizes
 *   FANOUT_PROFILE=/tmp/prof npx tsx bench/fanout.ts 1000   # plus a CPU profile of the gateway
 *   FANOUT_HEAP_SNAPSHOT=/tmp/snap npx tsx bench/fanout.ts 2000   # plus heap snapshots without and with the subscribers
 *
 * The gateway runs as its own process (`node --import tsx src/main.ts`) on 127.0.0.1, on a fresh
 * embedded PGlite data dir, with in-process pub/sub, RATE_LIMIT=off and MAX_SOCKETS_PER_KEY=N; its memory comes from its
 * /metrics, each time after a full garbage collection: the gateway runs with
 * `--inspect=127.0.0.1:0`, and the bench sends the DevTools command `HeapProfiler.collectGarbage`
 * to the debugger address the gateway prints on stderr (no hook in the gateway's own code), so
 * memory per subscriber is what the subscribers keep alive, not what the collector has yet to
 * reclaim. RSS after a collection still depends on which pages start-up left free for the first
 * subscribers to reuse (from one run to the next, the first 1,000 cost -22 to +21 KB RSS each), so
 * the subscribers connect in two halves and the figures per subscriber are the second half's own
 * cost (from no subscribers to all of them in `wholeRun`). With FANOUT_HEAP_SNAPSHOT the RSS
 * figures include the snapshots'. One unmeasured round first (the first update after connecting compiles the fan-out
 * path), then ROUNDS measured ones. The latency runs from sending the mutation, so it includes the
 * mutation's own work up to its commit (tens of ms on PGlite; see `mutationMs`, whose response
 * comes after the fan-out on the same event loop).
 *
 * Clients live in this process, so the latency includes their own event-loop queueing: each round
 * records the CPU this process used (`clientCpuMs`) next to the gateway's (`gatewayCpuMs`, from
 * /proc). Parsing 1,000 deliveries costs the clients about a fifth of what sending them costs the
 * gateway, and the two run on different cores, so the figures are the gateway's.
 * Every step is bounded in time; results go to bench/results/fanout.json.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { cpuSeconds } from './process-cpu.js';
import { freePort } from '../test/support/ports.js';

const sizes = process.argv.slice(2).map(Number).filter((size) => Number.isInteger(size) && size > 0);
const SIZES = sizes.length ? sizes : [5000, 10000];
const ROUNDS = 5;
const CONNECT_BATCH = 250;
const STEP_TIMEOUT_MS = 120_000;
/** A delivery not received this long after the update was sent counts as lost. */
const DELIVERY_TIMEOUT_MS = 30_000;
/** Each connection is authenticated and each subscription checked against the database: allow for it. */
const connectTimeoutMs = (size: number) => Math.max(STEP_TIMEOUT_MS, size * 60);
const root = path.resolve(import.meta.dirname, '..');

function within<T>(promise: Promise<T>, what: string, ms = STEP_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function cli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: root, env });
  return stdout.trim().split('\n').at(-1)!;
}

/** The gateway's debugger (DevTools protocol over a WebSocket), to collect its garbage before reading its memory. */
interface Inspector {
  collectGarbage(): Promise<void>;
  /** Writes a heap snapshot (for Chrome DevTools' Memory tab) to `file`. */
  writeHeapSnapshot(file: string): Promise<void>;
  close(): void;
}

async function connectInspector(child: ChildProcess): Promise<Inspector> {
  const address = await within(
    new Promise<string>((resolve, reject) => {
      let seen = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        const found = /Debugger listening on (ws:\/\/\S+)/.exec(seen);
        if (found) resolve(found[1]);
      });
      child.once('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
    }),
    'gateway debugger address',
  );
  const socket = new WebSocket(address);
  await within(new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject)), 'connecting to the gateway debugger');
  let lastId = 0;
  const pending = new Map<number, () => void>();
  let snapshotChunks: string[] = [];
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { id?: number; method?: string; params?: { chunk: string } };
    if (message.id !== undefined) pending.get(message.id)?.();
    else if (message.method === 'HeapProfiler.addHeapSnapshotChunk') snapshotChunks.push(message.params!.chunk);
  });
  function command(method: string, ms?: number): Promise<void> {
    const id = (lastId += 1);
    const answered = new Promise<void>((resolve) => pending.set(id, resolve));
    socket.send(JSON.stringify({ id, method }));
    return within(answered, `${method} in the gateway`, ms).finally(() => pending.delete(id));
  }
  return {
    collectGarbage: () => command('HeapProfiler.collectGarbage'),
    async writeHeapSnapshot(file) {
      snapshotChunks = [];
      await command('HeapProfiler.takeHeapSnapshot', 10 * STEP_TIMEOUT_MS);
      await writeFile(file, snapshotChunks.join(''));
      snapshotChunks = [];
    },
    close: () => socket.close(),
  };
}

async function startGateway(env: NodeJS.ProcessEnv, url: string): Promise<{ child: ChildProcess; inspector: Inspector }> {
  // FANOUT_PROFILE=<dir>: the gateway writes a CPU profile there when it stops.
  const profile = process.env.FANOUT_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.FANOUT_PROFILE)}`] : [];
  const child = spawn(process.execPath, ['--inspect=127.0.0.1:0', ...profile, '--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.pipe(process.stderr);
  const inspector = await connectInspector(child);
  await within(
    (async () => {
      for (;;) {
        if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}`);
        try {
          if ((await fetch(`${url}/readyz`)).ok) return;
        } catch {
          // not listening yet
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })(),
    'gateway start',
  );
  return { child, inspector };
}

/** With FANOUT_HEAP_SNAPSHOT=<dir>, writes the gateway's heap to <dir>/<name>.heapsnapshot (after the memory was read). */
async function heapSnapshot(inspector: Inspector, name: string): Promise<void> {
  const dir = process.env.FANOUT_HEAP_SNAPSHOT;
  if (!dir) return;
  await mkdir(dir, { recursive: true });
  await inspector.writeHeapSnapshot(path.join(dir, `${name}.heapsnapshot`));
}

/** The gateway's resident and heap memory after a full garbage collection. */
async function memoryAfterGc(url: string, inspector: Inspector): Promise<{ rss: number; heap: number }> {
  await inspector.collectGarbage();
  return { rss: await metric(url, 'process_resident_memory_bytes'), heap: await metric(url, 'nodejs_heap_size_used_bytes') };
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((row) => row.startsWith(`${name} `));
  if (!line) throw new Error(`${name} missing from /metrics`);
  return Number(line.split(' ')[1]);
}

async function graphql(url: string, key: string, query: string, variables?: Record<string, unknown>) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, any>; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const round2 = (value: number) => Math.round(value * 100) / 100;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Each arrival's time, or undefined for those that did not arrive within `ms`. */
async function arrivedWithin(arrivals: Promise<number>[], ms: number): Promise<(number | undefined)[]> {
  const times: (number | undefined)[] = new Array(arrivals.length).fill(undefined);
  const all = Promise.all(arrivals.map((arrival, index) => arrival.then((at) => (times[index] = at))));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
  return times;
}

interface Subscriber {
  client: Client;
  /** Resolves with the arrival time of the next entry. */
  nextArrival(): Promise<number>;
}

function subscribe(wsUrl: string, key: string, incidentId: string): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const client = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${key}` },
      retryAttempts: 0,
      lazy: false,
      on: { connected: () => resolve(subscriber), error: reject },
    });
    let waiting: ((at: number) => void) | null = null;
    const subscriber: Subscriber = {
      client,
      nextArrival: () => new Promise((arrived) => (waiting = arrived)),
    };
    client.subscribe(
      { query: 'subscription ($id: ID!) { incidentTimeline(incidentId: $id) { sequence body } }', variables: { id: incidentId } },
      {
        next: () => {
          const at = performance.now();
          waiting?.(at);
          waiting = null;
        },
        error: reject,
        complete: () => undefined,
      },
    );
  });
}

async function measure(size: number) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'ig-fanout-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // One key for every subscriber's socket: MAX_SOCKETS_PER_KEY (50 by default) is raised to let them all in.
  const env = { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', RATE_LIMIT: 'off', DATABASE_URL: '', REDIS_URL: '', MAX_SOCKETS_PER_KEY: String(size) };
  await cli(env, 'org', 'create', '--slug', 'fanout', '--name', 'Fan-out');
  const key = await cli(env, 'key', 'create', '--org', 'fanout', '--scopes', 'write', '--name', 'fanout');
  const { child: gateway, inspector } = await startGateway(env, url);
  const subscribers: Subscriber[] = [];
  try {
    const created = await graphql(url, key, 'mutation { createIncident(input: { title: "Fan-out" }) { incident { id } } }');
    const incidentId = created.createIncident.incident.id as string;
    const baseListeners = await metric(url, 'gateway_pubsub_listeners');
    const before = await memoryAfterGc(url, inspector);
    await heapSnapshot(inspector, `fanout-${size}-without`);
    let connectSeconds = 0;
    async function connect(count: number): Promise<void> {
      const started = performance.now();
      const target = subscribers.length + count;
      await within(
        (async () => {
          while (subscribers.length < target) {
            const batch = Math.min(CONNECT_BATCH, target - subscribers.length);
            subscribers.push(...(await Promise.all(Array.from({ length: batch }, () => subscribe(`ws://127.0.0.1:${port}/graphql`, key, incidentId)))));
          }
          // Subscribed once the gateway holds a listener for each of them.
          while ((await metric(url, 'gateway_pubsub_listeners')) < baseListeners + target) await new Promise((resolve) => setTimeout(resolve, 50));
        })(),
        `connecting ${count} subscribers`,
        connectTimeoutMs(count),
      );
      connectSeconds += (performance.now() - started) / 1000;
    }
    const firstHalf = Math.floor(size / 2);
    await connect(firstHalf);
    const half = await memoryAfterGc(url, inspector);
    await connect(size - firstHalf);
    const after = await memoryAfterGc(url, inspector);
    await heapSnapshot(inspector, `fanout-${size}-with-subscribers`);

    const latencies: number[] = [];
    const mutationMs: number[] = [];
    const gatewayCpuMs: number[] = [];
    const clientCpuMs: number[] = [];
    let lost = 0;
    for (let round = 0; round <= ROUNDS; round += 1) {
      const arrivals = subscribers.map((subscriber) => subscriber.nextArrival());
      const gatewayCpuBefore = await cpuSeconds(gateway.pid!);
      const clientCpuBefore = process.cpuUsage();
      const sent = performance.now();
      await graphql(url, key, 'mutation ($id: ID!, $body: String!) { postIncidentUpdate(input: { incidentId: $id, body: $body }) { update { sequence } } }', {
        id: incidentId,
        body: `round ${round}`,
      });
      const mutationDone = performance.now();
      const received = await arrivedWithin(arrivals, DELIVERY_TIMEOUT_MS);
      const gatewayCpu = ((await cpuSeconds(gateway.pid!)) - gatewayCpuBefore) * 1000;
      if (round === 0) continue;
      mutationMs.push(mutationDone - sent);
      const delivered = received.filter((at): at is number => at !== undefined);
      lost += received.length - delivered.length;
      latencies.push(...delivered.map((at) => at - sent));
      gatewayCpuMs.push(gatewayCpu);
      const clientCpu = process.cpuUsage(clientCpuBefore);
      clientCpuMs.push((clientCpu.user + clientCpu.system) / 1000);
    }
    latencies.sort((a, b) => a - b);
    return {
      subscribers: size,
      rounds: ROUNDS,
      deliveries: latencies.length,
      /** Deliveries not received within DELIVERY_TIMEOUT_MS of the update. */
      lost,
      /** The gateway's CPU per delivery (µs): the mutation and the whole fan-out of a round, over its subscribers; median of the rounds. */
      gatewayUsPerDelivery: Math.round((median(gatewayCpuMs) * 1000) / size),
      latencyMs: { p50: round2(percentile(latencies, 50)), p99: round2(percentile(latencies, 99)), max: round2(latencies.at(-1)!) },
      /** The mutation's own round trip, for scale: the entry is published when it commits, before the response is sent. */
      mutationMs: mutationMs.map(round2),
      /** CPU the gateway process used per round (the mutation and the fan-out; 10 ms resolution), and this process (the clients) likewise. */
      gatewayCpuMs: gatewayCpuMs.map(Math.round),
      clientCpuMs: clientCpuMs.map(Math.round),
      connectSeconds: round2(connectSeconds),
      gatewayMemory: {
        /** The second half's own cost: by then start-up's freed pages are reused, so this is what one more subscriber costs. */
        rssBytesPerSubscriber: Math.round((after.rss - half.rss) / (size - firstHalf)),
        heapBytesPerSubscriber: Math.round((after.heap - half.heap) / (size - firstHalf)),
        rssMbWithSubscribers: round2(after.rss / 1024 / 1024),
        /** From no subscribers to all of them; RSS here depends on what start-up left free. */
        wholeRun: {
          rssBytesPerSubscriber: Math.round((after.rss - before.rss) / size),
          heapBytesPerSubscriber: Math.round((after.heap - before.heap) / size),
        },
      },
    };
  } finally {
    await Promise.allSettled(subscribers.map((subscriber) => subscriber.client.dispose()));
    inspector.close();
    gateway.kill('SIGTERM');
    await within(new Promise((resolve) => gateway.once('exit', resolve)), 'gateway stop', 30_000).catch(() => gateway.kill('SIGKILL'));
    await rm(dataDir, { recursive: true, force: true });
  }
}

const measuredAt = new Date().toISOString();
const results = [];
await mkdir(path.join(root, 'bench', 'results'), { recursive: true });
for (const size of SIZES) {
  console.log(`fan-out to ${size} subscribers...`);
  const result = await measure(size);
  console.log(JSON.stringify(result));
  results.push(result);
  // Written after each size: a run stopped by the bench's time budget keeps the sizes it finished.
  const report = {
    measuredAt,
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 1024 ** 3), node: process.version },
    setup: 'gateway process on embedded PGlite, in-process pub/sub, RATE_LIMIT=off, MAX_SOCKETS_PER_KEY=N; clients (graphql-ws over ws) in the bench process; gateway memory read after a forced full GC; latency from sending postIncidentUpdate to each subscriber receiving the entry',
    results,
  };
  await writeFile(path.join(root, 'bench', 'results', 'fanout.json'), `${JSON.stringify(report, null, 2)}\n`);
}
console.log('wrote bench/results/fanout.json');
