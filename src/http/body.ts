import type { IncomingMessage, ServerResponse } from 'node:http';
import { once } from 'node:events';

/**
 * Reads a request body, giving up as soon as it passes `maxBytes`: a declared Content-Length is
 * checked before reading, a chunked body is cut off at the limit. null means "too large".
 */
export function readBodyWithin(req: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      // Stop reading but keep the socket: the caller still answers 413 (and closes the connection).
      req.off('data', onData);
      req.pause();
      resolve(null);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** Writes a Fetch API Response (from Yoga) to Node's response, streaming its body (SSE included). */
export async function sendFetchResponse(response: Response, res: ServerResponse): Promise<void> {
  response.headers.forEach((value, name) => res.appendHeader(name, value));
  res.writeHead(response.status);
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  res.once('close', () => void reader.cancel().catch(() => undefined));
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || res.destroyed) break;
      if (!res.write(value)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
    }
  } finally {
    res.end();
  }
}
