import { MESSAGE_LIMIT } from '../slack/limits.ts';
import type { FinApiError } from '../core/errors.ts';
import { codeSpan, escapeText, safeLink } from '../format/escape.ts';
import { MAX_ATTACHMENTS, type SkipReason } from './attachments.ts';

/** Every line the app itself says to users, in one place so the voice stays consistent. */

export const PLACEHOLDER = ':hourglass_flowing_sand: Fin is thinking…';

export const EMPTY_MESSAGE_PROMPT =
  "Hi! I'm Fin. Ask me your question in this thread (for example, _How do I reset my password?_) and I'll answer here.";

/** The mark on Fin's own hand-off reply, which already tells the customer a person will follow up. */
export const ESCALATED_REACTION = 'raising_hand';
export const ESCALATED_NOTICE = ':raising_hand: I’ve passed this conversation to our support team. A person will follow up with you.';

export const TIMED_OUT_NOTICE =
  ':hourglass: Fin is taking longer than usual. Its answer will appear here when it arrives; if you would rather not wait, send your message again.';

export const STREAM_LOST_TEXT = ':warning: The connection to Fin dropped before its answer arrived. Please send your message again.';

/** Shown under streamed text while Fin is still writing. */
export const TYPING_SUFFIX = ' :writing_hand:';

/**
 * Interim edits stay well under the ~4,000-character edit limit, counted in UTF-8 bytes so that text in any script
 * fits (3,500 bytes, less room for the marker); the newest text is what matters.
 */
const INTERIM_LIMIT_BYTES = MESSAGE_LIMIT - 100;

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** Streamed text while Fin is still writing: escaped, the newest part if it is long, and a typing marker. */
export function streamingText(text: string): string {
  return `${streamedText(text)}${TYPING_SUFFIX}`;
}

/** Streamed text as it stays once streaming stopped without a final answer. */
export function streamedText(text: string): string {
  let raw = text;
  let escaped = escapeText(raw);
  if (bytes(escaped) <= INTERIM_LIMIT_BYTES) return escaped;
  // Cut the raw text, not the escaped one, so an entity such as &amp; is never split: keep the longest tail whose
  // escaped form fits, then start at a word.
  const chars = Array.from(raw);
  let start = chars.length;
  for (let size = 0; start > 0; start -= 1) {
    const c = chars[start - 1] ?? '';
    size += c === '&' ? 5 : c === '<' || c === '>' ? 4 : bytes(c);
    if (size > INTERIM_LIMIT_BYTES) break;
  }
  raw = chars.slice(start).join('');
  escaped = escapeText(raw);
  // Escaping may add a little more (a neutralised @here); trim until it fits.
  while (bytes(escaped) > INTERIM_LIMIT_BYTES) {
    raw = Array.from(raw).slice(16).join('');
    escaped = escapeText(raw);
  }
  const space = raw.search(/\s/);
  if (space !== -1 && space < 200) escaped = escapeText(raw.slice(space + 1));
  return `…${escaped}`;
}

/** What the user reads when Fin could not take their message. Short, specific, and never technical. */
export function finErrorText(error: FinApiError): string {
  switch (error.failure) {
    case 'unreachable':
      return ":warning: I couldn't reach Fin just now, so your message wasn't answered. Please try again in a moment.";
    case 'unauthorized':
      return ":warning: Fin isn't available: this app's connection to Intercom was refused. Please let your Slack admin know.";
    case 'rate_limited':
      return ':warning: Fin is handling a lot of questions right now. Please try again in a minute.';
    case 'server_error':
      return ':warning: Fin ran into a problem on its side and could not answer. Please try again in a moment.';
    case 'not_found':
      return ":warning: Fin no longer has this conversation, so it didn't see your message. Please start a new thread to ask again.";
    case 'rejected':
      // Fin's own reason is written for developers; it goes to the log, not to the user.
      return ':warning: Fin could not accept this message. Please rephrase it or try again; if it keeps happening, let your Slack admin know.';
  }
}

/**
 * What the user reads when a procedure could not start, for the reasons Fin gives (documented for
 * /fin/procedures/{id}/run); undefined for any other error.
 */
export function procedureErrorText(error: FinApiError, procedureId: string): string | undefined {
  if (error.failure !== 'rejected' && error.failure !== 'not_found') return undefined;
  const id = codeSpan(procedureId);
  const reason = error.finMessage ?? '';
  if (/procedure not found/i.test(reason) || error.failure === 'not_found')
    return `:warning: Fin has no procedure ${id}. Please check the procedure id.`;
  if (/not live/i.test(reason)) return `:warning: The procedure ${id} is not live yet: publish it in Intercom first.`;
  if (/api trigger/i.test(reason))
    return `:warning: The procedure ${id} cannot be started from Slack: it needs an API trigger in Intercom.`;
  if (/fin profile/i.test(reason))
    return ':warning: No Fin profile is set up to handle this conversation. Please ask your Intercom admin to configure one.';
  if (/session already exists/i.test(reason))
    return ':warning: This thread already has a conversation with Fin, so a procedure cannot start in it. Start it in a new thread.';
  return undefined;
}

/** A question quoted as the person wrote it, line by line. */
function quote(text: string): string {
  return escapeText(text.trim())
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n');
}

/**
 * The root of a procedure's thread: who started which procedure (by name, when Fin listed it), with their message. In
 * the person's own DM with Fin (`you`), they are the only one to read it: it says "You".
 */
export function procedureStartedText(userId: string, procedureId: string, message: string, name?: string, you = false): string {
  const id = name === undefined ? codeSpan(procedureId) : `“${escapeText(name)}”`;
  const quoted = message.trim() === '' ? '' : `\n${quote(message)}`;
  return `:gear: ${you ? 'You' : `<@${userId}>`} asked Fin to run the procedure ${id}.${quoted}`;
}

/** Told privately to someone who asked Fin where the app cannot post (not invited, an archived or posting-restricted channel). */
export function cannotPostText(channelId: string, channelType: string): string {
  const where = channelType === 'channel' || channelType === 'group' ? `in <#${channelId}>` : 'in that conversation';
  return `:warning: Fin can't post ${where}, so it could not answer you there. Ask someone in the channel to invite the app (\`/invite @Fin\`), or ask Fin here in a direct message.`;
}

/** Told privately to someone starting more questions a minute than the app allows one person. */
export function userLimitText(perMinute: number): string {
  return `:hourglass: You're asking faster than Fin can keep up (${perMinute} new questions a minute at most), so Fin didn't take your last message. Please wait a minute and send it again.`;
}

export const UNEXPECTED_ERROR_TEXT = ':warning: Something went wrong while asking Fin. Please try again in a moment.';

/** Told once per turn, just before the placeholder (so before the answer), when a message went to Fin cut short. */
export function longMessageNotice(limit: number): string {
  return `:scissors: Your message was long, so Fin only read its first ${limit.toLocaleString('en-US')} characters.`;
}

const SKIP_REASONS: Record<SkipReason, (maxBytes: number) => string> = {
  too_large: (maxBytes) => `larger than ${Math.round(maxBytes / (1024 * 1024))} MB`,
  unavailable: () => 'Slack would not let the app read it',
  error: () => 'it could not be downloaded',
  too_many: () => `Fin takes ${MAX_ATTACHMENTS} files per message`,
  procedure: () => 'files cannot be sent with a procedure',
};

/** Told once per turn when some shared files did not go to Fin, naming each and why. */
export function skippedFilesNotice(skipped: readonly { name: string; reason: SkipReason }[], maxBytes: number): string {
  const list = skipped.map((f) => `${escapeText(f.name)} (${SKIP_REASONS[f.reason](maxBytes)})`).join(', ');
  return `:paperclip: Fin did not receive ${skipped.length === 1 ? 'this file' : `these ${skipped.length} files`}: ${list}.`;
}

/** Posted in a message's thread for the person who asked Fin about it: their question, and which message it is about. */
export function askedAboutText(userId: string, messageUrl: string | undefined, question: string): string {
  const about = safeLink(messageUrl, 'this message') ?? 'a message in this thread';
  return `:mag: <@${userId}> asked Fin about ${about}:\n${quote(question)}`;
}

/**
 * What `/fin <question>` shows at once, only to the person who asked. Slack does not let a command's later messages
 * replace it, so it stays as the record of the question, and reads as one: the answer follows below it.
 */
export function privateAskingText(question: string): string {
  return `:lock: You asked Fin privately (only you can see this):\n${quote(question)}\n_Fin's answer will follow here._`;
}

/** How `/fin` is used, told to someone who typed it alone. */
export const PRIVATE_ASK_USAGE =
  'Type `/fin` and your question, for example `/fin how do I reset my password?`. Fin answers you privately; you can then share the answer in the channel.';

/** Told once Fin is slow: the answer then goes where it cannot vanish (a private reply lasts only as long as the session). */
export const PRIVATE_ASK_SLOW =
  ":hourglass: Fin is taking longer than usual with your question. Its answer will come to your direct message with Fin, so you don't have to wait here.";

/** Told privately to someone asking with `/fin` faster than one person may. */
export function privateAskLimitText(perMinute: number): string {
  return `:hourglass: You're asking faster than Fin can keep up (${perMinute} questions a minute at most), so Fin didn't take this one. Please wait a minute and ask again.`;
}

export type PrivateAskFailure = 'no_answer' | 'timed_out' | 'stream_lost' | 'feature_off' | 'unexpected';

/** Why a private question got no answer, told to the person below it. */
export function privateAskFailedText(reason: PrivateAskFailure, error?: FinApiError): string {
  switch (reason) {
    case 'no_answer':
      return ':shrug: Fin had no answer to your question. Try rephrasing it, or ask in a thread to talk it through with Fin.';
    case 'timed_out':
      return ":warning: Fin didn't answer your question in time. Please ask again, or ask in a thread.";
    case 'stream_lost':
      return ':warning: The connection to Fin dropped before its answer to your question arrived. Please ask again.';
    case 'feature_off':
      return ":warning: Private answers (`/fin`) aren't turned on for this workspace's Fin. Mention the app in a thread to ask there instead.";
    case 'unexpected':
      return error === undefined ? UNEXPECTED_ERROR_TEXT : finErrorText(error);
  }
}

/** The root of the thread a private answer is shared into: who asked what. Fin's answer follows in the thread. */
export function sharedQuestionText(userId: string, question: string): string {
  return `:speech_balloon: <@${userId}> asked Fin:\n${quote(question)}`;
}

/** The root of a private answer sent to the person's direct message with the app (the command's reply had expired). */
export function privateAnswerDmText(channelId: string, question: string): string {
  const where = channelId.startsWith('D') ? '' : ` in <#${channelId}>`;
  return `:speech_balloon: You asked Fin privately${where}:\n${quote(question)}`;
}

/** Told privately when a private answer could not be shared because the app may not post in the channel. */
export function shareCannotPostText(channelId: string | undefined): string {
  if (channelId === undefined || channelId.startsWith('D'))
    return ":warning: Fin can't post in this conversation, so the answer was not shared.";
  return `:warning: Fin can't post in <#${channelId}>, so the answer was not shared. Ask someone in the channel to invite the app (\`/invite @Fin\`), then press *Share in channel* again.`;
}

/** Told privately to someone pressing a private answer's buttons that are not theirs, gone, or already used. */
export const PRIVATE_ANSWER_NOT_YOURS = 'Only the person who asked can share this answer.';
export const PRIVATE_ANSWER_GONE = 'This answer is no longer available to share. Ask Fin again with `/fin`.';
export const PRIVATE_ANSWER_SHARED = 'This answer is already shared in the channel.';
