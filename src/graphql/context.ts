import type { PrismaClient } from '../generated/prisma/client.js';
import type { AuthContext } from '../auth/keys.js';
import type { OutgoingEmail } from '../notifications/mailer.js';
import type { PubSub } from '../realtime/pubsub.js';

/** What every resolver sees: the caller's identity and the shared services. */
export interface GatewayContext {
  prisma: PrismaClient;
  auth: AuthContext | null;
  pubsub: PubSub;
  requestId: string;
  /** Who is calling without a key, for its rate-limit bucket: the client address (src/http/client-address.ts). */
  clientAddress?: string;
  /** Sends an email at once (subscription confirmations); absent when SMTP_URL is unset. */
  sendEmail?: (email: OutgoingEmail) => Promise<void>;
  /** The caller's rate-limit bucket after this operation was charged; unset when rate limiting is off. */
  rateLimit?: RateLimitInfo;
}

/** What the `rateLimit` query field shows. */
export interface RateLimitInfo {
  limit: number;
  remaining: number;
  resetAt: Date;
  cost: number;
}

/** The caller's org; resolvers below the scope checks may rely on it being there. */
export function orgOf(context: GatewayContext): string {
  if (!context.auth) throw new Error('orgOf called without an authenticated caller');
  return context.auth.orgId;
}
