import { describe, expect, it } from 'vitest';
import { classifyMessage, classifyRevision } from '../../../src/slack/incoming.ts';
import type { SlackMessageEvent } from '../../../src/slack/schemas.ts';

const ctx = { teamId: 'T1', botUserId: 'UFIN' };
const base: SlackMessageEvent = { type: 'message', channel: 'C1', channel_type: 'channel', user: 'UA', text: 'hi', ts: '100.000001' };

describe('classifyMessage', () => {
  it('takes a mention in a channel, rooted at its own ts', () => {
    const c = classifyMessage({ ...base, type: 'app_mention', channel_type: undefined, text: '<@UFIN> hi' }, ctx);
    expect(c).toMatchObject({
      kind: 'candidate',
      message: { threadTs: '100.000001', mentionsApp: true, needsBridgedThread: false, channelType: 'channel' },
    });
  });

  it('treats a message event that mentions the app like the app_mention for it', () => {
    const c = classifyMessage({ ...base, text: 'hey <@UFIN>' }, ctx);
    expect(c).toMatchObject({ kind: 'candidate', message: { mentionsApp: true } });
  });

  it('takes any DM, and a DM thread reply continues that thread', () => {
    expect(classifyMessage({ ...base, channel: 'D1', channel_type: 'im' }, ctx)).toMatchObject({
      kind: 'candidate',
      message: { channelType: 'im', needsBridgedThread: false },
    });
    expect(classifyMessage({ ...base, channel: 'D1', channel_type: 'im', thread_ts: '99.1' }, ctx)).toMatchObject({
      message: { threadTs: '99.1' },
    });
  });

  it('takes a plain thread reply only if its thread turns out to be bridged', () => {
    const c = classifyMessage({ ...base, thread_ts: '99.000001' }, ctx);
    expect(c).toMatchObject({ kind: 'candidate', message: { threadTs: '99.000001', needsBridgedThread: true } });
  });

  it.each([
    ['top-level chatter', { text: 'hello all' }, 'not_addressed'],
    ['another bot', { bot_id: 'B2' }, 'bot'],
    ['itself', { user: 'UFIN' }, 'self'],
    ['an edit', { subtype: 'message_changed', user: undefined }, 'subtype:message_changed'],
    ['a deletion', { subtype: 'message_deleted' }, 'subtype:message_deleted'],
    ['a join', { subtype: 'channel_join' }, 'subtype:channel_join'],
    ['no author', { user: undefined }, 'no_user'],
  ])('ignores %s', (_name, patch, reason) => {
    expect(classifyMessage({ ...base, ...patch } as SlackMessageEvent, ctx)).toEqual({ kind: 'ignore', reason });
  });

  it('keeps people writing with files or broadcasting a reply', () => {
    expect(classifyMessage({ ...base, subtype: 'file_share', text: '<@UFIN>', files: [{ id: 'F1' }] }, ctx)).toMatchObject({
      message: { hasFiles: true },
    });
    expect(classifyMessage({ ...base, subtype: 'thread_broadcast', thread_ts: '99.1' }, ctx)).toMatchObject({ kind: 'candidate' });
  });

  it('tells channel kinds apart when Slack omits channel_type', () => {
    const types = ['D1', 'G1', 'C1'].map((channel) => {
      const c = classifyMessage({ ...base, type: 'app_mention', channel, channel_type: undefined, text: '<@UFIN> x' }, ctx);
      return c.kind === 'candidate' ? c.message.channelType : undefined;
    });
    expect(types).toEqual(['im', 'group', 'channel']);
  });
});

describe('classifyRevision', () => {
  const ctx = { teamId: 'T1', botUserId: 'UBOT' };
  const base = { type: 'message' as const, channel: 'C1', ts: '9.9' };
  it('reads a person’s edit or deletion of a thread reply', () => {
    expect(
      classifyRevision({ ...base, subtype: 'message_changed', message: { user: 'U1', text: 'new', ts: '2.2', thread_ts: '1.1' } }, ctx),
    ).toEqual({ kind: 'edited', teamId: 'T1', channelId: 'C1', ts: '2.2', threadTs: '1.1', userId: 'U1', text: 'new' });
    expect(
      classifyRevision(
        { ...base, subtype: 'message_deleted', deleted_ts: '2.2', previous_message: { user: 'U1', ts: '2.2', thread_ts: '1.1' } },
        ctx,
      ),
    ).toEqual({
      kind: 'deleted',
      teamId: 'T1',
      channelId: 'C1',
      ts: '2.2',
      threadTs: '1.1',
    });
  });

  it('ignores the app’s own edits, bots, messages outside threads and new messages', () => {
    expect(
      classifyRevision({ ...base, subtype: 'message_changed', message: { user: 'UBOT', text: 'x', ts: '2.2', thread_ts: '1.1' } }, ctx),
    ).toBeUndefined();
    expect(
      classifyRevision(
        { ...base, subtype: 'message_changed', message: { user: 'U1', bot_id: 'B1', text: 'x', ts: '2.2', thread_ts: '1.1' } },
        ctx,
      ),
    ).toBeUndefined();
    expect(
      classifyRevision({ ...base, subtype: 'message_changed', message: { user: 'U1', text: 'x', ts: '1.1', thread_ts: '1.1' } }, ctx),
    ).toBeUndefined();
    expect(
      classifyRevision(
        { ...base, subtype: 'message_deleted', deleted_ts: '2.2', previous_message: { bot_id: 'B1', ts: '2.2', thread_ts: '1.1' } },
        ctx,
      ),
    ).toBeUndefined();
    expect(classifyRevision({ ...base, user: 'U1', text: 'hello' }, ctx)).toBeUndefined();
    // A link preview added by Slack changes the message, not its words.
    expect(
      classifyRevision(
        {
          ...base,
          subtype: 'message_changed',
          message: { user: 'U1', text: 'see x.com', ts: '2.2', thread_ts: '1.1' },
          previous_message: { user: 'U1', text: 'see x.com', ts: '2.2' },
        },
        ctx,
      ),
    ).toBeUndefined();
  });
});
