import { afterEach, describe, expect, it } from 'vitest';
import { FakeSlack, type FakeSlackOptions } from '../../fakes/slack-api.ts';

/**
 * The fake Slack refuses what Slack refuses, so no test of the app can pass on a message or a form Slack would not
 * take: blocks beyond their limits, over-long texts, invalid views, and trigger ids that are unknown, used or stale.
 */

let slack: FakeSlack | undefined;
afterEach(async () => {
  await slack?.close();
  slack = undefined;
});

const start = async (options: FakeSlackOptions = {}) => {
  slack = await FakeSlack.start({ channels: [{ id: 'CAGENTS', name: 'agents', kind: 'channel', members: ['UBOB'] }], ...options });
  return slack;
};

async function call(fake: FakeSlack, method: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await fetch(`${fake.apiUrl}${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${fake.token}` },
    body: JSON.stringify(args),
  });
  return (await res.json()) as Record<string, unknown>;
}

const plain = (text: string) => ({ type: 'plain_text', text });
const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const form = (title = 'Fin needs input') => ({
  type: 'modal',
  title: plain(title),
  submit: plain('Send'),
  blocks: [{ type: 'input', label: plain('Reason'), element: { type: 'plain_text_input', action_id: 'value' } }],
});

describe('the fake Slack refuses what Slack refuses', () => {
  it('refuses blocks beyond a limit (invalid_blocks), saying where, and posts nothing', async () => {
    const fake = await start();
    const answer = await call(fake, 'chat.postMessage', { channel: 'CAGENTS', text: 'hi', blocks: [section('x'.repeat(3_001))] });
    expect(answer).toMatchObject({ ok: false, error: 'invalid_blocks' });
    expect((answer.response_metadata as { messages: string[] }).messages).toEqual([
      '[ERROR] must be less than 3001 characters (is 3001) [json-pointer:/blocks/0/text/text]',
    ]);
    expect(fake.messages).toHaveLength(0);
  });

  it('refuses over-long texts (msg_too_long) and blocks carrying too much text together (msg_blocks_too_long)', async () => {
    const fake = await start();
    expect(await call(fake, 'chat.postMessage', { channel: 'CAGENTS', text: 'x'.repeat(40_001) })).toMatchObject({ error: 'msg_too_long' });
    const blocks = Array.from({ length: 5 }, () => section('x'.repeat(2_500)));
    expect(await call(fake, 'chat.postMessage', { channel: 'CAGENTS', text: 'hi', blocks })).toMatchObject({
      error: 'msg_blocks_too_long',
    });
    const posted = await call(fake, 'chat.postMessage', { channel: 'CAGENTS', text: 'hi', blocks: [section('fine')] });
    expect(posted.ok).toBe(true);
    const ts = posted.ts as string;
    expect(await call(fake, 'chat.update', { channel: 'CAGENTS', ts, text: 'x'.repeat(4_001) })).toMatchObject({ error: 'msg_too_long' });
    const tooMany = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    expect(await call(fake, 'chat.update', { channel: 'CAGENTS', ts, text: 'hi', blocks: tooMany })).toMatchObject({
      error: 'invalid_blocks',
    });
    expect(fake.message('CAGENTS', ts)?.edits).toBe(0);
    expect(await call(fake, 'chat.postEphemeral', { channel: 'CAGENTS', user: 'UBOB', text: 'x'.repeat(40_001) })).toMatchObject({
      error: 'msg_too_long',
    });
  });

  it('refuses an invalid view (invalid_arguments) on views.open and views.update', async () => {
    const fake = await start();
    const trigger = fake.issueTriggerId();
    expect(await call(fake, 'views.open', { trigger_id: trigger, view: form('A title longer than twenty-four') })).toMatchObject({
      ok: false,
      error: 'invalid_arguments',
    });
    const tooMany = { ...form(), blocks: Array.from({ length: 101 }, () => ({ type: 'divider' })) };
    expect(await call(fake, 'views.open', { trigger_id: trigger, view: tooMany })).toMatchObject({ error: 'invalid_arguments' });
    const big = { ...form(), private_metadata: 'x'.repeat(3_001) };
    expect(await call(fake, 'views.open', { trigger_id: trigger, view: big })).toMatchObject({ error: 'invalid_arguments' });
    // A refused view leaves the trigger id unused.
    const opened = await call(fake, 'views.open', { trigger_id: trigger, view: form() });
    expect(opened.ok).toBe(true);
    const id = (opened.view as { id: string }).id;
    const label = { ...form(), blocks: [{ type: 'input', label: plain('x'.repeat(2_001)), element: { type: 'plain_text_input' } }] };
    expect(await call(fake, 'views.update', { view_id: id, view: label })).toMatchObject({ error: 'invalid_arguments' });
    expect(await call(fake, 'views.update', { view_id: id, view: form('Sent') })).toMatchObject({ ok: true });
  });

  it('opens a view only with a trigger id it issued, once, within 3 seconds', async () => {
    const fake = await start({ triggerLifetimeMs: 200 });
    expect(await call(fake, 'views.open', { trigger_id: '123.456.made-up', view: form() })).toMatchObject({ error: 'invalid_trigger_id' });
    const press = JSON.parse(
      fake.buttonPress({ user: 'UBOB', message: fake.appMessage({ channel: 'CAGENTS', text: 'post' }), actionId: 'a', value: '1' })
        .payload ?? '{}',
    ) as { trigger_id: string };
    expect(await call(fake, 'views.open', { trigger_id: press.trigger_id, view: form() })).toMatchObject({ ok: true });
    expect(await call(fake, 'views.open', { trigger_id: press.trigger_id, view: form() })).toMatchObject({ error: 'exchanged_trigger_id' });
    const stale = fake.slashCommand({ user: 'UBOB', channel: 'CAGENTS', command: '/fin-procedure', text: '1' }).trigger_id ?? '';
    await new Promise((r) => setTimeout(r, 300));
    expect(await call(fake, 'views.open', { trigger_id: stale, view: form() })).toMatchObject({ error: 'expired_trigger_id' });
    expect(fake.views.size).toBe(1);
  });

  it('ages a trigger id from when the call arrived, not from when a delayed answer went out', async () => {
    const fake = await start({ triggerLifetimeMs: 200 });
    fake.delay('views.open', 400);
    expect(await call(fake, 'views.open', { trigger_id: fake.issueTriggerId(), view: form() })).toMatchObject({ ok: true });
  });
});
