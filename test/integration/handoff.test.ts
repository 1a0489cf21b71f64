import { afterEach, describe, expect, it } from 'vitest';
import { intercomIdFor } from '../../fakes/fin-simulator.ts';
import type { FakeMessage } from '../../fakes/slack-api.ts';
import { Harness, WORKSPACE } from '../helpers/harness.ts';
import { withStore } from '../helpers/seed.ts';
import { blockTexts } from '../helpers/shown.ts';
import { expectStill } from '../helpers/wait.ts';

const { alice, bob, support, dm, agents } = WORKSPACE;

/** All the text of a Block Kit message, as an agent reads it. */
function readable(message: FakeMessage | undefined): string {
  return blockTexts(message?.blocks).join('\n');
}

function handBackButton(message: FakeMessage | undefined): { action_id: string; value: string } | undefined {
  const blocks = (message?.blocks ?? []) as { type: string; elements?: { type: string; action_id: string; value: string }[] }[];
  return blocks.flatMap((b) => b.elements ?? []).find((e) => e.type === 'button' && e.action_id === 'fin_hand_back');
}

describe('escalations and the hand-off to people', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /** A conversation Fin escalates in the middle of a turn. */
  async function escalated(harness: Harness, reason = 'Escalation requested by user') {
    const root = await harness.say({
      user: alice,
      channel: support,
      text: `<@${harness.slack.botUserId}> I was charged twice for order #1234`,
    });
    const turn = await harness.fin.nextTurn();
    await turn.connected();
    await turn.status('escalated', reason);
    await turn.status('complete');
    const post = await harness.slack.waitFor(() =>
      harness.slack.messages.find((m) => m.channel === agents && handBackButton(m) !== undefined),
    );
    return { root, turn, post };
  }

  it('posts in the agents’ channel who asked, where, why, what they said, with links and a hand-back button', async () => {
    h = await Harness.start({ webhooks: true, env: { INTERCOM_WORKSPACE_ID: 'abc123' } });
    const { root, turn, post } = await escalated(h);
    const text = readable(post);
    const details = JSON.stringify(post.blocks);
    // The customer is a mention, the channel a channel, the time a date each agent reads in their own time zone.
    expect(details).toContain(`{"type":"user","user_id":"${alice}"}`);
    expect(details).toContain(`{"type":"channel","channel_id":"${support}"}`);
    expect(details).toMatch(/\{"type":"date","timestamp":\d{10},"format":"\{date_short_pretty\} at \{time\}"/);
    expect(text).toContain('Escalation requested by user');
    expect(details).toContain('{"type":"rich_text_quote","elements":[{"type":"text","text":"I was charged twice for order #1234"}]}');
    expect(text).toContain(`<${h.slack.permalinkOf(support, root)}|Open the Slack thread>`);
    expect(text).toContain(
      `<https://app.intercom.com/a/inbox/abc123/inbox/conversation/${intercomIdFor(turn.conversationId)}|Open in Intercom>`,
    );
    expect(handBackButton(post)?.value).toMatch(/^\d+$/);
    expect(post.text).toContain('Escalation from');
    // The user's thread is told, once. Fin's "complete" that followed ends Fin's part, not the conversation: the post
    // says so, and the customer's thread gets no finish mark while the team has it.
    const notices = h.slack.botReplies(support, root).filter((m) => /support team/.test(m.text));
    expect(notices).toHaveLength(1);
    await h.slack.waitFor(() => readable(post).includes("Fin's part is complete: the conversation is open for the team"));
    expect(notices[0]?.reactions ?? []).not.toContain('checkered_flag');
  });

  it('says a person will follow up once: Fin’s own hand-off reply gets a mark instead of a second notice', async () => {
    h = await Harness.start({ webhooks: true });
    const root = await h.say({ user: alice, channel: support, text: `<@${h.slack.botUserId}> can I talk to a person?` });
    const turn = await h.fin.nextTurn();
    await turn.connected();
    await turn.reply('<p>Of course. I’m passing you to our support team; someone will reply in this thread.</p>', { status: 'replying' });
    await turn.status('escalated', 'The customer asked to talk to a person');
    await turn.status('complete');
    await h.slack.waitFor(() => h?.slack.messages.find((m) => m.channel === agents && handBackButton(m) !== undefined));
    const answer = await h.slack.waitFor(() =>
      h?.slack
        .botReplies(support, root)
        .find((m) => /passing you to our support team/.test(m.text) && m.reactions?.includes('raising_hand')),
    );
    expect(h.slack.botReplies(support, root).filter((m) => /support team/.test(m.text))).toEqual([answer]);
  });

  it('marks Fin’s hand-off reply also when a stable API version ended the turn with it', async () => {
    h = await Harness.start({ webhooks: true });
    const root = await h.say({ user: alice, channel: support, text: `<@${h.slack.botUserId}> a person please` });
    const turn = await h.fin.nextTurn();
    await turn.connected();
    await turn.reply('<p>A teammate will follow up with you here shortly.</p>', { status: 'awaiting_user_reply' });
    await h.slack.waitFor(() => h?.slack.botReplies(support, root).some((m) => /teammate will follow up/.test(m.text)));
    await turn.status('escalated', 'Escalation requested by user');
    await h.slack.waitFor(() => h?.slack.messages.find((m) => m.channel === agents && handBackButton(m) !== undefined));
    await h.slack.waitFor(() => h?.slack.botReplies(support, root).find((m) => m.reactions?.includes('raising_hand')));
    expect(h.slack.botReplies(support, root).filter((m) => /support team/.test(m.text))).toEqual([]);
  });

  it('still tells the customer when Fin’s last reply was an answer, not a hand-off, or the mark cannot be added', async () => {
    h = await Harness.start({ webhooks: true });
    const harness = h;
    const ask = async (text: string, reply: string) => {
      const root = await harness.say({ user: alice, channel: support, text: `<@${harness.slack.botUserId}> ${text}` });
      const turn = await harness.fin.nextTurn();
      await turn.connected();
      await turn.reply(reply, { status: 'replying' });
      await harness.slack.waitFor(
        () =>
          harness.slack.botReplies(support, root).length > 0 &&
          !/thinking/.test(harness.slack.botReplies(support, root).at(-1)?.text ?? 'thinking'),
      );
      await turn.status('escalated', 'Conversation finished without resolution');
      return root;
    };
    // An answer, then an escalation rule: the customer must still hear that a person will follow up.
    const answered = await ask('how do I reset my password?', '<p>Go to Settings and choose Reset password.</p>');
    await harness.slack.waitFor(() => harness.slack.botReplies(support, answered).some((m) => /support team/.test(m.text)));
    expect(harness.slack.botReplies(support, answered).some((m) => m.reactions?.includes('raising_hand'))).toBe(false);
    // A hand-off reply Slack will not mark (deleted meanwhile, say): the notice instead.
    harness.slack.fail('reactions.add', { error: 'message_not_found' });
    const unmarked = await ask('a person please', '<p>I’m passing you to our support team.</p>');
    await harness.slack.waitFor(() =>
      harness.slack.botReplies(support, unmarked).some((m) => /I’ve passed this conversation/.test(m.text)),
    );
  });

  it('shows the customer’s later messages under the agents’ post, once each, even when Slack delivers one twice', async () => {
    h = await Harness.start({ webhooks: true });
    const { root, post } = await escalated(h);
    const { ts, envelopes } = h.slack.userMessage({ user: alice, channel: support, text: 'Any news? It was *urgent*', threadTs: root });
    for (const envelope of envelopes) await h.deliver(envelope);
    for (const envelope of envelopes) await h.deliver(envelope, { retryNum: 1 });
    await h.say({ user: alice, channel: support, text: 'Hello?', threadTs: root });
    const under = () => h?.slack.messages.filter((m) => m.channel === agents && m.threadTs === post.ts) ?? [];
    // Work on one conversation runs in order: once "Hello?" is shown, a second copy of the first would be too.
    await h.slack.waitFor(() => under().some((m) => m.text.includes('Hello?')));
    expect(under()).toHaveLength(2);
    expect(under()[0]?.text).toBe(':speech_balloon: alice wrote in the thread:\n> Any news? It was \u2217urgent\u2217');
    expect(under()[1]?.text).toContain('> Hello?');
    expect(ts).not.toBe('');
    // Nothing went to Fin, and the customer's thread stayed quiet.
    expect(h.fin.calls.filter((c) => c.body.message?.body?.includes('Any news'))).toEqual([]);
  });

  it('does not echo an agent answering in the customer’s thread back to the agents, and limits a flood', async () => {
    h = await Harness.start({ webhooks: true });
    const harness = h;
    const { root, post } = await escalated(harness);
    const under = () => harness.slack.messages.filter((m) => m.channel === agents && m.threadTs === post.ts);
    // Bob is in the agents' channel: his answer stays in the customer's thread only.
    await harness.say({ user: bob, channel: support, text: 'Hi Alice, Bob from support here.', threadTs: root });
    for (let i = 1; i <= 8; i += 1) await harness.say({ user: alice, channel: support, text: `message ${i}`, threadTs: root });
    await harness.slack.waitFor(() => harness.logged(/faster than the agents/).length === 2);
    await harness.slack.waitFor(() => under().length === 6);
    expect(under().map((m) => m.text.split('\n')[1])).toEqual([
      '> message 1',
      '> message 2',
      '> message 3',
      '> message 4',
      '> message 5',
      '> message 6',
    ]);
    expect(under().some((m) => m.text.includes('Bob'))).toBe(false);
  });

  it('follows the customer’s edits and deletions in the agents’ copy, so a detail taken back does not stay there', async () => {
    h = await Harness.start({ webhooks: true });
    const harness = h;
    const { root, post } = await escalated(harness);
    const under = () => harness.slack.messages.filter((m) => m.channel === agents && m.threadTs === post.ts && !m.deleted);
    const card = await harness.say({ user: alice, channel: support, text: 'my card is 4111 1111 1111 1111', threadTs: root });
    const typo = await harness.say({ user: alice, channel: support, text: 'teh order', threadTs: root });
    await harness.slack.waitFor(() => under().length === 2);
    await harness.deliver(harness.slack.userDelete(support, card));
    await harness.deliver(harness.slack.userEdit(support, typo, 'the order'));
    await harness.slack.waitFor(() => under().length === 1 && under()[0]?.text.includes('> the order'));
    expect(under()[0]?.text).toBe(':speech_balloon: alice edited a message in the thread:\n> the order');
    expect(harness.slack.messages.filter((m) => m.channel === agents && m.text.includes('4111') && !m.deleted)).toEqual([]);
  });

  it('names the Intercom conversation when no workspace id is configured, and says a DM is private', async () => {
    h = await Harness.start({ webhooks: true });
    await h.say({ user: alice, channel: dm, text: 'get me a human' });
    const turn = await h.fin.nextTurn();
    await turn.connected();
    await turn.status('escalated');
    const post = await h.slack.waitFor(() => h?.slack.messages.find((m) => m.channel === agents));
    const text = readable(post);
    expect(text).toContain(`Intercom conversation \`${intercomIdFor(turn.conversationId)}\``);
    expect(text).toContain('a direct message with Fin');
    expect(text).toContain('No reason given');
  });

  it('keeps the thread with people: nothing more goes to Fin, and the app stays quiet there', async () => {
    h = await Harness.start({ webhooks: true });
    const { root } = await escalated(h);
    const before = { fin: h.fin.calls.length, posts: h.slack.callsTo('chat.postMessage').length };
    await h.say({ user: alice, channel: support, text: 'hello? is someone there?', threadTs: root });
    await h.say({ user: alice, channel: support, text: `<@${h.slack.botUserId}> still there?`, threadTs: root });
    // A message elsewhere goes through, so everything before it has been handled.
    await h.say({ user: bob, channel: support, text: `<@${h.slack.botUserId}> unrelated question` });
    await h.fin.nextTurn();
    expect(h.fin.calls.slice(before.fin).map((c) => c.body.message?.body)).toEqual(['unrelated question']);
    expect(
      h.slack
        .callsTo('chat.postMessage')
        .slice(before.posts)
        .every((c) => c.args.thread_ts !== root),
    ).toBe(true);
  });

  it('does not send Fin the messages that were waiting for its turn when it escalated, even after hand-back', async () => {
    h = await Harness.start({ webhooks: true });
    const root = await h.say({ user: alice, channel: support, text: `<@${h.slack.botUserId}> help` });
    const turn = await h.fin.nextTurn();
    await turn.connected();
    await h.say({ user: alice, channel: support, text: 'written while Fin was busy', threadTs: root });
    await turn.status('escalated', 'Routed to team');
    await turn.status('complete');
    const post = await h.slack.waitFor(() => h?.slack.messages.find((m) => m.channel === agents && handBackButton(m) !== undefined));
    const button = handBackButton(post);
    if (button === undefined) throw new Error('no hand-back button');
    await h.press({ user: bob, message: post, actionId: button.action_id, value: button.value });
    await h.slack.waitFor(() => readable(post).includes('Handed back to Fin'));

    await h.say({ user: alice, channel: support, text: 'back with Fin now', threadTs: root });
    const next = await h.fin.nextTurn();
    expect(next.call.kind).toBe('reply');
    expect(next.call.body.message?.body).toBe('back with Fin now');
    expect(h.fin.calls.map((c) => c.body.message?.body)).toEqual(['help', 'back with Fin now']);
  });

  it('marks resolved and complete unobtrusively, and updates the agents’ post', async () => {
    h = await Harness.start({ webhooks: true });
    const root = await h.say({ user: alice, channel: support, text: `<@${h.slack.botUserId}> q` });
    const turn = await h.fin.nextTurn();
    await turn.answer('<p>Done.</p>');
    const answer = await h.slack.waitFor(() => h?.slack.botReplies(support, root).find((m) => m.text === 'Done.'));
    await turn.webhookOnly({ event_name: 'fin_status_updated', status: 'resolved' });
    await h.slack.waitFor(() => answer.reactions?.includes('white_check_mark'));
    expect(h.slack.botReplies(support, root)).toHaveLength(1); // no chatter

    const second = await escalated(h);
    await second.turn.webhookOnly({ event_name: 'fin_status_updated', status: 'resolved' });
    await h.slack.waitFor(() => readable(second.post).includes('resolved'));
    expect(handBackButton(second.post)).toBeDefined();
  });

  it('hands the thread back to Fin from the agents’ post: the next message goes to Fin as a reply', async () => {
    h = await Harness.start({ webhooks: true });
    const { root, turn, post } = await escalated(h);
    const button = handBackButton(post);
    if (button === undefined) throw new Error('no hand-back button');
    expect((await h.press({ user: bob, message: post, actionId: button.action_id, value: button.value })).status).toBe(200);
    await h.slack.waitFor(() => readable(post).includes('Handed back to Fin by bob'));
    expect(handBackButton(post)).toBeUndefined();
    await h.slack.waitFor(() => h?.slack.botReplies(support, root).some((m) => /Fin is answering in this thread again/.test(m.text)));

    await h.say({ user: alice, channel: support, text: 'thanks, one more question', threadTs: root });
    const next = await h.fin.nextTurn();
    expect(next.call.kind).toBe('reply');
    expect(next.call.body.conversation_id).toBe(turn.conversationId);
    expect(next.call.body.message?.body).toBe('thanks, one more question');

    // A second press changes nothing, and says so to the one who pressed.
    await h.press({ user: bob, message: post, actionId: button.action_id, value: button.value });
    await h.slack.waitFor(() => h?.slack.ephemerals.find((e) => e.user === bob && /already been handed back/.test(e.text)));
  });

  it('acknowledges the hand-back button at once, even when Slack is slow to take the updates that follow', async () => {
    h = await Harness.start({ webhooks: true });
    const { post } = await escalated(h);
    const button = handBackButton(post);
    if (button === undefined) throw new Error('no hand-back button');
    h.slack.delay('chat.update', 4_000);
    expect((await h.press({ user: bob, message: post, actionId: button.action_id, value: button.value })).status).toBe(200);
    expect(readable(post)).not.toContain('Handed back to Fin'); // answered before the slow update landed
    h.slack.delay('chat.update', 0); // only the first update is slow
    await h.slack.waitFor(() => readable(post).includes('Handed back to Fin by bob'), 8_000);
  });

  it('retries the agents’ post when Slack rate-limits it, so no escalation is lost', async () => {
    h = await Harness.start({ webhooks: true });
    h.slack.fail('chat.postMessage', { error: 'ratelimited', retryAfterSeconds: 1, when: (args) => args.channel === agents });
    const { post } = await escalated(h);
    expect(handBackButton(post)).toBeDefined();
    const attempts = h.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === agents);
    expect(attempts.map((c) => c.error ?? 'ok')).toEqual(['ratelimited', 'ok']);
  });

  it('still tells the user when the app cannot post in the agents’ channel, and logs why', async () => {
    h = await Harness.start({ webhooks: true });
    h.slack.fail('chat.postMessage', { error: 'not_in_channel', times: 5, when: (args) => args.channel === agents });
    const root = await h.say({ user: alice, channel: support, text: `<@${h.slack.botUserId}> human please` });
    const turn = await h.fin.nextTurn();
    await turn.connected();
    await turn.status('escalated', 'Escalation requested by user');
    await h.slack.waitFor(() => /support team/.test(h?.slack.botReplies(support, root)[0]?.text ?? ''));
    await h.slack.waitFor(() => h?.logged(/agents' channel/).length);
    expect(h.logged(/agents' channel/)[0]).toMatchObject({ error: 'not_in_channel' });
  });

  it('lets only members of the agents’ channel hand a thread back, checking with Slack at every press', async () => {
    h = await Harness.start({ webhooks: true });
    const harness = h;
    const first = await escalated(harness);
    const firstButton = handBackButton(first.post);
    if (firstButton === undefined) throw new Error('no hand-back button');

    // Alice (the customer, not in the agents' channel) cannot give her own thread back to Fin.
    await harness.press({ user: alice, message: first.post, actionId: firstButton.action_id, value: firstButton.value });
    await harness.slack.waitFor(() =>
      harness.slack.ephemerals.find((e) => e.user === alice && /Only members of the agents' channel/.test(e.text)),
    );
    expect(readable(first.post)).not.toContain('Handed back');
    expect(handBackButton(first.post)).toBeDefined();

    // Bob, a member, can; then he leaves the channel, and a press a moment later (well within any cache) is refused.
    await harness.press({ user: bob, message: first.post, actionId: firstButton.action_id, value: firstButton.value });
    await harness.slack.waitFor(() => readable(first.post).includes('Handed back to Fin by bob'));
    const second = await escalated(harness);
    const secondButton = handBackButton(second.post);
    if (secondButton === undefined) throw new Error('no hand-back button');
    harness.slack.addChannel({ id: agents, name: 'agents', kind: 'channel', members: [] });
    await harness.press({ user: bob, message: second.post, actionId: secondButton.action_id, value: secondButton.value });
    await harness.slack.waitFor(() => harness.slack.ephemerals.find((e) => e.user === bob && /Only members/.test(e.text)));
    expect(readable(second.post)).not.toContain('Handed back');
  });

  it('refuses a hand-back when Slack will not say who is in the agents’ channel, and says why', async () => {
    h = await Harness.start({ webhooks: true });
    const harness = h;
    const { post } = await escalated(harness);
    const button = handBackButton(post);
    if (button === undefined) throw new Error('no hand-back button');
    harness.slack.fail('conversations.members', { error: 'internal_error', times: 3 });
    await harness.press({ user: bob, message: post, actionId: button.action_id, value: button.value });
    await harness.slack.waitFor(() => harness.slack.ephemerals.find((e) => e.user === bob && /would not confirm/.test(e.text)));
    expect(readable(post)).not.toContain('Handed back');
  });

  it('keeps a thread with people past the retention window: the customer writing later does not reach Fin', async () => {
    h = await Harness.start({ webhooks: true, env: { DATA_RETENTION_DAYS: '7' } });
    const harness = h;
    const { root, post } = await escalated(harness);
    await harness.stopApp();
    // Nothing happened in the thread for eight days; the app restarts and prunes.
    withStore(harness.env.DATABASE_PATH ?? '', (store) =>
      store.db.prepare('UPDATE conversations SET updated_at = ?').run(Date.now() - 8 * 86_400_000),
    );
    await harness.startApp();
    const before = harness.fin.calls.length;
    await harness.say({ user: alice, channel: support, text: `<@${harness.slack.botUserId}> any news on my refund?`, threadTs: root });
    await expectStill(
      () => harness.slack.waitFor(() => harness.logged(/slack message handled/).some((r) => r.outcome === 'ignored_human_owned')),
      () => expect(harness.fin.calls).toHaveLength(before),
    );
    // The agents' post still hands it back.
    const button = handBackButton(post);
    await harness.press({ user: bob, message: post, actionId: button?.action_id ?? '', value: button?.value ?? '' });
    await harness.slack.waitFor(() => readable(post).includes('Handed back to Fin by bob'));
  });

  it('acts only on the escalation of the post whose button was pressed', async () => {
    h = await Harness.start({ webhooks: true });
    const harness = h;
    const { post } = await escalated(harness);
    const button = handBackButton(post);
    // The same escalation id pressed on another message (an old post of a pruned escalation, say) changes nothing.
    const other = harness.slack.appMessage({ channel: agents, text: 'an older post' });
    await harness.press({ user: bob, message: other, actionId: button?.action_id ?? '', value: button?.value ?? '' });
    await harness.slack.waitFor(() => harness.slack.ephemerals.find((e) => e.user === bob && /no longer known/.test(e.text)));
    expect(readable(post)).not.toContain('Handed back');
  });

  it('ignores a person pressing faster than the app answers, so clicks cannot spend the workspace’s budget', async () => {
    h = await Harness.start({ webhooks: true });
    const harness = h;
    const { post } = await escalated(harness);
    const button = handBackButton(post);
    for (let i = 0; i < 25; i += 1)
      await harness.press({ user: alice, message: post, actionId: button?.action_id ?? '', value: button?.value ?? '' });
    await harness.slack.waitFor(() => harness.logged('ignoring a press: this person is pressing faster than the app answers').length === 5);
    await harness.slack.waitFor(() => harness.slack.ephemerals.filter((e) => e.user === alice).length === 20);
    expect(harness.slack.callsTo('conversations.members').length).toBeLessThanOrEqual(20);
  });
});
