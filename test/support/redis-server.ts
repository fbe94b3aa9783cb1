import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './ports.js';

/**
 * A redis-server of the test's own (never the shared one on 6379) on a free port of 127.0.0.1,
 * without persistence: `kill` takes it away as a crash would (SIGKILL), `start` brings it back on
 * the same port, empty.
 */
export interface OwnRedis {
  url: string;
  start(): Promise<void>;
  kill(): Promise<void>;
}

export const REDIS_SERVER = '/usr/bin/redis-server';

/** Every server started here, so that a failing test leaves none running. */
const running = new Set<ChildProcess>();

export function killOwnRedisServers(): void {
  for (const server of running) server.kill('SIGKILL');
  running.clear();
}

export async function ownRedisServer(): Promise<OwnRedis> {
  const port = await freePort();
  let server: ChildProcess | null = null;
  const redis: OwnRedis = {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      running.add(child);
      server = child;
      await new Promise<void>((resolve, reject) => {
        let output = '';
        child.stdout!.on('data', (data: Buffer) => {
          output += data.toString();
          if (output.includes('Ready to accept connections')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
      });
    },
    async kill() {
      const child = server;
      server = null;
      if (!child || child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      running.delete(child);
    },
  };
  await redis.start();
  return redis;
}
