/**
 * Whether an error means "the database cannot be reached right now" (down, restarting, network cut,
 * out of connections) rather than a fault of the request or of the gateway: such requests answer
 * 503 with Retry-After, and the same request succeeds once the database is back.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; depth += 1) {
    const { code, message, meta, cause } = current as { code?: unknown; message?: unknown; meta?: { driverAdapterError?: { cause?: { kind?: unknown } } }; cause?: unknown };
    if (typeof code === 'string' && (SOCKET_ERRORS.has(code) || PRISMA_UNREACHABLE.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return true;
    const kind = meta?.driverAdapterError?.cause?.kind;
    if (typeof kind === 'string' && ADAPTER_UNREACHABLE.has(kind)) return true;
    if (typeof message === 'string' && PG_CONNECTION_MESSAGES.test(message)) return true;
    current = cause;
  }
  return false;
}

/** Node's socket errors as pg reports them when it connects or its connection breaks. */
const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);
/** Prisma: can't reach the server, timed out, server closed the connection, no pool connection in time. */
const PRISMA_UNREACHABLE = new Set(['P1001', 'P1002', 'P1017', 'P2024']);
/** Driver adapter error kinds (Prisma 7) for the same situations. */
const ADAPTER_UNREACHABLE = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
/** SQLSTATE: connection exceptions (08xxx), shutting down or starting (57P01-57P03), too many connections (53300). */
const UNAVAILABLE_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[123]|53300)$/;
/** pg's own errors without a code: a connection that ended under a query, or no connection within the pool's timeout. */
const PG_CONNECTION_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;
