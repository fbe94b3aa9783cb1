import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';
import { packageRoot } from '../../package-root.js';

/**
 * The war-room board: a static page, its stylesheet, and its script (graphql-ws included) bundled
 * by esbuild, so every asset comes from the gateway and nothing from a CDN. `npm run build` writes
 * the bundle beside this module in dist/ (scripts/build-board.ts); run from src/ (tsx), where no
 * bundle sits beside it, the script is bundled on its first request.
 */

/** The page's sources, found from the package root so this works from src/ (tsx) and from dist/. */
const PAGE_DIR = path.join(packageRoot(import.meta.url), 'src', 'http', 'board', 'page');
/** Where the build puts the bundle: beside this module, so only a built gateway finds one. */
export const BUILT_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'board.js');

export const BUNDLE_OPTIONS = {
  entryPoints: [path.join(PAGE_DIR, 'main.ts')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  logLevel: 'silent',
} satisfies BuildOptions;

const SECURITY_HEADERS = {
  // Only this gateway: scripts, styles, fetch and the WebSocket ('self' covers ws: on the same host).
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-cache',
};

const ASSETS: Record<string, { type: string; load: () => Promise<string> }> = {
  '/board': { type: 'text/html; charset=utf-8', load: () => readFile(path.join(PAGE_DIR, 'index.html'), 'utf8') },
  '/board/board.css': { type: 'text/css; charset=utf-8', load: () => readFile(path.join(PAGE_DIR, 'board.css'), 'utf8') },
  '/board/board.js': { type: 'text/javascript; charset=utf-8', load: () => (bundle ??= builtOrBundledScript().catch(forgetBundle)) },
};

let bundle: Promise<string> | null = null;

function forgetBundle(error: unknown): never {
  bundle = null;
  throw error;
}

async function builtOrBundledScript(): Promise<string> {
  try {
    return await readFile(BUILT_SCRIPT, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // Not built: bundled now. esbuild is loaded here, not at start (it is 14 MB and a child process).
  const { build } = await import('esbuild');
  const result = await build({ ...BUNDLE_OPTIONS, write: false });
  return result.outputFiles[0].text;
}

/** Answers every request under /board. */
export async function serveBoard(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const pathname = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/$/, '');
  const asset = ASSETS[pathname];
  if (!asset) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('Method not allowed');
    return;
  }
  const body = await asset.load();
  res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': asset.type, 'Content-Length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
}
