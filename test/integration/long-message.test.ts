import { afterEach, describe, expect, it } from 'vitest';
import { Harness, WORKSPACE } from '../helpers/harness.ts';

const { alice, support, dm } = WORKSPACE;

const NOTICE = ':scissors: Your message was long, so Fin only read its first 10,000 characters.';
const long = (what: string) => `${`${what} `.repeat(2_000)}THE END`;

describe('the notice that Fin only read the first 10,000 characters of a message', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /** The app's messages in the thread, in the order Slack shows them (the order they were posted). */
  const replies = (channel: string, root: string) => h?.slack.botReplies(channel, root).map((m) => m.text) ?? [];

  it('comes before the answer streamed into the placeholder, for a first message and a follow-up', async () => {
    h = await Harness.start();
    const harness = h;
    const root = await harness.say({ user: alice, channel: support, text: `<@${harness.slack.botUserId}> ${long('All my logs.')}` });
    const first = await harness.fin.nextTurn();
    expect(first.call.body.message?.body?.endsWith('…')).toBe(true);
    await first.answer('<p>Those logs show a <b>timeout</b>.</p>');
    await harness.slack.waitFor(() => replies(support, root).includes('Those logs show a *timeout*.'));
    expect(replies(support, root)).toEqual([NOTICE, 'Those logs show a *timeout*.']);
    // The placeholder came after the notice, and the answer was streamed into it.
    const [notice, answer] = harness.slack.botReplies(support, root);
    expect(answer?.edits).toBeGreaterThan(1);
    expect(Number(notice?.ts)).toBeLessThan(Number(answer?.ts));

    await harness.say({ user: alice, channel: support, threadTs: root, text: long('More logs.') });
    const followUp = await harness.fin.nextTurn();
    expect(followUp.call.kind).toBe('reply');
    await followUp.answer('<p>Still a timeout.</p>');
    await harness.slack.waitFor(() => replies(support, root).includes('Still a timeout.'));
    expect(replies(support, root)).toEqual([NOTICE, 'Those logs show a *timeout*.', NOTICE, 'Still a timeout.']);
  });

  it('comes before the answer with native streaming, streamed or not', async () => {
    h = await Harness.start({ env: { SLACK_STREAMING: 'native' } });
    const harness = h;
    const root = await harness.say({ user: alice, channel: dm, text: long('All my logs.') });
    const first = await harness.fin.nextTurn();
    await first.answer('<p>Those logs show a <b>timeout</b>.</p>', { chunkDelayMs: 30 });
    await harness.slack.waitFor(() => replies(dm, root).includes('Those logs show a *timeout*.'));
    expect(harness.slack.callsTo('chat.startStream').length).toBe(1);
    expect(replies(dm, root)).toEqual([NOTICE, 'Those logs show a *timeout*.']);

    // A follow-up whose answer comes whole (no chunks): it replaces the placeholder, which the notice precedes.
    await harness.say({ user: alice, channel: dm, threadTs: root, text: long('More logs.') });
    const followUp = await harness.fin.nextTurn();
    await followUp.answer('<p>Still a timeout.</p>', { stream: false });
    await harness.slack.waitFor(() => replies(dm, root).includes('Still a timeout.'));
    expect(replies(dm, root)).toEqual([NOTICE, 'Those logs show a *timeout*.', NOTICE, 'Still a timeout.']);
  });

  it('is posted once when Fin is retried, and not for a message under the limit', async () => {
    h = await Harness.start();
    const harness = h;
    let calls = 0;
    harness.fin.onTurn((turn) => {
      calls += 1;
      if (calls === 1) return { status: 503, body: {} };
      return turn.answer(calls === 2 ? '<p>Got them.</p>' : '<p>Short enough.</p>');
    });
    const root = await harness.say({ user: alice, channel: support, text: `<@${harness.slack.botUserId}> ${long('All my logs.')}` });
    await harness.slack.waitFor(() => replies(support, root).includes('Got them.'));
    expect(calls).toBe(2);
    expect(replies(support, root)).toEqual([NOTICE, 'Got them.']);

    // Long enough to be checked before the placeholder (7,500 characters), short enough to go whole.
    const short = await harness.say({ user: alice, channel: support, text: `<@${harness.slack.botUserId}> ${'word '.repeat(1_500)}` });
    await harness.slack.waitFor(() => replies(support, short).includes('Short enough.'));
    expect(replies(support, short)).toEqual(['Short enough.']);
  });
});
