import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { printSchema } from 'graphql';
import { schema, subgraphSdl } from '../src/graphql/schema.js';

/**
 * `print` writes schema/schema.graphql and schema/subgraph.graphql (the Apollo Federation 2 SDL
 * that `_service { sdl }` answers with FEDERATION=on) from the code; `check` fails when either
 * checked-in file is stale.
 */
const files = [
  { target: fileURLToPath(new URL('../schema/schema.graphql', import.meta.url)), printed: `${printSchema(schema)}\n` },
  { target: fileURLToPath(new URL('../schema/subgraph.graphql', import.meta.url)), printed: `${await subgraphSdl()}\n` },
];
const mode = process.argv[2];

if (mode === 'print') {
  for (const { target, printed } of files) {
    await writeFile(target, printed);
    console.log(`wrote ${target}`);
  }
} else if (mode === 'check') {
  for (const { target, printed } of files) {
    const current = await readFile(target, 'utf8').catch(() => '');
    if (current !== printed) {
      console.error(`${target} is stale: run \`npm run schema:print\` and commit it.`);
      process.exit(1);
    }
    console.log(`${target} is current`);
  }
} else {
  console.error('usage: schema.ts print|check');
  process.exit(2);
}
