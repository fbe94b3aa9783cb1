import { execFile } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The admin CLI in a fresh process: through `npm run cli -- ...` exactly as an admin types it, or
 * (`node`, the default) the same script under node and tsx, which starts faster. `env` says which
 * database; the test run's own DATABASE_URL is not passed on.
 */
export function runCli(env: Record<string, string>, args: string[], via: 'npm' | 'node' = 'node'): Promise<CliResult> {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const [command, prefix] = via === 'npm' ? ['npm', ['run', 'cli', '--']] : [process.execPath, ['--import', 'tsx', 'src/cli.ts']];
  return new Promise((resolve) => {
    execFile(
      command,
      [...prefix, ...args],
      { cwd: ROOT, env: { ...inherited, LOG_LEVEL: 'warn', ...env }, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}
