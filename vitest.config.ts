import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import ProcessesFirstSequencer from './test/support/sequencer.js';

export default defineConfig({
  resolve: {
    // One copy of graphql for ESM and CJS importers alike; with two, GraphQLError instances
    // from one copy are not recognised by the other and errors come back masked.
    alias: { graphql: createRequire(import.meta.url).resolve('graphql') },
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    sequence: { sequencer: ProcessesFirstSequencer },
    // Integration files spend much of their time waiting (timers of pollers and escalations, child
    // processes, sockets): two files per core keep the cores busy where vitest's default (cores - 1)
    // left one of two idle.
    maxWorkers: Math.max(2, availableParallelism() * 2),
    // A worker keeps the modules it loaded from one test file to the next instead of loading the
    // whole gateway again for each (about a third of the suite's CPU). Safe here: every test starts
    // gateways of its own, and the process-wide pieces (OpenTelemetry's SDK, prom-client's
    // registry per gateway, caches keyed by schema or document) are built to be shared.
    isolate: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
