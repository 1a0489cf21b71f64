import { afterEach, describe, expect, it } from 'vitest';
import { Harness, WORKSPACE } from '../helpers/harness.ts';
import { freePort } from '../helpers/net.ts';

const { alice, support } = WORKSPACE;

describe('when things go wrong', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const mention = (harness: Harness, text: string) => `<@${harness.slack.botUserId}> ${text}`;

  it('turns the placeholder into a clear error when Fin refuses the API key (401), without retrying', async () => {
    h = await Harness.start();
    h.fin.onTurn(() => ({
      status: 401,
      body: { type: 'error.list', request_id: 'req-401', errors: [{ code: 'unauthorized', message: 'Access Token Invalid' }] },
    }));
    const root = await h.say({ user: alice, channel: support, text: mention(h, 'hello') });
    const reply = await h.slack.waitFor(() => {
      const m = h?.slack.botReplies(support, root)[0];
      return m !== undefined && /warning/.test(m.text) && m;
    });
    expect(reply.text).toMatch(/connection to Intercom was refused/);
    expect(h.fin.calls).toHaveLength(1);
    const record = h.logged(/fin call failed/)[0];
    expect(record).toMatchObject({ failure: 'unauthorized', status: 401, requestId: 'req-401' });
    expect(h.logs.join('\n')).not.toContain(h.fin.token);
  });

  it('retries a 500 a few times, then tells the user Fin had a problem', async () => {
    h = await Harness.start();
    h.fin.onTurn(() => ({
      status: 500,
      body: { type: 'error.list', request_id: 'req-500', errors: [{ code: 'server_error', message: 'boom' }] },
    }));
    const root = await h.say({ user: alice, channel: support, text: mention(h, 'hello') });
    const reply = await h.slack.waitFor(() => {
      const m = h?.slack.botReplies(support, root)[0];
      return m !== undefined && /warning/.test(m.text) && m;
    });
    expect(reply.text).toMatch(/problem on its side/);
    expect(h.fin.calls).toHaveLength(3);
    // Retries resend the identical message timestamp, so Fin can deduplicate them.
    expect(new Set(h.fin.calls.map((c) => c.body.message?.timestamp)).size).toBe(1);
  });

  it('recovers when Fin answers 500 once and then succeeds', async () => {
    h = await Harness.start();
    let calls = 0;
    h.fin.onTurn((turn) => {
      calls += 1;
      if (calls === 1) return { status: 503, body: {} };
      return turn.answer('<p>Fine now.</p>');
    });
    const root = await h.say({ user: alice, channel: support, text: mention(h, 'hello') });
    await h.slack.waitFor(() => h?.slack.botReplies(support, root)[0]?.text === 'Fine now.');
  });

  it('tells the user when Fin cannot be reached at all', async () => {
    const closed = await freePort();
    h = await Harness.start({ env: { FIN_API_URL: `http://127.0.0.1:${closed}` } });
    const root = await h.say({ user: alice, channel: support, text: mention(h, 'hello') });
    const reply = await h.slack.waitFor(() => {
      const m = h?.slack.botReplies(support, root)[0];
      return m !== undefined && /warning/.test(m.text) && m;
    });
    expect(reply.text).toMatch(/couldn't reach Fin/);
    expect(h.logged(/fin call failed/)[0]).toMatchObject({ failure: 'unreachable' });
  });

  it('lets the next message try again after a failed start, as a new /fin/start', async () => {
    h = await Harness.start();
    let calls = 0;
    h.fin.onTurn((turn) => {
      calls += 1;
      if (calls <= 3) return { status: 500, body: {} };
      return turn.answer('<p>Hello again.</p>');
    });
    const root = await h.say({ user: alice, channel: support, text: mention(h, 'first try') });
    await h.slack.waitFor(() => /warning/.test(h?.slack.botReplies(support, root)[0]?.text ?? ''));
    await h.say({ user: alice, channel: support, text: 'second try', threadTs: root });
    await h.slack.waitFor(() => h?.slack.botReplies(support, root).some((m) => m.text === 'Hello again.'));
    expect(h.fin.calls.at(-1)?.kind).toBe('start');
  });

  it('never shows a chunk older than what is shown, nor any chunk after the final reply', async () => {
    h = await Harness.start();
    const root = await h.say({ user: alice, channel: support, text: mention(h, 'q') });
    const turn = await h.fin.nextTurn();
    await turn.connected();
    const placeholder = await h.slack.waitFor(() => h?.slack.botReplies(support, root)[0]);
    await turn.chunk('s', 0, 'One');
    await turn.chunk('s', 2, 'One two three');
    await turn.chunk('s', 1, 'One two');
    await h.slack.waitFor(() => placeholder.text.startsWith('One two three'));
    await turn.reply('<p>One two three four.</p>', { streamId: 's', status: 'replying' });
    await h.slack.waitFor(() => placeholder.text === 'One two three four.');
    await turn.chunk('s', 3, 'One two three fo');
    // Everything before the done signal is handled before it; the queued message going out proves it was handled.
    await h.say({ user: alice, channel: support, text: 'next', threadTs: root });
    await turn.status('awaiting_user_reply');
    await h.fin.nextTurn();

    const shown = h.slack.callsTo('chat.update').map((c) => String(c.args.text));
    expect(shown.filter((t) => t.startsWith('One two :writing_hand:'))).toEqual([]);
    expect(shown.filter((t) => t.startsWith('One two three fo :writing_hand:'))).toEqual([]);
    expect(placeholder.text).toBe('One two three four.');
  });

  it('drops chunks that arrive after their final reply, even when the reply came first', async () => {
    h = await Harness.start();
    const root = await h.say({ user: alice, channel: support, text: mention(h, 'q') });
    const turn = await h.fin.nextTurn();
    await turn.connected();
    await turn.reply('<p>Final answer.</p>', { streamId: 'early', status: 'replying' });
    await turn.chunk('early', 0, 'Final ans');
    await turn.chunk('early', 1, 'Final answer');
    await h.say({ user: alice, channel: support, text: 'next', threadTs: root });
    await turn.status('awaiting_user_reply');
    await h.fin.nextTurn();
    const texts = h.slack.botReplies(support, root).map((m) => m.text);
    expect(texts[0]).toBe('Final answer.');
    expect(texts.filter((t) => t.includes('Final ans') || t.includes(':writing_hand:'))).toEqual(['Final answer.']);
    expect(h.slack.callsTo('chat.postMessage').some((c) => String(c.args.text).includes('Final ans'))).toBe(false);
  });

  it('tells the user at once when the stream breaks off before the answer and no webhooks can bring it', async () => {
    h = await Harness.start();
    const root = await h.say({ user: alice, channel: support, text: mention(h, 'q') });
    const turn = await h.fin.nextTurn();
    await turn.connected();
    const placeholder = await h.slack.waitFor(() => h?.slack.botReplies(support, root)[0]);
    await turn.chunk('s', 0, 'Half an');
    await h.slack.waitFor(() => placeholder.text.startsWith('Half an'));
    await h.say({ user: alice, channel: support, text: 'queued', threadTs: root });
    turn.breakStream();
    await h.slack.waitFor(
      () =>
        placeholder.text ===
        'Half an\n\n:warning: The connection to Fin dropped before its answer arrived. Please send your message again.',
    );
    expect(h.logged(/stream ended before the answer/)[0]).toMatchObject({ reason: 'error_event' });
    // The turn is over, so the queued message goes to Fin.
    expect((await h.fin.nextTurn()).call.body.message?.body).toBe('queued');
  });

  it('keeps at most one edit in flight per message and always shows the newest text', async () => {
    h = await Harness.start({ env: { STREAM_UPDATE_INTERVAL_MS: '100' } });
    h.slack.delay('chat.update', 150);
    const root = await h.say({ user: alice, channel: support, text: mention(h, 'q') });
    const turn = await h.fin.nextTurn();
    await turn.connected();
    const placeholder = await h.slack.waitFor(() => h?.slack.botReplies(support, root)[0]);
    const words = Array.from({ length: 30 }, (_, i) => `w${i}`);
    for (let i = 0; i < words.length; i += 1) await turn.chunk('s', i, words.slice(0, i + 1).join(' '));
    await h.slack.waitFor(() => placeholder.text.startsWith(words.join(' ')));
    const edits = h.slack.callsTo('chat.update').filter((c) => c.args.ts === placeholder.ts);
    // Coalesced: far fewer edits than chunks, never two at once.
    expect(edits.length).toBeLessThan(words.length);
    for (let i = 1; i < edits.length; i += 1) {
      const previous = edits[i - 1];
      expect(edits[i]?.at).toBeGreaterThanOrEqual(previous?.doneAt ?? Number.POSITIVE_INFINITY);
    }
  });

  it('handles each user message once, however often Slack delivers it', async () => {
    h = await Harness.start();
    const { ts, envelopes } = h.slack.userMessage({ user: alice, channel: support, text: mention(h, 'only once') });
    for (const envelope of envelopes) expect((await h.deliver(envelope)).status).toBe(200);
    for (const envelope of envelopes) expect((await h.deliver(envelope, { retryNum: 1 })).status).toBe(200);
    expect(envelopes).toHaveLength(2); // app_mention and message for the same ts
    const turn = await h.fin.nextTurn();
    await turn.answer('<p>Once.</p>');
    await h.slack.waitFor(() => h?.slack.botReplies(support, ts)[0]?.text === 'Once.');
    for (const envelope of envelopes) await h.deliver(envelope, { retryNum: 2 });
    expect(h.fin.calls).toHaveLength(1);
    expect(h.slack.botReplies(support, ts)).toHaveLength(1);
  });

  it('keeps the thread ⇄ conversation mapping across a restart', async () => {
    h = await Harness.start();
    const root = await h.say({ user: alice, channel: support, text: mention(h, 'before restart') });
    const first = await h.fin.nextTurn();
    await first.answer('<p>Hi.</p>');
    await h.slack.waitFor(() => h?.slack.botReplies(support, root)[0]?.text === 'Hi.');

    await h.restart();
    await h.say({ user: alice, channel: support, text: 'after restart', threadTs: root });
    const second = await h.fin.nextTurn();
    expect(second.call.kind).toBe('reply');
    expect(second.call.body.conversation_id).toBe(first.call.body.conversation_id);
  });

  it('reads SSE events wrapped in Ably envelopes', async () => {
    h = await Harness.start({ fin: { sseFormat: 'ably' } });
    h.fin.onTurn((turn) => turn.answer('<p>Enveloped <b>answer</b>.</p>'));
    const root = await h.say({ user: alice, channel: support, text: mention(h, 'q') });
    await h.slack.waitFor(() => h?.slack.botReplies(support, root)[0]?.text === 'Enveloped *answer*.');
  });

  /** A turn Fin never finishes, a message queued behind it, and the timeout passing. */
  async function overdueTurn() {
    const harness = await Harness.start({ env: { FIN_REPLY_TIMEOUT_MS: '1000' } });
    h = harness;
    const root = await harness.say({ user: alice, channel: support, text: mention(harness, 'slow one') });
    const turn = await harness.fin.nextTurn();
    await turn.connected();
    const placeholder = await harness.slack.waitFor(() => harness.slack.botReplies(support, root)[0]);
    await harness.say({ user: alice, channel: support, text: 'queued before the timeout', threadTs: root });
    await harness.slack.waitFor(() => /longer than usual/.test(placeholder.text), 5_000);
    return { harness, root, turn, placeholder };
  }

  it('shows a timeout notice when Fin goes quiet, keeps Fin uninterrupted, and lets the late answer replace the notice', async () => {
    const { harness, turn, placeholder } = await overdueTurn();
    // Overdue is not done: nothing more went to Fin.
    expect(harness.fin.calls).toHaveLength(1);

    await turn.reply('<p>Sorry for the wait.</p>', { status: 'awaiting_user_reply' });
    await harness.slack.waitFor(() => placeholder.text === 'Sorry for the wait.');
    const next = await harness.fin.nextTurn();
    expect(next.call.body.message?.body).toBe('queued before the timeout');
  });

  it('lets the user take over an overdue turn by writing again: their messages go to Fin together', async () => {
    const { harness, root } = await overdueTurn();
    await harness.say({ user: alice, channel: support, text: 'hello? anyone?', threadTs: root });
    const next = await harness.fin.nextTurn();
    expect(next.call.kind).toBe('reply');
    expect(next.call.body.message?.body).toBe('queued before the timeout\n\nhello? anyone?');
  });

  it('does not let a rate-limited interim edit hold back the final answer', async () => {
    h = await Harness.start();
    // The first edit (an interim one) is refused with a long Retry-After.
    h.slack.fail('chat.update', { error: 'ratelimited', retryAfterSeconds: 60 });
    const root = await h.say({ user: alice, channel: support, text: mention(h, 'q') });
    const turn = await h.fin.nextTurn();
    await turn.connected();
    const placeholder = await h.slack.waitFor(() => h?.slack.botReplies(support, root)[0]);
    await turn.chunk('s', 0, 'Partial');
    await h.slack.waitFor(() => h?.slack.callsTo('chat.update').some((c) => c.error === 'ratelimited'));
    await turn.chunk('s', 1, 'Partial text');
    await turn.reply('<p>Final text.</p>', { streamId: 's' });
    await h.slack.waitFor(() => placeholder.text === 'Final text.');
    const interimAfter429 = h.slack.callsTo('chat.update').filter((c) => String(c.args.text).includes('Partial') && c.error === undefined);
    expect(interimAfter429).toHaveLength(0);
  });

  it('cuts a final answer smaller when Slack refuses it as too long, keeping every paragraph in order', async () => {
    h = await Harness.start({ slack: { updateLimit: 1_500 } });
    const harness = h;
    const root = await harness.say({ user: alice, channel: support, text: mention(harness, 'tell me a lot') });
    const turn = await harness.fin.nextTurn();
    const paragraphs = Array.from({ length: 6 }, (_, i) => `<p>Paragraph ${i} ${'lorem ipsum '.repeat(40)}</p>`);
    await turn.answer(paragraphs.join(''), { stream: false });
    const replies = await harness.slack.waitFor(() => {
      const r = harness.slack.botReplies(support, root);
      return r.at(-1)?.text.includes('Paragraph 5') && r;
    });
    // The placeholder took the first part that fits; the rest followed in order, nothing lost or repeated.
    expect(replies[0]?.text.length).toBeLessThanOrEqual(1_500);
    const order = replies.flatMap((m) => [...m.text.matchAll(/Paragraph (\d+)/g)].map((x) => Number(x[1])));
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(harness.logged('Slack found a message too long; cutting it smaller').length).toBeGreaterThan(0);
  });

  it('tells the user at once when the stream never connects and no webhooks are configured', async () => {
    const closed = await freePort();
    h = await Harness.start();
    h.fin.onTurn(() => ({
      status: 200,
      body: { status: 'thinking', sse_subscription_url: `http://127.0.0.1:${closed}/sse?accessToken=t` },
    }));
    const root = await h.say({ user: alice, channel: support, text: mention(h, 'hello') });
    await h.slack.waitFor(() => /connection to Fin dropped/.test(h?.slack.botReplies(support, root)[0]?.text ?? ''));
    expect(h.logged('fin stream ended before the answer, and no webhooks are configured')[0]).toMatchObject({ reason: 'network_error' });
  });

  it('falls back to webhooks without fuss when the stream never connects', async () => {
    const closed = await freePort();
    h = await Harness.start({ webhooks: true });
    const harness = h;
    let conversationId = '';
    harness.fin.onTurn((turn) => {
      conversationId = turn.conversationId;
      return { status: 200, body: { status: 'thinking', sse_subscription_url: `http://127.0.0.1:${closed}/sse?accessToken=t` } };
    });
    const root = await harness.say({ user: alice, channel: support, text: mention(harness, 'hello') });
    await harness.slack.waitFor(() => harness.logged('fin stream ended early; webhooks will bring the rest').length === 1);
    await harness.fin.sendWebhook({
      event_name: 'fin_replied',
      conversation_id: conversationId,
      message: { id: 'm-w', author: 'fin', body: '<p>By webhook.</p>' },
      status: 'awaiting_user_reply',
    });
    await harness.slack.waitFor(() => harness.slack.botReplies(support, root)[0]?.text === 'By webhook.');
    expect(harness.slack.botReplies(support, root)).toHaveLength(1);
  });

  it('does not ask Fin when it cannot post in the channel, tells the person where it can, and keeps working elsewhere', async () => {
    h = await Harness.start();
    h.slack.fail('chat.postMessage', { error: 'not_in_channel' });
    await h.say({ user: alice, channel: support, text: mention(h, 'hello from a channel I am not in') });
    await h.slack.waitFor(() => h?.logged('cannot post in this channel; not asking Fin').length === 1);
    await h.slack.waitFor(() =>
      h?.slack.ephemerals.find((e) => e.user === alice && e.channel === support && /can't post in <#CSUPPORT>/.test(e.text)),
    );
    const root = await h.say({ user: alice, channel: support, text: mention(h, 'and now?') });
    const turn = await h.fin.nextTurn();
    expect(turn.call.body.message?.body).toBe('and now?');
    await turn.answer('<p>Here.</p>');
    await h.slack.waitFor(() => h?.slack.botReplies(support, root)[0]?.text === 'Here.');
    expect(h.fin.calls).toHaveLength(1);
  });

  it('tells the user plainly when Fin no longer has the conversation (404)', async () => {
    h = await Harness.start();
    h.fin.onTurn(() => ({
      status: 404,
      body: { type: 'error.list', request_id: 'r-404', errors: [{ code: 'not_found', message: 'Conversation not found' }] },
    }));
    const root = await h.say({ user: alice, channel: support, text: mention(h, 'hello') });
    await h.slack.waitFor(() => /no longer has this conversation/.test(h?.slack.botReplies(support, root)[0]?.text ?? ''));
    expect(h.logged(/fin call failed/)[0]).toMatchObject({ failure: 'not_found', requestId: 'r-404' });
  });

  it('replaces the streamed text with the final reply even when the final event names no stream', async () => {
    h = await Harness.start();
    const root = await h.say({ user: alice, channel: support, text: mention(h, 'hello') });
    const turn = await h.fin.nextTurn();
    await turn.connected();
    await turn.chunk('s1', 0, 'Streaming the first words');
    const message = await h.slack.waitFor(() => h?.slack.botReplies(support, root).find((m) => m.text.startsWith('Streaming')));
    await turn.emit({
      event_name: 'fin_replied',
      conversation_id: turn.conversationId,
      message: { id: 'm-no-stream', author: 'fin', body: '<p>Streaming the first words, and the rest.</p>' },
      status: 'awaiting_user_reply',
    });
    await h.slack.waitFor(() => message.text === 'Streaming the first words, and the rest.');
    expect(h.slack.botReplies(support, root)).toHaveLength(1);
  });

  it('retries a final answer Slack rate-limits until it is delivered', async () => {
    h = await Harness.start();
    h.slack.fail('chat.update', { error: 'ratelimited', retryAfterSeconds: 1, when: (args) => args.text === 'The *final* answer.' });
    const root = await h.say({ user: alice, channel: support, text: mention(h, 'hello') });
    const turn = await h.fin.nextTurn();
    await turn.answer('<p>The <b>final</b> answer.</p>', { stream: false });
    await h.slack.waitFor(() => h?.slack.botReplies(support, root)[0]?.text === 'The *final* answer.', 8_000);
    const attempts = h.slack.callsTo('chat.update').filter((c) => c.args.text === 'The *final* answer.');
    expect(attempts.map((c) => c.error ?? 'ok')).toEqual(['ratelimited', 'ok']);
  });

  it('keeps trying to deliver a final answer while the process lives, well past a few failures', async () => {
    h = await Harness.start({ eventRetryBaseMs: 20 });
    // Slack refuses the answer eight times (an outage): acting on Fin's reply fails each time, and is tried again.
    h.slack.fail('chat.update', { error: 'internal_error', times: 8, when: (args) => args.text === 'The *final* answer.' });
    const root = await h.say({ user: alice, channel: support, text: mention(h, 'hello') });
    const turn = await h.fin.nextTurn();
    await turn.answer('<p>The <b>final</b> answer.</p>', { stream: false });
    await h.slack.waitFor(() => h?.slack.botReplies(support, root).some((m) => m.text === 'The *final* answer.'), 10_000);
    const attempts = h.slack.callsTo('chat.update').filter((c) => c.args.text === 'The *final* answer.');
    expect(attempts.filter((c) => c.error === 'internal_error').length).toBe(8);
  });

  it('resumes a long answer with its next part after a Slack error, never posting a part twice', async () => {
    h = await Harness.start();
    const harness = h;
    const root = await harness.say({ user: alice, channel: support, text: mention(harness, 'tell me everything') });
    const turn = await harness.fin.nextTurn();
    // Ten messages' worth: each paragraph fills most of one.
    const paragraphs = Array.from({ length: 10 }, (_, i) => `<p>Part ${i + 1} ${'lorem ipsum '.repeat(250)}</p>`);
    // Slack fails once, on part 6.
    harness.slack.fail('chat.postMessage', { error: 'internal_error', when: (args) => String(args.text).startsWith('Part 6 ') });
    await turn.answer(paragraphs.join(''), { stream: false });
    const parts = () => harness.slack.botReplies(support, root).map((m) => /^Part (\d+) /.exec(m.text)?.[1]);
    await harness.slack.waitFor(() => parts().includes('10'), 15_000);
    expect(parts()).toEqual(Array.from({ length: 10 }, (_, i) => String(i + 1)));
    expect(harness.slack.callsTo('chat.postMessage').filter((c) => String(c.args.text).startsWith('Part 2 '))).toHaveLength(1);
    expect(harness.logged('resuming an interrupted answer')[0]).toMatchObject({ delivered: 5, parts: 10 });
  });

  it('tells the person in a direct message when the app cannot even whisper in the channel', async () => {
    h = await Harness.start();
    const harness = h;
    harness.slack.fail('chat.postMessage', { error: 'is_archived', when: (args) => args.channel === support });
    harness.slack.fail('chat.postEphemeral', { error: 'is_archived' });
    await harness.say({ user: alice, channel: support, text: mention(harness, 'anyone?') });
    const dm = await harness.slack.waitFor(() => harness.slack.messages.find((m) => m.channel === 'DALICE' && m.botId !== undefined));
    expect(dm.text).toMatch(/Fin can't post in <#CSUPPORT>, so it could not answer you there/);
    expect(harness.slack.callsTo('conversations.open')[0]?.args.users).toBe(alice);
    expect(harness.fin.calls).toHaveLength(0);
  });
});
