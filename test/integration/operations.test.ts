import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, WORKSPACE } from '../helpers/harness.ts';
import { METRICS_TOKEN, metric } from '../helpers/metrics.ts';
import { freePort } from '../helpers/net.ts';
import { waitFor } from '../helpers/wait.ts';

const { alice, support } = WORKSPACE;

describe('operations: /metrics and /healthz', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const mention = (harness: Harness, text: string) => `<@${harness.slack.botUserId}> ${text}`;

  it('serves Prometheus text with process metrics and every counter of the app', async () => {
    h = await Harness.start();
    const res = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const name of [
      'fin_slack_slack_events_total',
      'fin_slack_fin_calls_total',
      'fin_slack_fin_call_duration_seconds',
      'fin_slack_sse_streams_open',
      'fin_slack_webhook_events_total',
      'fin_slack_slack_api_calls_total',
      'fin_slack_slack_api_rate_limited_total',
      'fin_slack_slack_api_errors_total',
      'fin_slack_replies_delivered_total',
      'fin_slack_turns_timed_out_total',
      'fin_slack_process_resident_memory_bytes',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
  });

  it('counts one turn end to end: events accepted and deduplicated, the Fin call, the stream, Slack calls, the reply', async () => {
    h = await Harness.start();
    const harness = h;
    // One mention raises app_mention and message: one is taken, its twin is recognised.
    const root = await harness.say({ user: alice, channel: support, text: mention(harness, 'hello') });
    const turn = await harness.fin.nextTurn();
    await turn.connected();
    expect(await metric(harness.url, 'fin_slack_sse_streams_open')).toBe(1);
    await turn.answer('<p>Hi <b>there</b>.</p>');
    await harness.slack.waitFor(() => harness.slack.botReplies(support, root)[0]?.text === 'Hi *there*.');
    await waitFor(async () => (await metric(harness.url, 'fin_slack_sse_streams_open')) === 0, { what: 'the stream to close' });

    expect(await metric(harness.url, 'fin_slack_slack_events_total', { outcome: 'accepted' })).toBe(1);
    expect(await metric(harness.url, 'fin_slack_slack_events_total', { outcome: 'deduplicated' })).toBe(1);
    expect(await metric(harness.url, 'fin_slack_fin_calls_total', { operation: 'start', outcome: '200' })).toBe(1);
    expect(await metric(harness.url, 'fin_slack_fin_call_duration_seconds_count', { operation: 'start' })).toBe(1);
    expect(await metric(harness.url, 'fin_slack_replies_delivered_total')).toBe(1);
    expect(await metric(harness.url, 'fin_slack_sse_streams_ended_total')).toBe(1);
    expect(await metric(harness.url, 'fin_slack_slack_api_calls_total', { method: 'chat.postMessage', status: '200' })).toBe(
      harness.slack.callsTo('chat.postMessage').length,
    );

    // A bot's message and our own edits are ignored, and counted as such.
    const ignoredBefore = await metric(harness.url, 'fin_slack_slack_events_total', { outcome: 'ignored' });
    await harness.say({ user: alice, channel: support, text: 'not for the app' });
    expect(await metric(harness.url, 'fin_slack_slack_events_total', { outcome: 'ignored' })).toBe(ignoredBefore + 1);
  });

  it('counts Fin retries and failures by outcome, and Slack 429s by method', async () => {
    h = await Harness.start();
    const harness = h;
    let calls = 0;
    harness.fin.onTurn((turn) => {
      calls += 1;
      if (calls === 1) return { status: 503, body: {} };
      return turn.answer('<p>Fine now.</p>', { chunks: ['Fine', ' now', ' and more'] });
    });
    harness.slack.fail('chat.update', { error: 'ratelimited', retryAfterSeconds: 1, times: 1 });
    const root = await harness.say({ user: alice, channel: support, text: mention(harness, 'hello') });
    await harness.slack.waitFor(() => harness.slack.botReplies(support, root)[0]?.text === 'Fine now.');
    expect(await metric(harness.url, 'fin_slack_fin_call_retries_total', { operation: 'start' })).toBe(1);
    expect(await metric(harness.url, 'fin_slack_fin_calls_total', { operation: 'start', outcome: '200' })).toBe(1);
    expect(await metric(harness.url, 'fin_slack_slack_api_rate_limited_total', { method: 'chat.update' })).toBe(1);
    expect(await metric(harness.url, 'fin_slack_slack_api_calls_total', { method: 'chat.update', status: '429' })).toBe(1);

    // Every log line about the turn, the retry included, names its conversation (and the turn, once there is one).
    const conversationId = harness.fin.calls[0]?.conversationId;
    expect(conversationId).toBeDefined();
    expect(harness.logged('Intercom call failed; retrying')[0]).toMatchObject({ conversationId, component: 'fin', status: 503 });
    expect(harness.logged('fin accepted the turn')[0]).toMatchObject({ conversationId, turnId: expect.any(Number) });
    expect(harness.logged('fin reply delivered')[0]).toMatchObject({ conversationId });
  });

  it('counts webhook deliveries by outcome, refused ones included', async () => {
    h = await Harness.start({ webhooks: true });
    await h.webhook({
      event_name: 'fin_status_updated',
      conversation_id: 'unknown',
      status: 'complete',
      created_at_ms: new Date().toISOString(),
    });
    await h.webhook({ event_name: 'fin_status_updated' }, { signature: 'sha256=00' });
    await h.webhook(undefined, { raw: 'not json' });
    expect(await metric(h.url, 'fin_slack_webhook_events_total', { source: 'fin', outcome: 'unknown_conversation' })).toBe(1);
    expect(await metric(h.url, 'fin_slack_webhook_events_total', { source: 'fin', outcome: 'invalid_signature' })).toBe(1);
    expect(await metric(h.url, 'fin_slack_webhook_events_total', { source: 'fin', outcome: 'invalid_json' })).toBe(1);
  });

  it('counts turns that time out', async () => {
    h = await Harness.start({ env: { FIN_REPLY_TIMEOUT_MS: '1000' } });
    const harness = h;
    const root = await harness.say({ user: alice, channel: support, text: mention(harness, 'slow one') });
    await (await harness.fin.nextTurn()).connected();
    await harness.slack.waitFor(() => /longer than usual/.test(harness.slack.botReplies(support, root)[0]?.text ?? ''), 5_000);
    expect(await metric(harness.url, 'fin_slack_turns_timed_out_total')).toBe(1);
  });

  it('answers /healthz 503 with the reason while the database refuses writes, and 200 again after', async () => {
    h = await Harness.start();
    expect(await (await fetch(`${h.url}/healthz`)).json()).toEqual({ status: 'ok', mode: 'http', database: 'writable', slack: 'ok' });
    const path = h.env.DATABASE_PATH;
    if (path === undefined) throw new Error('no database path');
    const other = new BetterSqlite3(path);
    try {
      other.exec('BEGIN EXCLUSIVE');
      const res = await fetch(`${h.url}/healthz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'unavailable', mode: 'http', database: 'SQLITE_BUSY', slack: 'ok' });
      expect((await fetch(`${h.url}/healthz`, { method: 'HEAD' })).status).toBe(503);
      other.exec('ROLLBACK');
    } finally {
      other.close();
    }
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  });

  it('counts Slack error codes, and reports unhealthy once Slack keeps refusing the bot token', async () => {
    h = await Harness.start();
    const harness = h;
    expect((await fetch(`${harness.url}/healthz`)).status).toBe(200);
    // An admin revokes the token: every call now answers HTTP 200 with {"ok": false, "error": "token_revoked"}.
    harness.slack.killToken('token_revoked');
    await harness.say({ user: alice, channel: support, text: mention(harness, 'are you there?') });
    await harness.say({ user: alice, channel: support, text: mention(harness, 'hello?') });
    await harness.say({ user: alice, channel: support, text: mention(harness, 'anyone?') });
    await waitFor(async () => (await fetch(`${harness.url}/healthz`)).status === 503, { what: '/healthz to report the dead token' });
    expect(await (await fetch(`${harness.url}/healthz`)).json()).toEqual({
      status: 'unavailable',
      mode: 'http',
      database: 'writable',
      slack: 'token_revoked',
    });
    expect(
      await metric(harness.url, 'fin_slack_slack_api_errors_total', { method: 'chat.postMessage', error: 'token_revoked' }),
    ).toBeGreaterThanOrEqual(3);
  });

  it('notices a dead token while nothing happens, by checking it now and then', async () => {
    h = await Harness.start({ tokenCheckMs: 100 });
    const harness = h;
    harness.slack.killToken('account_inactive');
    await waitFor(async () => (await fetch(`${harness.url}/healthz`)).status === 503, { what: '/healthz to report the dead token' });
    expect(await (await fetch(`${harness.url}/healthz`)).json()).toMatchObject({ status: 'unavailable', slack: 'account_inactive' });
    expect(harness.slack.callsTo('auth.test').length).toBeGreaterThan(1);
  });

  it('counts a refusal that is not about the token without calling the app unhealthy', async () => {
    h = await Harness.start();
    const harness = h;
    harness.slack.fail('chat.postMessage', { error: 'not_in_channel', times: 5 });
    for (const text of ['one', 'two', 'three', 'four']) await harness.say({ user: alice, channel: support, text: mention(harness, text) });
    await waitFor(async () => (await metric(harness.url, 'fin_slack_slack_api_errors_total', { error: 'not_in_channel' })) >= 4, {
      what: 'the refusals to be counted',
    });
    expect((await fetch(`${harness.url}/healthz`)).status).toBe(200);
  });

  it('serves /metrics only with its bearer token on the main port', async () => {
    h = await Harness.start();
    expect((await fetch(`${h.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${h.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    expect((await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(200);
  });

  it('does not serve /metrics on the main port unless told how to protect it', async () => {
    h = await Harness.start({ env: { METRICS_TOKEN: '' } });
    expect((await fetch(`${h.url}/metrics`)).status).toBe(404);
    expect(h.logged(/\/metrics is off/)).toHaveLength(1);
  });

  it('serves /metrics on a port of its own, and not on the main port, with METRICS_PORT', async () => {
    const port = await freePort();
    h = await Harness.start({ env: { METRICS_TOKEN: '', METRICS_PORT: String(port) } });
    expect((await fetch(`${h.url}/metrics`)).status).toBe(404);
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('fin_slack_slack_events_total');
  });
});
