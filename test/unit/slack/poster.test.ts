import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeSlack } from '../../../fakes/slack-api.ts';
import { MESSAGE_LIMIT } from '../../../src/slack/limits.ts';
import { cutIntoParts, type DeliveryProgress, NativeStreaming, type SlackPoster } from '../../../src/slack/poster.ts';
import type { DeliveryPart } from '../../../src/store/deliveries.ts';
import { ChannelPacer } from '../../../src/stream/channel-pacer.ts';
import {
  type BareSlack,
  bareSlack,
  buildPoster,
  CHANNELS,
  type KeptLog,
  keptLog,
  PEOPLE,
  type PosterParts,
  startSlack,
  webClient,
} from '../../helpers/slack-parts.ts';

const { alice, bob } = PEOPLE;
const { support, agents } = CHANNELS;

/** The words of a text, whatever the spacing between them (a cut falls between words). */
const words = (text: string) => text.split(/\s+/).filter((w) => w !== '');

/** Paragraphs of numbered words, `size` characters or so each. */
function paragraphs(count: number, size: number): string {
  return Array.from({ length: count }, (_, p) =>
    Array.from({ length: Math.ceil(size / 10) }, (_, w) => `p${p}w${String(w).padStart(5, '0')}`).join(' '),
  ).join('\n\n');
}

describe('cutIntoParts', () => {
  it('keeps a text of exactly the message limit in one part, and cuts one character more', () => {
    const exact = `${'abcd '.repeat(MESSAGE_LIMIT / 5 - 1)}abcde`;
    expect(exact).toHaveLength(MESSAGE_LIMIT);
    expect(cutIntoParts(exact)).toEqual([{ text: exact, limit: MESSAGE_LIMIT }]);

    const over = `${exact}x`;
    const parts = cutIntoParts(over);
    expect(parts.length).toBe(2);
    for (const part of parts) {
      expect(part.limit).toBe(MESSAGE_LIMIT);
      expect(part.text.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
    }
    expect(words(parts.map((p) => p.text).join(' '))).toEqual(words(over));
  });

  it('cuts at paragraph breaks, within a smaller limit when given one', () => {
    const text = paragraphs(3, 900);
    const parts = cutIntoParts(text, 1_000);
    expect(parts.map((p) => p.text)).toEqual(text.split('\n\n'));
    expect(parts.every((p) => p.limit === 1_000)).toBe(true);
  });
});

describe('SlackPoster against the fake Slack Web API', () => {
  let slack: FakeSlack;
  let parts: PosterParts;
  let poster: SlackPoster;
  let root: string;

  beforeEach(async () => {
    slack = await startSlack();
    parts = buildPoster(slack);
    poster = parts.poster;
    root = slack.userMessage({ user: alice, channel: support, text: 'I need help' }).ts;
  });
  afterEach(async () => {
    parts.close();
    await slack.close();
  });

  describe('posting and editing', () => {
    it('posts a reply in the thread, without unfurls, and returns its ts', async () => {
      const ts = await poster.post(support, root, 'Fin is thinking…');
      expect(slack.message(support, ts)).toMatchObject({ threadTs: root, text: 'Fin is thinking…', botId: slack.botId });
      expect(slack.callsTo('chat.postMessage')[0]?.args).toMatchObject({
        channel: support,
        thread_ts: root,
        unfurl_links: 'false',
        unfurl_media: 'false',
      });
    });

    it('posts a root message (a thread the app starts) with no thread_ts', async () => {
      const ts = await poster.postRoot(support, 'Running procedure 42');
      const message = slack.message(support, ts);
      expect(message?.text).toBe('Running procedure 42');
      expect(message?.threadTs).toBeUndefined();
      expect(slack.callsTo('chat.postMessage')[0]?.args.thread_ts).toBeUndefined();
    });

    it('updates a message, and rejects with Slack’s error when the message is gone', async () => {
      const ts = await poster.post(support, root, 'Fin is thinking…');
      await poster.update(support, ts, 'Here is your answer.');
      expect(slack.message(support, ts)).toMatchObject({ text: 'Here is your answer.', edits: 1 });

      await poster.remove(support, ts);
      await expect(poster.update(support, ts, 'Too late')).rejects.toMatchObject({ data: { error: 'message_not_found' } });
    });

    it('posts and updates Block Kit content with its notification text', async () => {
      const blocks = [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: '*A request*' } }];
      const ts = await poster.postBlocks(agents, { text: 'A request', blocks });
      expect(slack.message(agents, ts)).toMatchObject({ text: 'A request', blocks });
      expect(slack.message(agents, ts)?.threadTs).toBeUndefined();

      const changed = [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: '*Answered*' } }];
      await poster.updateBlocks(agents, ts, { text: 'Answered', blocks: changed });
      expect(slack.message(agents, ts)).toMatchObject({ text: 'Answered', blocks: changed, edits: 1 });
    });

    it('waits out a 429 on an update that must land, as Slack asks, and then lands it', async () => {
      const ts = await poster.post(support, root, 'Fin is thinking…');
      slack.fail('chat.update', { error: 'ratelimited', retryAfterSeconds: 0, times: 2 });
      await poster.update(support, ts, 'The final answer');
      expect(slack.message(support, ts)?.text).toBe('The final answer');
      expect(slack.callsTo('chat.update').map((c) => c.error ?? 'ok')).toEqual(['ratelimited', 'ratelimited', 'ok']);
    });

    it('reports what became of an interim edit: landed, rate limited, gone, or failed', async () => {
      const ts = await poster.post(support, root, 'Fin is thinking…');
      expect(await poster.interim(support, ts, 'Hello')).toEqual({ kind: 'ok' });
      expect(slack.message(support, ts)?.text).toBe('Hello');

      slack.fail('chat.update', { error: 'ratelimited', retryAfterSeconds: 3 });
      expect(await poster.interim(support, ts, 'Hello wor')).toEqual({ kind: 'rate_limited', retryAfterMs: 3_000 });
      // Refused, not retried: the next edit carries newer text.
      expect(slack.callsTo('chat.update')).toHaveLength(2);
      expect(slack.message(support, ts)?.text).toBe('Hello');

      slack.fail('chat.update', { error: 'internal_error' });
      expect(await poster.interim(support, ts, 'Hello world')).toEqual({ kind: 'failed', code: 'internal_error' });

      await poster.remove(support, ts);
      expect(await poster.interim(support, ts, 'Hello world!')).toEqual({ kind: 'gone' });
    });

    it('deletes a message; one already gone is not an error, any other refusal is logged, not thrown', async () => {
      const ts = await poster.post(support, root, 'Fin is thinking…');
      await poster.remove(support, ts);
      expect(slack.message(support, ts)?.deleted).toBe(true);
      await poster.remove(support, ts);
      expect(slack.callsTo('chat.delete').map((c) => c.error)).toEqual([undefined, 'message_not_found']);
      expect(parts.log.logged('could not delete a message')).toHaveLength(0);

      const other = await poster.post(support, root, 'Another');
      slack.fail('chat.delete', { error: 'cant_delete_message' });
      await poster.remove(support, other);
      expect(slack.message(support, other)?.deleted).toBe(false);
      expect(parts.log.logged('could not delete a message')).toEqual([
        expect.objectContaining({ level: 'warn', channelId: support, error: 'cant_delete_message' }),
      ]);
    });

    it('reacts to a message; a reaction already there counts, a missing message does not', async () => {
      const ts = await poster.post(support, root, 'Passing you to a person');
      expect(await poster.react(support, ts, 'raising_hand')).toBe(true);
      expect(await poster.react(support, ts, 'raising_hand')).toBe(true);
      expect(slack.message(support, ts)?.reactions).toEqual(['raising_hand']);
      expect(await poster.react(support, '1.000001', 'raising_hand')).toBe(false);
      expect(parts.log.logged('could not add a reaction')).toHaveLength(1);
    });

    it('new messages in a channel wait for its pace; another channel’s do not wait behind them', async () => {
      parts.close();
      // One message a second per channel, no burst beyond the first.
      parts = buildPoster(slack, { pacer: new ChannelPacer({ ratePerMinute: 60, burst: 1 }) });
      poster = parts.poster;
      const t0 = Date.now();
      await poster.post(support, root, 'first');
      const second = poster.post(support, root, 'second');
      await poster.postRoot(agents, 'elsewhere');
      // The other channel's message is in while the busy channel's second one still waits for its slot.
      expect(slack.callsTo('chat.postMessage').map((c) => c.args.text)).toEqual(['first', 'elsewhere']);
      await second;
      const calls = slack.callsTo('chat.postMessage');
      expect(calls.map((c) => c.args.text)).toEqual(['first', 'elsewhere', 'second']);
      expect((calls[2]?.at ?? 0) - t0).toBeGreaterThanOrEqual(990);
    });
  });

  describe('lookups and views', () => {
    it('gives a message’s permalink through the lookup client, and undefined when Slack gives none', async () => {
      expect(await poster.permalink(support, root)).toBe(slack.permalinkOf(support, root));
      expect(await poster.permalink(support, '1.000009')).toBeUndefined();
      expect(parts.log.logged('no permalink for the thread')).toEqual([expect.objectContaining({ error: 'message_not_found' })]);

      // Lookups go through their own client, not the one that posts.
      const refused = buildPoster(slack, { readClient: webClient(slack, { token: 'xoxb-not-this-workspace' }) });
      try {
        expect(await refused.poster.permalink(support, root)).toBeUndefined();
        expect(slack.callsTo('chat.getPermalink').at(-1)?.error).toBe('invalid_auth');
        expect(await refused.poster.post(support, root, 'posts still go')).toMatch(/^\d+\.\d+$/);
      } finally {
        refused.close();
      }
    });

    it('opens a modal with a fresh trigger id, updates it, and passes on Slack’s refusals', async () => {
      const trigger = slack.issueTriggerId();
      const view = {
        type: 'modal' as const,
        title: { type: 'plain_text' as const, text: 'Fin needs input' },
        blocks: [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: 'Hello' } }],
      };
      await poster.openView(trigger, view);
      const opened = slack.lastView();
      expect(opened?.view).toMatchObject({ title: { text: 'Fin needs input' } });
      await expect(poster.openView(trigger, view)).rejects.toMatchObject({ data: { error: 'exchanged_trigger_id' } });

      const next = { ...view, title: { type: 'plain_text' as const, text: 'Sent to Fin' } };
      await poster.updateView(opened?.id ?? '', next);
      expect(slack.views.get(opened?.id ?? '')?.view).toMatchObject({ title: { text: 'Sent to Fin' } });
      await expect(poster.updateView('VNOPE', next)).rejects.toMatchObject({ data: { error: 'not_found' } });
    });
  });

  describe('telling one person', () => {
    it('posts an ephemeral message, in the thread when given one', async () => {
      await poster.ephemeral(support, alice, 'Only you can see this', root);
      await poster.ephemeral(support, bob, 'And this, in the channel');
      expect(slack.ephemerals).toEqual([
        { channel: support, user: alice, text: 'Only you can see this' },
        { channel: support, user: bob, text: 'And this, in the channel' },
      ]);
      const [inThread, inChannel] = slack.callsTo('chat.postEphemeral');
      expect(inThread?.args.thread_ts).toBe(root);
      expect(inChannel?.args).not.toHaveProperty('thread_ts');
    });

    it('tells someone privately where they are, else in a direct message, else says it could not', async () => {
      expect(await poster.tellPrivately(alice, { channelId: support, threadTs: root }, 'Slow down a little')).toBe('ephemeral');
      expect(slack.ephemerals.map((e) => e.text)).toEqual(['Slow down a little']);

      // A channel the app cannot write in: a DM instead.
      expect(await poster.tellPrivately(alice, { channelId: 'CGONE' }, 'I cannot post there')).toBe('dm');
      const dm = slack.messages.find((m) => m.text === 'I cannot post there');
      expect(dm?.channel).toMatch(/^D/);
      expect(slack.channel(dm?.channel ?? '')?.members).toEqual([alice]);

      // Someone Slack does not know: neither works.
      expect(await poster.tellPrivately('UNOBODY', { channelId: 'CGONE' }, 'Hello?')).toBeUndefined();
      expect(slack.messages.some((m) => m.text === 'Hello?')).toBe(false);
      expect(parts.log.logged('could not tell someone in a direct message either')).toEqual([
        expect.objectContaining({ level: 'warn', error: 'user_not_found' }),
      ]);
    });
  });

  describe('delivering a final text part by part', () => {
    /** Records what a delivery reports. */
    function progress(existing?: DeliveryProgress['existing']) {
      const landed: [number, string][] = [];
      const resplit: [number, number][] = [];
      const report: DeliveryProgress = {
        landed: (index, ts) => landed.push([index, ts]),
        resplit: (index, pieces) => resplit.push([index, pieces.length]),
        ...(existing !== undefined ? { existing } : {}),
      };
      return { report, landed, resplit };
    }
    const texts = () => slack.botReplies(support, root).map((m) => m.text);

    it('replaces the placeholder with the first part and posts the others after it, reporting each', async () => {
      const placeholder = await poster.post(support, root, 'Fin is thinking…');
      const text = paragraphs(3, 3_000);
      const cut = cutIntoParts(text);
      expect(cut).toHaveLength(3);
      const p = progress();
      await poster.deliverParts({ channelId: support, threadTs: root, ts: placeholder, parts: cut, delivered: 0 }, p.report);
      expect(texts()).toEqual(cut.map((c) => c.text));
      expect(slack.message(support, placeholder)?.text).toBe(cut[0]?.text);
      expect(p.landed.map(([i]) => i)).toEqual([0, 1, 2]);
      expect(p.landed[0]?.[1]).toBe(placeholder);
      expect(p.landed.map(([, ts]) => ts)).toEqual(slack.botReplies(support, root).map((m) => m.ts));
    });

    it('posts the first part anew when someone deleted the placeholder', async () => {
      const placeholder = await poster.post(support, root, 'Fin is thinking…');
      await poster.remove(support, placeholder);
      const p = progress();
      await poster.deliverParts(
        { channelId: support, threadTs: root, ts: placeholder, parts: [{ text: 'The answer', limit: MESSAGE_LIMIT }], delivered: 0 },
        p.report,
      );
      expect(texts()).toEqual(['The answer']);
      expect(p.landed[0]?.[1]).not.toBe(placeholder);
      expect(parts.log.logged('placeholder is gone; posting the answer anew')).toHaveLength(1);
    });

    it('resumes after the parts delivered, counting a part already in Slack instead of posting it again', async () => {
      const cut: DeliveryPart[] = ['one', 'two', 'three', 'four'].map((text) => ({ text, limit: MESSAGE_LIMIT }));
      const earlier = slack.appMessage({ channel: support, threadTs: root, text: 'three' });
      const p = progress((index, text) => (index === 2 && text === 'three' ? earlier.ts : undefined));
      await poster.deliverParts({ channelId: support, threadTs: root, parts: cut, delivered: 2 }, p.report);
      expect(texts()).toEqual(['three', 'four']);
      expect(p.landed).toEqual([
        [2, earlier.ts],
        [3, expect.any(String)],
      ]);
      expect(slack.callsTo('chat.postMessage').map((c) => c.args.text)).toEqual(['four']);
    });

    it('cuts a part Slack finds too long into smaller ones, and delivers them all', async () => {
      const placeholder = await poster.post(support, root, 'Fin is thinking…');
      const tooLong = (args: Record<string, unknown>) => String(args.text).length > 1_000;
      slack.fail('chat.update', { error: 'msg_too_long', times: 100, when: tooLong });
      slack.fail('chat.postMessage', { error: 'msg_too_long', times: 100, when: tooLong });
      const text = paragraphs(2, 3_000);
      const cut = cutIntoParts(text);
      const p = progress();
      await poster.deliverParts({ channelId: support, threadTs: root, ts: placeholder, parts: cut, delivered: 0 }, p.report);

      const delivered = texts();
      expect(delivered.every((t) => t.length <= 1_000)).toBe(true);
      expect(words(delivered.join(' '))).toEqual(words(text));
      expect(slack.message(support, placeholder)?.text).toBe(delivered[0]);
      // Each too-long part was cut in two steps (3,500 → 1,750 → 875), and every piece was reported as it landed.
      expect(p.resplit.length).toBeGreaterThanOrEqual(4);
      expect(p.landed.map(([i]) => i)).toEqual(delivered.map((_, i) => i));
    });

    it('gives up when a part small already is still too long: that is not about length', async () => {
      slack.fail('chat.postMessage', { error: 'msg_too_long', times: 100 });
      const p = progress();
      const part = { text: 'word '.repeat(150).trim(), limit: 900 };
      await expect(
        poster.deliverParts({ channelId: support, threadTs: root, parts: [part], delivered: 0 }, p.report),
      ).rejects.toMatchObject({
        data: { error: 'msg_too_long' },
      });
      expect(p.resplit).toEqual([[0, 2]]);
      expect(p.landed).toEqual([]);
    });

    it('stops at a failure, leaving the parts that landed reported', async () => {
      const cut: DeliveryPart[] = ['one', 'two', 'three'].map((text) => ({ text, limit: MESSAGE_LIMIT }));
      slack.fail('chat.postMessage', { error: 'internal_error', when: (args) => args.text === 'two' });
      const p = progress();
      await expect(poster.deliverParts({ channelId: support, threadTs: root, parts: cut, delivered: 0 }, p.report)).rejects.toMatchObject({
        data: { error: 'internal_error' },
      });
      expect(texts()).toEqual(['one']);
      expect(p.landed.map(([i]) => i)).toEqual([0]);
      expect(p.resplit).toEqual([]);
    });
  });
});

describe('SlackPoster’s native streaming', () => {
  let slack: FakeSlack;
  let native: NativeStreaming;
  let parts: PosterParts;
  let poster: SlackPoster;
  let root: string;
  const start = (markdown = 'Hello ') =>
    poster.startStream({ channelId: support, threadTs: root, teamId: slack.teamId, userId: alice, markdown });

  beforeEach(async () => {
    slack = await startSlack();
    native = new NativeStreaming();
    parts = buildPoster(slack, { native });
    poster = parts.poster;
    root = slack.userMessage({ user: alice, channel: support, text: 'I need help' }).ts;
  });
  afterEach(async () => {
    parts.close();
    await slack.close();
  });

  it('starts a stream in the thread for its recipient, appends to it, stops it, and then it edits like any message', async () => {
    const ts = await start('Hello ');
    if (ts === undefined) throw new Error('the stream did not start');
    expect(slack.callsTo('chat.startStream')[0]?.args).toMatchObject({
      channel: support,
      thread_ts: root,
      markdown_text: 'Hello ',
      recipient_team_id: slack.teamId,
      recipient_user_id: alice,
    });
    expect(await poster.appendStream(support, ts, 'world')).toEqual({ kind: 'ok' });
    expect(slack.message(support, ts)).toMatchObject({ streaming: true, text: 'Hello world', streamParts: ['Hello ', 'world'] });

    await poster.stopStream(support, ts);
    expect(slack.message(support, ts)?.streaming).toBe(false);
    await poster.update(support, ts, 'Hello world, formatted');
    expect(slack.message(support, ts)?.text).toBe('Hello world, formatted');
  });

  it('does not stream natively in edit mode', async () => {
    const editMode = buildPoster(slack);
    try {
      expect(
        await editMode.poster.startStream({ channelId: support, threadTs: root, teamId: slack.teamId, userId: alice, markdown: 'Hi' }),
      ).toBe(undefined);
      expect(editMode.poster.appendLane()).toBeUndefined();
      expect(slack.callsTo('chat.startStream')).toHaveLength(0);
    } finally {
      editMode.close();
    }
  });

  it('falls back to edits, without asking Slack, once its own start budget is spent', async () => {
    while (native.starts.tryTake(Date.now())) {
      // Spends the burst of starts.
    }
    expect(await start()).toBeUndefined();
    expect(slack.callsTo('chat.startStream')).toHaveLength(0);
    expect(native.available).toBe(true);
  });

  it('turns native streaming off for good when Slack says the workspace cannot stream', async () => {
    slack.fail('chat.startStream', { error: 'feature_not_enabled' });
    expect(await start()).toBeUndefined();
    expect(native.available).toBe(false);
    expect(parts.log.logged('native streaming refused; editing the placeholder instead')).toEqual([
      expect.objectContaining({ error: 'feature_not_enabled', nativeStreamingOff: true }),
    ]);
    expect(await start()).toBeUndefined();
    expect(slack.callsTo('chat.startStream')).toHaveLength(1);
  });

  it('falls back for one message when Slack refuses it for another reason, and streams the next', async () => {
    slack.fail('chat.startStream', { error: 'ratelimited', retryAfterSeconds: 5 });
    expect(await start()).toBeUndefined();
    expect(native.available).toBe(true);
    expect(parts.log.logged('native streaming refused; editing the placeholder instead')).toEqual([
      expect.objectContaining({ error: 'ratelimited', nativeStreamingOff: false }),
    ]);
    expect(await start()).toMatch(/^\d+\.\d+$/);
  });

  it('reports what became of an append: rate limited, failed (stream ended), or gone', async () => {
    const ts = await start();
    if (ts === undefined) throw new Error('the stream did not start');
    slack.fail('chat.appendStream', { error: 'ratelimited', retryAfterSeconds: 2 });
    expect(await poster.appendStream(support, ts, 'there')).toEqual({ kind: 'rate_limited', retryAfterMs: 2_000 });
    expect(slack.message(support, ts)?.text).toBe('Hello ');

    await poster.stopStream(support, ts);
    expect(await poster.appendStream(support, ts, 'there')).toEqual({ kind: 'failed', code: 'message_not_in_streaming_state' });

    await poster.remove(support, ts);
    expect(await poster.appendStream(support, ts, 'there')).toEqual({ kind: 'gone' });
  });

  it('waits out a 429 when stopping a stream, so the stream is not left open', async () => {
    const ts = await start();
    if (ts === undefined) throw new Error('the stream did not start');
    slack.fail('chat.stopStream', { error: 'ratelimited', retryAfterSeconds: 0, times: 2 });
    await poster.stopStream(support, ts);
    expect(slack.callsTo('chat.stopStream').map((c) => c.error ?? 'ok')).toEqual(['ratelimited', 'ratelimited', 'ok']);
    expect(slack.message(support, ts)?.streaming).toBe(false);
  });

  it('gives up stopping after its tries (logged, not thrown), and logs a stream that had already ended', async () => {
    const ts = await start();
    if (ts === undefined) throw new Error('the stream did not start');
    slack.fail('chat.stopStream', { error: 'ratelimited', retryAfterSeconds: 0, times: 4 });
    await poster.stopStream(support, ts);
    expect(slack.callsTo('chat.stopStream')).toHaveLength(4);
    expect(slack.message(support, ts)?.streaming).toBe(true);
    expect(parts.log.logged('could not stop a native stream')).toEqual([expect.objectContaining({ error: 'ratelimited' })]);

    const other = await start('Again ');
    if (other === undefined) throw new Error('the stream did not start');
    await poster.stopStream(support, other);
    await poster.stopStream(support, other);
    expect(parts.log.logged('could not stop a native stream').at(-1)).toMatchObject({ error: 'message_not_in_streaming_state' });
  });

  it('gives each stream a lane on the append budget', async () => {
    const lane = poster.appendLane();
    if (lane === undefined) throw new Error('no lane');
    await new Promise<void>((resolve) => lane.request(resolve));
  });
});

describe('SlackPoster when Slack answers ok without the ids it should', () => {
  let bare: BareSlack;
  let parts: PosterParts;
  let log: KeptLog;

  beforeEach(async () => {
    // Slack answers everything `ok` with no ids, and refuses ephemeral messages (so a DM is tried).
    bare = await bareSlack({ 'chat.postEphemeral': { ok: false, error: 'channel_not_found' } });
    log = keptLog();
    parts = buildPoster(bare, { native: new NativeStreaming(), log });
  });
  afterEach(async () => {
    parts.close();
    await bare.close();
  });

  it('refuses a post with no ts, rather than record a message it cannot find again', async () => {
    const { poster } = parts;
    const noTs = { code: 'slack_bad_response', message: 'chat.postMessage returned no ts' };
    await expect(poster.post('C1', '1.000001', 'Hi')).rejects.toMatchObject(noTs);
    await expect(poster.postRoot('C1', 'Hi')).rejects.toMatchObject(noTs);
    await expect(poster.postBlocks('C1', { text: 'Hi', blocks: [] })).rejects.toMatchObject(noTs);
    expect(bare.calls).toEqual(['chat.postMessage', 'chat.postMessage', 'chat.postMessage']);
  });

  it('edits instead of streaming when a stream starts without a ts, and keeps native streaming on', async () => {
    const ts = await parts.poster.startStream({ channelId: 'C1', threadTs: '1.000001', teamId: 'T1', userId: 'U1', markdown: 'Hi' });
    expect(ts).toBeUndefined();
    expect(bare.calls).toEqual(['chat.startStream']);
    expect(log.logged('native streaming refused; editing the placeholder instead')).toEqual([
      expect.objectContaining({ error: 'slack_bad_response', nativeStreamingOff: false }),
    ]);
  });

  it('posts no direct message when Slack opens none', async () => {
    expect(await parts.poster.tellPrivately('U1', { channelId: 'C1' }, 'Hello')).toBeUndefined();
    expect(bare.calls).toEqual(['chat.postEphemeral', 'conversations.open']);
    expect(log.logged('could not tell someone in a direct message either')).toEqual([
      expect.objectContaining({ error: 'slack_bad_response' }),
    ]);
  });

  it('gives no permalink when Slack’s answer has none', async () => {
    expect(await parts.poster.permalink('C1', '1.000001')).toBeUndefined();
    expect(bare.calls).toEqual(['chat.getPermalink']);
  });
});
