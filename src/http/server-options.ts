import type { ServerOptions } from 'node:http';
import type { Config } from '../config.js';

/** Request headers must be in within this, or within REQUEST_TIMEOUT_MS when that is shorter. */
const HEADERS_TIMEOUT_MS = 10_000;
/** An idle keep-alive connection is closed after this. */
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** How often Node looks for requests past their time (its default, 30 s, would add up to that much). */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/**
 * Time limits of the HTTP server: a client that sends its headers or body slowly (a byte every
 * few seconds holds a connection and its buffers) is answered 408 and cut off once the whole
 * request has taken REQUEST_TIMEOUT_MS. Responses (SSE streams included) are not limited.
 */
export function httpServerOptions(http: Config['http']): ServerOptions {
  return {
    requestTimeout: http.requestTimeoutMs,
    // Node refuses a headers timeout longer than the request timeout.
    headersTimeout: Math.min(HEADERS_TIMEOUT_MS, http.requestTimeoutMs),
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_INTERVAL_MS, http.requestTimeoutMs),
  };
}
