import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { intercomIdFor } from '../../fakes/fin-simulator.ts';
import { Harness, WORKSPACE } from '../helpers/harness.ts';

const { alice, bob, support, dm } = WORKSPACE;

describe('the bridge, turn by turn', () => {
  let h: Harness;
  const mention = (text: string) => `<@${h.slack.botUserId}> ${text}`;

  beforeEach(async () => {
    h = await Harness.start();
  });
  afterEach(async () => {
    await h.close();
  });

  it('posts a placeholder at once, streams edits into it, and ends with the answer in mrkdwn', async () => {
    const ts = await h.say({ user: alice, channel: support, text: mention('how do I reset my password?') });

    const placeholder = await h.slack.waitFor(() => h.slack.botReplies(support, ts)[0]);
    expect(placeholder.text).toMatch(/thinking/i);

    const turn = await h.fin.nextTurn();
    await turn.connected();
    await turn.chunk('s1', 0, 'Go to');
    await h.slack.waitFor(() => placeholder.text.startsWith('Go to'));
    await turn.chunk('s1', 1, 'Go to Settings & then');
    await h.slack.waitFor(() => placeholder.text.startsWith('Go to Settings &amp; then'));
    await turn.reply('<p>Go to <b>Settings</b> &amp; choose <a href="https://example.com/reset">Reset</a>.</p>', {
      streamId: 's1',
      messageId: 'm1',
    });

    await h.slack.waitFor(() => placeholder.text === 'Go to *Settings* &amp; choose <https://example.com/reset|Reset>.');
    expect(h.slack.botReplies(support, ts)).toHaveLength(1);

    // Logged at debug level, and still no token of any kind: bot token, Fin key, the stream URL's JWT.
    const logs = h.logs.join('\n');
    for (const secret of [h.slack.token, h.fin.token, turn.token]) expect(logs).not.toContain(secret);
    // Nothing the app posts asks Slack to turn names into pings or to parse the text its own way.
    const writes = h.slack.calls.filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.update');
    expect(writes.length).toBeGreaterThan(1);
    for (const call of writes) {
      expect(call.args).not.toHaveProperty('link_names');
      expect(call.args).not.toHaveProperty('parse');
    }
  });

  it('remembers Intercom’s own conversation id when Fin returns it', async () => {
    const ts = await h.say({ user: alice, channel: support, text: mention('hello') });
    const turn = await h.fin.nextTurn();
    await turn.answer('<p>Hi.</p>');
    await h.slack.waitFor(() => h.slack.botReplies(support, ts)[0]?.text === 'Hi.');
    const db = new BetterSqlite3(h.env.DATABASE_PATH ?? '', { readonly: true });
    const row = db.prepare('SELECT intercom_conversation_id AS id FROM conversations WHERE id = ?').get(turn.conversationId);
    db.close();
    expect(row).toEqual({ id: intercomIdFor(turn.conversationId) });
  });

  it('sends Fin who is asking, the question as plain text, and a deterministic timestamp', async () => {
    const ts = await h.say({
      user: alice,
      channel: support,
      text: `${mention('can <@UBOB> see <#CSUPPORT|support> and <https://example.com/a?b=1&amp;c=2|this page>?')}`,
    });
    const turn = await h.fin.nextTurn();
    const { body, headers } = turn.call;
    expect(headers.authorization).toBe(`Bearer ${h.fin.token}`);
    expect(headers['intercom-version']).toBe('2.15');
    expect(body.conversation_id).toBe(`slack-${h.slack.teamId}-${support}-${ts}`);
    expect(body.user).toEqual({ id: alice, name: 'alice', email: 'alice@example.com' });
    expect(body.message).toEqual({
      author: 'user',
      body: 'can @bob see #support and this page (https://example.com/a?b=1&c=2)?',
      timestamp: new Date(Number(ts.split('.')[0]) * 1000 + Number(ts.split('.')[1]?.slice(0, 3))).toISOString(),
    });
    expect(body.message?.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(body.conversation_metadata?.attributes).toMatchObject({
      slack_channel_name: 'support',
      slack_channel_id: support,
      slack_team_id: h.slack.teamId,
    });
    expect(Object.keys(body.conversation_metadata?.attributes ?? {}).length).toBeLessThanOrEqual(10);
    expect(body.conversation_metadata?.history).toBeUndefined();
  });

  it('answers a direct message in the thread of that message, without a mention', async () => {
    const ts = await h.say({ user: alice, channel: dm, text: 'What are your opening hours?' });
    const turn = await h.fin.nextTurn();
    expect(turn.call.kind).toBe('start');
    expect(turn.call.body.message?.body).toBe('What are your opening hours?');
    await turn.answer('<p>We are open <i>9–5</i>.</p>');
    const [answer] = await h.slack.waitFor(() => {
      const replies = h.slack.botReplies(dm, ts);
      return replies[0]?.text === 'We are open _9–5_.' && replies;
    });
    expect(answer?.threadTs).toBe(ts);
  });

  it('continues the same Fin conversation when anyone replies in the thread, without mentioning the app', async () => {
    const root = await h.say({ user: alice, channel: support, text: mention('first question') });
    const first = await h.fin.nextTurn();
    await first.answer('<p>First answer.</p>');
    await h.slack.waitFor(() => h.slack.botReplies(support, root)[0]?.text === 'First answer.');

    await h.say({ user: bob, channel: support, text: 'and a follow-up from me', threadTs: root });
    const second = await h.fin.nextTurn();
    expect(second.call.kind).toBe('reply');
    expect(second.call.body.conversation_id).toBe(first.call.body.conversation_id);
    expect(second.call.body.user?.id).toBe(bob);
    expect(second.call.body.message?.body).toBe('and a follow-up from me');
    expect(second.call.body.conversation_metadata).toBeUndefined();
    await second.answer('<p>Second answer.</p>');
    await h.slack.waitFor(() => h.slack.botReplies(support, root).some((m) => m.text === 'Second answer.'));
    expect(h.slack.botReplies(support, root).map((m) => m.text)).toEqual(['First answer.', 'Second answer.']);
  });

  it('queues messages that arrive while Fin is still answering and sends them together when the turn ends', async () => {
    const root = await h.say({ user: alice, channel: support, text: mention('question one') });
    const first = await h.fin.nextTurn();
    await h.say({ user: alice, channel: support, text: 'also this', threadTs: root });
    await h.say({ user: alice, channel: support, text: 'and this', threadTs: root });
    await h.say({ user: bob, channel: support, text: 'bob asks too', threadTs: root });
    // Fin is thinking: nothing more may reach it until it is done.
    expect(h.fin.calls).toHaveLength(1);

    await first.answer('<p>Answer one.</p>', { style: 'preview' });
    const second = await h.fin.nextTurn();
    expect(second.call.kind).toBe('reply');
    expect(second.call.body.user?.id).toBe(alice);
    expect(second.call.body.message?.body).toBe('also this\n\nand this');
    expect(h.fin.calls).toHaveLength(2);

    await second.answer('<p>Answer two.</p>');
    const third = await h.fin.nextTurn();
    expect(third.call.body.user?.id).toBe(bob);
    expect(third.call.body.message?.body).toBe('bob asks too');
    await third.answer('<p>Answer three.</p>');
    await h.slack.waitFor(() => h.slack.botReplies(support, root).some((m) => m.text === 'Answer three.'));
    expect(h.slack.botReplies(support, root).map((m) => m.text)).toEqual(['Answer one.', 'Answer two.', 'Answer three.']);
  });

  it('ends the turn on a stable-style reply (every fin_replied says awaiting_user_reply)', async () => {
    const root = await h.say({ user: alice, channel: support, text: mention('q') });
    const first = await h.fin.nextTurn();
    await h.say({ user: alice, channel: support, text: 'queued', threadTs: root });
    await first.connected();
    await first.reply('<p>Done.</p>', { status: 'awaiting_user_reply' });
    const next = await h.fin.nextTurn();
    expect(next.call.body.message?.body).toBe('queued');
  });

  it('on the newer style, posts later parts as new messages and ends the turn only on awaiting_user_reply', async () => {
    const root = await h.say({ user: alice, channel: support, text: mention('q') });
    const turn = await h.fin.nextTurn();
    await turn.connected();
    await h.say({ user: alice, channel: support, text: 'queued', threadTs: root });
    await turn.chunk('p1', 0, 'Part');
    await turn.reply('<p>Part one.</p>', { status: 'replying', streamId: 'p1', messageId: 'a' });
    await turn.chunk('p2', 0, 'Part two so');
    await turn.reply('<p>Part two.</p>', { status: 'replying', streamId: 'p2', messageId: 'b' });
    await h.slack.waitFor(
      () =>
        h.slack
          .botReplies(support, root)
          .map((m) => m.text)
          .join('|') === 'Part one.|Part two.',
    );
    expect(h.fin.calls).toHaveLength(1);

    await turn.status('awaiting_user_reply');
    const next = await h.fin.nextTurn();
    expect(next.call.body.message?.body).toBe('queued');
  });

  it('sends the earlier thread messages as history when mentioned inside an existing thread', async () => {
    const root = h.slack.userMessage({ user: bob, channel: support, text: 'The export button is broken' }).ts;
    h.slack.userMessage({ user: alice, channel: support, text: 'Same for me since Monday', threadTs: root });
    await h.say({ user: alice, channel: support, text: mention('any idea why?'), threadTs: root });

    const turn = await h.fin.nextTurn();
    expect(turn.call.kind).toBe('start');
    expect(turn.call.body.conversation_id).toBe(`slack-${h.slack.teamId}-${support}-${root}`);
    expect(turn.call.body.message?.body).toBe('any idea why?');
    expect(turn.call.body.conversation_metadata?.history).toEqual([
      { author: 'user', body: 'bob: The export button is broken', timestamp: expect.any(String) },
      { author: 'user', body: 'Same for me since Monday', timestamp: expect.any(String) },
    ]);
    await turn.answer('<p>Looking into it.</p>');
    await h.slack.waitFor(() => h.slack.botReplies(support, root)[0]?.text === 'Looking into it.');
    expect(h.slack.botReplies(support, root)[0]?.threadTs).toBe(root);
  });

  it('sends at most the 10 latest earlier messages as history', async () => {
    const root = h.slack.userMessage({ user: bob, channel: support, text: 'message 0' }).ts;
    for (let i = 1; i <= 14; i += 1) h.slack.userMessage({ user: bob, channel: support, text: `message ${i}`, threadTs: root });
    await h.say({ user: alice, channel: support, text: mention('summary please'), threadTs: root });
    const turn = await h.fin.nextTurn();
    const history = turn.call.body.conversation_metadata?.history ?? [];
    expect(history).toHaveLength(10);
    expect(history[0]?.body).toBe('bob: message 5');
    expect(history[9]?.body).toBe('bob: message 14');
  });

  it('turns the placeholder into a short notice when Fin escalates', async () => {
    const root = await h.say({ user: alice, channel: support, text: mention('I want a human') });
    const turn = await h.fin.nextTurn();
    await turn.connected();
    await turn.status('escalated', 'Escalation requested by user');
    await turn.status('complete');
    await h.slack.waitFor(() => /support team/.test(h.slack.botReplies(support, root)[0]?.text ?? ''));
    expect(h.slack.botReplies(support, root)).toHaveLength(1);
  });

  it('answers a bare mention with a prompt instead of asking Fin', async () => {
    const root = await h.say({ user: alice, channel: support, text: `<@${h.slack.botUserId}>` });
    const prompt = await h.slack.waitFor(() => h.slack.botReplies(support, root)[0]);
    expect(prompt.text).toMatch(/Ask me your question/);
    expect(h.fin.calls).toHaveLength(0);
  });

  it('splits an answer too long for one message into several thread messages, in order', async () => {
    const root = await h.say({ user: alice, channel: support, text: mention('tell me everything') });
    const turn = await h.fin.nextTurn();
    const paragraphs = Array.from({ length: 12 }, (_, i) => `<p>Paragraph ${i} ${'lorem ipsum '.repeat(60)}</p>`);
    await turn.answer(paragraphs.join(''), { stream: false });
    const replies = await h.slack.waitFor(() => {
      const r = h.slack.botReplies(support, root);
      return r.length >= 3 && r.at(-1)?.text.includes('Paragraph 11') && r;
    });
    expect(replies.every((m) => m.text.length <= 3_500)).toBe(true);
    const order = replies.flatMap((m) => [...m.text.matchAll(/Paragraph (\d+)/g)].map((x) => Number(x[1])));
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('posts the answer anew if someone deleted the placeholder', async () => {
    const root = await h.say({ user: alice, channel: support, text: mention('q') });
    const placeholder = await h.slack.waitFor(() => h.slack.botReplies(support, root)[0]);
    placeholder.deleted = true;
    const turn = await h.fin.nextTurn();
    await turn.answer('<p>Still here.</p>', { stream: false });
    await h.slack.waitFor(() => h.slack.botReplies(support, root)[0]?.text === 'Still here.');
  });
});
