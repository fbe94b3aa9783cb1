import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { getOperationAST, GraphQLError, type ExecutionArgs, type ExecutionResult, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../../config.js';
import type { GatewayContext, RateLimitInfo } from '../context.js';
import { actualCost, requestedCost } from './cost.js';
import { useInputLimits } from './input-limits.js';
import { rateLimitHeaders, type BucketStatus, type RateLimiter } from '../../limits/rate-limit.js';
import { rateLimited } from '../errors.js';

/** Shown in `extensions.cost` of every response, as Shopify does. */
interface CostReport {
  requestedQueryCost: number;
  actualQueryCost?: number;
  throttleStatus?: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
}

/** The rate limiters the cost plugin charges (null: off) and how fast their buckets refill. */
interface Buckets {
  keyed: { limiter: RateLimiter; restoreRate: number } | null;
  /** Callers without a key, by client address (src/http/anonymous-limits.ts). */
  anonymous: { limiter: RateLimiter; restoreRate: number } | null;
}

/** Rejected before execution: deeper, wider, longer or costlier than the limits allow. */
export function queryTooComplex(message: string) {
  return new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX', http: { spec: true, status: 400 } } });
}

/**
 * graphql-armor's depth, alias, token and directive limits; each rejection becomes QUERY_TOO_COMPLEX.
 * Its cost limit stays off: ours (cost.ts) knows the schema's connections and the variables.
 */
function armor(limits: Config['limits']): Plugin {
  const reject = (context: ValidationContext | null, error: GraphQLError) => {
    const tooComplex = queryTooComplex(error.message.replace(/^Syntax Error: /, ''));
    // Parse-time (token) rejections have no validation context: throwing makes them a parse error.
    if (!context) throw tooComplex;
    context.reportError(tooComplex);
  };
  const onRejection = { exposeLimits: true, propagateOnRejection: false, onReject: [reject] };
  return EnvelopArmorPlugin({
    maxDepth: { n: limits.maxDepth, ...onRejection },
    maxAliases: { n: limits.maxAliases, ...onRejection },
    maxTokens: { n: limits.maxTokens, ...onRejection },
    maxDirectives: { ...onRejection },
    costLimit: { enabled: false },
    // disclosure.ts hides suggestions under NODE_ENV=production, in the forms this misses too (enum values, variables).
    blockFieldSuggestion: { enabled: false },
  });
}

/**
 * Costs every operation before it runs (QUERY_TOO_COMPLEX above MAX_COST), charges the caller's
 * bucket (RATE_LIMITED with 429 when empty), and reports the cost in `extensions.cost`. The charge
 * is the requested cost; what the operation did not use is given back afterwards.
 */
function costAndRateLimit(maxCost: number, buckets: Buckets, headersByRequest: WeakMap<object, Record<string, string>>): Plugin {
  /** The caller's bucket: its key's, or without a key its client address's. */
  function bucketOf(context: GatewayContext): { limiter: RateLimiter; id: string; restoreRate: number } | null {
    if (context.auth) return buckets.keyed && { ...buckets.keyed, id: context.auth.keyId };
    return buckets.anonymous && context.clientAddress ? { ...buckets.anonymous, id: context.clientAddress } : null;
  }

  async function admit(args: ExecutionArgs, stop: (result: ExecutionResult) => void) {
    const operation = getOperationAST(args.document, args.operationName);
    if (!operation) return null;
    const context = args.contextValue as GatewayContext & { request?: object };
    const cost = requestedCost(args.schema, args.document, operation, args.variableValues);
    if (cost > maxCost) {
      stop({
        errors: [queryTooComplex(`Query cost ${cost} exceeds the limit of ${maxCost}; ask for fewer or smaller pages.`)],
        extensions: { cost: { requestedQueryCost: cost } satisfies CostReport },
      });
      return null;
    }
    const bucket = bucketOf(context);
    const status = bucket ? await bucket.limiter.consume(bucket.id, cost) : null;
    if (bucket && status) {
      context.rateLimit = { limit: status.limit, remaining: status.remaining, resetAt: new Date(status.resetAt), cost } satisfies RateLimitInfo;
      if (context.request) headersByRequest.set(context.request, rateLimitHeaders(status));
      if (!status.allowed) {
        stop({ errors: [rateLimited(status, cost)], extensions: { cost: { requestedQueryCost: cost, throttleStatus: throttleOf(status, bucket.restoreRate) } } });
        return null;
      }
    }
    return { operation, cost, bucket, status, context };
  }

  function throttleOf(status: BucketStatus, restoreRate: number): CostReport['throttleStatus'] {
    return { maximumAvailable: status.limit, currentlyAvailable: status.remaining, restoreRate };
  }

  return {
    onExecute: async ({ args, setResultAndStopExecution }) => {
      const admitted = await admit(args, setResultAndStopExecution);
      if (!admitted) return;
      return {
        onExecuteDone: async ({ result, setResult }) => {
          if (!('data' in result || 'errors' in result)) return;
          const executed = result as ExecutionResult;
          const actual = Math.min(actualCost(executed.data, admitted.operation), admitted.cost);
          let throttleStatus: CostReport['throttleStatus'];
          const { bucket, status } = admitted;
          if (bucket && status) {
            const unused = Math.min(admitted.cost, status.limit) - actual;
            if (unused > 0) await bucket.limiter.refund(bucket.id, unused);
            const given = Math.max(0, unused);
            const refunded = {
              ...status,
              remaining: Math.min(status.limit, status.remaining + given),
              resetAt: status.resetAt - (given / bucket.restoreRate) * 1000,
            };
            const request = admitted.context.request;
            if (request) headersByRequest.set(request, rateLimitHeaders(refunded));
            throttleStatus = throttleOf(refunded, bucket.restoreRate);
          }
          const cost: CostReport = { requestedQueryCost: admitted.cost, actualQueryCost: actual, ...(throttleStatus ? { throttleStatus } : {}) };
          setResult({ ...executed, extensions: { ...executed.extensions, cost } });
        },
      };
    },
    onSubscribe: async ({ args, setResultAndStopExecution }) => {
      await admit(args, setResultAndStopExecution);
    },
    onResponse({ request, response }) {
      const headers = headersByRequest.get(request);
      if (headers) for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
    },
  };
}

/**
 * The Yoga plugins that enforce the query limits of docs/security.md: armor's shape limits, then cost and rate limit;
 * and the RateLimit-* headers for a request's response, for responses written past Yoga's onResponse.
 */
export function limitPlugins(config: Config, limiters: { keyed: RateLimiter | null; anonymous: RateLimiter | null }) {
  const headersByRequest = new WeakMap<object, Record<string, string>>();
  const buckets: Buckets = {
    keyed: limiters.keyed && { limiter: limiters.keyed, restoreRate: config.rateLimit.refillPerSecond },
    anonymous: limiters.anonymous && { limiter: limiters.anonymous, restoreRate: config.rateLimit.anonymous.refillPerSecond },
  };
  return {
    // Arguments are bounded before they are costed: the cost walk coerces them.
    plugins: [armor(config.limits), useInputLimits(), costAndRateLimit(config.limits.maxCost, buckets, headersByRequest)],
    responseHeaders: (request: object): Record<string, string> | undefined => headersByRequest.get(request),
  };
}
