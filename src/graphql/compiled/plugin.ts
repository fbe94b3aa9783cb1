import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../../logger.js';
import type { Tracing } from '../../telemetry/tracing.js';
import type { GatewayContext } from '../context.js';
import { prepareReadPlan, readPlanFor, type ReadPlan, type RunStatement } from './read-plan.js';

/**
 * Answers the queries read-plan.ts can compile with one statement; every other operation, and
 * any whose arguments it does not handle, runs through graphql-js as before. Root fields the plan
 * leaves out (e.g. the board's `viewer` and `schedules` next to its `incidents`) run through
 * graphql-js alongside the statement, and the answers are put together in the operation's order.
 * Runs after the limit plugins, so cost, rate limit and logging see both paths alike.
 */
export function useCompiledReads(logger: Logger, tracing?: Tracing | null): Plugin<GatewayContext> {
  // With tracing on, the statement sits under a span of the root fields it answers, as their resolvers' would.
  const traced = (plan: ReadPlan, answer: () => Promise<Record<string, unknown>>) => {
    if (!tracing) return answer();
    const fields = plan.keys.map((key) => `Query.${key}`);
    return tracing.inSpan(`resolve ${fields.join(', ')}`, { 'graphql.field.path': fields.join(', '), 'graphql.compiled': true }, answer);
  };
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const { auth, db } = args.contextValue as GatewayContext;
      // Every type compiled reads serve needs the read scope; without it the general path answers FORBIDDEN.
      if (!auth?.scopes.has('read')) return;
      const plan = readPlanFor(args.schema, args.document, args.operationName);
      if (!plan) return;
      setExecuteFn(async (executionArgs) => {
        const prepared = prepareReadPlan(plan, executionArgs.schema, auth.orgId, executionArgs.variableValues);
        if (!prepared) return executeFn(executionArgs);
        const run: RunStatement = (sql, params) => db.query(sql, params);
        let compiled: Record<string, unknown> | null = null;
        let others: unknown = null;
        try {
          [compiled, others] = await Promise.all([
            traced(plan, () => prepared.run(run)),
            plan.rest ? executeFn({ ...executionArgs, document: plan.rest }) : null,
          ]);
        } catch (error) {
          // A read can be answered again: the general path does, with its own errors if the database is down.
          logger.error({ err: error, requestId: (executionArgs.contextValue as GatewayContext).requestId }, 'compiled read failed; answered by the general path');
        }
        return (compiled && merged(plan, compiled, others)) ?? executeFn(executionArgs);
      });
    },
  };
}

/**
 * The compiled fields and the general path's answer to the others, as one answer in the
 * operation's order; null when the general part cannot be merged (no data: a non-null root field
 * failed, and the whole operation must fail as it would on its own).
 */
function merged(plan: ReadPlan, compiled: Record<string, unknown>, others: unknown): ExecutionResult | null {
  if (!plan.rest) return { data: compiled };
  const result = others as ExecutionResult | null;
  if (!result || typeof result !== 'object' || Symbol.asyncIterator in result || !result.data) return null;
  const data: Record<string, unknown> = {};
  for (const key of plan.order) data[key] = key in compiled ? compiled[key] : result.data[key];
  return { ...result, data };
}
