import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { IntercomHttp, IntercomUnreachableError } from '../../../src/fin/http.ts';

describe('IntercomHttp timeouts', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
  });

  it('gives up on a server that takes the request and never answers, after its retries', async () => {
    let requests = 0;
    server = createServer(() => {
      requests += 1; // holds every request open
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const http = new IntercomHttp({
      token: 'fin-token-1',
      logger: pino({ level: 'silent' }),
      responseTimeoutMs: 200,
      retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 10, maxRetryAfterMs: 100 },
    });
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fin/reply`;
      const error = await http.post(url, {}, '2.15', 'reply').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IntercomUnreachableError);
      expect((error as IntercomUnreachableError).detail).toMatch(/TIMEOUT/);
      expect(requests).toBe(2);
    } finally {
      await http.close();
    }
  });
});
