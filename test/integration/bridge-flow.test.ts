import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness, WORKSPACE } from '../helpers/harness.ts';

const { alice, support } = WORKSPACE;

describe('a mention in a channel', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start();
  });
  afterEach(async () => {
    await h.close();
  });

  it('posts a placeholder at once, streams edits into it, and ends with the answer in mrkdwn', async () => {
    const ts = await h.say({ user: alice, channel: support, text: `<@${h.slack.botUserId}> how do I reset my password?` });

    const placeholder = await h.slack.waitFor(() => h.slack.botReplies(support, ts)[0]);
    expect(placeholder.text).toMatch(/thinking/i);

    const turn = await h.fin.nextTurn();
    expect(turn.call.kind).toBe('start');
    expect(turn.call.body.message).toMatchObject({ author: 'user', body: 'how do I reset my password?' });
    await turn.connected();
    await turn.chunk('s1', 0, 'Go to');
    await h.slack.waitFor(() => placeholder.text.startsWith('Go to'));
    await turn.chunk('s1', 1, 'Go to *Settings* & then');
    await h.slack.waitFor(() => placeholder.text.startsWith('Go to *Settings* &amp; then'));
    await turn.reply('<p>Go to <b>Settings</b> &amp; choose <a href="https://example.com/reset">Reset</a>.</p>', {
      streamId: 's1',
      messageId: 'm1',
    });

    await h.slack.waitFor(() => placeholder.text === 'Go to *Settings* &amp; choose <https://example.com/reset|Reset>.');
    expect(h.slack.botReplies(support, ts)).toHaveLength(1);
  });
});
