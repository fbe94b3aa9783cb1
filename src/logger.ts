import { pino, type DestinationStream, type Logger } from 'pino';
import { activeTraceIds } from './telemetry/tracing.js';

export type { Logger };

/**
 * Structured JSON logs (stdout unless a destination is given); credentials are redacted wherever
 * they appear. Stdout is written asynchronously, off the request path (pino flushes it on exit).
 */
export function createLogger(level: string, destination?: DestinationStream, options: { traceIds?: boolean } = {}): Logger {
  return pino(
    {
      level,
      // With tracing on, each line written inside a span names it (traceId, spanId).
      ...(options.traceIds ? { mixin: activeTraceIds } : {}),
      base: { service: 'incident-gateway' },
      redact: {
        paths: ['authorization', 'headers.authorization', 'req.headers.authorization', 'connectionParams.authorization', 'key'],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
