import { getOperationAST, GraphQLError, type ExecutionArgs } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { Counter } from 'prom-client';
import { isDatabaseUnavailable } from '../../db/availability.js';
import { serviceUnavailable } from '../errors.js';
import type { Logger } from '../../logger.js';
import type { GatewayContext } from '../context.js';

/**
 * One log line and one count per operation, each internal error logged once with its request id;
 * and Yoga's maskError: what of an error a client sees. Both share what was logged already.
 */
export function operationLogging(logger: Logger, operations: Counter<'operation_type' | 'outcome'>) {
  /** Internal errors already logged with their request id: maskError need not log them again. */
  const loggedErrors = new WeakSet<Error>();

  const plugin: Plugin<GatewayContext> = {
    onExecute({ args }) {
      const started = performance.now();
      return {
        onExecuteDone({ result }) {
          if (isAsyncIterable(result)) return;
          const context = args.contextValue as GatewayContext;
          const outcome = result.errors?.length ? 'error' : 'ok';
          operations.inc({ operation_type: operationType(args), outcome });
          const where = { requestId: context.requestId, orgId: context.auth?.orgId ?? null };
          for (const error of result.errors ?? []) {
            const cause = error.originalError;
            if (!cause || cause instanceof GraphQLError || loggedErrors.has(cause)) continue;
            loggedErrors.add(cause);
            logger.error({ ...where, err: cause, path: error.path }, 'internal error');
          }
          logger.info(
            {
              ...where,
              operationName: getOperationAST(args.document, args.operationName)?.name?.value ?? null,
              durationMs: Math.round((performance.now() - started) * 100) / 100,
              errors: result.errors?.length ?? 0,
            },
            'graphql operation',
          );
        },
      };
    },
  };

  /** Client errors keep their code; anything internal is logged once and masked. */
  function maskError(error: unknown, message: string): Error {
    const original = error instanceof GraphQLError ? error : null;
    const cause = original?.originalError;
    if (isDatabaseUnavailable(cause ?? error)) return serviceUnavailable();
    if (original && !cause && isClientError(original)) return withoutInternals(original);
    if (cause instanceof GraphQLError && isClientError(cause)) return withoutInternals(cause);
    // graphql-js reports a variable that does not coerce (e.g. "many" for an Int) this way.
    if (cause instanceof GraphQLError && !cause.extensions?.code) {
      return new GraphQLError(original?.message ?? cause.message, { nodes: original?.nodes, extensions: { code: 'BAD_USER_INPUT' } });
    }
    if (cause?.name === 'PothosValidationError') {
      return new GraphQLError(cause.message, { nodes: original?.nodes, path: original?.path, extensions: { code: 'BAD_USER_INPUT' } });
    }
    if (original && !cause) return original;
    if (!cause || !loggedErrors.has(cause)) logger.error({ err: cause ?? error, path: original?.path }, 'internal error');
    return new GraphQLError(message, { path: original?.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  }

  return { plugin, maskError };
}

function isClientError(error: GraphQLError): boolean {
  return typeof error.extensions?.code === 'string' && error.extensions.code !== 'INTERNAL_SERVER_ERROR';
}

/**
 * Yoga attaches the JSON parser's message (which quotes the body) to BAD_REQUEST errors: not for
 * clients. And a body that is not a GraphQL request at all is a 400 whatever the Accept header says;
 * a more precise 4xx Yoga chose stays, with its headers (405 and `Allow: POST` for a mutation over GET).
 */
function withoutInternals(error: GraphQLError): GraphQLError {
  if (error.extensions?.code !== 'BAD_REQUEST') return error;
  const { originalError: _internal, http, ...extensions } = error.extensions as {
    originalError?: unknown;
    http?: { status?: number; headers?: Record<string, string> };
  };
  const status = http?.status && http.status > 400 && http.status < 500 ? http.status : 400;
  return new GraphQLError(error.message, { nodes: error.nodes, path: error.path, extensions: { ...extensions, http: { status, headers: http?.headers } } });
}

function operationType(args: ExecutionArgs): string {
  const operation = args.document.definitions.find(
    (definition) => definition.kind === 'OperationDefinition' && (!args.operationName || definition.name?.value === args.operationName),
  );
  return operation && 'operation' in operation ? operation.operation : 'unknown';
}
