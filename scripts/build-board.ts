import path from 'node:path';
import { build } from 'esbuild';
import { BUILT_SCRIPT, BUNDLE_OPTIONS } from '../src/http/board/serve.js';
import { packageRoot } from '../src/package-root.js';

/**
 * Part of `npm run build`: the board's script bundled once, into dist/ beside the compiled
 * src/http/board/serve.js, which serves it from there instead of loading esbuild at run time.
 */
const root = packageRoot(import.meta.url);
const outfile = path.join(root, 'dist', path.relative(root, BUILT_SCRIPT));
await build({ ...BUNDLE_OPTIONS, outfile });
console.log(`board script bundled into ${path.relative(root, outfile)}`);
