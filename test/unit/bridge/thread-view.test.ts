import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PLACEHOLDER, streamedText, streamingText, TIMED_OUT_NOTICE } from '../../../src/bridge/copy.ts';
import { ThreadView } from '../../../src/bridge/thread-view.ts';
import { type FinReplyChunk, finReplyChunkSchema } from '../../../src/fin/schemas.ts';
import { type BridgeParts, finEvent, openTurn, PEOPLE, startBridgeParts } from '../../helpers/bridge-parts.ts';
import { waitFor } from '../../helpers/wait.ts';

const { support } = PEOPLE;

const chunk = (conversationId: string, streamId: string, index: number, text: string): FinReplyChunk =>
  finReplyChunkSchema.parse(finEvent.chunk(conversationId, streamId, index, text));

/** The thread's view against the fake Slack and an in-memory store: what people see, and what the store keeps of it. */
describe('ThreadView', () => {
  let parts: BridgeParts;
  let view: ThreadView;

  const start = async (options: Parameters<typeof startBridgeParts>[0] = {}) => {
    parts = await startBridgeParts(options);
    view = new ThreadView(parts.ctx);
  };
  const shown = (ts: string) => parts.slack.message(support, ts);
  const delivered = async () => (await parts.metrics.repliesDelivered.get()).values[0]?.value ?? 0;

  afterEach(async () => {
    await view.closeAll();
    await parts.ctx.idle();
    await parts.close();
  });

  describe('in edit mode', () => {
    beforeEach(async () => {
      await start();
    });

    it('knows the placeholder of a turn while it waits for Fin, and no longer once it shows Fin’s words', async () => {
      const { conv, turn, placeholderTs } = await openTurn(parts);
      expect(shown(placeholderTs)?.text).toBe(PLACEHOLDER);
      expect(view.waitingPlaceholder(turn.id)?.ts).toBe(placeholderTs);

      await view.streamChunk(conv, turn, chunk(conv.id, 's1', 0, 'Go to'));
      expect(view.waitingPlaceholder(turn.id)).toBeUndefined();
      expect(parts.store.posted.get(support, placeholderTs)).toMatchObject({ state: 'streaming', streamId: 's1' });
    });

    it('streams cumulative chunks into the placeholder, newest text first, escaped and with the typing marker', async () => {
      const { conv, turn, placeholderTs } = await openTurn(parts);
      expect(view.offerLive(conv.id, 's1', 0, 'Go to')).toBe(false); // nothing streams yet

      await view.streamChunk(conv, turn, chunk(conv.id, 's1', 0, 'Go to'));
      await waitFor(() => shown(placeholderTs)?.text === streamingText('Go to'), { what: 'the first chunk' });

      expect(view.offerLive(conv.id, 's1', 1, 'Go to Settings & then')).toBe(true);
      await waitFor(() => shown(placeholderTs)?.text === 'Go to Settings &amp; then :writing_hand:', { what: 'the second chunk' });
      // An older chunk arriving late never takes the text back.
      view.offerLive(conv.id, 's1', 0, 'Go to');
      // A chunk of another conversation's stream with the same id is not this one's.
      expect(view.offerLive('another-conversation', 's1', 2, 'Elsewhere')).toBe(false);
      await view.endStream(conv.id, 's1');
      expect(shown(placeholderTs)?.text).toBe('Go to Settings &amp; then :writing_hand:');
      expect(parts.store.posted.get(support, placeholderTs)?.streamedText).toBe('Go to Settings & then');
      // Ended: chunks no longer go to a live message.
      expect(view.offerLive(conv.id, 's1', 3, 'Go to Settings & then more')).toBe(false);
    });

    it('streams a further reply part as a message of its own once the placeholder shows the first', async () => {
      const { conv, turn, placeholderTs } = await openTurn(parts);
      const placeholder = view.waitingPlaceholder(turn.id);
      await view.show(conv, placeholder, 'First part.', { kind: 'reply', turnId: turn.id, finMessageId: 'm1' });
      expect(shown(placeholderTs)?.text).toBe('First part.');

      await view.streamChunk(conv, turn, chunk(conv.id, 's2', 0, 'And another'));
      const replies = parts.slack.botReplies(support, conv.threadTs);
      expect(replies.map((m) => m.text)).toEqual(['First part.', streamingText('And another')]);
      const second = replies[1];
      expect(parts.store.posted.get(support, second?.ts ?? '')).toMatchObject({
        kind: 'reply',
        state: 'streaming',
        streamId: 's2',
        turnId: turn.id,
        streamedText: 'And another',
      });
      // The part already shows its first chunk: the next edit shows the next one.
      expect(view.offerLive(conv.id, 's2', 1, 'And another thing')).toBe(true);
      await waitFor(() => replies[1]?.text === streamingText('And another thing'), { what: 'the second part’s next chunk' });
    });

    it('drops chunks of a stream whose answer is final, or that belongs to an earlier turn', async () => {
      const first = await openTurn(parts);
      await view.streamChunk(first.conv, first.turn, chunk(first.conv.id, 's1', 0, 'Go to'));
      await waitFor(() => shown(first.placeholderTs)?.text === streamingText('Go to'));
      // The earlier turn ended with its text left streaming (no final answer came).
      await view.endStream(first.conv.id, 's1');
      parts.store.turns.end(first.turn.id, 'failed', 'test', parts.ctx.now());
      const second = await openTurn(parts, { threadTs: first.conv.threadTs, text: 'and then?' });
      const before = parts.slack.calls.length;

      await view.streamChunk(second.conv, second.turn, chunk(second.conv.id, 's1', 5, 'A late chunk of the earlier turn'));
      expect(view.offerLive(second.conv.id, 's1', 6, 'still late')).toBe(false);
      expect(parts.slack.calls.length).toBe(before);

      // A final answer claims its stream: a chunk of it afterwards changes nothing either.
      const waiting = view.waitingPlaceholder(second.turn.id);
      await view.show(second.conv, waiting, 'Done.', { kind: 'reply', turnId: second.turn.id, finMessageId: 'm2', streamId: 's2' });
      const afterFinal = parts.slack.calls.length;
      await view.streamChunk(second.conv, second.turn, chunk(second.conv.id, 's2', 0, 'Do'));
      expect(parts.slack.calls.length).toBe(afterFinal);
      expect(shown(second.placeholderTs)?.text).toBe('Done.');
    });

    it('replaces the streamed text with the final answer, and delivers an answer once however often it is shown', async () => {
      const { conv, turn, placeholderTs } = await openTurn(parts);
      await view.streamChunk(conv, turn, chunk(conv.id, 's1', 0, 'Go to Settings'));
      await view.endStream(conv.id, 's1');
      const target = parts.store.posted.byStream(conv.id, 's1');

      await view.show(conv, target, 'Go to *Settings*.', { kind: 'reply', turnId: turn.id, finMessageId: 'm1', streamId: 's1' });
      expect(shown(placeholderTs)?.text).toBe('Go to *Settings*.');
      expect(parts.store.posted.get(support, placeholderTs)).toMatchObject({ kind: 'reply', state: 'final', finMessageId: 'm1' });
      expect(parts.store.posted.unfinishedOfTurn(turn.id)).toEqual([]);
      expect(await delivered()).toBe(1);

      // The same answer again (by webhook after SSE, or after a restart): nothing new in the thread.
      await view.show(conv, undefined, 'Go to *Settings*.', { kind: 'reply', turnId: turn.id, finMessageId: 'm1' });
      expect(parts.slack.botReplies(support, conv.threadTs).map((m) => m.text)).toEqual(['Go to *Settings*.']);
      expect(await delivered()).toBe(1);
    });

    it('posts a notice as a new message, and a long answer as several, each recorded', async () => {
      const { conv, turn, placeholderTs } = await openTurn(parts);
      await view.show(conv, undefined, 'A notice.', { kind: 'notice', turnId: turn.id });
      const notice = parts.slack.botReplies(support, conv.threadTs).at(-1);
      expect(notice?.text).toBe('A notice.');
      expect(parts.store.posted.get(support, notice?.ts ?? '')).toMatchObject({ kind: 'notice', state: 'final', turnId: turn.id });
      // A notice is no answer.
      expect(await delivered()).toBe(0);

      const long = Array.from({ length: 3 }, (_, i) => `Part ${i + 1} ${'word '.repeat(600)}`.trim()).join('\n\n');
      await view.show(conv, view.waitingPlaceholder(turn.id), long, { kind: 'reply', turnId: turn.id, finMessageId: 'm-long' });
      const texts = parts.slack.botReplies(support, conv.threadTs).map((m) => /^Part (\d)|^A notice/.exec(m.text)?.[0]);
      expect(texts).toEqual(['Part 1', 'A notice', 'Part 2', 'Part 3']);
      expect(shown(placeholderTs)?.text.startsWith('Part 1')).toBe(true);
      const recorded = parts.slack.botReplies(support, conv.threadTs).map((m) => parts.store.posted.get(support, m.ts));
      expect(recorded.map((p) => p?.state)).toEqual(['final', 'final', 'final', 'final']);
      expect(recorded[0]?.finMessageId).toBe('m-long');
      expect(await delivered()).toBe(1);
    });

    it('posts the answer anew when someone deleted the placeholder, and lets the placeholder go', async () => {
      const { conv, turn, placeholderTs } = await openTurn(parts);
      const placeholder = shown(placeholderTs);
      if (placeholder !== undefined) placeholder.deleted = true;
      await view.show(conv, view.waitingPlaceholder(turn.id), 'The answer.', { kind: 'reply', turnId: turn.id, finMessageId: 'm1' });
      expect(parts.slack.botReplies(support, conv.threadTs).map((m) => m.text)).toEqual(['The answer.']);
      expect(parts.store.posted.get(support, placeholderTs)?.state).toBe('final');
      expect(view.waitingPlaceholder(turn.id)).toBeUndefined();
    });

    it('settles a turn Fin is done with: a placeholder that got nothing goes, streamed text stays without the marker', async () => {
      const quiet = await openTurn(parts);
      await view.settle(quiet.conv, quiet.turn.id, { kind: 'done' });
      expect(shown(quiet.placeholderTs)?.deleted).toBe(true);
      expect(parts.store.posted.unfinishedOfTurn(quiet.turn.id)).toEqual([]);

      parts.store.turns.end(quiet.turn.id, 'done', 'test', parts.ctx.now());
      const streamed = await openTurn(parts, { threadTs: quiet.conv.threadTs, text: 'and then?' });
      await view.streamChunk(streamed.conv, streamed.turn, chunk(streamed.conv.id, 's1', 0, 'Partial <answer>'));
      await view.settle(streamed.conv, streamed.turn.id, { kind: 'done' });
      expect(shown(streamed.placeholderTs)?.text).toBe(streamedText('Partial <answer>'));
      expect(shown(streamed.placeholderTs)?.text).not.toContain(':writing_hand:');
      // Left streaming, so a final answer arriving late (by webhook) still replaces it.
      expect(parts.store.posted.unfinishedOfTurn(streamed.turn.id).map((m) => m.ts)).toEqual([streamed.placeholderTs]);
      expect(view.offerLive(streamed.conv.id, 's1', 1, 'Partial answer, more')).toBe(false);
    });

    it('settles with a notice: under the streamed text, final or still replaceable by a late answer', async () => {
      const overdue = await openTurn(parts);
      await view.settle(overdue.conv, overdue.turn.id, { kind: 'notice', text: TIMED_OUT_NOTICE, final: false });
      expect(shown(overdue.placeholderTs)?.text).toBe(TIMED_OUT_NOTICE);
      // Not final: the late answer still replaces the notice.
      expect(view.waitingPlaceholder(overdue.turn.id)?.ts).toBe(overdue.placeholderTs);
      await view.show(overdue.conv, view.waitingPlaceholder(overdue.turn.id), 'Late answer.', {
        kind: 'reply',
        turnId: overdue.turn.id,
        finMessageId: 'm-late',
      });
      expect(shown(overdue.placeholderTs)?.text).toBe('Late answer.');

      parts.store.turns.end(overdue.turn.id, 'done', 'test', parts.ctx.now());
      const failed = await openTurn(parts, { threadTs: overdue.conv.threadTs, text: 'and then?' });
      await view.streamChunk(failed.conv, failed.turn, chunk(failed.conv.id, 's9', 0, 'Half an answer'));
      await view.settle(failed.conv, failed.turn.id, { kind: 'notice', text: 'It broke.', final: true });
      expect(shown(failed.placeholderTs)?.text).toBe(`${streamedText('Half an answer')}\n\nIt broke.`);
      expect(parts.store.posted.get(support, failed.placeholderTs)).toMatchObject({ state: 'final', kind: 'notice' });
    });

    it('settles a streaming message someone deleted without writing to it again', async () => {
      const { conv, turn, placeholderTs } = await openTurn(parts);
      await view.streamChunk(conv, turn, chunk(conv.id, 's1', 0, 'Go to'));
      await waitFor(() => shown(placeholderTs)?.text === streamingText('Go to'));
      const message = shown(placeholderTs);
      if (message !== undefined) message.deleted = true;
      view.offerLive(conv.id, 's1', 1, 'Go to Settings');
      await waitFor(() => parts.slack.callsTo('chat.update').some((c) => c.error === 'message_not_found'), { what: 'the refused edit' });
      const writes = parts.slack.calls.length;

      await view.settle(conv, turn.id, { kind: 'notice', text: 'It broke.', final: true });
      expect(parts.slack.calls.length).toBe(writes);
      expect(parts.store.posted.get(support, placeholderTs)?.state).toBe('final');
    });

    it('logs, and carries on, when Slack refuses to settle a message', async () => {
      const { conv, turn, placeholderTs } = await openTurn(parts);
      parts.slack.fail('chat.update', { error: 'internal_error' });
      await view.settle(conv, turn.id, { kind: 'notice', text: 'It broke.', final: true });
      expect(parts.logged('could not settle a message')).toHaveLength(1);
      expect(shown(placeholderTs)?.text).toBe(PLACEHOLDER);
      expect(parts.store.posted.get(support, placeholderTs)?.state).toBe('waiting');
    });

    it('closes every live stream at once', async () => {
      const a = await openTurn(parts);
      const b = await openTurn(parts, { text: `<@${parts.slack.botUserId}> another question` });
      await view.streamChunk(a.conv, a.turn, chunk(a.conv.id, 's1', 0, 'One'));
      await view.streamChunk(b.conv, b.turn, chunk(b.conv.id, 's1', 0, 'Two'));
      expect(view.offerLive(a.conv.id, 's1', 1, 'One more')).toBe(true);

      await view.closeAll();
      expect(view.offerLive(a.conv.id, 's1', 2, 'One more still')).toBe(false);
      expect(view.offerLive(b.conv.id, 's1', 1, 'Two more')).toBe(false);
    });
  });

  describe('in native mode', () => {
    beforeEach(async () => {
      await start({ bridge: { streaming: 'native' } });
    });

    it('starts a native stream for the asker in place of the placeholder, appends to it, and stops it before the answer', async () => {
      const { conv, turn, placeholderTs } = await openTurn(parts);
      await view.streamChunk(conv, turn, chunk(conv.id, 's1', 0, 'Go to Settings'));
      const [started] = parts.slack.callsTo('chat.startStream');
      expect(started?.args).toMatchObject({ channel: support, thread_ts: conv.threadTs, recipient_user_id: PEOPLE.alice });
      expect(shown(placeholderTs)?.deleted).toBe(true);
      expect(parts.store.posted.get(support, placeholderTs)?.state).toBe('final');
      expect(parts.store.posted.byStream(conv.id, 's1')).toMatchObject({ kind: 'reply', state: 'streaming', turnId: turn.id });

      expect(view.offerLive(conv.id, 's1', 1, 'Go to Settings and choose Reset')).toBe(true);
      await waitFor(() => parts.slack.callsTo('chat.appendStream').length > 0, { what: 'an append' });

      await view.endStream(conv.id, 's1');
      const target = parts.store.posted.byStream(conv.id, 's1');
      await view.show(conv, target, 'Go to *Settings* and choose *Reset*.', {
        kind: 'reply',
        turnId: turn.id,
        finMessageId: 'm1',
        streamId: 's1',
      });
      expect(parts.slack.callsTo('chat.stopStream')).toHaveLength(1);
      const answer = parts.slack.message(support, target?.ts ?? '');
      expect(answer?.text).toBe('Go to *Settings* and choose *Reset*.');
      expect(answer?.streaming).toBe(false);
    });

    it('stops a stream an earlier run left open before writing to it', async () => {
      const { conv, turn } = await openTurn(parts);
      await view.streamChunk(conv, turn, chunk(conv.id, 's1', 0, 'Go to Settings'));
      const streamTs = parts.store.posted.byStream(conv.id, 's1')?.ts ?? '';
      expect(parts.slack.message(support, streamTs)?.streaming).toBe(true);

      // The app restarts: a new view knows nothing of the stream, which Slack still has open.
      const restarted = new ThreadView(parts.ctx);
      await restarted.settle(conv, turn.id, { kind: 'done' });
      expect(parts.slack.callsTo('chat.stopStream')).toHaveLength(1);
      expect(parts.slack.message(support, streamTs)?.text).toBe(streamedText('Go to Settings'));
    });
  });
});
