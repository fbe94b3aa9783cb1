import type { ServerResponse } from 'node:http';
import type { Database } from '../db/client.js';
import type { AuthContext, VerifiedKeyCache } from '../auth/keys.js';
import type { GuardedHttp } from '../net/guarded-http.js';
import type { PubSub } from '../realtime/pubsub.js';

/** What every resolver sees: the caller's identity and the shared services. */
export interface GatewayContext {
  /** The database: Prisma for resolvers and services, the driver for plain-SQL paths (Database.query, Database.transaction). */
  db: Database;
  auth: AuthContext | null;
  pubsub: PubSub;
  requestId: string;
  outbound: OutboundServices;
  /** Keys that checked out lately: a revocation drops its key from it before answering. */
  verifiedKeys: VerifiedKeyCache;
  /** Who is calling without a key, for its rate-limit bucket: the client address (src/http/client-address.ts). */
  clientAddress?: string;
  /** The caller's rate-limit bucket after this operation was charged; unset when rate limiting is off. */
  rateLimit?: RateLimitInfo;
}

/** What a transport hands Yoga's context factory besides the request (src/http/server.ts, src/http/websocket.ts). */
export interface TransportContext {
  requestId?: string;
  /** The key a WebSocket authenticated with when it connected. */
  socketAuth?: AuthContext;
  /** The client address of an HTTP request (src/http/client-address.ts): an anonymous caller's rate-limit bucket. */
  clientAddress?: string;
  /** The HTTP response (not for WebSockets): an SSE subscription is ended through it on revocation. */
  res?: ServerResponse;
}

/** What resolvers need to know of outbound traffic (it is sent by the notification worker, not by them). */
export interface OutboundServices {
  /** The guarded HTTP client: user-given URLs are checked with it when they are stored. */
  http: GuardedHttp;
  /** Whether email can be sent (SMTP_URL is set). */
  emailEnabled: boolean;
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
