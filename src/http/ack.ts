import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../logger.js';
import { publishAll } from '../realtime/events.js';
import type { PubSub } from '../realtime/pubsub.js';
import { acknowledgeByLink, readAckLink, type AckLinkView } from '../services/escalation.js';
import { readBodyWithin } from './body.js';
import { createRateLimiter } from '../limits/rate-limit.js';
import type { ClientAddressOf } from './client-address.js';

/**
 * `/ack/<token>`, the acknowledge link of a page, reachable without a key. GET only shows what
 * the link would do (mail scanners and link previews fetch links): nothing changes. Its button
 * POSTs, which acknowledges the incident as the paged user, once.
 */

const TOKEN = /^\/ack\/([A-Za-z0-9_-]{20,100})$/;
/** The form sends no fields: anything more is not ours. */
const MAX_BODY_BYTES = 1024;
/** Per client address, over all instances: a person needs a handful, a token guesser many. */
const PER_ADDRESS = { bucket: 30, refillPerSecond: 0.5 };

const HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  // The token is in the URL: keep it out of caches and referrers; the form posts back here only.
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
};

export interface AckHandlerDeps {
  prisma: PrismaClient;
  pubsub: PubSub;
  logger: Logger;
  rateLimited: boolean;
  /** Where the buckets are kept when several instances share them (REDIS_URL); in memory otherwise. */
  bucketsRedis: Redis | undefined;
  /** The client address of a request, as TRUST_PROXY says to read it. */
  clientAddress: ClientAddressOf;
}

export function createAckHandler({ prisma, pubsub, logger, rateLimited, bucketsRedis, clientAddress }: AckHandlerDeps) {
  const limiter = rateLimited ? createRateLimiter(PER_ADDRESS, bucketsRedis, 'ack-rate-limit') : null;
  async function serve(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const token = TOKEN.exec(pathname)?.[1];
    if (req.method !== 'GET' && req.method !== 'POST') {
      res.writeHead(405, { ...HEADERS, Allow: 'GET, POST' }).end(page('Not allowed', '<p>Open the link in a browser.</p>'));
      return;
    }
    if (limiter && !(await limiter.consume(clientAddress(req), 1)).allowed) {
      res.writeHead(429, { ...HEADERS, 'Retry-After': '2' }).end(page('Too many requests', '<p>Try again in a moment.</p>'));
      return;
    }
    if (req.method === 'GET') {
      const view = token ? await readAckLink(prisma, token) : null;
      if (!view) return gone(res);
      res.writeHead(200, HEADERS).end(
        page(
          'Acknowledge incident',
          `${describe(view)}<p>Acknowledging stops the escalation: nobody else is paged.</p>
<form method="post"><button type="submit">Acknowledge as ${escape(view.userName)}</button></form>`,
        ),
      );
      return;
    }
    if ((await readBodyWithin(req, MAX_BODY_BYTES)) === null) {
      res.writeHead(413, { ...HEADERS, Connection: 'close' }).end(page('Too large', '<p>The request was too large.</p>'));
      return;
    }
    const outcome = token ? await acknowledgeByLink(prisma, token) : null;
    if (!outcome?.ok || !outcome.value) return gone(res);
    publishAll(pubsub, outcome.events);
    const { view, acknowledged } = outcome.value;
    logger.info({ incident: view.incident.number, acknowledged }, 'incident acknowledged through a page link');
    res.writeHead(200, HEADERS).end(
      page(acknowledged ? 'Acknowledged' : 'Already acknowledged', `${describe(view)}<p>${acknowledged ? `Acknowledged as ${escape(view.userName)}.` : 'It was already acknowledged; nothing changed.'}</p>`),
    );
  }
  return { serve, close: async () => limiter?.close() };
}

function gone(res: ServerResponse): void {
  res.writeHead(410, HEADERS).end(
    page('Link no longer works', '<p>This acknowledge link was used already, has expired, or its incident was acknowledged or resolved. Nothing was changed.</p>'),
  );
}

function describe(view: AckLinkView): string {
  const { incident } = view;
  return `<p><strong>#${incident.number} ${escape(incident.title)}</strong></p><p>Severity ${incident.severity} · status ${incident.status}</p>`;
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>${title} · incident-gateway</title><style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}button{font-size:1.1rem;padding:.6rem 1.2rem}</style></head>
<body><h1>${title}</h1>${body}</body></html>`;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
