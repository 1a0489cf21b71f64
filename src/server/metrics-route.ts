import { createHash, timingSafeEqual } from 'node:crypto';
import type { Metrics } from '../ops/metrics.ts';
import { type RouteHandler, sendJson } from './http.ts';

/**
 * `GET /metrics`: Prometheus text. With a token, only callers that send it (`Authorization: Bearer …`) are answered;
 * the comparison takes the same time whatever the guess.
 */
export function metricsRoute(metrics: Metrics, token: string | undefined): RouteHandler {
  const expected = token === undefined ? undefined : digest(token);
  return async (req, res) => {
    if (expected !== undefined) {
      const given = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
      if (given === undefined || !timingSafeEqual(digest(given), expected)) {
        res.setHeader('www-authenticate', 'Bearer');
        sendJson(res, 401, { error: 'unauthorized' });
        return;
      }
    }
    const text = await metrics.text();
    res.writeHead(200, { 'content-type': metrics.contentType }).end(text);
  };
}

/** Both sides hashed first, so tokens of any length compare in constant time. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
