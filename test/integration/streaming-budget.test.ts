import { afterEach, describe, expect, it } from 'vitest';
import type { SlackCall } from '../../fakes/slack-api.ts';
import { Harness, WORKSPACE } from '../helpers/harness.ts';

const { alice } = WORKSPACE;

describe('streaming within the workspace’s edit budget', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('shares the budget fairly among concurrent streams, with no 429 from Slack, and delivers every answer', async () => {
    // Slack allows 2 edits a second with bursts of 12; the app budgets under that (finals may borrow a burst's worth).
    h = await Harness.start({
      slack: { limits: { update: { perMinute: 120, burst: 12 } } },
      env: { SLACK_UPDATE_RATE_PER_MIN: '110', SLACK_UPDATE_BURST: '6' },
    });
    const harness = h;
    const words = Array.from({ length: 12 }, (_, i) => `word${i}`);
    const chunks = words.map((_, i) => words.slice(0, i + 1).join(' '));
    harness.fin.onTurn((turn) => void turn.answer(`<p>${words.join(' ')}</p>`, { chunks, chunkDelayMs: 250 }));
    const channels = Array.from({ length: 6 }, (_, i) => `D0STREAM${i}`);
    const roots = await Promise.all(channels.map((channel) => harness.say({ user: alice, channel, text: 'tell me' })));
    const placeholders = await harness.slack.waitFor(() => {
      const found = channels.map((c, i) => harness.slack.botReplies(c, roots[i] ?? '')[0]);
      return found.every((m) => m?.text === words.join(' ')) && found;
    }, 20_000);

    const updates = harness.slack.callsTo('chat.update');
    expect(updates.filter((c) => c.error === 'ratelimited')).toEqual([]);
    const editsOf = (ts: string | undefined): SlackCall[] =>
      updates.filter((c) => c.args.ts === ts && c.ok && c.args.text !== words.join(' '));
    const perStream = placeholders.map((p) => editsOf(p?.ts));
    // Every stream showed text before any stream got its second edit.
    const firsts = perStream.map((edits) => edits[0]?.at ?? Number.POSITIVE_INFINITY);
    const seconds = perStream.map((edits) => edits[1]?.at ?? Number.POSITIVE_INFINITY);
    expect(Math.max(...firsts)).toBeLessThanOrEqual(Math.min(...seconds));
    expect(perStream.every((edits) => edits.length >= 1)).toBe(true);
  });

  it('puts a final answer ahead of waiting interim edits', async () => {
    // A tiny budget: one interim edit at a time, one a minute.
    h = await Harness.start({ env: { SLACK_UPDATE_RATE_PER_MIN: '1', SLACK_UPDATE_BURST: '2' } });
    const harness = h;
    const [rootA, rootB] = [
      await harness.say({ user: alice, channel: 'D0A', text: 'a' }),
      await harness.say({ user: alice, channel: 'D0B', text: 'b' }),
    ];
    const [turnA, turnB] = [await harness.fin.nextTurn(), await harness.fin.nextTurn()];
    await Promise.all([turnA.connected(), turnB.connected()]);
    await turnA.chunk('sa', 0, 'A streaming');
    const a = await harness.slack.waitFor(
      () => harness.slack.botReplies('D0A', rootA)[0]?.text.startsWith('A streaming') && harness.slack.botReplies('D0A', rootA)[0],
    );
    await turnB.chunk('sb', 0, 'B streaming'); // waits: the budget is spent for a minute
    await turnB.reply('<p>B <b>done</b>.</p>', { streamId: 'sb' });
    const b = await harness.slack.waitFor(
      () => harness.slack.botReplies('D0B', rootB)[0]?.text === 'B *done*.' && harness.slack.botReplies('D0B', rootB)[0],
    );
    expect(b.edits).toBe(1); // the final replaced the placeholder directly; B's interim edit never went
    expect(a.text).toMatch(/^A streaming/);
    expect(harness.slack.callsTo('chat.update').filter((c) => c.args.text === 'B streaming :writing_hand:')).toEqual([]);
  });

  it('paces new messages per channel: a burst of questions in one channel gets every placeholder without a 429', async () => {
    // Slack takes about one chat.postMessage a second per channel, with bursts of 5 here; 8 people ask at once.
    h = await Harness.start({ slack: { limits: { postPerChannel: { perMinute: 60, burst: 5 } } } });
    const harness = h;
    harness.fin.onTurn(() => undefined);
    const askers = Array.from({ length: 8 }, (_, i) => `question ${i}`);
    const roots = await Promise.all(
      askers.map((text) => harness.say({ user: alice, channel: WORKSPACE.support, text: `<@${harness.slack.botUserId}> ${text}` })),
    );
    await harness.slack.waitFor(() => roots.every((root) => harness.slack.botReplies(WORKSPACE.support, root).length === 1), 20_000);
    const posts = harness.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === WORKSPACE.support);
    expect(posts.filter((c) => c.error === 'ratelimited')).toEqual([]);
    expect(posts.filter((c) => c.ok)).toHaveLength(8);
  });
});
