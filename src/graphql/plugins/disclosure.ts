import { GraphQLError, NoSchemaIntrospectionCustomRule, validate, type DocumentNode, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../../config.js';
import type { GatewayContext } from '../context.js';
import { unauthenticated } from '../errors.js';

/**
 * INTROSPECTION: `authenticated` lets callers with a valid key read the schema (`__schema`,
 * `__type`), `on` everyone, `off` nobody. Checked when the operation runs, once the caller's key
 * is known, on every transport alike; `__typename` is always allowed.
 */
function introspectionGate(mode: Config['disclosure']['introspection']): Plugin<GatewayContext> | null {
  if (mode === 'on') return null;
  const introspects = new WeakMap<DocumentNode, boolean>();
  return {
    onExecute({ args, setResultAndStopExecution }) {
      if (mode === 'authenticated' && args.contextValue.auth) return;
      let found = introspects.get(args.document);
      if (found === undefined) {
        found = validate(args.schema, args.document, [NoSchemaIntrospectionCustomRule]).length > 0;
        introspects.set(args.document, found);
      }
      if (!found) return;
      setResultAndStopExecution({
        errors: [
          mode === 'off'
            ? new GraphQLError('Introspection is turned off on this gateway.', { extensions: { code: 'FORBIDDEN' } })
            : unauthenticated('Introspection needs a valid API key: send "Authorization: Bearer <key>".'),
        ],
      });
    },
  };
}

/** graphql-js ends a message with one of these: "Did you mean "x"?", "Did you mean the enum value "X"?", ... */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/** Strips suggestions from each error and the errors it wraps: masking may answer with a wrapped one. */
function withoutSuggestions(errors: readonly Error[] | undefined): void {
  for (const error of errors ?? []) {
    for (let current: Error | null | undefined = error; current; current = current instanceof GraphQLError ? current.originalError : null) {
      current.message = current.message.replace(SUGGESTION, '');
    }
  }
}

/**
 * Under NODE_ENV=production error messages name no schema element the caller did not write:
 * graphql-js suggests fields, arguments, types, enum values and input fields in validation errors
 * and again when it coerces variables (during execution). graphql-armor's blockFieldSuggestion
 * covers only the first kind of message in validation, so this one rule replaces it everywhere.
 */
function hiddenSuggestions(): Plugin<GatewayContext> {
  const stripResult = ({ result }: { result: unknown }) => {
    if (result && typeof result === 'object' && 'errors' in result) withoutSuggestions((result as ExecutionResult).errors);
  };
  return {
    onValidate: () => ({ result }) => withoutSuggestions(result),
    onExecute: () => ({ onExecuteDone: stripResult }),
    onSubscribe: () => ({ onSubscribeResult: stripResult }),
  };
}

/** The Yoga plugins that decide what the gateway tells about its schema. */
export function disclosurePlugins(disclosure: Config['disclosure']): Plugin<GatewayContext>[] {
  const plugins: Plugin<GatewayContext>[] = [];
  const gate = introspectionGate(disclosure.introspection);
  if (gate) plugins.push(gate);
  if (!disclosure.suggestions) plugins.push(hiddenSuggestions());
  return plugins;
}
