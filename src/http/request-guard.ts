import type { IncomingMessage, ServerResponse } from 'node:http';
import cors, { type CorsOptions } from 'cors';
import type { Config } from '../config.js';

/** Methods /graphql answers; anything else is 405 with this as `Allow`. */
const ALLOWED_METHODS = ['GET', 'POST', 'OPTIONS'];
/** Headers the gateway's answers carry that a page may read. */
const EXPOSED_HEADERS = ['X-Request-Id', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'];
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * Rules every request to /graphql passes before either HTTP path (Yoga's or src/http/direct.ts)
 * sees it, so both answer alike:
 *
 * - Only requests a browser cannot send cross-site without asking first may run: a POST body must be
 *   `application/json` (a form, multipart or text/plain body is a "simple" request that a hostile
 *   page can make a visitor's browser send with no preflight), else 415.
 * - CORS: origins in CORS_ORIGINS get their own origin back with credentials and may send an API
 *   key; any other origin gets `*` without credentials, for anonymous use only (a public status
 *   page embedded on another site): the preflight does not allow the Authorization header, and a
 *   request that carries one gets no CORS headers. An origin is never reflected otherwise.
 * - Other methods get 405 with `Allow`; GET parameters `variables`/`extensions` must be JSON (400).
 *
 * Returns true when it has answered the request itself (a preflight or a refusal).
 */
export function createRequestGuard(http: Config['http']) {
  const allowed = new Set(http.corsOrigins);
  const trusted: CorsOptions = {
    origin: http.corsOrigins,
    credentials: true,
    methods: ALLOWED_METHODS,
    // Whatever headers the page asks for (its GraphQL client's own included): the origin is trusted.
    allowedHeaders: undefined,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
  };
  const anonymous: CorsOptions = {
    origin: '*',
    methods: ALLOWED_METHODS,
    allowedHeaders: ['Content-Type', 'Accept', 'X-Request-Id'],
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
  };
  const applyCors = cors((req, callback) => {
    const { origin, authorization } = req.headers;
    if (origin === undefined) return callback(null, { origin: false });
    if (allowed.has(origin)) return callback(null, trusted);
    // A keyed request from a page of an unlisted origin: its answer is not for that page.
    if (authorization !== undefined && req.method !== 'OPTIONS') return callback(null, { origin: false });
    callback(null, anonymous);
  });

  return function guard(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    let passed = false;
    // With a synchronous options callback, cors() calls `next` (or ends a preflight) before it returns.
    applyCors(req, res, () => (passed = true));
    if (!passed) return true;
    const allow = { Allow: ALLOWED_METHODS.join(', ') };
    if (req.method === 'OPTIONS') {
      // Not a preflight (no Origin): say what the endpoint takes.
      res.writeHead(204, { ...allow, 'Content-Length': '0' }).end();
      return true;
    }
    // Both refusals below leave the body unread: the connection closes rather than reading it.
    if (!ALLOWED_METHODS.includes(req.method ?? '')) {
      refuse(res, 405, 'METHOD_NOT_ALLOWED', `/graphql answers ${allow.Allow}.`, { ...allow, Connection: 'close' });
      return true;
    }
    if (req.method === 'POST' && mediaTypeOf(req.headers['content-type']) !== 'application/json') {
      refuse(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the request as Content-Type: application/json.', { Connection: 'close' });
      return true;
    }
    if (req.method === 'GET') {
      for (const name of ['variables', 'extensions']) {
        const value = url.searchParams.get(name);
        if (value && !isJson(value)) {
          refuse(res, 400, 'BAD_REQUEST', `The "${name}" parameter is not valid JSON.`);
          return true;
        }
      }
    }
    return false;
  };
}

function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function refuse(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}
