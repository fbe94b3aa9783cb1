import type { Plugin } from 'graphql-yoga';
import type { Database } from '../../db/client.js';
import type { Logger } from '../../logger.js';
import type { GatewayContext } from '../context.js';
import { readPlanFor, runReadPlan, type RunStatement } from './read-plan.js';

/**
 * Answers the queries read-plan.ts can compile with one statement; every other operation, and
 * any whose arguments it does not handle, runs through graphql-js as before. Runs after the limit
 * plugins, so cost, rate limit and logging see both paths alike.
 */
export function useCompiledReads(db: Database, logger: Logger): Plugin<GatewayContext> {
  const run: RunStatement = (sql, params) => db.query(sql, params);
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
          result = await runReadPlan(plan, executionArgs.schema, run, auth.orgId, executionArgs.variableValues);
        } catch (error) {
          // A read can be answered again: the general path does, with its own errors if the database is down.
          logger.error({ err: error, requestId: (executionArgs.contextValue as GatewayContext).requestId }, 'compiled read failed; answered by the general path');
        }
        return result ?? executeFn(executionArgs);
      });
    },
  };
}
