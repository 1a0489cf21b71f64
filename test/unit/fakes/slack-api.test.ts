import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeSlack } from '../../../fakes/slack-api.ts';

/**
 * The fake Slack's shortcut payloads and permalinks are shaped as Slack's: a message shortcut's `message` carries its
 * thread (`thread_ts` and `parent_user_id` on a reply; on a parent with replies its `thread_ts`, `reply_count`,
 * `reply_users`, `latest_reply`), and `chat.getPermalink` names the thread of a reply (`?thread_ts=…&cid=…`).
 */

const CHANNEL = 'CSUPPORT';
let slack: FakeSlack;

beforeEach(async () => {
  slack = await FakeSlack.start({
    users: [
      { id: 'UALICE', name: 'alice' },
      { id: 'UCARLOS', name: 'carlos' },
    ],
    channels: [{ id: CHANNEL, name: 'support', kind: 'channel', members: ['UALICE', 'UCARLOS'] }],
  });
});

afterEach(async () => {
  await slack.close();
});

/** The message of a `message_action` payload the fake builds for `ts`. */
function shortcutMessage(ts: string): Record<string, unknown> {
  const message = slack.message(CHANNEL, ts);
  if (message === undefined) throw new Error(`no message ${ts}`);
  const form = slack.messageShortcut({ user: 'UALICE', message, callbackId: 'fin_ask_about' });
  const payload = JSON.parse(form.payload ?? '{}') as Record<string, unknown>;
  expect(payload).toMatchObject({
    type: 'message_action',
    callback_id: 'fin_ask_about',
    message_ts: ts,
    channel: { id: CHANNEL, name: 'support' },
    user: { id: 'UALICE' },
    team: { id: slack.teamId },
  });
  expect(typeof payload.trigger_id).toBe('string');
  expect(typeof payload.response_url).toBe('string');
  return payload.message as Record<string, unknown>;
}

async function getPermalink(ts: string): Promise<unknown> {
  const res = await fetch(`${slack.apiUrl}chat.getPermalink`, {
    method: 'POST',
    headers: { authorization: `Bearer ${slack.token}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ channel: CHANNEL, message_ts: ts }).toString(),
  });
  return ((await res.json()) as { permalink?: unknown }).permalink;
}

describe('a message shortcut’s payload', () => {
  it('gives a message in no thread as it is, without thread fields', () => {
    const { ts } = slack.userMessage({ user: 'UCARLOS', channel: CHANNEL, text: 'A plain message' });
    const message = shortcutMessage(ts);
    expect(message).toEqual({ type: 'message', ts, text: 'A plain message', user: 'UCARLOS' });
  });

  it('gives a reply its thread and its parent’s author, and a parent its replies', () => {
    const root = slack.userMessage({ user: 'UALICE', channel: CHANNEL, text: 'Locked out?' }).ts;
    const first = slack.userMessage({ user: 'UCARLOS', channel: CHANNEL, text: 'Me too', threadTs: root }).ts;
    const second = slack.userMessage({ user: 'UCARLOS', channel: CHANNEL, text: 'Still', threadTs: root }).ts;
    expect(shortcutMessage(first)).toEqual({
      type: 'message',
      ts: first,
      text: 'Me too',
      user: 'UCARLOS',
      thread_ts: root,
      parent_user_id: 'UALICE',
    });
    expect(shortcutMessage(root)).toMatchObject({
      ts: root,
      thread_ts: root,
      reply_count: 2,
      reply_users_count: 1,
      reply_users: ['UCARLOS'],
      latest_reply: second,
    });
  });
});

describe('permalinks', () => {
  it('link a message in no thread by channel and ts, and a reply with its thread and channel, as chat.getPermalink does', async () => {
    const root = slack.userMessage({ user: 'UALICE', channel: CHANNEL, text: 'Locked out?' }).ts;
    const reply = slack.userMessage({ user: 'UCARLOS', channel: CHANNEL, text: 'Me too', threadTs: root }).ts;
    const rootLink = `https://fake.slack.com/archives/${CHANNEL}/p${root.replace('.', '')}`;
    expect(slack.permalinkOf(CHANNEL, root)).toBe(rootLink);
    expect(await getPermalink(root)).toBe(rootLink);
    const replyLink = `https://fake.slack.com/archives/${CHANNEL}/p${reply.replace('.', '')}?thread_ts=${root}&cid=${CHANNEL}`;
    expect(slack.permalinkOf(CHANNEL, reply)).toBe(replyLink);
    expect(await getPermalink(reply)).toBe(replyLink);
  });
});
