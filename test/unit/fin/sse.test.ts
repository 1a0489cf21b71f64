import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { subscribe } from '../../../src/fin/sse.ts';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server?.closeAllConnections();
  server = undefined;
});

async function serve(handler: (res: ServerResponse) => void | Promise<void>): Promise<string> {
  server = createServer((_req, res) => void handler(res));
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/event-stream?accessToken=t`;
}

const sse = { 'content-type': 'text/event-stream' };

describe('subscribe', () => {
  it('parses events split across writes, including mid-character', async () => {
    const event = JSON.stringify({ event_name: 'fin_reply_chunk', chunk_text: 'héllo ✓' });
    const wire = Buffer.from(`:keepalive\n\nid: 1\nevent: message\ndata: ${event}\n\ndata: {"n":2}\n\n`);
    const url = await serve(async (res) => {
      res.writeHead(200, sse);
      for (let i = 0; i < wire.length; i += 7) {
        res.write(wire.subarray(i, i + 7));
        await new Promise((r) => setImmediate(r));
      }
      res.end();
    });
    const seen: unknown[] = [];
    const end = await subscribe(url, { onData: (d) => seen.push(d) }).done;
    expect(seen).toEqual([JSON.parse(event), { n: 2 }]);
    expect(end.reason).toBe('ended');
  });

  it('hands on data that is not JSON as text, for the caller to refuse and log, rather than dropping it unseen', async () => {
    const url = await serve((res) => {
      res.writeHead(200, sse);
      res.end('data: not json\n\ndata: {"n":1}\n\n');
    });
    const seen: unknown[] = [];
    await subscribe(url, { onData: (d) => seen.push(d) }).done;
    expect(seen).toEqual(['not json', { n: 1 }]);
  });

  it('stops on `event: error` (an expired or revoked token) without reconnecting', async () => {
    let requests = 0;
    const url = await serve((res) => {
      requests += 1;
      res.writeHead(200, sse);
      res.write('event: error\ndata: {"message":"Token expired","code":40142,"statusCode":401}\n\n');
    });
    const end = await subscribe(url, { onData: () => {} }).done;
    expect(end).toMatchObject({ reason: 'error_event' });
    expect(end.detail).toContain('40142');
    expect(requests).toBe(1);
  });

  it('reports an answer that is not an event stream', async () => {
    const url = await serve((res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{}');
    });
    expect(await subscribe(url, { onData: () => {} }).done).toMatchObject({ reason: 'http_error' });
  });

  it('can be closed by us', async () => {
    const url = await serve((res) => {
      res.writeHead(200, sse);
      res.write(':keepalive\n\n');
    });
    const sub = subscribe(url, { onData: () => {} });
    await new Promise((r) => setTimeout(r, 20));
    sub.close();
    expect(await sub.done).toMatchObject({ reason: 'closed' });
  });
});
