import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs; credentials are redacted wherever they appear. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'incident-gateway' },
    redact: {
      paths: ['authorization', 'headers.authorization', 'req.headers.authorization', 'connectionParams.authorization', 'key'],
      censor: '[redacted]',
    },
  });
}
