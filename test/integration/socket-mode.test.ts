import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Harness, WORKSPACE } from '../helpers/harness.ts';

const { alice, support } = WORKSPACE;

describe('Socket Mode (SLACK_APP_TOKEN set)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start({ socketMode: true });
  });
  afterAll(async () => {
    await h.close();
  });

  it('connects out to Slack and answers a mention, with no Slack route on the HTTP port', async () => {
    const root = await h.say({ user: alice, channel: support, text: `<@${h.slack.botUserId}> over a socket?` });
    const turn = await h.fin.nextTurn();
    expect(turn.call.body.message?.body).toBe('over a socket?');
    await turn.answer('<p>Yes, <b>over a socket</b>.</p>');
    await h.slack.waitFor(() => h.slack.botReplies(support, root)[0]?.text === 'Yes, *over a socket*.');

    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${h.url}/slack/events`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('handles a redelivered envelope once', async () => {
    const { ts, envelopes } = h.slack.userMessage({ user: alice, channel: support, text: `<@${h.slack.botUserId}> once` });
    for (const e of envelopes) await h.deliver(e);
    for (const e of envelopes) await h.deliver(e, { retryNum: 1 });
    const turn = await h.fin.nextTurn();
    await turn.answer('<p>Once.</p>');
    await h.slack.waitFor(() => h.slack.botReplies(support, ts)[0]?.text === 'Once.');
    expect(h.fin.calls.filter((c) => c.body.message?.body === 'once')).toHaveLength(1);
  });
});
