import {
  createSourceEventStream,
  execute,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type OperationDefinitionNode,
} from 'graphql';
import { isAsyncIterable, type Plugin, type PromiseOrValue } from 'graphql-yoga';
import type { GatewayContext } from '../context.js';

type Subscribe = (args: ExecutionArgs) => PromiseOrValue<unknown>;

/**
 * What a subscription event's result depends on besides the event, the document, the operation
 * and its variables: the caller's organization (tenancy) and scopes (field authorization). Nothing
 * below Subscription reads more of the caller: the key's own id and name show only in
 * Query.viewer, which no subscription reaches.
 */
function callerOf(context: GatewayContext | undefined): string {
  const auth = context?.auth;
  return auth ? `${auth.orgId} ${[...auth.scopes].sort().join(',')}` : 'anonymous';
}

/**
 * Subscriptions: each event is executed once per group of subscribers that would get the same
 * result, and the result is shared, instead of once per subscriber.
 *
 * A subscription is what graphql-js's `subscribe` is: the source stream of its root field (created
 * per subscriber, with its own context: the subscribe resolver checks access and tenancy and keeps
 * the subscriber's place in the log), each event then executed as the operation with the event as
 * root value. Events a stream shares with others (the same object, e.g. timeline rows loaded once
 * for all subscribers of an incident) are executed once per document, operation, variables and
 * caller (org and scopes); the result is read-only downstream (masking and serializing copy it).
 * Requests whose variables do not coerce keep the engine's own answer.
 */
export function useSharedSubscriptionEvents(traceEvent: <T>(run: () => T) => T = (run) => run()): Plugin {
  const documentIds = new WeakMap<DocumentNode, number>();
  let documentCount = 0;
  const resultsByEvent = new WeakMap<object, Map<string, PromiseOrValue<ExecutionResult>>>();

  function groupOf(args: ExecutionArgs): string {
    let documentId = documentIds.get(args.document);
    if (documentId === undefined) documentIds.set(args.document, (documentId = (documentCount += 1)));
    return JSON.stringify([documentId, args.operationName ?? null, args.variableValues ?? null, callerOf(args.contextValue as GatewayContext)]);
  }

  function executeEvent(args: ExecutionArgs, group: string, event: unknown): PromiseOrValue<ExecutionResult> {
    if (typeof event !== 'object' || event === null) return traceEvent(() => execute({ ...args, rootValue: event }));
    let results = resultsByEvent.get(event);
    if (!results) resultsByEvent.set(event, (results = new Map()));
    let result = results.get(group);
    if (!result) results.set(group, (result = traceEvent(() => execute({ ...args, rootValue: event }))));
    return result;
  }

  function sharing(engineSubscribe: Subscribe): Subscribe {
    return (args) => {
      const operation = getOperationAST(args.document, args.operationName);
      const coerced = operation && getVariableValues(args.schema, operation.variableDefinitions ?? [], args.variableValues ?? {});
      if (!operation || coerced?.errors) return engineSubscribe(args);
      const group = groupOf(args);
      return createSourceEventStream(args).then((source) =>
        isAsyncIterable(source) ? new SubscriberResults(source[Symbol.asyncIterator](), args, group, operation, executeEvent) : source,
      );
    };
  }

  return {
    onSubscribe({ subscribeFn, setSubscribeFn }) {
      setSubscribeFn(sharing(subscribeFn as Subscribe) as typeof subscribeFn);
    },
  };
}

type ExecuteEvent = (args: ExecutionArgs, group: string, event: unknown) => PromiseOrValue<ExecutionResult>;

/**
 * One subscriber's results: each event of its source stream executed, or its group's result taken.
 * A source error ends the stream (the source is closed) as a GraphQLError on the operation. A
 * class rather than an iterator of closures: thousands of subscribers each hold one.
 */
class SubscriberResults implements AsyncIterableIterator<ExecutionResult> {
  constructor(
    private readonly source: AsyncIterator<unknown>,
    private readonly args: ExecutionArgs,
    private readonly group: string,
    private readonly operation: OperationDefinitionNode,
    private readonly executeEvent: ExecuteEvent,
  ) {}

  next(): Promise<IteratorResult<ExecutionResult>> {
    return this.source.next().then(
      (result) => this.resultOf(result),
      (error: Error) => this.closeWith(new GraphQLError(error.message, { originalError: error, nodes: [this.operation] })),
    );
  }

  return(): Promise<IteratorResult<ExecutionResult>> {
    return this.source.return ? this.source.return().then((result) => this.resultOf(result)) : Promise.resolve({ value: undefined, done: true });
  }

  throw(error: unknown): Promise<IteratorResult<ExecutionResult>> {
    return this.source.throw ? this.source.throw(error).then((result) => this.resultOf(result)) : this.closeWith(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private resultOf(result: IteratorResult<unknown>): PromiseOrValue<IteratorResult<ExecutionResult>> {
    if (result.done) return result;
    return Promise.resolve(this.executeEvent(this.args, this.group, result.value)).then(
      (value) => ({ value, done: false }),
      (error: unknown) => this.closeWith(error),
    );
  }

  private async closeWith(error: unknown): Promise<never> {
    await this.source.return?.().catch(() => undefined);
    throw error;
  }
}
