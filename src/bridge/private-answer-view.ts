import type { Button, KnownBlock } from '@slack/types';
import { plainText } from '../format/escape.ts';
import { splitMrkdwn } from '../format/split.ts';
import { truncate } from '../format/truncate.ts';
import { channelTypeFromId } from '../slack/incoming.ts';
import { SLACK_LIMITS as L } from '../slack/limits.ts';

export const SHARE_ACTION = 'fin_ask_share';
export const DISMISS_ACTION = 'fin_ask_dismiss';

/** How much of the question the private answer repeats above it. */
const QUESTION_SHOWN = 300;
/** The blocks around the answer's sections: what was asked, the note, the buttons. */
const FRAME_BLOCKS = 3;
/** Room the frame's own text takes out of the message's total (the question, the note, the button labels). */
const FRAME_TEXT = 1_000;

/** Said when an answer is longer than one private message shows: the whole of it goes to the direct message. */
const CUT_NOTE = '_…the answer goes on: all of it is in your direct message with Fin._';

/**
 * The private answer to `/fin <question>`: what was asked, Fin's answer (mrkdwn, in sections within Slack's limits, cut
 * with a note when longer than one message shows: `cut`), and its buttons: share it as a thread in the channel (only
 * where the app can post: not in a direct message between people), or dismiss it.
 */
export function privateAnswerMessage(input: { askId: string; question: string; answer: string; channelId: string; shareable: boolean }): {
  text: string;
  blocks: KnownBlock[];
  cut: boolean;
} {
  const room = L.message.blocksText - FRAME_TEXT;
  const parts = splitMrkdwn(input.answer, L.section.text);
  const shown: string[] = [];
  let used = 0;
  for (const part of parts) {
    if (shown.length >= L.message.blocks - FRAME_BLOCKS - 1 || used + part.length > room) break;
    shown.push(part);
    used += part.length;
  }
  const cut = shown.length < parts.length;
  if (cut) shown.push(CUT_NOTE);
  // Slack names a channel from its id; a direct message has no name worth showing.
  const where = channelTypeFromId(input.channelId) === 'im' ? 'this conversation' : `<#${input.channelId}>`;
  const note = input.shareable
    ? `:lock: Only you can see this. *Share in channel* posts your question and this answer as a thread in ${where}; replies there go on with Fin.`
    : ':lock: Only you can see this.';
  const share: Button[] = input.shareable
    ? [
        {
          type: 'button',
          action_id: SHARE_ACTION,
          style: 'primary',
          text: { type: 'plain_text', text: 'Share in channel' },
          value: input.askId,
        },
      ]
    : [];
  return {
    // What a notification shows; Fin's words are in the blocks (cut here, a link or an entity could be split).
    text: "Fin's private answer to your question",
    cut,
    blocks: [
      {
        type: 'context',
        elements: [{ type: 'plain_text', text: `You asked Fin: “${truncate(plainText(input.question), QUESTION_SHOWN)}”`, emoji: false }],
      },
      ...shown.map((text): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text } })),
      { type: 'context', elements: [{ type: 'mrkdwn', text: note }] },
      {
        type: 'actions',
        elements: [
          ...share,
          { type: 'button', action_id: DISMISS_ACTION, text: { type: 'plain_text', text: 'Dismiss' }, value: input.askId },
        ],
      },
    ],
  };
}
