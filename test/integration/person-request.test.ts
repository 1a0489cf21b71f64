import { afterEach, describe, expect, it } from 'vitest';
import type { FakeMessage } from '../../fakes/slack-api.ts';
import { Harness, WORKSPACE } from '../helpers/harness.ts';
import { metric } from '../helpers/metrics.ts';
import { blockTexts } from '../helpers/shown.ts';
import { expectStill } from '../helpers/wait.ts';

const { alice, bob, support, agents } = WORKSPACE;

const ALREADY = /already with our support team/;

describe('a person when the user asks for one', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /** Alice asks Fin something and gets an answer: a bridged thread, with Fin's reply in it. */
  async function answered(harness: Harness) {
    const root = await harness.say({ user: alice, channel: support, text: `<@${harness.slack.botUserId}> my invoice is wrong` });
    const turn = await harness.fin.nextTurn();
    await turn.answer('<p>Let me check your invoice.</p>');
    const reply = await harness.slack.waitFor(() => harness.slack.botReplies(support, root).find((m) => /invoice/.test(m.text)));
    return { root, turn, reply };
  }

  function react(harness: Harness, message: FakeMessage, user: string, name = 'raising_hand') {
    return harness.deliver(harness.slack.reactionAdded({ user, message, name }));
  }

  function shortcut(harness: Harness, message: FakeMessage, user: string) {
    return harness.post(harness.slack.messageShortcut({ user, message, callbackId: 'fin_talk_to_person' }), { form: true });
  }

  function agentsPost(harness: Harness): FakeMessage | undefined {
    return harness.slack.messages.find((m) => m.channel === agents && /handed a conversation/.test(blockTexts(m.blocks).join('\n')));
  }

  it('escalates on the reaction, with a note saying who asked, where and how; then the usual hand-off runs', async () => {
    h = await Harness.start();
    const { root, turn, reply } = await answered(h);
    expect((await react(h, reply, alice)).status).toBe(200);
    const [call] = await h.slack.waitFor(() => (h?.fin.callsOf('escalate').length ? h.fin.callsOf('escalate') : undefined));
    expect(call?.headers['intercom-version']).toBe('Preview');
    expect(call?.body.conversation_id).toBe(turn.conversationId);
    const note = call?.body.context ?? '';
    expect(note).toContain(`alice (Slack user ${alice})`);
    expect(note).toContain('the :raising_hand: reaction');
    expect(note).toContain(`#support (${support})`);
    expect(note).toContain(h.slack.permalinkOf(support, root));
    // Fin reports the escalation on the stream the call returned; the thread is told, the agents get their post.
    const post = await h.slack.waitFor(() => agentsPost(h as Harness));
    expect(blockTexts(post.blocks).join('\n')).toContain('Escalation requested by user');
    await h.slack.waitFor(() => h?.slack.botReplies(support, root).find((m) => /support team/.test(m.text)));
    expect(await metric(h.url, 'fin_slack_person_requests_total', { via: 'reaction', outcome: 'requested' })).toBe(1);
    // The thread is the people's now: Fin is not asked about the next message.
    const calls = h.fin.calls.length;
    await h.say({ user: alice, channel: support, text: 'hello?', threadTs: root });
    await expectStill(
      () => (h as Harness).slack.waitFor(() => h?.logged(/slack message handled/).some((r) => r.outcome === 'ignored_human_owned')),
      () => expect(h?.fin.calls).toHaveLength(calls),
    );
  });

  it('hears the escalation on the stream Fin returned, while the turn’s own stream is still held open', async () => {
    h = await Harness.start();
    const root = await h.say({ user: alice, channel: support, text: `<@${h.slack.botUserId}> my invoice is wrong` });
    const turn = await h.fin.nextTurn();
    // A survey may follow: Fin keeps this stream open past complete.
    turn.expectCsat();
    await turn.connected();
    await turn.reply('<p>Your invoice is corrected.</p>', { status: 'replying' });
    await turn.status('resolved');
    await turn.status('complete');
    const reply = await h.slack.waitFor(() => h?.slack.botReplies(support, root).find((m) => /corrected/.test(m.text)));
    await react(h, reply, alice);
    await h.slack.waitFor(() => agentsPost(h as Harness));
    expect(turn.connectionsClosed()).toBe(false);
  });

  it('finishes the answer the customer was reading when they asked for a person while it streamed', async () => {
    h = await Harness.start();
    const root = await h.say({ user: alice, channel: support, text: `<@${h.slack.botUserId}> what are your plans?` });
    const turn = await h.fin.nextTurn();
    await turn.connected();
    await turn.chunk('s1', 0, 'Our plans');
    const streaming = await h.slack.waitFor(() => h?.slack.botReplies(support, root).find((m) => /Our plans/.test(m.text)));
    const question = h.slack.message(support, root);
    if (question === undefined) throw new Error('no question');
    await shortcut(h, question, alice);
    await h.slack.waitFor(() => agentsPost(h as Harness));
    await turn.reply('<p>Our plans: Basic, Pro and Enterprise.</p>', { streamId: 's1', status: 'replying' });
    await h.slack.waitFor(() => streaming.text === 'Our plans: Basic, Pro and Enterprise.');
  });

  it('asks Fin once: a repeated reaction, Slack’s retry of the event and the shortcut after it are told it is with the team', async () => {
    // With webhooks too: the escalation then arrives twice (SSE and webhook) and still hands off once.
    h = await Harness.start({ webhooks: true });
    const { root, reply } = await answered(h);
    const envelope = h.slack.reactionAdded({ user: alice, message: reply, name: 'raising_hand' });
    await h.deliver(envelope);
    await h.deliver(envelope, { retryNum: 1 });
    await h.slack.waitFor(() => agentsPost(h as Harness));
    await react(h, reply, alice);
    await h.slack.waitFor(() => h?.slack.ephemerals.find((e) => e.user === alice && ALREADY.test(e.text)));
    const rootMessage = h.slack.message(support, root);
    if (rootMessage === undefined) throw new Error('no root');
    await shortcut(h, rootMessage, bob);
    await h.slack.waitFor(() => h?.slack.ephemerals.find((e) => e.user === bob && ALREADY.test(e.text)));
    expect(h.fin.callsOf('escalate')).toHaveLength(1);
    expect(h.slack.messages.filter((m) => m.channel === agents && m.blocks !== undefined)).toHaveLength(1);
    // Slack's retry is not a second request: only the repeated reaction and the shortcut were answered.
    expect(h.slack.ephemerals.filter((e) => ALREADY.test(e.text))).toHaveLength(2);
  });

  it('escalates from the message shortcut on any message of the thread', async () => {
    h = await Harness.start();
    const { root, turn } = await answered(h);
    const followUp = await h.say({ user: alice, channel: support, text: 'and the VAT is missing', threadTs: root });
    await (await h.fin.nextTurn()).answer('<p>I see.</p>');
    const message = h.slack.message(support, followUp);
    if (message === undefined) throw new Error('no message');
    await shortcut(h, message, alice);
    const [call] = await h.slack.waitFor(() => (h?.fin.callsOf('escalate').length ? h.fin.callsOf('escalate') : undefined));
    expect(call?.body.conversation_id).toBe(turn.conversationId);
    expect(call?.body.context).toContain('"Talk to a person" message shortcut');
    await h.slack.waitFor(() => agentsPost(h as Harness));
    expect(await metric(h.url, 'fin_slack_person_requests_total', { via: 'shortcut', outcome: 'requested' })).toBe(1);
  });

  it('does nothing for the emoji outside a bridged thread, or from the app itself; the shortcut there says why', async () => {
    h = await Harness.start();
    const outside = await h.say({ user: alice, channel: support, text: 'lunch anyone?' });
    const message = h.slack.message(support, outside);
    if (message === undefined) throw new Error('no message');
    await react(h, message, bob);
    const { reply } = await answered(h);
    await react(h, reply, h.slack.botUserId);
    await shortcut(h, message, bob);
    await h.slack.waitFor(() => h?.slack.ephemerals.find((e) => e.user === bob && /Fin is not part of this thread/.test(e.text)));
    // Every request is recorded (or not) before Slack hears back, so by now the app's own reaction would have been one.
    expect(h.logged('a person was asked for').map((r) => [r.via, r.outcome])).toEqual([
      ['reaction', 'not_bridged'],
      ['shortcut', 'not_bridged'],
    ]);
    expect(h.fin.callsOf('escalate')).toEqual([]);
    expect(h.slack.ephemerals).toHaveLength(1);
  });

  it('asks Slack which thread a reacted message is in, and only where Fin has conversations', async () => {
    h = await Harness.start();
    const { root } = await answered(h);
    // A message in the thread the app never recorded (its event never came): Slack says which thread it is in.
    const { ts } = h.slack.userMessage({ user: bob, channel: support, text: 'me too', threadTs: root });
    const unrecorded = h.slack.message(support, ts);
    if (unrecorded === undefined) throw new Error('no message');
    await react(h, unrecorded, bob);
    await h.slack.waitFor(() => h?.fin.callsOf('escalate').length === 1);
    const lookups = h.slack.callsTo('conversations.replies').length;
    expect(lookups).toBeGreaterThan(0);
    // In a channel where Fin has no conversation, no thread can be Fin's: Slack is not asked.
    const { ts: elsewhere } = h.slack.userMessage({ user: bob, channel: agents, text: 'lunch?' });
    const lunch = h.slack.message(agents, elsewhere);
    if (lunch === undefined) throw new Error('no message');
    await react(h, lunch, bob);
    expect(h.slack.callsTo('conversations.replies')).toHaveLength(lookups);
    expect(h.fin.callsOf('escalate')).toHaveLength(1);
  });

  it('takes the configured emoji (a list, with or without colons, any skin tone) and no other', async () => {
    h = await Harness.start({ env: { FIN_ESCALATION_EMOJI: ':sos:, person_raising_hand' } });
    const { reply } = await answered(h);
    await react(h, reply, alice, 'raising_hand');
    await react(h, reply, alice, 'person_raising_hand::skin-tone-4');
    await h.slack.waitFor(() => agentsPost(h as Harness));
    // Only the configured emoji asked: one call, and its note names it.
    expect(h.fin.callsOf('escalate').map((c) => c.body.context?.match(/the :([a-z_]+): reaction/)?.[1])).toEqual(['person_raising_hand']);
  });

  it('explains a workspace without the feature (403) and a conversation Fin no longer has (400), and logs the reason', async () => {
    h = await Harness.start();
    const { reply, turn } = await answered(h);
    h.fin.setFeatureEnabled('escalate', false);
    await react(h, reply, alice);
    await h.slack.waitFor(() => h?.slack.ephemerals.find((e) => /not turned on for this workspace/.test(e.text)));
    expect(h.logged('Fin did not take the request for a person')[0]).toMatchObject({ reason: 'not_enabled', status: 403 });

    h.fin.setFeatureEnabled('escalate', true);
    h.fin.onEscalate(() => ({
      status: 400,
      body: { type: 'error.list', request_id: 'r1', errors: [{ code: 'parameter_invalid', message: 'Conversation not found' }] },
    }));
    // The failed request freed the conversation: asking again is a new request.
    await react(h, reply, alice);
    await h.slack.waitFor(() => h?.slack.ephemerals.find((e) => /Fin no longer has this conversation/.test(e.text)));
    expect(h.logged('Fin did not take the request for a person')[1]).toMatchObject({ reason: 'not_found', status: 400 });
    expect(h.slack.ephemerals.every((e) => e.user === alice)).toBe(true);
    expect(agentsPost(h)).toBeUndefined();
    expect(turn.conversationId).toMatch(/^slack-/);
  });

  it('retries Fin’s 5xx, then says it could not reach Fin; the next request goes through', async () => {
    h = await Harness.start();
    const { reply } = await answered(h);
    let failures = 0;
    h.fin.onEscalate(() => {
      failures += 1;
      return { status: 503, body: { type: 'error.list', errors: [{ code: 'service_unavailable', message: 'busy' }] } };
    });
    await react(h, reply, alice);
    await h.slack.waitFor(() => h?.slack.ephemerals.find((e) => /could not be reached to pass this conversation/.test(e.text)));
    expect(failures).toBeGreaterThan(1);
    h.fin.onEscalate(undefined);
    await react(h, reply, alice);
    await h.slack.waitFor(() => agentsPost(h as Harness));
  });

  it('takes a new request once an agent handed the thread back to Fin', async () => {
    h = await Harness.start();
    const { reply } = await answered(h);
    await react(h, reply, alice);
    const post = await h.slack.waitFor(() => agentsPost(h as Harness));
    const blocks = (post.blocks ?? []) as { elements?: { action_id?: string; value?: string }[] }[];
    const button = blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === 'fin_hand_back');
    await h.press({ user: bob, message: post, actionId: 'fin_hand_back', value: button?.value ?? '' });
    await h.slack.waitFor(() => /Handed back/.test(blockTexts(post.blocks).join('\n')));
    await react(h, reply, alice);
    await h.slack.waitFor(() => h?.fin.callsOf('escalate').length === 2);
  });
});
