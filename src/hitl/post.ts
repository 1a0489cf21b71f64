import type { KnownBlock, RichTextBlock } from '@slack/types';
import { codeSpan, escapeText, safeLink } from '../format/escape.ts';
import {
  bold,
  bullets,
  channel,
  emoji,
  fitRichText,
  type Inline,
  italic,
  labelled,
  link,
  moment,
  richText,
  section,
  text,
  user,
} from '../format/rich-text.ts';
import type { ChannelType } from '../core/shared-types.ts';
import { joinWithin, truncate, truncateRendered } from '../format/truncate.ts';
import { AGENTS_POST_LINKS_LIMIT, AGENTS_POST_RICH_TEXT_BUDGET, INTERCOM_ID_LIMIT } from '../slack/agents-post.ts';
import type { HitlState } from '../store/hitl.ts';
import { MAX_FORM_INPUTS } from './modal.ts';
import type { HitlAttribute } from './notification.ts';
import type { ShownValue } from './values.ts';

export const HITL_OPEN_ACTION = 'fin_hitl_open';

/** The form's context: who and where, and its links (the app's choice). */
const FORM_CONTEXT_BUDGET = 1_000;
/** The notification text (the app's choice): what a phone or a screen reader shows for the post. */
const FALLBACK_LIMIT = 500;

export interface HitlView {
  readonly requestId: number;
  readonly state: HitlState;
  readonly attributes: readonly HitlAttribute[];
  /** The Slack thread of the conversation, when Intercom's id maps to one. */
  readonly thread:
    | {
        readonly askerId: string | undefined;
        readonly askerName: string | undefined;
        readonly channelId: string;
        readonly channelType: ChannelType;
        readonly url: string | undefined;
      }
    | undefined;
  readonly intercom: { readonly id: string | undefined; readonly url: string | undefined };
  readonly submittedBy: { readonly id: string; readonly name: string } | undefined;
  readonly shownValues: readonly ShownValue[] | undefined;
  /** Why the request is in its state (Intercom's reason, a configuration problem…). */
  readonly note: string | undefined;
  /** Why it cannot be answered from Slack, when it cannot. */
  readonly unanswerable: string | undefined;
}

/**
 * The post in the agents' channel for a human-in-the-loop step: what Fin's procedure asks, for whom and in which
 * thread (with links), and the button that opens the form. As the request is answered (or expires) the post says so.
 * What came from Intercom or from people (labels, values, notes, names) is rich text, shown exactly as written; the
 * customer and the agent are mentions, and a date and time is shown in each reader's own time zone.
 */
export function hitlPost(view: HitlView): { text: string; blocks: KnownBlock[] } {
  // A request asking for more than a form holds is answered in Intercom (`unanswerable`); the post lists what fits.
  const listed = view.attributes.slice(0, MAX_FORM_INPUTS);
  const more = view.attributes.length - listed.length;
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: ":clipboard: *A Fin procedure needs a person's input*", verbatim: true } },
    richText(
      section(labelled('Conversation'), ...conversationOf(view)),
      section(bold('It asks for:')),
      bullets(listed.map((a) => section(text(a.label), italic(` (${describe(a)})`)))),
      more > 0 && section(italic(`…and ${more} more.`)),
    ),
  ];
  const links = linksOf(view);
  const linksLine = joinWithin(links, '  ·  ', AGENTS_POST_LINKS_LIMIT);
  if (linksLine !== '') blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: linksLine, verbatim: true }] });
  const status = statusBlock(view);
  if (status !== undefined) blocks.push(status);
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
  // The fallback text is mrkdwn (notifications, screen readers): the labels are escaped like everywhere else.
  const asked = truncateRendered(view.attributes.map((a) => a.label).join(', '), FALLBACK_LIMIT, escapeText);
  return { text: `A Fin procedure needs input: ${asked}`, blocks: fitRichText(blocks, AGENTS_POST_RICH_TEXT_BUDGET) };
}

/**
 * What the form shows above its inputs: whose conversation it is and where, with links to the thread and to
 * Intercom, so an agent filling it in knows what they are answering.
 */
export function hitlFormContext(view: Pick<HitlView, 'thread' | 'intercom'>): RichTextBlock {
  const thread = view.thread?.url;
  const intercom = view.intercom.url;
  const context = richText(
    section(labelled('Conversation'), ...conversationOf(view)),
    (thread !== undefined || intercom !== undefined) &&
      section(
        thread !== undefined && link(thread, 'Open the Slack thread'),
        thread !== undefined && intercom !== undefined && text('  ·  '),
        intercom !== undefined && link(intercom, 'Open in Intercom'),
      ),
  );
  return fitRichText([context], FORM_CONTEXT_BUDGET)[0] ?? context;
}

function conversationOf(view: Pick<HitlView, 'thread'>): Inline[] {
  const thread = view.thread;
  if (thread === undefined) return [text('started outside Slack')];
  const who = thread.askerId !== undefined ? user(thread.askerId) : text(thread.askerName ?? 'someone');
  const where = thread.channelType === 'im' ? text('a direct message with Fin') : channel(thread.channelId);
  return [text('with '), who, text(' in '), where];
}

function linksOf(view: HitlView): string[] {
  return [
    view.thread?.url !== undefined ? safeLink(view.thread.url, 'Open the Slack thread') : null,
    safeLink(view.intercom.url, 'Open in Intercom') ??
      (view.intercom.id !== undefined ? `Intercom conversation ${codeSpan(truncate(view.intercom.id, INTERCOM_ID_LIMIT))}` : null),
  ].filter((l): l is string => l !== null);
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

/** A submitted value as agents read it: a moment in their own time zone, anything else as written. */
function shownAs(value: ShownValue): Inline {
  return value.at !== undefined ? moment(value.at) : text(value.value);
}

function statusBlock(view: HitlView): RichTextBlock | undefined {
  const by = (fallback: string): Inline => (view.submittedBy !== undefined ? user(view.submittedBy.id) : text(fallback));
  const note = view.note === undefined ? undefined : section(italic(view.note));
  switch (view.state) {
    case 'open':
      if (view.unanswerable !== undefined)
        return richText(section(emoji('warning'), text(` ${view.unanswerable} Please answer it in Intercom.`)));
      return view.note === undefined ? undefined : richText(section(emoji('warning'), text(` ${view.note}`)));
    case 'submitting':
      return richText(section(emoji('hourglass_flowing_sand'), text(' Being submitted by '), by('an agent'), text('…')));
    case 'submitted':
      return richText(
        section(emoji('white_check_mark'), text(' Submitted by '), by('an agent'), text(':')),
        bullets((view.shownValues ?? []).map((v) => section(labelled(v.label), shownAs(v)))),
      );
    case 'expired':
      return richText(
        section(emoji('hourglass'), text(" This request expired before it was answered; Fin's procedure has moved on.")),
        note,
      );
    case 'answered_elsewhere':
      return richText(
        section(
          emoji('information_source'),
          text(' This request was already answered'),
          view.submittedBy !== undefined && text(' ('),
          view.submittedBy !== undefined && by(''),
          view.submittedBy !== undefined && text(' tried to submit too)'),
          text('.'),
        ),
        note,
      );
    case 'unanswerable':
      return richText(
        section(
          emoji('warning'),
          text(` ${view.unanswerable ?? 'This request cannot be answered from Slack.'} Please answer it in Intercom.`),
        ),
      );
  }
}
