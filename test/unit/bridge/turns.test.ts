import { afterEach, describe, expect, it } from 'vitest';
import { intercomIdFor } from '../../../fakes/fin-simulator.ts';
import {
  cannotPostText,
  EMPTY_MESSAGE_PROMPT,
  longMessageNotice,
  PLACEHOLDER,
  procedureStartedText,
  STREAM_LOST_TEXT,
  TIMED_OUT_NOTICE,
  userLimitText,
} from '../../../src/bridge/copy.ts';
import { MAX_BODY_CHARS } from '../../../src/bridge/requests.ts';
import { ThreadView } from '../../../src/bridge/thread-view.ts';
import { type StreamOpener, Turns } from '../../../src/bridge/turns.ts';
import { slackTsToIso } from '../../../src/slack/timestamps.ts';
import { conversationIdFor } from '../../../src/store/conversations.ts';
import {
  type BridgeParts,
  type BridgePartsOptions,
  mention,
  PEOPLE,
  RecordedStreams,
  say,
  startBridgeParts,
} from '../../helpers/bridge-parts.ts';
import { waitFor } from '../../helpers/wait.ts';

const { alice, bob, support, dm } = PEOPLE;

/**
 * The turn-taking against the fake Slack, the Fin simulator and an in-memory store, with the real thread view. Its one
 * port, where a turn's stream is opened, records what it is told: the event pipeline is tested on its own.
 */
describe('Turns', () => {
  let parts: BridgeParts;
  let view: ThreadView;
  let streams: RecordedStreams;
  let turns: Turns;
  const extra: Turns[] = [];

  const start = async (options: BridgePartsOptions = {}) => {
    parts = await startBridgeParts(options);
    view = new ThreadView(parts.ctx);
    streams = new RecordedStreams();
    turns = new Turns(parts.ctx, view, streams);
  };
  const ask = (text: string, input: { user?: string; channel?: string; threadTs?: string } = {}) =>
    say(parts, { user: input.user ?? alice, channel: input.channel ?? support, text, ...input });
  const conversationOf = (ts: string, channel: string = support) => {
    const conv = parts.store.conversations.findByThread(parts.slack.teamId, channel, ts);
    if (conv === undefined) throw new Error('no conversation for the thread');
    return conv;
  };
  const opened = (n: number) => waitFor(() => streams.opened[n - 1], { what: `stream ${n} to be opened` });
  const shown = (channel: string, ts: string) => parts.slack.message(channel, ts)?.text;

  afterEach(async () => {
    for (const t of [turns, ...extra.splice(0)]) t.stop();
    await view.closeAll();
    await parts.ctx.idle();
    // Whatever the test did, no work on a conversation failed unexpectedly (a failure is logged, not thrown).
    const failed = parts.logged('conversation task failed');
    await parts.close();
    expect(failed).toEqual([]);
  });

  it('takes a question in a new thread: recorded at once, then a placeholder, /fin/start, and the stream opened', async () => {
    await start();
    const { ts, message, eventId } = ask(mention(parts, 'how do I reset my password?'));
    expect(turns.accept(message, eventId)).toBe('accepted');
    // Durable before the call returns: Slack may be acknowledged now.
    const conv = conversationOf(ts);
    expect(parts.store.inbound.has(parts.slack.teamId, support, ts)).toBe(true);

    const stream = await opened(1);
    const turn = parts.store.turns.get(stream.turnId);
    expect(turn).toMatchObject({ conversationId: conv.id, kind: 'start', state: 'open', userId: alice });
    expect(stream.conversationId).toBe(conv.id);
    expect(stream.url).toContain('/event-stream?');
    expect(parts.slack.botReplies(support, ts).map((m) => m.text)).toEqual([PLACEHOLDER]);
    expect(turn?.placeholderTs).toBe(parts.slack.botReplies(support, ts)[0]?.ts);

    expect(parts.fin.calls).toHaveLength(1);
    const [call] = parts.fin.calls;
    expect(call?.kind).toBe('start');
    expect(call?.body.conversation_id).toBe(conv.id);
    expect(call?.body.message).toEqual({ author: 'user', body: 'how do I reset my password?', timestamp: slackTsToIso(ts) });
    expect(call?.body.user).toEqual({ id: alice, name: 'alice', email: 'alice@example.com' });
    expect(call?.body.conversation_metadata?.attributes).toMatchObject({ slack_channel_id: support, slack_channel_name: 'support' });
    expect(parts.store.conversations.get(conv.id)).toMatchObject({ finStarted: true, intercomConversationId: intercomIdFor(conv.id) });
  });

  it('sends a follow-up in the thread as a reply, once Fin is done with the turn before it', async () => {
    await start();
    const { ts, message } = ask(mention(parts, 'how do I reset my password?'));
    turns.accept(message, undefined);
    await opened(1);
    const conv = conversationOf(ts);
    const placeholderTs = parts.slack.botReplies(support, ts)[0]?.ts ?? '';

    await turns.end(conv, 'fin_replied');
    // The placeholder got nothing from Fin (its answer came elsewhere): it goes.
    expect(parts.slack.message(support, placeholderTs)?.deleted).toBe(true);
    expect(parts.store.turns.active(conv.id)).toBeUndefined();

    const followUp = ask('and on my phone?', { threadTs: ts });
    expect(followUp.message.needsBridgedThread).toBe(true);
    expect(turns.accept(followUp.message, followUp.eventId)).toBe('accepted');
    await opened(2);
    const reply = parts.fin.calls[1];
    expect(reply?.kind).toBe('reply');
    expect(reply?.body.message?.body).toBe('and on my phone?');
    expect(reply?.body.conversation_metadata).toBeUndefined();
  });

  it('ignores replies in threads Fin is not in, and messages in threads people own, and counts each message once', async () => {
    await start();
    const root = parts.slack.userMessage({ user: bob, channel: support, text: 'lunch?' });
    const unbridged = ask('pizza', { threadTs: root.ts });
    expect(turns.accept(unbridged.message, unbridged.eventId)).toBe('ignored_unbridged');

    const { ts, message, eventId } = ask(mention(parts, 'how do I reset my password?'));
    expect(turns.accept(message, eventId)).toBe('accepted');
    // Slack's retry of the same event, and the twin event of a mention (another event id, the same message).
    expect(turns.accept(message, eventId)).toBe('duplicate');
    expect(turns.accept(message, 'EvTWIN')).toBe('duplicate');
    await opened(1);

    const conv = conversationOf(ts);
    parts.store.conversations.setOwner(conv.id, 'human', parts.ctx.now());
    const toPeople = ask('is anyone there?', { threadTs: ts });
    expect(turns.accept(toPeople.message, toPeople.eventId)).toBe('ignored_human_owned');
    expect(parts.store.inbound.has(parts.slack.teamId, support, toPeople.ts)).toBe(false);

    await parts.ctx.idle();
    expect(parts.fin.calls).toHaveLength(1);
    expect(parts.store.conversations.findByThread(parts.slack.teamId, support, root.ts)).toBeUndefined();
  });

  it('answers a mention with nothing in it with a prompt, once per message and a few times a minute at most', async () => {
    await start();
    const empties = Array.from({ length: 4 }, () => ask(mention(parts, '')));
    const [first] = empties;
    if (first === undefined) throw new Error('no message');
    expect(turns.accept(first.message, first.eventId)).toBe('prompted_empty');
    expect(turns.accept(first.message, 'EvTWIN')).toBe('duplicate');
    expect(empties.slice(1).map((e) => turns.accept(e.message, e.eventId))).toEqual(['prompted_empty', 'prompted_empty', 'rate_limited']);

    const prompts = () => parts.slack.callsTo('chat.postMessage').filter((c) => c.args.text === EMPTY_MESSAGE_PROMPT && c.ok);
    await waitFor(() => prompts().length === 3, { what: 'three prompts' });
    expect(prompts().map((c) => c.args.thread_ts)).toEqual(empties.slice(0, 3).map((e) => e.ts));
    await parts.ctx.idle();
    expect(parts.fin.calls).toHaveLength(0);
    expect(parts.store.conversations.findByThread(parts.slack.teamId, support, first.ts)).toBeUndefined();
  });

  it('keeps messages written while Fin answers, and sends them when it is done: one turn per person, in order', async () => {
    await start();
    const { ts, message } = ask(mention(parts, 'how do I reset my password?'));
    turns.accept(message, undefined);
    await opened(1);
    const conv = conversationOf(ts);

    for (const [user, text] of [
      [alice, 'I use the app'],
      [alice, 'on Android'],
      [bob, 'same question for iOS'],
    ] as const) {
      const m = ask(text, { user, threadTs: ts });
      expect(turns.accept(m.message, m.eventId)).toBe('accepted');
    }
    await parts.ctx.idle();
    // Fin is never interrupted.
    expect(parts.fin.calls).toHaveLength(1);
    expect(parts.store.inbound.queued(conv.id)).toHaveLength(3);

    await turns.end(conv, 'fin_replied');
    await opened(2);
    expect(parts.fin.calls[1]?.kind).toBe('reply');
    expect(parts.fin.calls[1]?.body.message?.body).toBe('I use the app\n\non Android');
    expect(parts.fin.calls[1]?.body.user?.id).toBe(alice);
    expect(parts.store.inbound.queued(conv.id)).toHaveLength(1);

    await turns.end(conv, 'fin_replied');
    await opened(3);
    expect(parts.fin.calls[2]?.body.message?.body).toBe('same question for iOS');
    expect(parts.fin.calls[2]?.body.user?.id).toBe(bob);
    expect(parts.fin.calls).toHaveLength(3);
  });

  it('refuses a new question over a person’s limit and tells them once; their follow-up waits for a free slot', async () => {
    let now = Date.now();
    await start({ bridge: { userTurnsPerMinute: 1, now: () => now } });
    const first = ask(mention(parts, 'how do I reset my password?'));
    expect(turns.accept(first.message, first.eventId)).toBe('accepted');
    await opened(1);

    const second = ask(mention(parts, 'and what are your plans?'));
    expect(turns.accept(second.message, second.eventId)).toBe('rate_limited');
    // Slack's retry of the refused message, and its twin event, find it refused already.
    expect(turns.accept(second.message, second.eventId)).toBe('duplicate');
    expect(turns.accept(second.message, 'EvTWIN')).toBe('duplicate');
    const third = ask(mention(parts, 'and where is my order?'));
    expect(turns.accept(third.message, third.eventId)).toBe('rate_limited');
    // Another person over the limit, told after Alice would have been told twice.
    const bobs = ask(mention(parts, 'hello'), { user: bob });
    turns.accept(bobs.message, bobs.eventId);
    await opened(2); // counted when it starts
    const bobsOther = ask(mention(parts, 'hello again'), { user: bob });
    expect(turns.accept(bobsOther.message, bobsOther.eventId)).toBe('rate_limited');
    await waitFor(() => parts.slack.ephemerals.some((e) => e.user === bob), { what: 'Bob to be told' });
    expect(parts.slack.ephemerals.filter((e) => e.user === alice)).toEqual([{ channel: support, user: alice, text: userLimitText(1) }]);
    expect(parts.store.conversations.findByThread(parts.slack.teamId, support, second.ts)).toBeUndefined();

    // A follow-up in Alice's own thread is taken (Fin is answering it), and waits for a slot once Fin is done.
    const followUp = ask('on Android', { threadTs: first.ts });
    expect(turns.accept(followUp.message, followUp.eventId)).toBe('accepted');
    const conv = conversationOf(first.ts);
    await turns.end(conv, 'fin_replied');
    await waitFor(() => parts.logged(/the next turn waits/).length === 1, { what: 'the follow-up to wait' });
    await parts.ctx.idle();
    expect(parts.fin.calls.filter((c) => c.conversationId === conv.id)).toHaveLength(1);
    expect(parts.store.inbound.queued(conv.id)).toHaveLength(1);

    // A minute later Alice has a turn again.
    now += 61_000;
    turns.pump(conv.id);
    const stream = await opened(3);
    expect(stream.conversationId).toBe(conv.id);
    expect(parts.store.turns.get(stream.turnId)?.kind).toBe('reply');
    expect(parts.fin.calls.filter((c) => c.conversationId === conv.id).map((c) => c.body.message?.body)).toEqual([
      'how do I reset my password?',
      'on Android',
    ]);
  });

  it('counts a procedure’s turn when it is reserved, and runs the procedure in the thread started for it', async () => {
    await start({ bridge: { userTurnsPerMinute: 1 } });
    expect(turns.reserveTurn(alice)).toBe(true);
    expect(turns.reserveTurn(alice)).toBe(false);

    const rootTs = await parts.ctx.poster.postRoot(support, procedureStartedText(alice, 'refund-42', 'order 7'));
    turns.startProcedure({
      teamId: parts.slack.teamId,
      channelId: support,
      rootTs,
      userId: alice,
      procedureId: 'refund-42',
      text: 'order 7',
    });
    const stream = await opened(1);
    const conv = conversationOf(rootTs);
    expect(conv.procedureId).toBe('refund-42');
    expect(stream.conversationId).toBe(conv.id);
    // Reserved already: at her limit, the thread's first turn still goes.
    const [call] = parts.fin.calls;
    expect(call?.kind).toBe('procedure');
    expect(call?.path).toBe('/fin/procedures/refund-42/run');
    expect(call?.body.message?.body).toBe('order 7');
    expect(parts.slack.botReplies(support, rootTs).map((m) => m.text)).toEqual([
      procedureStartedText(alice, 'refund-42', 'order 7'),
      PLACEHOLDER,
    ]);
  });

  it('runs a channel’s procedure for a new thread there, and replies after that', async () => {
    await start({ bridge: { channelProcedures: new Map([[support, 'triage-1']]) } });
    const { ts, message } = ask(mention(parts, 'my invoice is wrong'));
    turns.accept(message, undefined);
    await opened(1);
    expect(parts.fin.calls[0]?.path).toBe('/fin/procedures/triage-1/run');

    await turns.end(conversationOf(ts), 'fin_replied');
    const followUp = ask('it is invoice 12', { threadTs: ts });
    turns.accept(followUp.message, followUp.eventId);
    await opened(2);
    expect(parts.fin.calls[1]?.path).toBe('/fin/reply');
  });

  it('tells the thread when Fin is slow, leaves the turn Fin’s, and gives it up when the person writes again', async () => {
    await start({ bridge: { replyTimeoutMs: 100 } });
    const { ts, message } = ask(mention(parts, 'how do I reset my password?'));
    turns.accept(message, undefined);
    const { turnId } = await opened(1);
    const placeholderTs = parts.store.turns.get(turnId)?.placeholderTs ?? '';

    await waitFor(() => shown(support, placeholderTs) === TIMED_OUT_NOTICE, { what: 'the notice that Fin is slow' });
    expect(parts.store.turns.get(turnId)?.state).toBe('overdue');
    expect((await parts.metrics.turnsTimedOut.get()).values[0]?.value).toBe(1);
    // Still replaceable by Fin's late answer.
    expect(view.waitingPlaceholder(turnId)?.ts).toBe(placeholderTs);

    const again = ask('hello?', { threadTs: ts });
    expect(turns.accept(again.message, again.eventId)).toBe('accepted');
    expect(parts.store.turns.get(turnId)?.state).toBe('abandoned');
    const next = await opened(2);
    expect(next.turnId).not.toBe(turnId);
    expect(parts.fin.calls[1]?.kind).toBe('reply');
    expect(parts.fin.calls[1]?.body.message?.body).toBe('hello?');
  });

  it('tells the person at once when the stream breaks off and no webhooks will bring the rest; then takes the next message', async () => {
    await start();
    const { ts, message } = ask(mention(parts, 'how do I reset my password?'));
    turns.accept(message, undefined);
    const { conversationId, turnId } = await opened(1);
    const placeholderTs = parts.store.turns.get(turnId)?.placeholderTs ?? '';
    const queued = ask('on Android', { threadTs: ts });
    turns.accept(queued.message, queued.eventId);

    // Closed by the app itself, or a stream of another turn: nothing to tell.
    await turns.streamEnded(conversationId, turnId, { reason: 'closed' });
    await turns.streamEnded(conversationId, turnId + 1, { reason: 'ended' });
    expect(shown(support, placeholderTs)).toBe(PLACEHOLDER);
    expect(parts.store.turns.get(turnId)?.state).toBe('open');

    await turns.streamEnded(conversationId, turnId, { reason: 'error_event', detail: 'Token expired' });
    expect(shown(support, placeholderTs)).toBe(STREAM_LOST_TEXT);
    expect(parts.store.posted.get(support, placeholderTs)?.state).toBe('final');
    expect(parts.store.turns.get(turnId)?.state).toBe('failed');
    await opened(2);
    expect(parts.fin.calls[1]?.body.message?.body).toBe('on Android');
  });

  it('waits for webhooks when the stream breaks off and they are configured', async () => {
    await start({ bridge: { webhooksEnabled: true } });
    const { message } = ask(mention(parts, 'how do I reset my password?'));
    turns.accept(message, undefined);
    const { conversationId, turnId } = await opened(1);
    await turns.streamEnded(conversationId, turnId, { reason: 'ended' });
    expect(parts.store.turns.get(turnId)?.state).toBe('open');
    expect(shown(support, parts.store.turns.get(turnId)?.placeholderTs ?? '')).toBe(PLACEHOLDER);
    expect(parts.logged(/webhooks will bring the rest/)).toHaveLength(1);
  });

  it('tells the person in the placeholder when Fin refuses the message, and ends the turn', async () => {
    await start();
    parts.fin.onTurn(() => ({
      status: 401,
      body: { type: 'error.list', errors: [{ code: 'unauthorized', message: 'Access Token Invalid' }] },
    }));
    const { ts, message } = ask(mention(parts, 'how do I reset my password?'));
    turns.accept(message, undefined);
    const placeholder = await waitFor(() => parts.slack.botReplies(support, ts).find((m) => m.text !== PLACEHOLDER));
    expect(placeholder.text).toMatch(/connection to Intercom was refused/);
    const conv = conversationOf(ts);
    await parts.ctx.idle();
    expect(parts.store.turns.active(conv.id)).toBeUndefined();
    expect(parts.store.posted.get(support, placeholder.ts)).toMatchObject({ state: 'final', kind: 'notice' });
    expect(streams.opened).toHaveLength(0);
  });

  it('says which procedure Fin does not have', async () => {
    await start({ bridge: { channelProcedures: new Map([[support, 'nope-9']]) } });
    parts.fin.onTurn(() => ({
      status: 404,
      body: { type: 'error.list', errors: [{ code: 'not_found', message: 'Procedure not found' }] },
    }));
    const { ts, message } = ask(mention(parts, 'run it'));
    turns.accept(message, undefined);
    const notice = await waitFor(() => parts.slack.botReplies(support, ts).find((m) => m.text !== PLACEHOLDER));
    expect(notice.text).toBe(':warning: Fin has no procedure `nope-9`. Please check the procedure id.');
  });

  it('sends the message as a reply when Fin already has the conversation', async () => {
    await start();
    const { ts, message } = ask(mention(parts, 'how do I reset my password?'));
    // An earlier attempt got through to Fin, but its answer was lost.
    parts.fin.knowConversation(conversationIdFor(parts.slack.teamId, support, ts));
    turns.accept(message, undefined);
    const { turnId } = await opened(1);
    expect(parts.fin.calls.map((c) => c.kind)).toEqual(['start', 'reply']);
    expect(parts.fin.calls[1]?.body.message?.timestamp).toBe(parts.fin.calls[0]?.body.message?.timestamp);
    expect(parts.store.turns.get(turnId)?.kind).toBe('reply');
  });

  it('tells the person Fin reads only the start of a very long message, before the placeholder of its answer', async () => {
    await start();
    const long = `${'word '.repeat(2_500)}end`;
    const { ts, message } = ask(mention(parts, long));
    turns.accept(message, undefined);
    await opened(1);
    expect(parts.slack.botReplies(support, ts).map((m) => m.text)).toEqual([longMessageNotice(MAX_BODY_CHARS), PLACEHOLDER]);
    const body = parts.fin.calls[0]?.body.message?.body ?? '';
    expect(body.length).toBeLessThanOrEqual(MAX_BODY_CHARS);
    expect(body.endsWith('…')).toBe(true);
  });

  it('does not ask Fin where the app cannot post, and tells the person privately', async () => {
    await start();
    parts.slack.fail('chat.postMessage', { error: 'not_in_channel' });
    const { ts, message } = ask(mention(parts, 'how do I reset my password?'));
    turns.accept(message, undefined);
    await waitFor(() => parts.slack.ephemerals.length > 0, { what: 'the person to be told' });
    expect(parts.slack.ephemerals).toEqual([{ channel: support, user: alice, text: cannotPostText(support, 'channel') }]);
    await parts.ctx.idle();
    expect(parts.fin.calls).toHaveLength(0);
    const conv = conversationOf(ts);
    expect(parts.store.turns.active(conv.id)).toBeUndefined();
  });

  describe('after a restart', () => {
    /** What a process that died left in the store, written with the store's own code. */
    const leftBehind = (input: { ts: string; channel: string; user: string; text: string; state: 'pending' | 'open' }) => {
      const { store, ctx, slack } = parts;
      const now = ctx.now();
      const conv = store.conversations.ensure(
        {
          teamId: slack.teamId,
          channelId: input.channel,
          threadTs: input.ts,
          channelType: input.channel.startsWith('D') ? 'im' : 'channel',
        },
        now,
      );
      store.inbound.claim(
        { teamId: slack.teamId, channelId: input.channel, ts: input.ts, conversationId: conv.id, userId: input.user, text: input.text },
        now,
      );
      const turn = store.turns.create(
        { conversationId: conv.id, kind: 'start', userId: input.user, messageTimestamp: slackTsToIso(input.ts) },
        now,
      );
      store.inbound.assign(turn.id, store.inbound.queued(conv.id));
      if (input.state === 'open') {
        store.turns.markOpen(turn.id);
        store.conversations.markStarted(conv.id, undefined, now);
      }
      return { conv, turn };
    };

    /** A question in #support whose turn a previous process left open, with the placeholder it posted and recorded. */
    const leftOpen = () => {
      const root = parts.slack.userMessage({ user: alice, channel: support, text: mention(parts, 'q') });
      const open = leftBehind({ ts: root.ts, channel: support, user: alice, text: mention(parts, 'q'), state: 'open' });
      const placeholder = parts.slack.appMessage({ channel: support, threadTs: root.ts, text: PLACEHOLDER });
      parts.store.turns.setPlaceholder(open.turn.id, placeholder.ts);
      parts.store.posted.add(
        {
          channelId: support,
          ts: placeholder.ts,
          conversationId: open.conv.id,
          turnId: open.turn.id,
          kind: 'placeholder',
          state: 'waiting',
        },
        parts.ctx.now(),
      );
      return { open, placeholder };
    };

    it('resends a turn Fin may not have, reusing the placeholder the process posted before it died', async () => {
      await start();
      const root = parts.slack.userMessage({ user: alice, channel: support, text: mention(parts, 'how do I reset my password?') });
      const { conv, turn } = leftBehind({
        ts: root.ts,
        channel: support,
        user: alice,
        text: mention(parts, 'how do I reset my password?'),
        state: 'pending',
      });
      // Posted twice by attempts that never heard Slack's answer.
      parts.slack.appMessage({ channel: support, threadTs: root.ts, text: PLACEHOLDER });
      const kept = parts.slack.appMessage({ channel: support, threadTs: root.ts, text: PLACEHOLDER });

      turns.recover();
      const stream = await opened(1);
      expect(stream).toMatchObject({ conversationId: conv.id, turnId: turn.id });
      expect(parts.slack.botReplies(support, root.ts).map((m) => m.ts)).toEqual([kept.ts]);
      expect(parts.store.turns.get(turn.id)?.placeholderTs).toBe(kept.ts);
      expect(parts.store.posted.get(support, kept.ts)).toMatchObject({ kind: 'placeholder', state: 'waiting', turnId: turn.id });
      expect(parts.fin.calls.map((c) => c.body.message?.body)).toEqual(['how do I reset my password?']);
    });

    it('ends a turn left open when no webhooks will bring its answer, and sends the messages that were waiting', async () => {
      await start();
      const { open, placeholder } = leftOpen();
      // A direct message that was recorded, and waits for its turn.
      const waiting = parts.slack.userMessage({ user: alice, channel: dm, text: 'hello' });
      const conv = parts.store.conversations.ensure(
        { teamId: parts.slack.teamId, channelId: dm, threadTs: waiting.ts, channelType: 'im' },
        0,
      );
      parts.store.inbound.claim(
        { teamId: parts.slack.teamId, channelId: dm, ts: waiting.ts, conversationId: conv.id, userId: alice, text: 'hello' },
        0,
      );

      turns.recover();
      const stream = await opened(1);
      expect(stream.conversationId).toBe(conv.id);
      expect(parts.fin.calls.map((c) => c.body.message?.body)).toEqual(['hello']);
      await waitFor(() => parts.store.turns.get(open.turn.id)?.state === 'failed', { what: 'the open turn to end' });
      expect(shown(support, placeholder.ts)).toBe(STREAM_LOST_TEXT);
    });

    it('keeps waiting for a turn left open when webhooks will bring its answer, within the reply timeout', async () => {
      await start({ bridge: { webhooksEnabled: true, replyTimeoutMs: 100 } });
      const { open, placeholder } = leftOpen();

      turns.recover();
      await waitFor(() => shown(support, placeholder.ts) === TIMED_OUT_NOTICE, { what: 'the notice that Fin is slow' });
      expect(parts.store.turns.get(open.turn.id)?.state).toBe('overdue');
      expect(parts.fin.calls).toHaveLength(0);
    });
  });

  it('once stopped, starts no turn and lets no timer fire', async () => {
    await start({ bridge: { replyTimeoutMs: 150 } });
    // Stopped the moment its turn's stream is to be opened, right after the reply timeout was armed: the timeout cannot
    // have fired yet, however slow the machine.
    extra.push(turns);
    const stopping: StreamOpener = {
      openStream: (conversationId, turnId, url) => {
        streams.openStream(conversationId, turnId, url);
        turns.stop();
      },
    };
    turns = new Turns(parts.ctx, view, stopping);
    const first = ask(mention(parts, 'how do I reset my password?'));
    turns.accept(first.message, undefined);
    const { turnId } = await opened(1);
    const placeholderTs = parts.store.turns.get(turnId)?.placeholderTs ?? '';

    // Still recorded (Slack gets its acknowledgement), but not sent.
    const later = ask(mention(parts, 'and my plans?'));
    expect(turns.accept(later.message, later.eventId)).toBe('accepted');
    await parts.ctx.idle();
    expect(parts.slack.botReplies(support, later.ts)).toEqual([]);
    expect(parts.fin.calls).toHaveLength(1);

    // Another turn-taking on the same conversations' order, whose turn started after the stopped one's: by the time its
    // timeout has fired, the stopped one's would have too.
    const control = new Turns(parts.ctx, view, streams);
    extra.push(control);
    const other = ask(mention(parts, 'where is my order?'), { channel: dm });
    control.accept(other.message, undefined);
    const controlStream = await opened(2);
    const controlPlaceholder = parts.store.turns.get(controlStream.turnId)?.placeholderTs ?? '';
    await waitFor(() => shown(dm, controlPlaceholder) === TIMED_OUT_NOTICE, { what: 'the control turn’s notice' });
    await parts.ctx.idle();
    expect(shown(support, placeholderTs)).toBe(PLACEHOLDER);
    expect(parts.store.turns.get(turnId)?.state).toBe('open');
  });
});
