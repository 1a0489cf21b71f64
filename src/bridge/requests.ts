import type { FinMessage, FinTurnRequest } from '../fin/schemas.ts';
import type { SlackDirectory } from '../slack/directory.ts';
import { mentionedUserIds, slackToPlainText } from '../slack/plain-text.ts';
import type { Conversation } from '../store/conversations.ts';
import type { InboundMessage } from '../store/inbound.ts';
import type { Turn } from '../store/turns.ts';

export interface RequestDeps {
  readonly directory: SlackDirectory;
  readonly history: (thread: {
    channelId: string;
    threadTs: string;
    beforeTs: string;
    askerId: string;
  }) => Promise<FinMessage[]>;
  readonly botUserId: string;
}

/** Stands in for the text of a message that only shared files, so Fin never receives an empty body. */
export const FILES_ONLY_BODY = '(shared a file)';

/**
 * The request for one turn: the user's messages (several if they were queued while Fin was busy) as one plain
 * text body, who wrote them, and, when a conversation starts inside an existing thread, what was said before.
 */
export async function buildTurnRequest(
  deps: RequestDeps,
  conv: Conversation,
  turn: Turn,
  messages: readonly InboundMessage[],
): Promise<FinTurnRequest> {
  const first = messages[0];
  if (first === undefined) throw new Error(`turn ${turn.id} has no messages`);
  const ids = [...new Set(messages.flatMap((m) => mentionedUserIds(m.text, deps.botUserId)))];
  const [names, profile] = await Promise.all([deps.directory.userNames(ids), deps.directory.user(turn.userId)]);
  const texts = messages.map((m) => slackToPlainText(m.text, { botUserId: deps.botUserId, userNames: names }));
  // A procedure may start without a message (the body stays empty and is left out); anything else had files.
  const body =
    turn.procedureId !== null && texts.every((t) => t === '')
      ? ''
      : texts.map((text) => (text === '' ? FILES_ONLY_BODY : text)).join('\n\n');

  const request: FinTurnRequest = {
    conversation_id: conv.id,
    message: { author: 'user', body, timestamp: turn.messageTimestamp },
    user: {
      id: turn.userId,
      ...(profile.name !== undefined ? { name: profile.name } : {}),
      ...(profile.email !== undefined ? { email: profile.email } : {}),
    },
  };
  if (turn.kind !== 'start') return request;

  const named = conv.channelType === 'channel' || conv.channelType === 'group';
  const [channel, history] = await Promise.all([
    // Only channels have names worth sending (and the app has no scope to look up DMs).
    named ? deps.directory.channel(conv.channelId) : Promise.resolve({ name: undefined }),
    // A thread that existed before the app was asked has context worth sending.
    first.ts !== conv.threadTs
      ? deps.history({ channelId: conv.channelId, threadTs: conv.threadTs, beforeTs: first.ts, askerId: turn.userId })
      : Promise.resolve([]),
  ]);
  const attributes: Record<string, string> = {
    slack_team_id: conv.teamId,
    slack_channel_id: conv.channelId,
    slack_channel_type: conv.channelType,
    slack_thread_ts: conv.threadTs,
  };
  if (channel.name !== undefined) attributes.slack_channel_name = channel.name;
  request.conversation_metadata = { attributes, ...(history.length > 0 ? { history } : {}) };
  return request;
}
