import { readFileSync } from 'node:fs';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Files that start processes (the gateway, the CLI, Redis, Alertmanager) and wait on them. */
const STARTS_PROCESSES = /startChildGateway|runCli|spawn\(|execFile\(|ownRedisServer/;

/**
 * Vitest's order (failed first, then longest first by the last run's timings, or largest first
 * when there are none, as on a fresh clone), with the files that start processes moved ahead:
 * they take long while waiting on those processes, and started last they would keep the run
 * going on one core after the others are done.
 */
export default class ProcessesFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const first = new Set(sorted.filter((file) => STARTS_PROCESSES.test(readFileSync(file.moduleId, 'utf8'))));
    return [...first, ...sorted.filter((file) => !first.has(file))];
  }
}
