import type { Plugin } from 'graphql-yoga';
import type { Database } from '../../db/client.js';
import type { Logger } from '../../logger.js';
import type { Tracing } from '../../telemetry/tracing.js';
import type { GatewayContext } from '../context.js';
import { readPlanFor, runReadPlan, type ReadPlan, type RunStatement } from './read-plan.js';

/**
 * Answers the queries read-plan.ts can compile with one statement; every other operation, and
 * any whose arguments it does not handle, runs through graphql-js as before. Runs after the limit
 * plugins, so cost, rate limit and logging see both paths alike.
 */
export function useCompiledReads(db: Database, logger: Logger, tracing?: Tracing | null): Plugin<GatewayContext> {
  const run: RunStatement = (sql, params) => db.query(sql, params);
  // With tracing on, the statement sits under a span of the root fields it answers, as their resolvers' would.
  const traced = (plan: ReadPlan, answer: () => ReturnType<typeof runReadPlan>) => {
    if (!tracing) return answer();
    const fields = plan.operation.selectionSet.selections.flatMap((selection) => (selection.kind === 'Field' ? [`Query.${selection.name.value}`] : []));
    return tracing.inSpan(`resolve ${fields.join(', ')}`, { 'graphql.field.path': fields.join(', '), 'graphql.compiled': true }, answer);
  };
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const auth = (args.contextValue as GatewayContext).auth;
      // Every type compiled reads serve needs the read scope; without it the general path answers FORBIDDEN.
      if (!auth?.scopes.has('read')) return;
      const plan = readPlanFor(args.schema, args.document, args.operationName);
      if (!plan) return;
      setExecuteFn(async (executionArgs) => {
        let result;
        try {
          result = await traced(plan, () => runReadPlan(plan, executionArgs.schema, run, auth.orgId, executionArgs.variableValues));
        } catch (error) {
          // A read can be answered again: the general path does, with its own errors if the database is down.
          logger.error({ err: error, requestId: (executionArgs.contextValue as GatewayContext).requestId }, 'compiled read failed; answered by the general path');
        }
        return result ?? executeFn(executionArgs);
      });
    },
  };
}
