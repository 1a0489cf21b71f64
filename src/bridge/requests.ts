import type { FinMessage, FinTurnRequest } from '../fin/schemas.ts';
import type { SlackDirectory } from '../slack/directory.ts';
import type { SharedFile } from '../core/shared-types.ts';
import type { FileDownload } from '../slack/files.ts';
import { mentionedUserIds, slackToPlainText } from '../slack/plain-text.ts';
import type { Conversation } from '../store/conversations.ts';
import type { InboundMessage } from '../store/inbound.ts';
import type { Turn } from '../store/turns.ts';
import { HISTORY_LIMIT } from '../slack/history.ts';
import { gatherAttachments } from './attachments.ts';
import { decodePriorHistory } from './prior-history.ts';
import { skippedFilesNotice } from './copy.ts';
import { AppError } from '../core/errors.ts';

export interface RequestDeps {
  readonly directory: SlackDirectory;
  /** The thread's messages before `beforeTs` (and after `afterTs`, when given), newest last, at most `HISTORY_LIMIT`. */
  readonly history: (thread: {
    channelId: string;
    threadTs: string;
    beforeTs: string;
    afterTs?: string | undefined;
    askerId: string;
  }) => Promise<FinMessage[]>;
  readonly botUserId: string;
  readonly downloadFile: (file: SharedFile) => Promise<FileDownload>;
  /** Largest file sent to Fin, in bytes (for the notice about the ones left out). */
  readonly maxFileBytes: number;
}

/**
 * Longest message body sent to Fin, in characters. Fin documents no limit; past this a message is almost certainly
 * pasted logs, and a bounded request keeps Fin's answer and the app's memory predictable.
 */
export const MAX_BODY_CHARS = 10_000;

export interface BuiltTurn {
  readonly request: FinTurnRequest;
  /** The Slack ids of the files in `request.attachments`, in order: what is recorded instead of their contents. */
  readonly attachedFileIds: readonly string[];
  /** The body was cut to `MAX_BODY_CHARS` (the user is told, by a notice of its own: `longMessageNotice`). */
  readonly cut: boolean;
  /** What the user should know about the files they shared (some left out). */
  readonly notice: string | undefined;
}

/** The text of a turn's messages as Fin receives it, and whether it had to be cut to `MAX_BODY_CHARS`. */
export interface TurnBody {
  readonly text: string;
  readonly cut: boolean;
}

/** Stands in for the text of a message that only shared files, so Fin never receives an empty body. */
export const FILES_ONLY_BODY = '(shared a file)';

/**
 * The request for one turn: the user's messages (several if they were queued while Fin was busy) as one plain
 * text body with the files they shared, who wrote them, and, when a conversation starts inside an existing thread,
 * what was said before.
 */
export async function buildTurnRequest(
  deps: RequestDeps,
  conv: Conversation,
  turn: Turn,
  messages: readonly InboundMessage[],
  /** The body, when it was worked out already (`turnBody`, before the placeholder). */
  known?: TurnBody,
): Promise<BuiltTurn> {
  const first = messages[0];
  if (first === undefined) throw new AppError('invariant_broken', `turn ${turn.id} has no messages`);
  const [{ text: body, cut }, profile] = await Promise.all([known ?? turnBody(deps, turn, messages), deps.directory.user(turn.userId)]);
  const { attachments, fileIds, skipped } = await gatherAttachments(
    messages.flatMap((m) => m.files),
    deps.downloadFile,
    { procedure: turn.procedureId !== null },
  );
  const notice = skipped.length > 0 ? skippedFilesNotice(skipped, deps.maxFileBytes) : undefined;

  const request: FinTurnRequest = {
    conversation_id: conv.id,
    message: { author: 'user', body, timestamp: turn.messageTimestamp },
    user: {
      id: turn.userId,
      ...(profile.name !== undefined ? { name: profile.name } : {}),
      ...(profile.email !== undefined ? { email: profile.email } : {}),
    },
    ...(attachments.length > 0 ? { attachments } : {}),
  };
  if (turn.kind !== 'start') return { request, attachedFileIds: fileIds, cut, notice };

  const named = conv.channelType === 'channel' || conv.channelType === 'group';
  // A private answer shared into the thread: its question and answer come first, then what the thread said after them.
  const prior = decodePriorHistory(conv.priorHistory);
  const [channel, thread] = await Promise.all([
    // Only channels have names worth sending (and the app has no scope to look up DMs).
    named ? deps.directory.channel(conv.channelId) : Promise.resolve({ name: undefined }),
    // A thread that existed before the app was asked has context worth sending.
    first.ts !== conv.threadTs
      ? deps.history({
          channelId: conv.channelId,
          threadTs: conv.threadTs,
          beforeTs: first.ts,
          afterTs: prior?.afterTs,
          askerId: turn.userId,
        })
      : Promise.resolve([]),
  ]);
  const earlier = prior?.messages ?? [];
  const history = [...earlier, ...thread.slice(-Math.max(0, HISTORY_LIMIT - earlier.length))].slice(-HISTORY_LIMIT);
  const attributes: Record<string, string> = {
    slack_team_id: conv.teamId,
    slack_channel_id: conv.channelId,
    slack_channel_type: conv.channelType,
    slack_thread_ts: conv.threadTs,
  };
  if (channel.name !== undefined) attributes.slack_channel_name = channel.name;
  request.conversation_metadata = { attributes, ...(history.length > 0 ? { history } : {}) };
  return { request, attachedFileIds: fileIds, cut, notice };
}

/**
 * The plain text Fin receives for a turn's messages (several if they were queued while Fin was busy, joined), with
 * the people they mention named, cut to `MAX_BODY_CHARS`.
 */
export async function turnBody(
  deps: Pick<RequestDeps, 'directory' | 'botUserId'>,
  turn: Turn,
  messages: readonly InboundMessage[],
): Promise<TurnBody> {
  const ids = [...new Set(messages.flatMap((m) => mentionedUserIds(m.text, deps.botUserId)))];
  const names = await deps.directory.userNames(ids);
  const texts = messages.map((m) => slackToPlainText(m.text, { botUserId: deps.botUserId, userNames: names }));
  // A procedure may start without a message (the body stays empty and is left out); anything else had files.
  const whole =
    turn.procedureId !== null && texts.every((t) => t === '')
      ? ''
      : texts.map((text) => (text === '' ? FILES_ONLY_BODY : text)).join('\n\n');
  const text = capBody(whole);
  return { text, cut: text.length < whole.length };
}

/**
 * Whether the messages may make a body longer than `MAX_BODY_CHARS`: only then is the body worth working out before
 * the placeholder goes up (it may look up the names of the people mentioned, which a short message need not wait
 * for). Plain text is no longer than Slack's markup but where a mention becomes a name, so half the cap in markup leaves a
 * wide margin.
 */
export function mayBeCut(messages: readonly InboundMessage[]): boolean {
  return messages.reduce((n, m) => n + m.text.length, 0) > MAX_BODY_CHARS / 2;
}

/**
 * A recorded request made whole again for a resend: the files it attached are downloaded anew (their contents are
 * never stored). A file that can no longer be read is left out; the message itself goes as before.
 */
export async function withAttachments(
  deps: Pick<RequestDeps, 'downloadFile'>,
  recorded: FinTurnRequest,
  fileIds: readonly string[],
  messages: readonly InboundMessage[],
): Promise<FinTurnRequest> {
  if (fileIds.length === 0) return recorded;
  const byId = new Map(messages.flatMap((m) => m.files).map((f) => [f.id, f]));
  const files = fileIds.map((id) => byId.get(id)).filter((f) => f !== undefined);
  const { attachments } = await gatherAttachments(files, deps.downloadFile, { procedure: false });
  return attachments.length > 0 ? { ...recorded, attachments } : recorded;
}

/**
 * A question about a message, as the person's message to Fin: the message (who wrote it, quoted) first, so Fin knows
 * what "this" is wherever the message sits in its thread, then the question. In Slack's markup, like any message.
 */
export function questionAbout(about: { author: string; text: string }, question: string): string {
  const quoted = about.text
    .trim()
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
  return `About this message from ${about.author}:\n${quoted}\n\n${question}`;
}

/** The request as it is recorded: everything but the files' contents. */
export function recordable(request: FinTurnRequest): FinTurnRequest {
  const { attachments: _files, ...rest } = request;
  return rest;
}

/** The body cut to `MAX_BODY_CHARS` characters (whole code points), at a word if one is near, marked as cut. */
function capBody(body: string): string {
  if (body.length <= MAX_BODY_CHARS) return body;
  const points = Array.from(body);
  if (points.length <= MAX_BODY_CHARS) return body;
  const head = points.slice(0, MAX_BODY_CHARS - 1).join('');
  const space = head.lastIndexOf(' ');
  return `${space > head.length - 200 ? head.slice(0, space) : head}…`;
}
