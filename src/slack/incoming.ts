import type { ChannelType } from '../core/shared-types.ts';
import type { SharedFile } from '../core/shared-types.ts';
import { sharedFiles } from './files.ts';
import type { SlackMessageEvent } from './schemas.ts';

/** A message from a person that may be meant for Fin. */
export interface IncomingUserMessage {
  readonly teamId: string;
  readonly channelId: string;
  readonly channelType: ChannelType;
  readonly ts: string;
  /** The thread root: the message's own ts when it starts a thread. */
  readonly threadTs: string;
  readonly userId: string;
  readonly text: string;
  readonly mentionsApp: boolean;
  readonly hasFiles: boolean;
  readonly files: readonly SharedFile[];
  /** Counts only if its thread is already bridged to Fin (a plain reply in a channel thread). */
  readonly needsBridgedThread: boolean;
}

export type Classification =
  | { readonly kind: 'candidate'; readonly message: IncomingUserMessage }
  | { readonly kind: 'ignore'; readonly reason: string };

/** Subtypes that are still a person writing: a reply also sent to the channel, a message with files. */
const PERSON_SUBTYPES = new Set(['thread_broadcast', 'file_share']);

/**
 * Decides whether a Slack message event is a person talking to the app. Pure: the store decides later whether a
 * plain thread reply belongs to a bridged thread.
 */
export function classifyMessage(event: SlackMessageEvent, ctx: { teamId: string; botUserId: string }): Classification {
  if (event.subtype !== undefined && !PERSON_SUBTYPES.has(event.subtype)) {
    return { kind: 'ignore', reason: `subtype:${event.subtype}` };
  }
  if (event.bot_id !== undefined) return { kind: 'ignore', reason: 'bot' };
  if (event.user === undefined) return { kind: 'ignore', reason: 'no_user' };
  if (event.user === ctx.botUserId) return { kind: 'ignore', reason: 'self' };

  const channelType = channelTypeOf(event);
  const mentionsApp = event.type === 'app_mention' || mentions(event.text ?? '', ctx.botUserId);
  const isDm = channelType === 'im';
  const isThreadReply = event.thread_ts !== undefined && event.thread_ts !== event.ts;
  if (!isDm && !mentionsApp && !isThreadReply) return { kind: 'ignore', reason: 'not_addressed' };

  return {
    kind: 'candidate',
    message: {
      teamId: event.team ?? ctx.teamId,
      channelId: event.channel,
      channelType,
      ts: event.ts,
      threadTs: event.thread_ts ?? event.ts,
      userId: event.user,
      text: event.text ?? '',
      mentionsApp,
      hasFiles: (event.files?.length ?? 0) > 0,
      files: sharedFiles(event.files),
      needsBridgedThread: !isDm && !mentionsApp,
    },
  };
}

/** A person edited or deleted one of their messages. */
export type MessageRevision =
  | {
      readonly kind: 'edited';
      readonly teamId: string;
      readonly channelId: string;
      readonly ts: string;
      readonly threadTs: string;
      readonly userId: string;
      readonly text: string;
    }
  | { readonly kind: 'deleted'; readonly teamId: string; readonly channelId: string; readonly ts: string; readonly threadTs: string };

/** Reads a `message_changed` or `message_deleted` event about a person's message in a thread; undefined otherwise. */
export function classifyRevision(event: SlackMessageEvent, ctx: { teamId: string; botUserId: string }): MessageRevision | undefined {
  const teamId = event.team ?? ctx.teamId;
  const person = (user: string | undefined) => user !== undefined && user !== ctx.botUserId;
  if (
    event.subtype === 'message_changed' &&
    event.message !== undefined &&
    person(event.message.user) &&
    event.message.bot_id === undefined
  ) {
    const { ts, thread_ts: threadTs } = event.message;
    if (threadTs === undefined || threadTs === ts) return undefined;
    // Slack also reports a message "changed" when it adds a link preview: the words are the same.
    if (event.previous_message?.text === event.message.text) return undefined;
    return {
      kind: 'edited',
      teamId,
      channelId: event.channel,
      ts,
      threadTs,
      userId: event.message.user ?? '',
      text: event.message.text ?? '',
    };
  }
  if (event.subtype === 'message_deleted' && event.deleted_ts !== undefined && person(event.previous_message?.user)) {
    const threadTs = event.previous_message?.thread_ts;
    if (threadTs === undefined || threadTs === event.deleted_ts) return undefined;
    return { kind: 'deleted', teamId, channelId: event.channel, ts: event.deleted_ts, threadTs };
  }
  return undefined;
}

export function mentions(text: string, userId: string): boolean {
  return text.includes(`<@${userId}>`) || text.includes(`<@${userId}|`);
}

function channelTypeOf(event: SlackMessageEvent): ChannelType {
  switch (event.channel_type) {
    case 'im':
    case 'mpim':
    case 'channel':
    case 'group':
      return event.channel_type;
    default:
      // app_mention carries no channel_type.
      return channelTypeFromId(event.channel);
  }
}

/** When Slack gives no channel type, the id's prefix tells DMs (D…) and private channels (G…) apart. */
export function channelTypeFromId(channelId: string): ChannelType {
  if (channelId.startsWith('D')) return 'im';
  if (channelId.startsWith('G')) return 'group';
  return 'channel';
}
