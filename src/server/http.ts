import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../core/log.ts';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface Route {
  readonly method: 'GET' | 'HEAD' | 'POST';
  readonly path: string;
  readonly handler: RouteHandler;
}

/**
 * How long a client may take, and how many may be connected at once. Everything this server takes (Slack events,
 * webhooks, health checks) is a small request its sender writes at once, so seconds are generous; minutes, Node's
 * defaults, would let a few thousand idle or trickling connections hold sockets and memory for nothing.
 */
export interface HttpLimits {
  /** From the connection (or the end of the previous request) to the end of the request's headers: then 408. */
  readonly headersTimeoutMs: number;
  /** From the start of a request to the end of its body: then 408. */
  readonly requestTimeoutMs: number;
  /** A kept-alive connection with no new request is closed after this. */
  readonly keepAliveTimeoutMs: number;
  /** Connections beyond this are closed at once (`HTTP_MAX_CONNECTIONS`). */
  readonly maxConnections: number;
}

export const HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1024,
};

/** The one HTTP server: Slack events, health, and Fin's webhooks all arrive on the same port. */
export function createHttpServer(routes: readonly Route[], logger: Logger, limits: HttpLimits = HTTP_LIMITS): Server {
  const table = new Map(routes.map((r) => [`${r.method} ${r.path}`, r.handler]));
  const paths = new Set(routes.map((r) => r.path));
  const options = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    // Timeouts are enforced when connections are checked: often enough that a limit means what it says.
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
  };
  const server = createServer(options, (req, res) => {
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      // A request line no URL parser accepts: answered, never thrown (a throw here would end the process).
      sendJson(res, 400, { error: 'bad_request' });
      return;
    }
    const handler = table.get(`${req.method ?? 'GET'} ${path}`);
    if (handler === undefined) {
      sendJson(res, paths.has(path) ? 405 : 404, { error: paths.has(path) ? 'method_not_allowed' : 'not_found' });
      return;
    }
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((error: unknown) => {
        logger.error({ err: error, path }, 'request handler failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' });
        else res.end();
      });
  });
  // Slack and Intercom use keep-alive; idle sockets must not hold a shutdown open.
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  let refusedLogged = 0;
  server.on('drop', () => {
    // A flood would otherwise log a line per refused connection.
    const now = Date.now();
    if (now - refusedLogged < 10_000) return;
    refusedLogged = now;
    logger.warn({ maxConnections: limits.maxConnections }, 'refusing connections: too many are open');
  });
  return server;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function listen(server: Server, port: number, host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting connections, lets requests in progress finish for `graceMs`, then closes what is left. */
export function close(server: Server, graceMs = 2_000): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}
