import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../core/log.ts';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface Route {
  readonly method: 'GET' | 'HEAD' | 'POST';
  readonly path: string;
  readonly handler: RouteHandler;
}

/** The one HTTP server: Slack events, health, and Fin's webhooks all arrive on the same port. */
export function createHttpServer(routes: readonly Route[], logger: Logger): Server {
  const table = new Map(routes.map((r) => [`${r.method} ${r.path}`, r.handler]));
  const paths = new Set(routes.map((r) => r.path));
  const server = createServer((req, res) => {
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
  server.keepAliveTimeout = 5_000;
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
