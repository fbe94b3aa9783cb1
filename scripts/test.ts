/**
 * `npm test`: vitest, with the schema, codegen and type checks running beside it rather than
 * before it. On two cores they fill the first seconds, when vitest builds its database templates
 * on one core, instead of adding a quarter of a minute in front. Arguments go to vitest
 * (`npm test -- test/unit`). The checks' output is printed when vitest ends; the exit code is
 * non-zero when any of them or vitest failed.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

interface Step {
  name: string;
  command: string;
  args: string[];
}

/** The checks as package.json defines them. */
const CHECKS: Step[] = ['schema:check', 'codegen:check', 'typecheck'].map((name) => ({ name, command: 'npm', args: ['run', '--silent', name] }));

/** Runs a step; `quiet` keeps its output to hand back instead of passing it through. */
function run(step: Step, quiet: boolean): Promise<{ step: Step; code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(step.command, step.args, { cwd: root, stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk));
    child.on('error', (error) => resolve({ step, code: 1, output: `${output}${error.message}\n` }));
    child.on('close', (code, signal) => resolve({ step, code: code ?? (signal ? 1 : 0), output }));
  });
}

const checks = Promise.all(CHECKS.map((step) => run(step, true)));
const vitest = await run({ name: 'vitest', command: path.join(root, 'node_modules', '.bin', 'vitest'), args: ['run', ...process.argv.slice(2)] }, false);

let failed = vitest.code !== 0;
for (const { step, code, output } of await checks) {
  if (code === 0) {
    console.log(`✓ ${step.name}`);
    continue;
  }
  failed = true;
  console.error(`\n✗ ${step.name} failed (exit ${code}):\n${output}`);
}
process.exit(failed ? 1 : 0);
