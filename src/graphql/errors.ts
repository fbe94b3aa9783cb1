import { GraphQLError } from 'graphql';

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
