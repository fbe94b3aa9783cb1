import type { RateLimitInfo } from '../context.js';
import { builder } from '../builder.js';

const RateLimitRef = builder.objectRef<RateLimitInfo>('RateLimit').implement({
  description:
    'Your API key\'s rate-limit budget, as GitHub shows it: a bucket of cost points that refills continuously. Each operation is charged its requested cost up front; what it did not use is given back.',
  fields: (t) => ({
    limit: t.exposeInt('limit', { description: 'Size of the bucket in cost points (RATE_LIMIT_BUCKET).' }),
    remaining: t.exposeInt('remaining', { description: 'Points left after this operation was charged.' }),
    resetAt: t.expose('resetAt', { type: 'DateTime', description: 'When the bucket will be full again if no more is spent.' }),
    cost: t.exposeInt('cost', { description: 'What this operation was charged (its requested cost).' }),
  }),
});

builder.queryField('rateLimit', (t) =>
  t.field({
    type: RateLimitRef,
    nullable: true,
    description: 'Your remaining rate-limit budget; null when the gateway runs with RATE_LIMIT=off. Needs any valid key.',
    authScopes: { authenticated: true },
    resolve: (_root, _args, context) => context.rateLimit ?? null,
  }),
);
