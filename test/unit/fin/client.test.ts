import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FinApiError } from '../../../src/core/errors.ts';
import { FinClient, isSessionExists } from '../../../src/fin/client.ts';
import type { FinTurnRequest } from '../../../src/fin/schemas.ts';
import type { FinSimulator } from '../../../fakes/fin-simulator.ts';
import { startFinParts } from '../../helpers/fin-parts.ts';

const request = (id: string): FinTurnRequest => ({
  conversation_id: id,
  message: { author: 'user', body: 'hello', timestamp: '2025-01-24T10:01:20.000Z' },
  user: { id: 'U1' },
  conversation_metadata: { attributes: { a: '1' } },
});

describe('FinClient', () => {
  let sim: FinSimulator;
  let client: FinClient;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ sim, client, close } = await startFinParts());
  });
  afterAll(() => close());

  it('starts a conversation and returns the stream URL', async () => {
    sim.onTurn(() => undefined);
    const response = await client.start(request('c-start'));
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
      if (n === 2) return { status: 429, body: {}, headers: { 'retry-after': '1' } };
      return undefined;
    });
    const before = sim.calls.length;
    await client.reply(request('c-retry'));
    const calls = sim.calls.slice(before);
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => JSON.stringify(c.body))).size).toBe(1);
    // Fin asked for a second's pause after the 429; the client waited at least that long.
    expect((calls[2]?.at ?? 0) - (calls[1]?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('retries 408 and any 5xx, and waits for X-RateLimit-Reset after a 429', async () => {
    let n = 0;
    const reset = Math.ceil(Date.now() / 1000) + 1;
    sim.onTurn(() => {
      n += 1;
      if (n === 1) return { status: 408, body: {} };
      if (n === 2) return { status: 520, body: {} };
      if (n === 3) return { status: 429, body: {}, headers: { 'x-ratelimit-reset': String(reset) } };
      return undefined;
    });
    const retrying = new FinClient({
      baseUrl: sim.url,
      token: sim.token,
      apiVersion: '2.15',
      logger: pino({ level: 'silent' }),
      retry: { attempts: 4, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 2_500 },
    });
    try {
      const before = sim.calls.length;
      await retrying.reply(request('c-reset'));
      const calls = sim.calls.slice(before);
      expect(calls).toHaveLength(4);
      // The fourth attempt waited for the reset second Fin named.
      expect(calls[3]?.at ?? 0).toBeGreaterThanOrEqual(reset * 1000 - 50);
    } finally {
      await retrying.close();
    }
  });

  it('retries a dropped connection with the same message timestamp', async () => {
    let n = 0;
    const flaky = createServer((req, res) => {
      n += 1;
      if (n === 1) {
        req.socket.destroy();
        return;
      }
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"thinking"}');
    });
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
    const retrying = new FinClient({
      baseUrl: `http://127.0.0.1:${(flaky.address() as AddressInfo).port}`,
      token: 'fin-token-1',
      apiVersion: '2.15',
      logger: pino({ level: 'silent' }),
      retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 1_500 },
    });
    try {
      await expect(retrying.reply(request('c-net'))).resolves.toMatchObject({ status: 'thinking' });
      expect(n).toBe(2);
    } finally {
      await retrying.close();
      await new Promise((resolve) => flaky.close(resolve));
    }
  });

  it('does not retry 400/401/403/404, and keeps Fin’s request id and message', async () => {
    for (const status of [400, 401, 403, 404]) {
      sim.onTurn(() => ({
        status,
        body: { type: 'error.list', request_id: `r-${status}`, errors: [{ code: 'x', message: `m-${status}` }] },
      }));
      const before = sim.calls.length;
      const error = await client.reply(request(`c-${status}`)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FinApiError);
      expect(error).toMatchObject({ status, requestId: `r-${status}`, finMessage: `m-${status}` });
      expect((error as FinApiError).failure).toBe({ 400: 'rejected', 401: 'unauthorized', 403: 'unauthorized', 404: 'not_found' }[status]);
      expect(sim.calls.length - before).toBe(1);
    }
  });

  it('gives up at once when asked to wait longer than it will', async () => {
    sim.onTurn(() => ({ status: 429, body: {}, headers: { 'retry-after': '3600' } }));
    const before = sim.calls.length;
    await expect(client.reply(request('c-slow'))).rejects.toMatchObject({ failure: 'rate_limited' });
    expect(sim.calls.length - before).toBe(1);
  });

  it('reports "session already exists" as such, so the caller can send the message as a reply', async () => {
    sim.onTurn(() => undefined);
    await client.start(request('c-twice'));
    const error = await client.start(request('c-twice')).catch((e: unknown) => e);
    expect(isSessionExists(error)).toBe(true);
    expect(isSessionExists(new FinApiError('rejected', 'other', { status: 400, finMessage: 'conversation_id is required' }))).toBe(false);
  });

  it('takes a 2xx it cannot fully read as accepted (Fin has the message) rather than as a failure', async () => {
    sim.onTurn(() => ({ status: 200, body: ['not', 'an', 'object'] }));
    await expect(client.reply(request('c-odd'))).resolves.toEqual({});
  });

  it('gives up retrying once its time budget is spent', async () => {
    const slow = new FinClient({
      baseUrl: sim.url,
      token: sim.token,
      apiVersion: '2.15',
      logger: pino({ level: 'silent' }),
      // Delays of 300–400 ms (jitter included): a second attempt fits in 500 ms, a third never does.
      retry: { attempts: 10, baseDelayMs: 400, maxDelayMs: 400, maxRetryAfterMs: 1_000, budgetMs: 500 },
    });
    sim.onTurn(() => ({ status: 503, body: {} }));
    const before = sim.calls.length;
    await expect(slow.reply(request('c-budget'))).rejects.toMatchObject({ failure: 'server_error' });
    expect(sim.calls.length - before).toBe(2);
    await slow.close();
  });

  describe('ratings and escalations', () => {
    it('records a rating, and reads each of Fin’s documented refusals (422) as a reason', async () => {
      sim.onTurn(() => undefined);
      await client.start(request('c-csat'));
      expect(await client.csat({ conversation_id: 'c-csat', rating: 'good' })).toMatchObject({ kind: 'refused', why: 'no_survey' });
      sim.surveyRequested('c-csat', [
        { key: 'good', emoji: '😃', label: 'Great' },
        { key: 'bad', emoji: '🙁', label: 'Bad' },
      ]);
      expect(await client.csat({ conversation_id: 'c-csat', rating: 'amazing' })).toMatchObject({ kind: 'refused', why: 'invalid_rating' });
      expect(await client.csat({ conversation_id: 'c-csat', rating: 'good' })).toEqual({ kind: 'rated', rating: 'good' });
      expect(await client.csat({ conversation_id: 'c-csat', rating: 'good', remark: 'quick' })).toEqual({ kind: 'rated', rating: 'good' });
      expect(await client.csat({ conversation_id: 'c-csat', rating: 'bad' })).toMatchObject({ kind: 'refused', why: 'locked' });
      expect(await client.csat({ conversation_id: 'c-unknown', rating: 'good' })).toMatchObject({ kind: 'refused', why: 'no_survey' });
      sim.surveyRequested('c-csat-2', [{ key: 'ok', emoji: '😐', label: 'OK' }]);
      sim.closeCsatWindow('c-csat-2');
      await client.start(request('c-csat-2'));
      expect(await client.csat({ conversation_id: 'c-csat-2', rating: 'ok' })).toMatchObject({ kind: 'refused', why: 'window_closed' });
    });

    it('throws a coded error for what is not a refusal: 5xx after retries', async () => {
      sim.onCsat(() => ({ status: 500, body: {} }));
      await expect(client.csat({ conversation_id: 'c-csat', rating: 'good' })).rejects.toMatchObject({ code: 'fin_server_error' });
      sim.onCsat(undefined);
    });

    it('escalates with Preview, and reads 403 and 400 as errors carrying Fin’s status and message', async () => {
      sim.onTurn(() => undefined);
      await client.start(request('c-esc'));
      const answer = await client.escalate({ conversation_id: 'c-esc', context: 'asked in Slack' });
      expect(answer.sse_subscription_url).toContain('accessToken=');
      expect(sim.callsOf('escalate')[0]?.headers['intercom-version']).toBe('Preview');
      await expect(client.escalate({ conversation_id: 'c-nobody', context: 'x' })).rejects.toMatchObject({
        status: 400,
        finMessage: 'Conversation not found',
      });
      sim.setFeatureEnabled('escalate', false);
      await expect(client.escalate({ conversation_id: 'c-esc', context: 'x' })).rejects.toBeInstanceOf(FinApiError);
      await expect(client.escalate({ conversation_id: 'c-esc', context: 'x' })).rejects.toMatchObject({ status: 403 });
    });
  });
});
