import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Harness, WORKSPACE } from '../helpers/harness.ts';

const { alice, bob, support } = WORKSPACE;

describe('requests from Slack', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.start();
  });
  afterAll(async () => {
    await h.close();
  });

  const mentionEnvelope = (text: string) =>
    h.slack.userMessage({ user: alice, channel: support, text: `<@${h.slack.botUserId}> ${text}` }).envelopes[0] ?? {};

  it('refuses forged, stale, future and unsigned requests (401) and acts on none of them', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await h.post(mentionEnvelope('forged'), { secret: 'not-the-signing-secret' })).status).toBe(401);
    expect((await h.post(mentionEnvelope('old'), { timestamp: now - 10 * 60 })).status).toBe(401);
    expect((await h.post(mentionEnvelope('future'), { timestamp: now + 10 * 60 })).status).toBe(401);
    const unsigned = await fetch(`${h.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(mentionEnvelope('unsigned')),
    });
    expect(unsigned.status).toBe(401);

    // A genuine request afterwards is the first thing Fin hears about.
    const before = h.fin.calls.length;
    await h.say({ user: alice, channel: support, text: `<@${h.slack.botUserId}> genuine` });
    const turn = await h.fin.nextTurn();
    expect(turn.call.body.message?.body).toBe('genuine');
    expect(h.fin.calls.slice(before).map((c) => c.body.message?.body)).toEqual(['genuine']);
    await turn.answer('<p>ok</p>');
  });

  it('answers Slack’s URL verification challenge', async () => {
    const res = await h.post({ type: 'url_verification', challenge: 'c-123', token: 't' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('c-123');
  });

  it('ignores bots, its own messages, edits, deletions, joins and messages not addressed to it', async () => {
    const bridgedRoot = h.slack.userMessage({ user: alice, channel: support, text: `<@${h.slack.botUserId}> bridged` });
    for (const e of bridgedRoot.envelopes) await h.deliver(e);
    const first = await h.fin.nextTurn();
    await first.answer('<p>ok</p>');
    await h.slack.waitFor(() => h.slack.botReplies(support, bridgedRoot.ts)[0]?.text === 'ok');
    const callsBefore = h.fin.calls.length;

    const thread = bridgedRoot.ts;
    const base = { channel: support, channel_type: 'channel', team: h.slack.teamId };
    const ignored = [
      { ...base, type: 'message', subtype: 'bot_message', bot_id: 'BOTHER', text: 'alert!', ts: '1700000001.000100', thread_ts: thread },
      {
        ...base,
        type: 'message',
        user: 'UOTHERBOT',
        bot_id: 'BOTHER',
        text: 'from a bot user',
        ts: '1700000001.000200',
        thread_ts: thread,
      },
      {
        ...base,
        type: 'message',
        user: h.slack.botUserId,
        bot_id: h.slack.botId,
        text: 'my own',
        ts: '1700000001.000300',
        thread_ts: thread,
      },
      {
        ...base,
        type: 'message',
        subtype: 'message_changed',
        hidden: true,
        ts: '1700000001.000400',
        message: { user: alice, text: 'edited', ts: thread },
      },
      { ...base, type: 'message', subtype: 'message_deleted', hidden: true, ts: '1700000001.000500', deleted_ts: thread },
      { ...base, type: 'message', subtype: 'channel_join', user: bob, text: '<@UBOB> has joined', ts: '1700000001.000600' },
      { ...base, type: 'message', user: bob, text: 'top-level chatter', ts: '1700000001.000700' },
      { ...base, type: 'message', user: bob, text: 'a reply in another thread', ts: '1700000001.000800', thread_ts: '1700000000.999999' },
      {
        ...base,
        type: 'message',
        user: bob,
        text: 'edit of a reply',
        subtype: 'message_replied',
        ts: '1700000001.000900',
        thread_ts: thread,
      },
    ];
    for (const event of ignored) expect((await h.deliver(h.slack.envelope(event))).status).toBe(200);

    // A message that does count, delivered last: once it reaches Fin, everything before it has been handled.
    await h.say({ user: bob, channel: support, text: 'a real follow-up', threadTs: thread });
    const next = await h.fin.nextTurn();
    expect(next.call.body.message?.body).toBe('a real follow-up');
    expect(h.fin.calls.length).toBe(callsBefore + 1);
  });

  it('serves /healthz (GET and HEAD) and 404 elsewhere', async () => {
    const get = await fetch(`${h.url}/healthz`);
    expect(get.status).toBe(200);
    expect(await get.json()).toMatchObject({ status: 'ok', mode: 'http' });
    expect((await fetch(`${h.url}/healthz`, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`${h.url}/nope`)).status).toBe(404);
    expect((await fetch(`${h.url}/slack/events`)).status).toBe(405);
  });
});
