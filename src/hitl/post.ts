import type { KnownBlock } from '@slack/types';
import { escapeText, mrkdwnLink, safeLinkTarget } from '../format/escape.ts';
import type { ChannelType } from '../store/conversations.ts';
import type { HitlState } from '../store/hitl.ts';
import type { HitlAttribute } from './notification.ts';

export const HITL_OPEN_ACTION = 'fin_hitl_open';

export interface HitlView {
  readonly requestId: number;
  readonly state: HitlState;
  readonly attributes: readonly HitlAttribute[];
  /** The Slack thread of the conversation, when Intercom's id maps to one. */
  readonly thread: { readonly askerName: string | undefined; readonly channelId: string; readonly channelType: ChannelType; readonly url: string | undefined } | undefined;
  readonly intercom: { readonly id: string | undefined; readonly url: string | undefined };
  readonly submittedBy: string | undefined;
  readonly shownValues: readonly { readonly label: string; readonly value: string }[] | undefined;
  /** Why the request is in its state (Intercom's reason, a configuration problem…). */
  readonly note: string | undefined;
  /** Why it cannot be answered from Slack, when it cannot. */
  readonly unanswerable: string | undefined;
}

/**
 * The post in the agents' channel for a human-in-the-loop step: what Fin's procedure asks, for which conversation
 * (with links), and the button that opens the form. As the request is answered (or expires) the post says so.
 */
export function hitlPost(view: HitlView): { text: string; blocks: KnownBlock[] } {
  const about = aboutLine(view);
  const asked = view.attributes.map((a) => `• ${escapeText(a.label)} _(${describe(a)})_`).join('\n');
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: { type: 'mrkdwn', text: `:clipboard: *A Fin procedure needs a person's input*\n${about}\n*It asks for:*\n${asked}`, verbatim: true },
    },
  ];
  const links = [
    view.thread?.url !== undefined ? linkOrNull(view.thread.url, 'Open the Slack thread') : null,
    linkOrNull(view.intercom.url, 'Open in Intercom') ??
      (view.intercom.id !== undefined ? `Intercom conversation \`${escapeText(view.intercom.id)}\`` : null),
  ].filter((l): l is string => l !== null);
  if (links.length > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: links.join('  ·  '), verbatim: true }] });
  const status = statusText(view);
  if (status !== undefined) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: status, verbatim: true } });
  if (view.state === 'open' && view.unanswerable === undefined) {
    blocks.push({
      type: 'actions',
      block_id: `hitl-${view.requestId}`,
      elements: [
        {
          type: 'button',
          action_id: HITL_OPEN_ACTION,
          value: String(view.requestId),
          style: 'primary',
          text: { type: 'plain_text', text: 'Provide the values' },
        },
      ],
    });
  }
  // The fallback text is mrkdwn too (notifications, screen readers): the labels are escaped like everywhere else.
  return { text: `A Fin procedure needs input: ${view.attributes.map((a) => escapeText(a.label)).join(', ')}`, blocks };
}

function aboutLine(view: HitlView): string {
  if (view.thread === undefined) return '*Conversation:* started outside Slack';
  const who = escapeText(view.thread.askerName ?? 'someone');
  const where = view.thread.channelType === 'im' ? 'a direct message with Fin' : `<#${view.thread.channelId}>`;
  return `*Conversation:* with ${who} in ${where}`;
}

function describe(attribute: HitlAttribute): string {
  switch (attribute.kind) {
    case 'boolean':
      return 'yes or no';
    case 'list':
      return 'one of a list';
    case 'integer':
      return 'a whole number';
    case 'decimal':
      return 'a number';
    case 'date':
      return 'a date';
    case 'datetime':
      return 'a date and time';
    case 'string':
      return 'text';
    case 'unsupported':
      return `${attribute.dataType}, in Intercom only`;
  }
}

function statusText(view: HitlView): string | undefined {
  const values = (view.shownValues ?? []).map((v) => `• ${escapeText(v.label)}: *${escapeText(v.value)}*`).join('\n');
  const note = view.note === undefined ? '' : `\n_${escapeText(view.note)}_`;
  switch (view.state) {
    case 'open':
      if (view.unanswerable !== undefined) return `:warning: ${escapeText(view.unanswerable)} Please answer it in Intercom.`;
      return view.note === undefined ? undefined : `:warning: ${escapeText(view.note)}`;
    case 'submitting':
      return `:hourglass_flowing_sand: Being submitted by ${escapeText(view.submittedBy ?? 'an agent')}…`;
    case 'submitted':
      return `:white_check_mark: Submitted by ${escapeText(view.submittedBy ?? 'an agent')}:\n${values}`;
    case 'expired':
      return `:hourglass: This request expired before it was answered; Fin's procedure has moved on.${note}`;
    case 'answered_elsewhere':
      return `:information_source: This request was already answered${view.submittedBy ? ` (${escapeText(view.submittedBy)} tried to submit too)` : ''}.${note}`;
    case 'unanswerable':
      return `:warning: ${escapeText(view.unanswerable ?? 'This request cannot be answered from Slack.')} Please answer it in Intercom.`;
  }
}

function linkOrNull(url: string | undefined, label: string): string | null {
  const target = safeLinkTarget(url);
  return target === undefined ? null : mrkdwnLink(target, label);
}
