import type { RichTextBlock, RichTextElement, RichTextList, RichTextQuote, RichTextSection } from '@slack/types';
import { plainText, safeLinkTarget } from './escape.ts';

/**
 * Rich text blocks, for posts that mix the app's own formatting with words it did not write (a customer's message,
 * Fin's reason, an agent's value, a name). A rich text `text` element is shown as typed, with its style given apart
 * from it, and mentions, channels, dates and links are elements of their own: nothing in a value can turn into
 * formatting, a ping or a link, and nothing needs a look-alike character
 * (https://docs.slack.dev/reference/block-kit/blocks/rich-text-block). Control and bidirectional characters are
 * removed all the same (see `plainText`).
 */

export type Inline = RichTextElement;
type Style = { bold?: boolean; italic?: boolean; strike?: boolean; code?: boolean };

/** A run of literal text, optionally styled. Empty text is dropped by `section`. */
export function text(value: string, style?: Style): Inline {
  const shown = plainText(value);
  return style === undefined ? { type: 'text', text: shown } : { type: 'text', text: shown, style };
}

export const bold = (value: string): Inline => text(value, { bold: true });
export const italic = (value: string): Inline => text(value, { italic: true });

export function user(userId: string): Inline {
  return { type: 'user', user_id: userId };
}

export function channel(channelId: string): Inline {
  return { type: 'channel', channel_id: channelId };
}

export function emoji(name: string): Inline {
  return { type: 'emoji', name };
}

/** A link to an http(s) address; anything else is shown as its label alone. */
export function link(url: string | undefined, label: string): Inline {
  const target = safeLinkTarget(url);
  // `safeLinkTarget` escapes `&` for mrkdwn; a rich text element carries the address itself.
  return target === undefined ? text(label) : { type: 'link', url: target.replace(/&amp;/g, '&'), text: plainText(label) };
}

/**
 * A moment shown in each reader's own time zone and format (`{date_short_pretty} at {time}`: "Today at 10:30",
 * "Dec 10th at 10:30"). The fallback, for clients that cannot render it, is the moment in UTC.
 */
export function moment(epochSeconds: number): Inline {
  const fallback = `${new Date(epochSeconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return { type: 'date', timestamp: Math.floor(epochSeconds), format: '{date_short_pretty} at {time}', fallback } as Inline;
}

/** One paragraph. Adjacent texts of one style are merged; empty ones dropped. */
export function section(...elements: readonly (Inline | null | undefined | false)[]): RichTextSection {
  const merged: Inline[] = [];
  for (const element of elements) {
    if (element === null || element === undefined || element === false) continue;
    if (element.type === 'text' && element.text === '') continue;
    const previous = merged[merged.length - 1];
    if (previous?.type === 'text' && element.type === 'text' && JSON.stringify(previous.style) === JSON.stringify(element.style)) {
      merged[merged.length - 1] = { ...previous, text: previous.text + element.text };
      continue;
    }
    merged.push(element);
  }
  return { type: 'rich_text_section', elements: merged };
}

export function quote(value: string): RichTextQuote {
  return { type: 'rich_text_quote', elements: [text(value)] };
}

export function bullets(items: readonly RichTextSection[]): RichTextList {
  return { type: 'rich_text_list', style: 'bullet', indent: 0, elements: [...items] };
}

export function richText(...parts: readonly (RichTextSection | RichTextQuote | RichTextList | null | undefined | false)[]): RichTextBlock {
  return {
    type: 'rich_text',
    elements: parts.filter((p): p is RichTextSection | RichTextQuote | RichTextList => p !== null && p !== undefined && p !== false),
  };
}

/**
 * A label before its value: "Reason: ", but "Approve the refund? " and "Note: " as written, so a label that ends in
 * its own punctuation gets no second mark.
 */
export function labelled(label: string): Inline {
  const trimmed = label.trim();
  return bold(/[?:.!…。？：！]$/u.test(trimmed) ? `${trimmed} ` : `${trimmed}: `);
}

/** The characters a reader sees, for the fallback `text` of a message and for tests: mentions as `@id`. */
export function richTextPlain(block: RichTextBlock): string {
  const inline = (e: Inline): string => {
    switch (e.type) {
      case 'text':
        return e.text;
      case 'link':
        return e.text ?? e.url;
      case 'user':
        return `@${e.user_id}`;
      case 'channel':
        return `#${e.channel_id}`;
      case 'emoji':
        return `:${e.name}:`;
      case 'date':
        return e.fallback ?? '';
      default:
        return '';
    }
  };
  return block.elements
    .map((part) => {
      if (part.type === 'rich_text_list') return part.elements.map((item) => `• ${item.elements.map(inline).join('')}`).join('\n');
      if (part.type === 'rich_text_quote')
        return part.elements
          .map(inline)
          .join('')
          .split('\n')
          .map((l) => `> ${l}`)
          .join('\n');
      if (part.type === 'rich_text_section') return part.elements.map(inline).join('');
      return '';
    })
    .join('\n');
}
