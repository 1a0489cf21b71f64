import { errorCode } from '../core/errors.ts';
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../core/log.ts';
import type { FinMessage } from '../fin/schemas.ts';
import type { SlackDirectory } from './directory.ts';
import { mentionedUserIds, slackToPlainText } from './plain-text.ts';
import { conversationsRepliesSchema } from './schemas.ts';
import { compareTs, slackTsToIso } from './timestamps.ts';

/** Fin reads at most this many earlier messages. */
export const HISTORY_LIMIT = 10;

/**
 * The thread's messages before `beforeTs` (and after `afterTs`, when given), newest last, as Fin history: people and
 * other bots are `user` (named when they are not the one asking), the app's own messages are `fin`. A thread Slack
 * will not show us (missing scope, rate limit) yields no history rather than no answer.
 */
export async function threadHistory(
  deps: { client: WebClient; directory: SlackDirectory; logger: Logger },
  thread: {
    channelId: string;
    threadTs: string;
    beforeTs: string;
    afterTs?: string | undefined;
    askerId: string;
    botUserId: string;
    botId?: string;
  },
): Promise<FinMessage[]> {
  const earlier: { ts: string; user?: string; botId?: string; botName?: string; text: string }[] = [];
  try {
    for await (const m of threadReplies(deps.client, thread)) {
      if (compareTs(m.ts, thread.beforeTs) >= 0) continue;
      if (thread.afterTs !== undefined && compareTs(m.ts, thread.afterTs) <= 0) continue;
      if (m.subtype !== undefined && m.subtype !== 'thread_broadcast' && m.subtype !== 'file_share' && m.subtype !== 'bot_message')
        continue;
      const text = m.text ?? '';
      if (text.trim() === '') continue;
      earlier.push({
        ts: m.ts,
        text,
        ...(m.user ? { user: m.user } : {}),
        ...(m.bot_id ? { botId: m.bot_id } : {}),
        ...(m.bot_profile?.name ? { botName: m.bot_profile.name } : {}),
      });
    }
  } catch (error) {
    deps.logger.warn({ channelId: thread.channelId, error: errorCode(error) }, 'could not read thread history');
    return [];
  }
  const recent = earlier.sort((a, b) => compareTs(a.ts, b.ts)).slice(-HISTORY_LIMIT);
  // Speakers first: if the thread mentions more people than are looked up, who said what matters most.
  const speakers = recent.flatMap((m) => (m.user ? [m.user] : []));
  const ids = [...speakers, ...recent.flatMap((m) => mentionedUserIds(m.text, thread.botUserId))];
  const names = await deps.directory.userNames(ids);
  return recent.map((m) => {
    const ours = m.user === thread.botUserId || (thread.botId !== undefined && m.botId === thread.botId);
    const body = slackToPlainText(m.text, { botUserId: thread.botUserId, userNames: names });
    if (ours) return { author: 'fin', body, timestamp: slackTsToIso(m.ts) };
    // Another bot's post (an alert, a form) is context the user may be asking about; it is not a human agent.
    if (m.botId !== undefined || m.user === undefined) {
      return { author: 'user', body: `${m.botName ?? 'A bot'}: ${body}`, timestamp: slackTsToIso(m.ts) };
    }
    const speaker = m.user === thread.askerId ? undefined : (names.get(m.user) ?? m.user);
    return { author: 'user', body: speaker ? `${speaker}: ${body}` : body, timestamp: slackTsToIso(m.ts) };
  });
}

/**
 * The app's own messages in a thread after `oldest` (newest last), or undefined when Slack will not show the thread.
 * Used after a restart to find messages the app posted just before it died, without having recorded them.
 */
export async function ownMessagesInThread(
  deps: { client: WebClient; logger: Logger },
  thread: { channelId: string; threadTs: string; oldest: string; botUserId: string; botId?: string },
): Promise<{ ts: string; text: string }[] | undefined> {
  try {
    const own: { ts: string; text: string }[] = [];
    for await (const m of threadReplies(deps.client, thread)) {
      const mine = m.user === thread.botUserId || (thread.botId !== undefined && m.bot_id === thread.botId);
      if (mine && compareTs(m.ts, thread.oldest) > 0) own.push({ ts: m.ts, text: m.text ?? '' });
    }
    return own.sort((a, b) => compareTs(a.ts, b.ts));
  } catch (error) {
    deps.logger.warn({ channelId: thread.channelId, error: errorCode(error) }, "could not read the app's own messages in a thread");
    return undefined;
  }
}

/**
 * The thread a message is in (its parent's ts; a message outside any thread is its own parent), or undefined when
 * Slack will not show the message. Asked with the message's own ts, Slack answers with that message alone.
 */
export async function threadOfMessage(
  deps: { client: WebClient; logger: Logger },
  channelId: string,
  ts: string,
): Promise<string | undefined> {
  try {
    const parsed = conversationsRepliesSchema.parse(await deps.client.conversations.replies({ channel: channelId, ts, limit: 1 }));
    const message = parsed.messages.find((m) => m.ts === ts) ?? parsed.messages[0];
    return message === undefined ? undefined : (message.thread_ts ?? message.ts);
  } catch (error) {
    deps.logger.info({ channelId, error: errorCode(error) }, 'could not find the thread of a message');
    return undefined;
  }
}

/** A thread's messages (after `oldest`, when given), page by page: at most 1,000, which is plenty for what is read. */
async function* threadReplies(
  client: WebClient,
  thread: { channelId: string; threadTs: string; oldest?: string },
): AsyncGenerator<ReturnType<typeof conversationsRepliesSchema.parse>['messages'][number]> {
  let cursor: string | undefined;
  for (let page = 0; page < 5; page += 1) {
    const raw = await client.conversations.replies({
      channel: thread.channelId,
      ts: thread.threadTs,
      limit: 200,
      ...(thread.oldest !== undefined ? { oldest: thread.oldest } : {}),
      ...(cursor ? { cursor } : {}),
    });
    const parsed = conversationsRepliesSchema.parse(raw);
    yield* parsed.messages;
    cursor = parsed.response_metadata?.next_cursor || undefined;
    if (!parsed.has_more || !cursor) return;
  }
}
