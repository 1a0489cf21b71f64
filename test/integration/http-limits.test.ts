import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HTTP_LIMITS } from '../../src/server/http.ts';
import { Harness } from '../helpers/harness.ts';
import { waitFor } from '../helpers/wait.ts';

/** A raw TCP client that records what the server said and whether it hung up. */
function rawClient(port: number): { socket: Socket; received: () => string; closed: () => boolean } {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  let closed = false;
  socket.on('data', (d: Buffer) => {
    received += d.toString();
  });
  socket.on('error', () => undefined);
  socket.on('close', () => {
    closed = true;
  });
  return { socket, received: () => received, closed: () => closed };
}

const SHORT = { headersTimeoutMs: 300, requestTimeoutMs: 600, keepAliveTimeoutMs: 200, maxConnections: 20 };

describe('the HTTP server cuts idle, slow and surplus connections', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('keeps its production limits in seconds, not minutes', () => {
    expect(HTTP_LIMITS.headersTimeoutMs).toBeLessThanOrEqual(10_000);
    expect(HTTP_LIMITS.requestTimeoutMs).toBeLessThanOrEqual(30_000);
    expect(HTTP_LIMITS.keepAliveTimeoutMs).toBeLessThanOrEqual(5_000);
    expect(HTTP_LIMITS.maxConnections).toBeGreaterThan(0);
  });

  it('closes connections that never send a request', async () => {
    h = await Harness.start({ httpLimits: SHORT });
    const port = Number(new URL(h.url).port);
    const idle = Array.from({ length: 10 }, () => rawClient(port));
    await waitFor(() => idle.every((c) => c.closed()), { what: 'every idle connection to be closed', timeoutMs: 5_000 });
    // Still serving.
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  });

  it('answers 408 to headers that trickle in, and to a body that never ends', async () => {
    // With webhooks configured, the route waits for the body it must verify.
    h = await Harness.start({ httpLimits: SHORT, webhooks: true });
    const port = Number(new URL(h.url).port);
    const slowHeaders = rawClient(port);
    slowHeaders.socket.write('POST /fin/webhooks HTTP/1.1\r\nHost: x\r\n');
    const slowBody = rawClient(port);
    slowBody.socket.write(
      'POST /fin/webhooks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"event',
    );
    await waitFor(() => slowHeaders.closed() && slowBody.closed(), { what: 'both slow connections to be cut', timeoutMs: 5_000 });
    expect(slowHeaders.received()).toMatch(/^HTTP\/1\.1 408/);
    expect(slowBody.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('refuses connections beyond its cap, and serves again once they are gone', async () => {
    h = await Harness.start({ httpLimits: { ...SHORT, headersTimeoutMs: 5_000, requestTimeoutMs: 5_000 } });
    const port = Number(new URL(h.url).port);
    const clients = Array.from({ length: SHORT.maxConnections + 10 }, () => rawClient(port));
    await waitFor(() => clients.filter((c) => c.closed()).length >= 10, { what: 'the surplus connections to be refused' });
    expect(clients.filter((c) => !c.closed()).length).toBeLessThanOrEqual(SHORT.maxConnections);
    for (const c of clients) c.socket.destroy();
    await waitFor(async () => (await fetch(`${h?.url}/healthz`).catch(() => undefined))?.status === 200, {
      what: 'the server to serve again',
    });
  });
});
