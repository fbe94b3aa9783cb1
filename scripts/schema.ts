import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { printSchema } from 'graphql';
import { schema } from '../src/graphql/schema.js';

/** `print` writes schema/schema.graphql from the code; `check` fails when the checked-in file is stale. */
const target = fileURLToPath(new URL('../schema/schema.graphql', import.meta.url));
const printed = `${printSchema(schema)}\n`;
const mode = process.argv[2];

if (mode === 'print') {
  await writeFile(target, printed);
  console.log(`wrote ${target}`);
} else if (mode === 'check') {
  const current = await readFile(target, 'utf8').catch(() => '');
  if (current !== printed) {
    console.error('schema/schema.graphql is stale: run `npm run schema:print` and commit it.');
    process.exit(1);
  }
  console.log('schema/schema.graphql is current');
} else {
  console.error('usage: schema.ts print|check');
  process.exit(2);
}
