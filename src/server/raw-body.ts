import { AppError } from '../core/errors.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';

export class PayloadTooLargeError extends AppError {
  constructor(readonly limit: number) {
    super('payload_too_large', `request body larger than ${limit} bytes`);
  }
}

/**
 * The request body as received, byte for byte: signatures are computed over these bytes, never over re-serialised
 * JSON. Refuses (without reading on) a body larger than `limit`.
 */
export function readRawBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(new PayloadTooLargeError(limit));
  }
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        reject(new PayloadTooLargeError(limit));
        return;
      }
      parts.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

/**
 * Answers 413 and drops the connection once the answer is out: a sender streaming an endless chunked body must not
 * keep the server reading it.
 */
export function refuseOversized(req: IncomingMessage, res: ServerResponse): void {
  const text = JSON.stringify({ error: 'payload_too_large' });
  res.on('finish', () => req.destroy());
  res.writeHead(413, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), connection: 'close' });
  res.end(text);
}
