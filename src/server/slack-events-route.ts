import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteHandler } from './http.ts';

/** Slack's window for request timestamps, applied both ways (Bolt itself only rejects old ones). */
const MAX_SKEW_SECONDS = 300;

/**
 * `/slack/events`: rejects requests whose timestamp is missing or outside the window in either direction, then
 * hands the request to Bolt's receiver, which verifies the signature over the raw body, acknowledges and dispatches.
 */
export function slackEventsRoute(
  boltListener: (req: IncomingMessage, res: ServerResponse) => void,
  now: () => number = Date.now,
): RouteHandler {
  return (req, res) => {
    const header = req.headers['x-slack-request-timestamp'];
    const timestamp = Number(Array.isArray(header) ? header[0] : header);
    if (!Number.isFinite(timestamp) || Math.abs(now() / 1000 - timestamp) > MAX_SKEW_SECONDS) {
      req.resume();
      res.writeHead(401).end();
      return;
    }
    boltListener(req, res);
  };
}
