import { GraphQLError } from 'graphql';
import type { BucketStatus } from '../limits/rate-limit.js';

/** Top-level GraphQL errors with the codes clients rely on (docs/api.md lists them). */
export function unauthenticated(message = 'A valid API key is required: send "Authorization: Bearer <key>".') {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

export function forbidden(message = 'This API key lacks the scope this field needs.') {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });
}

export function badUserInput(message: string) {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

/** An operation refused before anything ran, for its arguments: HTTP 400 where GraphQL over HTTP asks for it. */
export function rejectedInput(message: string) {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', http: { spec: true, status: 400 } } });
}

/** The RATE_LIMITED error: HTTP 429 with Retry-After. */
export function rateLimited(status: BucketStatus, cost: number) {
  return new GraphQLError(
    `Rate limit exceeded: this operation costs ${cost} points and ${status.remaining} are left; retry in ${status.retryAfterSeconds} s.`,
    {
      extensions: {
        code: 'RATE_LIMITED',
        retryAfterSeconds: status.retryAfterSeconds,
        http: { status: 429, headers: { 'Retry-After': String(status.retryAfterSeconds) } },
      },
    },
  );
}

/** Seconds a client is asked to wait when the database is unreachable. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/** What a request answers while the database is unreachable: 503 with Retry-After. */
export function serviceUnavailable(): GraphQLError {
  return new GraphQLError('The service is temporarily unavailable; retry later.', {
    extensions: {
      code: 'SERVICE_UNAVAILABLE',
      http: { status: 503, headers: { 'Retry-After': String(UNAVAILABLE_RETRY_AFTER_SECONDS) } },
    },
  });
}
