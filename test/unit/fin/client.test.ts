import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FinApiError } from '../../../src/core/errors.ts';
import { FinClient } from '../../../src/fin/client.ts';
import type { FinTurnRequest } from '../../../src/fin/schemas.ts';
import { FinSimulator } from '../../../fakes/fin-simulator.ts';

const request = (id: string): FinTurnRequest => ({
  conversation_id: id,
  message: { author: 'user', body: 'hello', timestamp: '2025-01-24T10:01:20.000Z' },
  user: { id: 'U1' },
  conversation_metadata: { attributes: { a: '1' } },
});

describe('FinClient', () => {
  let sim: FinSimulator;
  let client: FinClient;
  beforeAll(async () => {
    sim = await FinSimulator.start();
    client = new FinClient({
      baseUrl: sim.url,
      token: sim.token,
      apiVersion: '2.15',
      logger: pino({ level: 'silent' }),
      retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 1_500 },
    });
  });
  afterAll(async () => {
    await client.close();
    await sim.close();
  });

  it('starts a conversation and returns the stream URL', async () => {
    sim.onTurn(() => undefined);
    const { response } = await client.start(request('c-start'));
    expect(response.sse_subscription_url).toContain('rewind=2m');
    expect(response.intercom_conversation_id).toMatch(/^\d+$/);
  });

  it('leaves conversation_metadata out of /fin/reply', async () => {
    await client.reply(request('c-reply'));
    expect(sim.calls.at(-1)?.body.conversation_metadata).toBeUndefined();
  });

  it('retries 5xx and 429 (honouring Retry-After) with the same body, then succeeds', async () => {
    let n = 0;
    sim.onTurn(() => {
      n += 1;
      if (n === 1) return { status: 502, body: {} };
      if (n === 2) return { status: 429, body: {}, headers: { 'retry-after': '0' } };
      return undefined;
    });
    const before = sim.calls.length;
    await client.reply(request('c-retry'));
    const calls = sim.calls.slice(before);
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => JSON.stringify(c.body))).size).toBe(1);
  });

  it('does not retry 400/401/403/404, and keeps Fin’s request id and message', async () => {
    for (const status of [400, 401, 403, 404]) {
      sim.onTurn(() => ({ status, body: { type: 'error.list', request_id: `r-${status}`, errors: [{ code: 'x', message: `m-${status}` }] } }));
      const before = sim.calls.length;
      const error = await client.reply(request(`c-${status}`)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FinApiError);
      expect(error).toMatchObject({ status, requestId: `r-${status}`, finMessage: `m-${status}` });
      expect((error as FinApiError).failure).toBe(status === 400 || status === 404 ? 'rejected' : 'unauthorized');
      expect(sim.calls.length - before).toBe(1);
    }
  });

  it('gives up at once when asked to wait longer than it will', async () => {
    sim.onTurn(() => ({ status: 429, body: {}, headers: { 'retry-after': '3600' } }));
    const before = sim.calls.length;
    await expect(client.reply(request('c-slow'))).rejects.toMatchObject({ failure: 'rate_limited' });
    expect(sim.calls.length - before).toBe(1);
  });

  it('treats "session already exists" on a retried start as started (the first attempt got through)', async () => {
    let n = 0;
    // The first attempt reaches Fin, but its answer is lost on the way back.
    sim.onTurn(() => {
      n += 1;
      return n === 1 ? { status: 503, body: {}, accepted: true } : undefined;
    });
    const result = await client.start(request('c-dup'));
    expect(result.alreadyStarted).toBe(true);
    expect(n).toBe(1);
  });

  it('does not mistake a first-attempt "session already exists" for success', async () => {
    sim.onTurn(() => undefined);
    await client.start(request('c-twice'));
    await expect(client.start(request('c-twice'))).rejects.toMatchObject({ failure: 'rejected', status: 400 });
  });

  it('rejects a 2xx it cannot read', async () => {
    sim.onTurn(() => ({ status: 200, body: { sse_subscription_url: 'not a url' } }));
    await expect(client.reply(request('c-bad'))).rejects.toMatchObject({ failure: 'invalid_response' });
  });
});
