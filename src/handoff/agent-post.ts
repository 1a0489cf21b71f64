import type { KnownBlock } from '@slack/types';
import { codeSpan, escapeText, safeLink } from '../format/escape.ts';
import { joinWithin, truncate, truncateRendered } from '../format/truncate.ts';
import { channel, fitRichText, labelled, moment, quote, richText, section, text, user } from '../format/rich-text.ts';
import type { ChannelType } from '../core/shared-types.ts';
import { AGENTS_POST_LINKS_LIMIT, AGENTS_POST_RICH_TEXT_BUDGET, INTERCOM_ID_LIMIT } from '../slack/agents-post.ts';
import type { EscalationState } from '../store/escalations.ts';

export const HAND_BACK_ACTION = 'fin_hand_back';

export interface EscalationView {
  readonly escalationId: number;
  readonly state: EscalationState;
  readonly reason: string | null;
  readonly asker: { readonly id: string; readonly name: string | undefined };
  readonly channel: { readonly id: string; readonly type: ChannelType };
  readonly lastMessage: string | undefined;
  readonly threadUrl: string | undefined;
  readonly intercom: { readonly id: string | null; readonly url: string | undefined };
  /** Name of the agent who handed the conversation back, once someone did. */
  readonly handedBackBy: string | undefined;
  /** When Fin handed the conversation over (epoch ms). */
  readonly escalatedAt: number;
  /** The customer's rating of the conversation (CSAT), once they gave one: Fin's emoji and label, as sent. */
  readonly rating?: { readonly emoji: string; readonly label: string; readonly commented: boolean } | undefined;
}

/** How much of the customer's last message, and of Fin's reason, the post quotes (the app's choice). */
const LAST_MESSAGE_LIMIT = 1_500;
const REASON_LIMIT = 1_500;

/** The notification text's name and reason, and a name in the status line (the app's choices). */
const FALLBACK_NAME_LIMIT = 100;
const FALLBACK_REASON_LIMIT = 300;
/** Fin's rating label, as the post shows it (the app's choice). */
const RATING_LIMIT = 100;

/**
 * The post in the agents' channel: enough to act on without opening anything (who, where, when, why, what they said),
 * links to the thread and to Intercom, the status as it changes, and the button that gives the thread back to Fin.
 * The details are rich text: the customer is a mention (their current name, a click to their profile), the time is
 * shown in each agent's own time zone, and the reason and the message are shown exactly as written.
 */
export function agentPost(view: EscalationView): { text: string; blocks: KnownBlock[] } {
  const where =
    view.channel.type === 'im'
      ? text('a direct message with Fin')
      : view.channel.type === 'mpim'
        ? text('a group message')
        : channel(view.channel.id);
  const details = richText(
    section(
      labelled('From'),
      view.asker.id === '' ? text('someone') : user(view.asker.id),
      text(' in '),
      where,
      text(', '),
      moment(view.escalatedAt / 1000),
    ),
    section(labelled('Reason'), text(truncate(view.reason ?? 'No reason given', REASON_LIMIT))),
    view.lastMessage !== undefined && view.lastMessage.trim() !== '' && section(labelled('Last message')),
    view.lastMessage !== undefined && view.lastMessage.trim() !== '' && quote(truncate(view.lastMessage.trim(), LAST_MESSAGE_LIMIT)),
  );
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: ':raising_hand: *Fin handed a conversation to the team*', verbatim: true } },
    ...fitRichText([details], AGENTS_POST_RICH_TEXT_BUDGET),
  ];
  const links = [
    safeLink(view.threadUrl, 'Open the Slack thread'),
    safeLink(view.intercom.url, 'Open in Intercom') ??
      (view.intercom.id !== null ? `Intercom conversation ${codeSpan(truncate(view.intercom.id, INTERCOM_ID_LIMIT))}` : null),
  ].filter((l): l is string => l !== null);
  if (view.channel.type === 'im') links.push('_(a direct message: only the customer can open it)_');
  const linksLine = joinWithin(links, '  ·  ', AGENTS_POST_LINKS_LIMIT);
  if (linksLine !== '') blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: linksLine, verbatim: true }] });
  const status = statusLine(view);
  if (status !== undefined) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: status, verbatim: true }] });
  if (view.rating !== undefined) {
    const rated = truncateRendered(`${view.rating.emoji} ${view.rating.label}`.trim(), RATING_LIMIT, escapeText);
    const comment = view.rating.commented ? ', with a comment (in Intercom)' : '';
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `:speech_balloon: The customer rated the conversation *${rated}*${comment}.`, verbatim: true }],
    });
  }
  if (view.state !== 'handed_back') {
    blocks.push({
      type: 'actions',
      block_id: `escalation-${view.escalationId}`,
      elements: [
        {
          type: 'button',
          action_id: HAND_BACK_ACTION,
          value: String(view.escalationId),
          text: { type: 'plain_text', text: 'Hand back to Fin' },
          confirm: {
            title: { type: 'plain_text', text: 'Hand back to Fin?' },
            text: { type: 'mrkdwn', text: "Fin will answer the customer's next message in the thread." },
            confirm: { type: 'plain_text', text: 'Hand back' },
            deny: { type: 'plain_text', text: 'Cancel' },
          },
        },
      ],
    });
  }
  // The fallback text (notifications, screen readers) is mrkdwn: it names the customer rather than mentioning them.
  const who = truncateRendered(view.asker.name ?? view.asker.id, FALLBACK_NAME_LIMIT, escapeText);
  const why = truncateRendered(view.reason ?? 'No reason given', FALLBACK_REASON_LIMIT, escapeText);
  return { text: `Escalation from ${who}: ${why}`, blocks };
}

/**
 * What a customer wrote in their thread after the hand-off, as a reply under the agents' post: agents follow the
 * conversation (Slack counts the replies on the post) without keeping the customer's thread open. The customer is
 * named, not mentioned: a mention on every message would notify them wherever they can see the agents' channel.
 */
export function customerMessageRelay(input: { name: string; words: string; fileCount: number; unshown: number; edited?: boolean }): string {
  const files = input.fileCount === 0 ? '' : ` (with ${input.fileCount === 1 ? 'a file' : `${input.fileCount} files`}, in the thread)`;
  const words = input.words.trim();
  const quoted =
    words === ''
      ? ''
      : `\n${escapeText(truncate(words, RELAY_LIMIT))
          .split('\n')
          .map((l) => `> ${l}`)
          .join('\n')}`;
  const skipped =
    input.unshown === 0
      ? ''
      : `\n_${input.unshown === 1 ? 'One earlier message is' : `${input.unshown} earlier messages are`} only in the thread._`;
  return `:speech_balloon: ${escapeText(input.name)} ${input.edited === true ? 'edited a message in the thread' : 'wrote in the thread'}${files}:${quoted}${skipped}`;
}

/**
 * How much of a customer's message is copied to the agents (the app's choice); the copy is a plain message, cut
 * into parts of `MESSAGE_LIMIT` if escaping makes it longer.
 */
const RELAY_LIMIT = 3_000;

function statusLine(view: EscalationView): string | undefined {
  switch (view.state) {
    case 'resolved':
      return ':white_check_mark: Fin reported the conversation resolved.';
    case 'complete':
      // Fin's `complete` ends its part; the conversation stays open for the team (Intercom's reference says so).
      return ":checkered_flag: Fin's part is complete: the conversation is open for the team.";
    case 'handed_back':
      return `:leftwards_arrow_with_hook: Handed back to Fin${view.handedBackBy ? ` by ${truncateRendered(view.handedBackBy, FALLBACK_NAME_LIMIT, escapeText)}` : ''}.`;
    case 'open':
      return undefined;
  }
}
