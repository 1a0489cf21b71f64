import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The HTTP side every fake shares: a server on loopback whose handler's failures answer 500 (so a test sees the
 * fake's own bug rather than a hung request), started on a given port (0 for any free one) and closed with its
 * connections.
 */
export class LoopbackServer {
  readonly #server: Server;

  constructor(handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>) {
    this.#server = createServer((req, res) => {
      handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500);
        res.end(String(error));
      });
    });
  }

  /** The server itself, for what rides on it (a WebSocket upgrade). */
  get server(): Server {
    return this.#server;
  }

  /** Listens on 127.0.0.1 and resolves with the base URL. */
  async listen(port: number): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(port, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }
}

/** A request's whole body, as text. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}
