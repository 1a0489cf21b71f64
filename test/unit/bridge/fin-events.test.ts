import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ESCALATED_NOTICE, ESCALATED_REACTION, PLACEHOLDER, streamingText, TIMED_OUT_NOTICE } from '../../../src/bridge/copy.ts';
import { FinEvents } from '../../../src/bridge/fin-events.ts';
import { ThreadView } from '../../../src/bridge/thread-view.ts';
import { HandOff } from '../../../src/handoff/handoff.ts';
import { HELD_REPLY_HEADER } from '../../../src/handoff/copy.ts';
import { slackTsToIso } from '../../../src/slack/timestamps.ts';
import {
  type BridgeParts,
  type BridgePartsOptions,
  finEvent,
  openTurn,
  PEOPLE,
  RecordedQuestions,
  RecordedRatings,
  RecordedSignals,
  say,
  startBridgeParts,
} from '../../helpers/bridge-parts.ts';
import { shownText } from '../../helpers/shown.ts';
import { waitFor } from '../../helpers/wait.ts';

const { alice, support, agents } = PEOPLE;

/**
 * The one pipeline for Fin's events, with the real thread view and hand-off against the fake Slack, the Fin simulator
 * (for streams) and an in-memory store. Its port to the turn-taking records what it is told.
 */
describe('FinEvents', () => {
  let parts: BridgeParts;
  let view: ThreadView;
  let signals: RecordedSignals;
  let ratings: RecordedRatings;
  let questions: RecordedQuestions;
  let events: FinEvents;
  const restarted: FinEvents[] = [];

  const start = async (options: BridgePartsOptions = {}) => {
    parts = await startBridgeParts(options);
    view = new ThreadView(parts.ctx);
    signals = new RecordedSignals();
    ratings = new RecordedRatings();
    questions = new RecordedQuestions(['slack-ask-T1-q1']);
    events = new FinEvents(parts.ctx, view, new HandOff(parts.ctx), signals, ratings, questions);
  };
  const shown = (ts: string) => parts.slack.message(support, ts)?.text;
  const thread = (threadTs: string) => parts.slack.botReplies(support, threadTs).map((m) => m.text);
  const agentsPosts = () => parts.slack.messages.filter((m) => m.channel === agents && m.threadTs === undefined && !m.deleted);

  beforeEach(async () => {
    await start();
  });
  afterEach(async () => {
    for (const e of [events, ...restarted.splice(0)]) e.stop();
    await view.closeAll();
    await parts.ctx.idle();
    // No work on a conversation failed unexpectedly (a failure is logged, not thrown).
    const failed = parts.logged('conversation task failed');
    await parts.close();
    expect(failed).toEqual([]);
  });

  describe('what it takes', () => {
    it('refuses what is not a Fin event, and ignores events it does not know', async () => {
      const { conv } = await openTurn(parts);
      const outcomes = [
        events.accept('not an object', 'webhook'),
        events.accept({ conversation_id: conv.id }, 'webhook'),
        events.accept({ event_name: 'fin_replied', conversation_id: conv.id, message: { id: 'm1' } }, 'webhook'),
        events.accept(
          { event_name: 'fin_reply_chunk', conversation_id: conv.id, stream_id: 's1', chunk_index: -1, chunk_text: 'x' },
          'sse',
        ),
      ];
      expect(outcomes.map((o) => o.kind)).toEqual(['invalid', 'invalid', 'invalid', 'invalid']);
      expect(events.accept({ event_name: 'fin_typing', conversation_id: conv.id }, 'sse').kind).toBe('ignored');
      await Promise.all(outcomes.map((o) => o.processed));
      expect(parts.store.finEvents.pending()).toEqual([]);
      expect(parts.logged('ignoring a malformed Fin event')).toHaveLength(4);
    });

    it('hands the events of a private question to the private answers, which have no thread to show them in', async () => {
      const answered = events.accept(finEvent.replied('slack-ask-T1-q1', { id: 'm1', body: '<p>Yes.</p>' }), 'webhook');
      const chunk = events.accept(finEvent.chunk('slack-ask-T1-q1', 's1', 0, 'Ye'), 'sse');
      expect([answered.kind, chunk.kind]).toEqual(['accepted', 'accepted']);
      expect(questions.events).toEqual([
        { conversationId: 'slack-ask-T1-q1', eventName: 'fin_replied', source: 'webhook' },
        { conversationId: 'slack-ask-T1-q1', eventName: 'fin_reply_chunk', source: 'sse' },
      ]);
      // Nothing of it lands in the thread pipeline's own records.
      expect(parts.store.finEvents.pending()).toEqual([]);
    });

    it('drops events of conversations it does not know, older than the retention window, or on another conversation’s stream', async () => {
      const { conv, placeholderTs } = await openTurn(parts);
      const unknown = events.accept(finEvent.replied('slack-T0TEST-C0-1700000000.000001', { id: 'm0', body: '<p>Hi</p>' }), 'webhook');
      expect(unknown.kind).toBe('unknown_conversation');

      const old = parts.ctx.now() - parts.ctx.retentionMs - 60_000;
      expect(events.accept(finEvent.replied(conv.id, { id: 'm-old', body: '<p>Old</p>', createdAt: old }), 'webhook').kind).toBe('stale');
      expect(events.accept(finEvent.status(conv.id, 'escalated', { createdAt: old }), 'webhook').kind).toBe('stale');
      expect(events.accept(finEvent.chunk('slack-T0TEST-C0-1700000000.000001', 's1', 0, 'Hi'), 'sse').kind).toBe('unknown_conversation');

      const other = await openTurn(parts, { text: `<@${parts.slack.botUserId}> another question` });
      const crossed = events.accept(finEvent.replied(other.conv.id, { id: 'm-x', body: '<p>Not yours</p>' }), 'sse', {
        conversationId: conv.id,
      });
      expect(crossed.kind).toBe('ignored');

      await parts.ctx.idle();
      expect(parts.store.finEvents.pending()).toEqual([]);
      expect(shown(placeholderTs)).toBe(PLACEHOLDER);
      expect(shown(other.placeholderTs)).toBe(PLACEHOLDER);
      expect(signals.ends).toEqual([]);
    });
  });

  describe('replies', () => {
    it('records a reply before it returns, shows it in place of the placeholder, and tells the turn-taking Fin is done', async () => {
      const { conv, placeholderTs } = await openTurn(parts);
      const accepted = events.accept(finEvent.replied(conv.id, { id: 'm1', body: '<p>Go to <b>Settings</b>.</p>' }), 'webhook');
      expect(accepted.kind).toBe('accepted');
      expect(parts.store.finEvents.pending().map((e) => e.dedupeKey)).toEqual(['reply:m1']);

      await accepted.processed;
      expect(shown(placeholderTs)).toBe('Go to *Settings*.');
      expect(parts.store.posted.get(support, placeholderTs)).toMatchObject({ kind: 'reply', state: 'final', finMessageId: 'm1' });
      expect(signals.ends).toEqual([{ conversationId: conv.id, reason: 'fin_replied' }]);
      expect(parts.store.finEvents.isPending('reply:m1')).toBe(false);
    });

    it('shows a reply once, whichever way it comes and however often', async () => {
      const { conv } = await openTurn(parts);
      const reply = finEvent.replied(conv.id, { id: 'm1', body: '<p>Go to Settings.</p>', streamId: 's1' });
      const first = events.accept(reply, 'sse', { conversationId: conv.id });
      expect(events.accept(reply, 'webhook').kind).toBe('duplicate');
      await first.processed;
      expect(events.accept(reply, 'webhook').kind).toBe('duplicate');
      await parts.ctx.idle();
      expect(thread(conv.threadTs)).toEqual(['Go to Settings.']);
      expect(signals.ends).toHaveLength(1);
    });

    it('ends the turn on the status when the replies say Fin is still replying, each later part a message of its own', async () => {
      const { conv, placeholderTs } = await openTurn(parts);
      await events.accept(finEvent.replied(conv.id, { id: 'm1', body: '<p>First.</p>', status: 'replying' }), 'sse').processed;
      await events.accept(finEvent.replied(conv.id, { id: 'm2', body: '<p>Second.</p>', status: 'replying' }), 'sse').processed;
      expect(signals.ends).toEqual([]);
      expect(shown(placeholderTs)).toBe('First.');
      expect(thread(conv.threadTs)).toEqual(['First.', 'Second.']);

      // A status without Fin's time is keyed by what it says: a replay of it is recognised.
      const done = finEvent.status(conv.id, 'awaiting_user_reply', { createdAt: null });
      await events.accept(done, 'sse').processed;
      expect(events.accept(done, 'webhook').kind).toBe('duplicate');
      expect(signals.ends).toEqual([{ conversationId: conv.id, reason: 'awaiting_user_reply' }]);
      expect(parts.store.conversations.get(conv.id)?.finStatus).toBe('awaiting_user_reply');
      // Statuses that change nothing in the thread.
      await events.accept(finEvent.status(conv.id, 'thinking'), 'sse').processed;
      await events.accept(finEvent.status(conv.id, 'pondering'), 'sse').processed;
      expect(signals.ends).toHaveLength(1);
      expect(parts.logged('ignoring an unknown Fin status')).toHaveLength(1);
    });

    it('replaces the notice of a turn given up waiting with the late answer', async () => {
      const { conv, turn, placeholderTs } = await openTurn(parts);
      // What the turn-taking leaves when the reply timeout passed and the person wrote again.
      await view.settle(conv, turn.id, { kind: 'notice', text: TIMED_OUT_NOTICE, final: false });
      parts.store.turns.end(turn.id, 'abandoned', 'user_wrote_again', parts.ctx.now());
      expect(shown(placeholderTs)).toBe(TIMED_OUT_NOTICE);

      await events.accept(finEvent.replied(conv.id, { id: 'm-late', body: '<p>Sorry for the wait.</p>' }), 'webhook').processed;
      expect(shown(placeholderTs)).toBe('Sorry for the wait.');
      expect(thread(conv.threadTs)).toHaveLength(1);
    });

    it('leaves a reply with no text unshown, and still ends the turn', async () => {
      const { conv, placeholderTs } = await openTurn(parts);
      await events.accept(finEvent.replied(conv.id, { id: 'm-empty', body: '<p></p>' }), 'webhook').processed;
      expect(shown(placeholderTs)).toBe(PLACEHOLDER);
      expect(parts.logged('Fin sent a reply with no text')).toHaveLength(1);
      expect(signals.ends).toEqual([{ conversationId: conv.id, reason: 'fin_replied' }]);
    });

    it('tries a reply again when Slack fails to show it, until it is shown', async () => {
      const { conv, placeholderTs } = await openTurn(parts);
      parts.slack.fail('chat.update', { error: 'internal_error', times: 2 });
      const accepted = events.accept(finEvent.replied(conv.id, { id: 'm1', body: '<p>Go to Settings.</p>' }), 'webhook');
      await accepted.processed; // settles after the first attempt, failed or not
      await waitFor(() => shown(placeholderTs) === 'Go to Settings.', { what: 'the answer, after two failures' });
      await waitFor(() => !parts.store.finEvents.isPending('reply:m1'), { what: 'the event to be done' });
      expect(parts.logged('could not act on a Fin event').map((r) => r.attempt)).toEqual([1, 2]);
      expect(thread(conv.threadTs)).toEqual(['Go to Settings.']);
      expect(signals.ends).toHaveLength(1);
    });
  });

  describe('streamed chunks', () => {
    it('shows chunks by stream and index, and the final reply replaces the text its stream showed', async () => {
      const { conv, placeholderTs } = await openTurn(parts);
      const first = events.accept(finEvent.chunk(conv.id, 's1', 0, 'Go'), 'sse', { conversationId: conv.id });
      expect(first.kind).toBe('accepted');
      await first.processed;
      await waitFor(() => shown(placeholderTs) === streamingText('Go'), { what: 'the first chunk' });

      // Chunks of a stream already showing go straight to its message.
      expect(events.accept(finEvent.chunk(conv.id, 's1', 2, 'Go to Settings and'), 'sse').kind).toBe('accepted');
      events.accept(finEvent.chunk(conv.id, 's1', 1, 'Go to'), 'sse'); // late: an older index
      await waitFor(() => shown(placeholderTs) === streamingText('Go to Settings and'), { what: 'the newest chunk' });
      // What it showed is kept (once Slack has answered the edit), to be shown again after a restart.
      await waitFor(() => parts.store.posted.get(support, placeholderTs)?.streamedText === 'Go to Settings and', { what: 'the kept text' });

      // A second stream in the same turn is a message of its own.
      await events.accept(finEvent.chunk(conv.id, 's2', 0, 'Also'), 'sse').processed;
      expect(thread(conv.threadTs)).toEqual([streamingText('Go to Settings and'), streamingText('Also')]);

      await events.accept(
        finEvent.replied(conv.id, { id: 'm1', body: '<p>Go to <b>Settings</b> and choose Reset.</p>', streamId: 's1', status: 'replying' }),
        'sse',
      ).processed;
      await events.accept(finEvent.replied(conv.id, { id: 'm2', body: '<p>Also, check your email.</p>', streamId: 's2' }), 'sse').processed;
      expect(thread(conv.threadTs)).toEqual(['Go to *Settings* and choose Reset.', 'Also, check your email.']);
      expect(signals.ends).toEqual([{ conversationId: conv.id, reason: 'fin_replied' }]);
    });

    it('replaces the streamed text with a final reply that comes without its stream id', async () => {
      const { conv, placeholderTs } = await openTurn(parts);
      await events.accept(finEvent.chunk(conv.id, 's1', 0, 'Go to'), 'sse').processed;
      await events.accept(finEvent.replied(conv.id, { id: 'm1', body: '<p>Go to Settings.</p>' }), 'webhook').processed;
      expect(shown(placeholderTs)).toBe('Go to Settings.');
      expect(thread(conv.threadTs)).toHaveLength(1);
    });

    it('never shows a second answer: chunks after the reply, or after the turn, change nothing', async () => {
      const { conv, turn, placeholderTs } = await openTurn(parts);
      // The reply overtook its own chunks (webhooks and SSE race).
      await events.accept(finEvent.replied(conv.id, { id: 'm1', body: '<p>Go to Settings.</p>', streamId: 's1' }), 'webhook').processed;
      const writes = parts.slack.calls.length;
      for (const [i, text] of ['Go', 'Go to', 'Go to Settings'].entries()) {
        await events.accept(finEvent.chunk(conv.id, 's1', i, text), 'sse').processed;
      }
      // The turn is over; a stream Fin starts afterwards shows nothing either.
      parts.store.turns.end(turn.id, 'done', 'fin_replied', parts.ctx.now());
      await events.accept(finEvent.chunk(conv.id, 's9', 0, 'Anything else?'), 'sse').processed;
      await parts.ctx.idle();
      expect(parts.slack.calls.length).toBe(writes);
      expect(shown(placeholderTs)).toBe('Go to Settings.');
      expect(thread(conv.threadTs)).toEqual(['Go to Settings.']);
    });
  });

  describe('requests for a rating', () => {
    it('passes a request on once, whichever way it comes, and leaves the thread and the turn alone', async () => {
      const { conv, placeholderTs } = await openTurn(parts);
      const request = finEvent.csat(conv.id);
      const first = events.accept(request, 'sse', { conversationId: conv.id });
      expect(first.kind).toBe('accepted');
      expect(events.accept(request, 'webhook').kind).toBe('duplicate');
      await first.processed;
      expect(ratings.requests).toEqual([
        { conversationId: conv.id, dedupeKey: `csat:${conv.id}:${String(request.created_at_ms)}`, ratings: ['bad', 'ok', 'good'] },
      ]);
      expect(signals.ends).toEqual([]);
      expect(shown(placeholderTs)).toBe(PLACEHOLDER);
      // A request Fin cannot mean (a rating offered twice) is refused before anything is recorded.
      const repeated = {
        ...request,
        csat: {
          options: [
            { key: 'ok', emoji: '😐', label: 'OK' },
            { key: 'ok', emoji: '😐', label: 'OK' },
          ],
        },
      };
      expect(events.accept(repeated, 'webhook').kind).toBe('invalid');
    });
  });

  describe('escalations', () => {
    it('tells the thread, ends the turn, posts for the agents, and gives the thread to people', async () => {
      const { conv, placeholderTs } = await openTurn(parts);
      await events.accept(finEvent.status(conv.id, 'escalated', { reason: 'Customer asked for a person' }), 'webhook').processed;
      expect(shown(placeholderTs)).toBe(ESCALATED_NOTICE);
      expect(signals.ends).toEqual([{ conversationId: conv.id, reason: 'escalated' }]);
      expect(parts.store.conversations.get(conv.id)?.owner).toBe('human');
      const [post] = agentsPosts();
      expect(shownText(post)).toContain('Customer asked for a person');
      expect(parts.store.escalations.active(conv.id)?.agentTs).toBe(post?.ts);

      // Fin says it again: the agents' post is brought up to date, the thread hears nothing more.
      await events.accept(finEvent.status(conv.id, 'escalated', { reason: 'Customer asked for a person' }), 'webhook').processed;
      expect(agentsPosts()).toHaveLength(1);
      expect(thread(conv.threadTs).filter((t) => t === ESCALATED_NOTICE)).toHaveLength(1);
    });

    it('marks Fin’s own hand-off reply instead of saying it again', async () => {
      const { conv, placeholderTs } = await openTurn(parts);
      await events.accept(finEvent.replied(conv.id, { id: 'm1', body: '<p>I’m passing you to our support team now.</p>' }), 'webhook')
        .processed;
      await events.accept(finEvent.status(conv.id, 'escalated'), 'webhook').processed;
      expect(parts.slack.message(support, placeholderTs)?.reactions).toEqual([ESCALATED_REACTION]);
      expect(thread(conv.threadTs)).toEqual(['I’m passing you to our support team now.']);
      expect(agentsPosts()).toHaveLength(1);
    });

    it('still tells the customer when they wrote after Fin’s hand-off reply', async () => {
      const { conv, placeholderTs } = await openTurn(parts);
      await events.accept(finEvent.replied(conv.id, { id: 'm1', body: '<p>A teammate will follow up shortly.</p>' }), 'webhook').processed;
      const later = say(parts, { user: alice, channel: support, text: 'ok thanks', threadTs: conv.threadTs });
      parts.store.inbound.claim(
        { teamId: later.message.teamId, channelId: support, ts: later.ts, conversationId: conv.id, userId: alice, text: 'ok thanks' },
        parts.ctx.now(),
      );
      await events.accept(finEvent.status(conv.id, 'escalated'), 'webhook').processed;
      expect(parts.slack.message(support, placeholderTs)?.reactions).toBeUndefined();
      expect(thread(conv.threadTs)).toEqual(['A teammate will follow up shortly.', ESCALATED_NOTICE]);
    });

    it('shows Fin’s replies to the agents, not the customer, while people own the thread', async () => {
      const { conv } = await openTurn(parts);
      await events.accept(finEvent.status(conv.id, 'escalated'), 'webhook').processed;
      const before = thread(conv.threadTs);
      await events.accept(finEvent.replied(conv.id, { id: 'm-nudge', body: '<p>Are you still there?</p>' }), 'webhook').processed;
      expect(thread(conv.threadTs)).toEqual(before);
      const post = agentsPosts()[0];
      const underPost = parts.slack.thread(agents, post?.ts ?? '').filter((m) => m.ts !== post?.ts);
      expect(underPost.map((m) => m.text).join('\n')).toContain('Are you still there?');
      expect(underPost.map((m) => m.text).join('\n')).toContain(HELD_REPLY_HEADER);
    });

    it('ends the turn and marks the answer when Fin reports the conversation resolved', async () => {
      const { conv, placeholderTs } = await openTurn(parts);
      await events.accept(finEvent.replied(conv.id, { id: 'm1', body: '<p>Done.</p>', status: 'replying' }), 'webhook').processed;
      await events.accept(finEvent.status(conv.id, 'resolved'), 'webhook').processed;
      expect(signals.ends).toEqual([{ conversationId: conv.id, reason: 'resolved' }]);
      expect(parts.slack.message(support, placeholderTs)?.reactions).toEqual(['white_check_mark']);
      expect(parts.store.conversations.get(conv.id)?.finStatus).toBe('resolved');
    });
  });

  describe('after a restart', () => {
    it('acts on the events recorded before it, and sets aside what it cannot read', async () => {
      const { conv, placeholderTs } = await openTurn(parts);
      const reply = finEvent.replied(conv.id, { id: 'm1', body: '<p>Go to Settings.</p>' });
      parts.store.finEvents.record(
        { dedupeKey: 'reply:m1', conversationId: conv.id, source: 'webhook', payload: JSON.stringify(reply) },
        0,
      );
      parts.store.finEvents.record({ dedupeKey: 'odd', conversationId: conv.id, source: 'webhook', payload: '{"event_name":"odd"}' }, 0);
      const chunk = finEvent.chunk(conv.id, 's1', 0, 'Go');
      parts.store.finEvents.record({ dedupeKey: 'chunk', conversationId: conv.id, source: 'sse', payload: JSON.stringify(chunk) }, 0);

      const again = new FinEvents(parts.ctx, view, new HandOff(parts.ctx), signals, ratings, questions);
      restarted.push(again);
      again.recover();
      expect(parts.store.finEvents.isPending('odd')).toBe(false);
      expect(parts.store.finEvents.isPending('chunk')).toBe(false);
      await waitFor(() => !parts.store.finEvents.isPending('reply:m1'), { what: 'the recorded reply to be acted on' });
      expect(shown(placeholderTs)).toBe('Go to Settings.');
      expect(signals.ends).toEqual([{ conversationId: conv.id, reason: 'fin_replied' }]);
      // Arriving again (Fin's webhook retry), it is known.
      expect(again.accept(reply, 'webhook').kind).toBe('duplicate');
    });
  });

  describe('streams', () => {
    /** Fin takes the turn's message for real, and returns the URL of its stream. */
    const finStream = async (conversationId: string, ts: string) => {
      const response = await parts.ctx.fin.start({
        conversation_id: conversationId,
        message: { author: 'user', body: 'how do I reset my password?', timestamp: slackTsToIso(ts) },
        user: { id: alice },
      });
      const sim = await parts.fin.nextTurn();
      return { url: response.sse_subscription_url ?? '', sim };
    };

    it('acts on what a turn’s stream carries, for its own conversation only, and says when the stream ended', async () => {
      const { conv, turn, placeholderTs, ts } = await openTurn(parts);
      const { url, sim } = await finStream(conv.id, ts);
      events.openStream(conv.id, turn.id, url);
      expect(await sim.connected()).toBe(true);

      await sim.chunk('s1', 0, 'Go to');
      await waitFor(() => shown(placeholderTs) === streamingText('Go to'), { what: 'the chunk' });
      await sim.emit({
        event_name: 'fin_replied',
        conversation_id: 'slack-T0TEST-CSUPPORT-1700000000.000001',
        message: { id: 'm-x', body: '<p>Not yours</p>' },
      });
      await sim.reply('<p>Go to <b>Settings</b>.</p>', { streamId: 's1', messageId: 'm1' });

      await waitFor(() => signals.streamEnds.length === 1, { what: 'the end of the stream' });
      await parts.ctx.idle();
      expect(signals.streamEnds).toEqual([{ conversationId: conv.id, turnId: turn.id, end: expect.objectContaining({ reason: 'ended' }) }]);
      expect(shown(placeholderTs)).toBe('Go to *Settings*.');
      expect(signals.ends).toEqual([{ conversationId: conv.id, reason: 'fin_replied' }]);
      expect(parts.logged(/names another conversation/)).toHaveLength(1);
      expect(thread(conv.threadTs)).toEqual(['Go to *Settings*.']);
    });

    it('follows a stream of no turn (a person asked for) beside the turn’s own, which stays open', async () => {
      const { conv, turn, placeholderTs, ts } = await openTurn(parts);
      const own = await finStream(conv.id, ts);
      events.openStream(conv.id, turn.id, own.url);
      expect(await own.sim.connected()).toBe(true);
      // Fin holds the turn's stream open (a survey may follow) and reports the escalation on the stream it returned.
      const response = await parts.ctx.fin.reply({
        conversation_id: conv.id,
        message: { author: 'user', body: 'a person please', timestamp: new Date().toISOString() },
        user: { id: alice },
      });
      const escalation = await parts.fin.nextTurn();
      events.follow(conv.id, response.sse_subscription_url ?? '');
      expect(await escalation.connected()).toBe(true);
      await escalation.reply('<p>A person will be with you shortly.</p>', { messageId: 'm1', status: 'replying' });
      await escalation.status('escalated', 'Escalation requested by user');
      await waitFor(() => !parts.store.finEvents.isPending(`reply:m1`) && parts.store.conversations.get(conv.id)?.owner === 'human', {
        what: 'the events the followed stream carried to be acted on',
      });
      await parts.ctx.idle();
      expect(shown(placeholderTs)).toBe('A person will be with you shortly.');
      expect(own.sim.connectionsClosed()).toBe(false);
      escalation.revoke();
      await waitFor(() => escalation.connectionsClosed(), { what: 'the followed stream to end' });
      await parts.ctx.idle();
      // It was no turn's: the turn-taking hears of its end from no one.
      expect(signals.streamEnds).toEqual([]);
    });

    it('closes a turn’s stream when a newer one opens, and every stream when it stops', async () => {
      const { conv, turn, ts } = await openTurn(parts);
      const first = await finStream(conv.id, ts);
      events.openStream(conv.id, turn.id, first.url);
      expect(await first.sim.connected()).toBe(true);
      const response = await parts.ctx.fin.reply({
        conversation_id: conv.id,
        message: { author: 'user', body: 'and then?', timestamp: new Date().toISOString() },
        user: { id: alice },
      });
      const second = await parts.fin.nextTurn();
      events.openStream(conv.id, turn.id + 1, response.sse_subscription_url ?? '');
      expect(await second.connected()).toBe(true);
      await waitFor(() => signals.streamEnds.length === 1, { what: 'the first stream to close' });
      expect(signals.streamEnds[0]).toMatchObject({ turnId: turn.id, end: { reason: 'closed' } });

      events.stop();
      await waitFor(() => signals.streamEnds.length === 2, { what: 'the second stream to close' });
      expect(signals.streamEnds[1]).toMatchObject({ turnId: turn.id + 1, end: { reason: 'closed' } });
      // Stopped: an event is still recorded (for the next start) but not acted on.
      const reply = events.accept(finEvent.replied(conv.id, { id: 'm-after', body: '<p>After</p>' }), 'webhook');
      await reply.processed;
      expect(parts.store.finEvents.isPending('reply:m-after')).toBe(true);
      expect(signals.ends).toEqual([]);
    });
  });
});
