import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { CLIENT_SECRET, Harness, WEBHOOK_SECRET, WORKSPACE } from '../helpers/harness.ts';
import { withStore } from '../helpers/seed.ts';

const { alice, bob, support, agents } = WORKSPACE;
const DAY = 24 * 60 * 60_000;

/** POSTs a chunked body that keeps coming until the server answers; reports the answer and whether the server hung up. */
function endlessChunkedPost(url: URL): Promise<{ status: number; sent: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let status = 0;
    let sent = 0;
    const pump = (): void => {
      while (!req.destroyed) {
        sent += chunk.length;
        if (!req.write(chunk)) break;
      }
      if (!req.destroyed) req.once('drain', pump);
    };
    req.on('response', (res) => {
      status = res.statusCode ?? 0;
      res.resume();
    });
    // Only the server can close this socket: the client never ends its body.
    req.on('close', () => resolve({ status, sent }));
    req.on('error', (error) => {
      if (status === 0 && !/ECONNRESET|EPIPE/.test(String(error))) reject(error);
    });
    req.write('{"event_name":"x","pad":"');
    pump();
  });
}

describe('Fin webhooks (POST /fin/webhooks)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const mention = (harness: Harness, text: string) => `<@${harness.slack.botUserId}> ${text}`;
  const replied = (conversationId: string, id: string, body: string, extra: Record<string, unknown> = {}) => ({
    event_name: 'fin_replied',
    conversation_id: conversationId,
    user_id: alice,
    message: { id, author: 'fin', body, timestamp_ms: new Date().toISOString() },
    status: 'awaiting_user_reply',
    created_at_ms: new Date().toISOString(),
    ...extra,
  });

  /** A thread waiting for Fin's answer, whose stream Fin closes at once: only webhooks can bring the answer. */
  async function waitingThread(harness: Harness) {
    const root = await harness.say({ user: alice, channel: support, text: mention(harness, 'question') });
    const turn = await harness.fin.nextTurn();
    await turn.connected();
    turn.breakStream();
    const placeholder = await harness.slack.waitFor(() => harness.slack.botReplies(support, root)[0]);
    return { root, turn, placeholder };
  }

  it('answers HEAD with 200, as Intercom checks the URL that way', async () => {
    h = await Harness.start({ webhooks: true });
    expect((await fetch(`${h.url}/fin/webhooks`, { method: 'HEAD' })).status).toBe(200);
  });

  it('refuses every request when no secret is configured, signed or not', async () => {
    h = await Harness.start();
    const event = { event_name: 'fin_status_updated', conversation_id: 'x', status: 'complete' };
    expect((await h.webhook(event)).status).toBe(401);
    expect((await h.webhook(event, { signature: null })).status).toBe(401);
    expect(h.logged('refused a Fin webhook: FIN_WEBHOOK_SECRET is not set')).toHaveLength(2);
  });

  it('accepts a valid signature with or without the sha256= prefix, in any case', async () => {
    h = await Harness.start({ webhooks: true });
    const body = JSON.stringify({ hello: 'ping' });
    const hex = createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex');
    for (const signature of [`sha256=${hex}`, hex, `SHA256=${hex.toUpperCase()}`]) {
      expect((await h.webhook(undefined, { raw: body, signature })).status).toBe(200);
    }
  });

  it('refuses a missing or wrong signature (401) and does nothing with the event', async () => {
    h = await Harness.start({ webhooks: true });
    const { turn, placeholder } = await waitingThread(h);
    const event = replied(turn.conversationId, 'm-forged', '<p>Forged answer.</p>');
    expect((await h.webhook(event, { signature: null })).status).toBe(401);
    expect((await h.webhook(event, { signature: `sha256=${'0'.repeat(64)}` })).status).toBe(401);
    expect((await h.webhook(event, { signature: 'sha256=nothex' })).status).toBe(401);
    const resigned = createHmac('sha256', 'another-secret').update(JSON.stringify(event)).digest('hex');
    expect((await h.webhook(event, { signature: resigned })).status).toBe(401);

    // The same event, signed properly, is the one that shows.
    expect((await h.webhook(replied(turn.conversationId, 'm-real', '<p>Real answer.</p>'))).status).toBe(200);
    await h.slack.waitFor(() => placeholder.text === 'Real answer.');
    expect(h.slack.callsTo('chat.update').some((c) => String(c.args.text).includes('Forged'))).toBe(false);
  });

  it('acknowledges the settings page test ping signed with the app client secret, but never an event signed so', async () => {
    h = await Harness.start({ webhooks: true, hitl: true });
    const sign = (body: string) => `sha1=${createHmac('sha1', CLIENT_SECRET).update(body).digest('hex')}`;
    const ping = JSON.stringify({ type: 'notification_event', topic: 'ping', data: { item: { message: 'hello' } } });
    const res = await fetch(`${h.url}/fin/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature': sign(ping) },
      body: ping,
    });
    expect(res.status).toBe(200);
    const event = JSON.stringify({ event_name: 'fin_status_updated', conversation_id: 'c', status: 'complete' });
    const forged = await fetch(`${h.url}/fin/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature': sign(event) },
      body: event,
    });
    expect(forged.status).toBe(401);
  });

  it('answers 400 to malformed JSON and to events of a known kind with a broken shape', async () => {
    h = await Harness.start({ webhooks: true });
    expect((await h.webhook(undefined, { raw: '{not json' })).status).toBe(400);
    expect((await h.webhook([1, 2, 3])).status).toBe(400);
    expect((await h.webhook({ event_name: 'fin_replied', conversation_id: 'c', message: { body: 7 } })).status).toBe(400);
  });

  it('acknowledges a signed test ping, unknown kinds of event, and events for unknown conversations', async () => {
    h = await Harness.start({ webhooks: true });
    const ping = await h.webhook({ type: 'notification_event', topic: 'ping' });
    expect(ping.status).toBe(200);
    expect(await ping.json()).toMatchObject({ outcome: 'ping' });
    expect(await (await h.webhook({ event_name: 'fin_something_new', conversation_id: 'c' })).json()).toMatchObject({ outcome: 'ignored' });
    const unknown = await h.webhook(replied('slack-T-C-1.2', 'm-x', '<p>x</p>'));
    expect(unknown.status).toBe(200);
    expect(await unknown.json()).toMatchObject({ outcome: 'unknown_conversation' });
    expect(h.logged('Fin event for a conversation this app does not know')).toHaveLength(1);
  });

  it('logs and ignores a status it does not know, and carries on with the turn', async () => {
    h = await Harness.start({ webhooks: true });
    const { turn, placeholder } = await waitingThread(h);
    const res = await h.webhook({
      event_name: 'fin_status_updated',
      conversation_id: turn.conversationId,
      status: 'pondering',
      created_at_ms: new Date().toISOString(),
    });
    expect(res.status).toBe(200);
    await h.slack.waitFor(() => h?.logged('ignoring an unknown Fin status').length === 1);
    expect(h.logged('ignoring an unknown Fin status')[0]).toMatchObject({ status: 'pondering', conversationId: turn.conversationId });
    expect(placeholder.text).toMatch(/thinking/);
    expect((await h.webhook(replied(turn.conversationId, 'm-after', '<p>Still answered.</p>'))).status).toBe(200);
    await h.slack.waitFor(() => placeholder.text === 'Still answered.');
  });

  it('refuses an oversized body (413) without reading it all', async () => {
    h = await Harness.start({ webhooks: true });
    const res = await h.webhook(undefined, { raw: JSON.stringify({ event_name: 'x', pad: 'a'.repeat(600_000) }) });
    expect(res.status).toBe(413);
    // A chunked body declares no length, and this one never ends: the answer comes anyway, and the server hangs up.
    const endless = await endlessChunkedPost(new URL('/fin/webhooks', h.url));
    expect(endless.status).toBe(413);
    expect(endless.sent).toBeGreaterThan(512 * 1024); // the answer came once the limit was passed, not before
  });

  it('delivers the answer by webhook when the stream closes at once, and ends the turn on the webhook status', async () => {
    h = await Harness.start({ webhooks: true });
    const { root, turn, placeholder } = await waitingThread(h);
    await h.say({ user: alice, channel: support, text: 'queued', threadTs: root });
    await turn.reply('<p>By <b>webhook</b>.</p>', { status: 'replying' });
    await h.slack.waitFor(() => placeholder.text === 'By *webhook*.');
    await turn.status('awaiting_user_reply');
    expect((await h.fin.nextTurn()).call.body.message?.body).toBe('queued');
    expect(h.fin.webhookDeliveries.every((d) => d.status === 200)).toBe(true);
  });

  it.each([
    ['SSE first, then the webhook', ['sse', 'webhook'] as const],
    ['the webhook first, then SSE', ['webhook', 'sse'] as const],
  ])('shows one answer when the same reply comes twice (%s)', async (_name, order) => {
    h = await Harness.start({ webhooks: true });
    const harness = h;
    const root = await harness.say({ user: alice, channel: support, text: mention(harness, 'q') });
    const turn = await harness.fin.nextTurn();
    await turn.connected();
    const event = { ...replied(turn.conversationId, 'm-dup', '<p>Only once.</p>'), status: 'replying' };
    for (const via of order) await turn.emit(event, { sse: via === 'sse', webhook: via === 'webhook' });
    await harness.say({ user: alice, channel: support, text: 'next', threadTs: root });
    await turn.status('awaiting_user_reply');
    await harness.fin.nextTurn();
    expect(harness.slack.botReplies(support, root).filter((m) => m.text === 'Only once.')).toHaveLength(1);
    expect(harness.logged('duplicate Fin event').filter((r) => r.dedupeKey === 'reply:m-dup')).toHaveLength(1);
  });

  it('drops streamed chunks that arrive after the webhook brought the final reply', async () => {
    h = await Harness.start({ webhooks: true });
    const root = await h.say({ user: alice, channel: support, text: mention(h, 'q') });
    const turn = await h.fin.nextTurn();
    await turn.connected();
    await turn.emit({ ...replied(turn.conversationId, 'm-1', '<p>Final.</p>'), status: 'replying', stream_id: 's9' }, { sse: false });
    await turn.chunk('s9', 0, 'Fin');
    await turn.chunk('s9', 1, 'Final');
    await h.say({ user: alice, channel: support, text: 'next', threadTs: root });
    await turn.status('awaiting_user_reply');
    await h.fin.nextTurn();
    const texts = h.slack.botReplies(support, root).map((m) => m.text);
    expect(texts[0]).toBe('Final.');
    expect(texts.filter((t) => t.includes(':writing_hand:'))).toEqual([]);
  });

  it('posts an inactivity message that arrives long after the last turn in the right thread', async () => {
    h = await Harness.start({ webhooks: true });
    const root = await h.say({ user: alice, channel: support, text: mention(h, 'q') });
    const turn = await h.fin.nextTurn();
    await turn.answer('<p>Answer.</p>');
    await h.slack.waitFor(() => h?.slack.botReplies(support, root)[0]?.text === 'Answer.');
    // Fin times out waiting for the user, by webhook only (the stream is long gone).
    await h.webhook(replied(turn.conversationId, 'm-idle', '<p>Are you still there? Reply here if you need anything else.</p>'));
    await h.slack.waitFor(() => h?.slack.botReplies(support, root)[1]?.text.startsWith('Are you still there?'));
    expect(h.slack.botReplies(support, root).map((m) => m.threadTs)).toEqual([root, root]);
  });

  it('replaces the placeholder of a streamed reply after a restart, when the reply comes by webhook', async () => {
    h = await Harness.start({ webhooks: true });
    const root = await h.say({ user: alice, channel: support, text: mention(h, 'q') });
    const turn = await h.fin.nextTurn();
    await turn.connected();
    const placeholder = await h.slack.waitFor(() => h?.slack.botReplies(support, root)[0]);
    await turn.chunk('s-r', 0, 'Half');
    await h.slack.waitFor(() => placeholder.text.startsWith('Half'));
    await h.restart();
    await h.webhook({ ...replied(turn.conversationId, 'm-after', '<p>Whole answer.</p>'), stream_id: 's-r' });
    await h.slack.waitFor(() => placeholder.text === 'Whole answer.');
    expect(h.slack.botReplies(support, root)).toHaveLength(1);
  });

  describe('replays', () => {
    it('never posts an answered reply again, however long after Intercom redelivers it', async () => {
      h = await Harness.start({ webhooks: true });
      const harness = h;
      const { root, turn } = await waitingThread(harness);
      const answer = replied(turn.conversationId, 'm-once', '<p>Once.</p>');
      expect((await harness.webhook(answer)).status).toBe(200);
      await harness.slack.waitFor(() => harness.slack.botReplies(support, root)[0]?.text === 'Once.');
      // Three weeks pass (the conversation goes on: a message a day keeps it); the app restarts and prunes.
      await harness.stopApp();
      withStore(harness.env.DATABASE_PATH ?? '', (store) => {
        store.db.prepare('UPDATE fin_events SET received_at = received_at - ?, processed_at = processed_at - ?').run(21 * DAY, 21 * DAY);
      });
      await harness.startApp();
      const again = await harness.webhook(answer);
      expect(await again.json()).toMatchObject({ outcome: 'duplicate' });
      expect(harness.slack.botReplies(support, root).map((m) => m.text)).toEqual(['Once.']);
    });

    it('ignores events older than the retention window', async () => {
      h = await Harness.start({ webhooks: true, env: { DATA_RETENTION_DAYS: '30' } });
      const { turn, placeholder } = await waitingThread(h);
      const old = new Date(Date.now() - 31 * DAY).toISOString();
      const res = await h.webhook(replied(turn.conversationId, 'm-old', '<p>From long ago.</p>', { created_at_ms: old }));
      expect(await res.json()).toMatchObject({ ok: true, outcome: 'stale' });
      expect(h.logged('ignoring a Fin event older than the retention window')).toHaveLength(1);
      expect(h.slack.callsTo('chat.update').some((c) => String(c.args.text).includes('long ago'))).toBe(false);
      expect(placeholder.text).toMatch(/thinking/);
    });

    it('does not escalate again when a status without a time is replayed in a later turn', async () => {
      h = await Harness.start({ webhooks: true });
      const harness = h;
      const root = await harness.say({ user: alice, channel: support, text: mention(harness, 'I want a person') });
      const turn = await harness.fin.nextTurn();
      await turn.connected();
      const escalation = {
        event_name: 'fin_status_updated',
        conversation_id: turn.conversationId,
        status: 'escalated',
        reason: 'Routed to team',
      };
      expect((await harness.webhook(escalation)).status).toBe(200);
      const post = await harness.slack.waitFor(() => harness.slack.messages.find((m) => m.channel === agents));
      const button = (post.blocks as { elements?: { action_id?: string; value?: string }[] }[])
        .flatMap((b) => b.elements ?? [])
        .find((e) => e.action_id === 'fin_hand_back');
      await harness.press({ user: bob, message: post, actionId: 'fin_hand_back', value: button?.value ?? '' });
      await harness.slack.waitFor(() => harness.slack.botReplies(support, root).some((m) => /answering in this thread again/.test(m.text)));
      await harness.say({ user: alice, channel: support, text: 'thanks, and another thing', threadTs: root });
      const next = await harness.fin.nextTurn();
      await next.connected();
      // The old escalation is delivered again while Fin works on the new turn.
      expect(await (await harness.webhook(escalation)).json()).toMatchObject({ outcome: 'duplicate' });
      await next.answer('<p>Sure.</p>');
      await harness.slack.waitFor(() => harness.slack.botReplies(support, root).some((m) => m.text === 'Sure.'));
      expect(harness.slack.messages.filter((m) => m.channel === agents)).toHaveLength(1);
      expect(harness.slack.botReplies(support, root).filter((m) => /support team/.test(m.text))).toHaveLength(1);
    });
  });

  describe('a thread people own', () => {
    it("shows Fin's replies to the agents, under their post, not to the customer", async () => {
      h = await Harness.start({ webhooks: true });
      const harness = h;
      const root = await harness.say({ user: alice, channel: support, text: mention(harness, 'I want a person') });
      const turn = await harness.fin.nextTurn();
      await turn.connected();
      await turn.status('escalated', 'Escalation requested by user');
      const post = await harness.slack.waitFor(() => harness.slack.messages.find((m) => m.channel === agents && m.threadTs === undefined));
      const before = harness.slack.botReplies(support, root).length;
      await turn.webhookOnly({
        event_name: 'fin_replied',
        message: { id: 'm-nudge', author: 'fin', body: '<p>Are you <b>still</b> there?</p>' },
        status: 'awaiting_user_reply',
      });
      const held = await harness.slack.waitFor(() => harness.slack.messages.find((m) => m.channel === agents && m.threadTs === post.ts));
      expect(held.text).toContain('Fin replied in this conversation while your team has it');
      expect(held.text).toContain('Are you *still* there?');
      expect(harness.slack.botReplies(support, root)).toHaveLength(before);
    });
  });

  it('drops an event that names another conversation than the stream it came on', async () => {
    h = await Harness.start();
    const harness = h;
    const first = await harness.say({ user: alice, channel: support, text: mention(harness, 'mine') });
    const a = await harness.fin.nextTurn();
    await a.connected();
    const second = await harness.say({ user: bob, channel: support, text: mention(harness, 'yours') });
    const b = await harness.fin.nextTurn();
    await b.connected();
    // On A's stream, an event claiming to be B's answer.
    await a.emit({ ...replied(b.conversationId, 'm-cross', '<p>Not from your stream.</p>'), status: 'replying' }, { webhook: false });
    await a.answer('<p>For A.</p>');
    await harness.slack.waitFor(() => harness.slack.botReplies(support, first)[0]?.text === 'For A.');
    expect(harness.logged("dropping an event that names another conversation than its stream's")).toHaveLength(1);
    expect(harness.slack.botReplies(support, second)[0]?.text).toMatch(/thinking/);
  });
});
