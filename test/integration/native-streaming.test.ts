import { afterEach, describe, expect, it } from 'vitest';
import type { SlackCall } from '../../fakes/slack-api.ts';
import { Harness, WORKSPACE } from '../helpers/harness.ts';

const { alice, support, dm } = WORKSPACE;

const WORDS = Array.from({ length: 8 }, (_, i) => `word${i}`);
const CHUNKS = WORDS.map((_, i) => `${WORDS.slice(0, i + 1).join(' ')} `);
const FINAL_HTML = `<p>${WORDS.join(' ')} <b>done</b>.</p>`;
const FINAL_TEXT = `${WORDS.join(' ')} *done*.`;

function methods(calls: readonly SlackCall[]): string[] {
  return calls.filter((c) => c.method.startsWith('chat.')).map((c) => c.method);
}

describe('native streaming (SLACK_STREAMING=native)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('streams a channel reply through start, appends of what is new and stop, then shows the final answer in the same message', async () => {
    h = await Harness.start({ env: { SLACK_STREAMING: 'native' } });
    const harness = h;
    harness.fin.onTurn((turn) => void turn.answer(FINAL_HTML, { chunks: CHUNKS, chunkDelayMs: 150 }));
    const root = await harness.say({ user: alice, channel: support, text: `<@${harness.slack.botUserId}> tell me` });
    const [answer] = await harness.slack.waitFor(() => {
      const replies = harness.slack.botReplies(support, root);
      return replies.length === 1 && replies[0]?.text === FINAL_TEXT && replies;
    });

    const start = harness.slack.callsTo('chat.startStream')[0];
    expect(start?.args).toMatchObject({
      channel: support,
      thread_ts: root,
      recipient_team_id: harness.slack.teamId,
      recipient_user_id: alice,
    });
    // What the stream carried, part by part, adds up to the streamed text: every append only what was new.
    expect(answer?.streamParts?.join('')).toBe(CHUNKS.at(-1));
    expect(answer?.streamParts?.length).toBeGreaterThan(2);
    // The placeholder gave way to the stream; the only edit is the final answer, after the stream was stopped.
    const placeholder = harness.slack.callsTo('chat.postMessage').find((c) => c.args.thread_ts === root);
    expect(harness.slack.callsTo('chat.delete').map((c) => c.args.ts)).toHaveLength(1);
    expect(placeholder).toBeDefined();
    const updates = harness.slack.callsTo('chat.update').filter((c) => c.args.ts === answer?.ts);
    expect(updates.map((c) => c.args.text)).toEqual([FINAL_TEXT]);
    const order = methods(harness.slack.calls.filter((c) => c.args.ts === answer?.ts || c.method === 'chat.startStream'));
    expect(order.indexOf('chat.stopStream')).toBeLessThan(order.indexOf('chat.update'));
    expect(harness.slack.calls.filter((c) => c.method.endsWith('Stream') && !c.ok)).toEqual([]);
  });

  it('escapes Fin’s streamed text as Markdown, so nothing formats, links or pings', async () => {
    h = await Harness.start({ env: { SLACK_STREAMING: 'native' } });
    const harness = h;
    const chunks = ['Use *stars* and _lines_ ', 'Use *stars* and _lines_ [x](https://evil.example) <!here> @channel & more '];
    harness.fin.onTurn((turn) => void turn.answer('<p>ok</p>', { chunks, chunkDelayMs: 150 }));
    const root = await harness.say({ user: alice, channel: dm, text: 'hi' });
    const message = await harness.slack.waitFor(() => harness.slack.botReplies(dm, root).find((m) => m.text === 'ok'));
    const streamed = message.streamParts?.join('') ?? '';
    expect(streamed).toContain('\\*stars\\* and \\_lines\\_');
    expect(streamed).toContain('\\[x\\]\\(https://evil.example\\)');
    expect(streamed).toContain('&lt;\\!here&gt;');
    expect(streamed).toContain('@\u2060channel');
    expect(streamed).toContain('&amp; more');
  });

  it('edits the placeholder instead when the workspace cannot stream natively, and stops trying', async () => {
    h = await Harness.start({ env: { SLACK_STREAMING: 'native', SLACK_UPDATE_RATE_PER_MIN: '600' } });
    const harness = h;
    harness.slack.fail('chat.startStream', { error: 'feature_not_enabled' });
    harness.fin.onTurn((turn) => void turn.answer(FINAL_HTML, { chunks: CHUNKS, chunkDelayMs: 100 }));
    for (const channel of ['D0FIRST', 'D0SECOND']) {
      const root = await harness.say({ user: alice, channel, text: 'hi' });
      const [reply] = await harness.slack.waitFor(() => {
        const replies = harness.slack.botReplies(channel, root);
        return replies[0]?.text === FINAL_TEXT && replies;
      });
      // The placeholder itself streamed by edits and became the answer.
      expect(
        harness.slack.callsTo('chat.update').filter((c) => c.args.ts === reply?.ts && String(c.args.text).endsWith(':writing_hand:'))
          .length,
      ).toBeGreaterThan(0);
    }
    expect(harness.slack.callsTo('chat.startStream')).toHaveLength(1);
    expect(harness.logs.some((l) => l.includes('feature_not_enabled') && l.includes('"nativeStreamingOff":true'))).toBe(true);
  });

  it('falls back for one message only when its channel refuses streaming', async () => {
    h = await Harness.start({ env: { SLACK_STREAMING: 'native' } });
    const harness = h;
    harness.slack.fail('chat.startStream', { error: 'channel_type_not_supported' });
    harness.fin.onTurn((turn) => void turn.answer(FINAL_HTML, { chunks: CHUNKS, chunkDelayMs: 50 }));
    const first = await harness.say({ user: alice, channel: 'D0FIRST', text: 'hi' });
    await harness.slack.waitFor(() => harness.slack.botReplies('D0FIRST', first)[0]?.text === FINAL_TEXT);
    const second = await harness.say({ user: alice, channel: 'D0SECOND', text: 'hi' });
    const reply = await harness.slack.waitFor(() => {
      const replies = harness.slack.botReplies('D0SECOND', second);
      return replies.length === 1 && replies[0]?.text === FINAL_TEXT && replies[0];
    });
    expect(harness.slack.callsTo('chat.startStream').map((c) => c.ok)).toEqual([false, true]);
    expect(reply.streamParts?.length).toBeGreaterThan(0);
  });

  it('carries a stream Slack has ended on by edits of the same message', async () => {
    // Slack ends this stream after 150 ms without an append; Fin then pauses longer than that.
    h = await Harness.start({ env: { SLACK_STREAMING: 'native' }, slack: { streamExpiryMs: 150 } });
    const harness = h;
    harness.fin.onTurn((turn) => {
      void (async () => {
        await turn.connected();
        await turn.chunk('s1', 0, 'first words ');
        await new Promise((r) => setTimeout(r, 400));
        await turn.chunk('s1', 1, 'first words and then more');
        await new Promise((r) => setTimeout(r, 400));
        await turn.reply('<p>all of it</p>', { streamId: 's1' });
      })();
    });
    const root = await harness.say({ user: alice, channel: dm, text: 'hi' });
    const message = await harness.slack.waitFor(() => harness.slack.botReplies(dm, root).find((m) => m.text === 'all of it'));
    expect(harness.slack.callsTo('chat.appendStream').map((c) => c.error)).toEqual(['message_not_in_streaming_state']);
    const edits = harness.slack
      .callsTo('chat.update')
      .filter((c) => c.args.ts === message.ts)
      .map((c) => c.args.text);
    expect(edits).toEqual(['first words and then more :writing_hand:', 'all of it']);
  });

  it('stops a long stream before Slack would expire it and carries on by edits', async () => {
    h = await Harness.start({ env: { SLACK_STREAMING: 'native' }, nativeStreamMaxMs: 300 });
    const harness = h;
    harness.fin.onTurn((turn) => void turn.answer(FINAL_HTML, { chunks: CHUNKS, chunkDelayMs: 120 }));
    const root = await harness.say({ user: alice, channel: dm, text: 'hi' });
    const message = await harness.slack.waitFor(() => harness.slack.botReplies(dm, root).find((m) => m.text === FINAL_TEXT));
    const own = harness.slack.calls.filter((c) => c.args.ts === message.ts);
    const stop = own.findIndex((c) => c.method === 'chat.stopStream');
    expect(stop).toBeGreaterThan(0);
    // After the stop, no more appends: the stream's later text came by edits, and no call met an ended stream.
    expect(own.slice(stop).map((c) => c.method)).not.toContain('chat.appendStream');
    const interim = own.slice(stop).filter((c) => c.method === 'chat.update' && String(c.args.text).endsWith(':writing_hand:'));
    expect(interim.length).toBeGreaterThan(0);
    expect(harness.slack.calls.filter((c) => c.error === 'message_not_in_streaming_state')).toEqual([]);
  });
});
