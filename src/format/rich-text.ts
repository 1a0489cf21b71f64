import type { RichTextBlock, RichTextElement, RichTextList, RichTextQuote, RichTextSection } from '@slack/types';
import { plainText, safeLinkTarget } from './escape.ts';
import { truncate } from './truncate.ts';

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

/**
 * Rich text blocks whose words (text elements and link labels) come to at most `budget` characters together, with any
 * other blocks as they are. Slack documents no limit of a rich text block's own, but refuses a message whose blocks
 * carry too much text in all (`msg_blocks_too_long`: see `slack/limits.ts`); the caller gives the share these blocks may
 * have. When they have more, the longest words are cut first, each to the same length, so short ones (labels, names,
 * the app's own words) stay whole and a single huge value does not push out everything else.
 */
export function fitRichText<B extends { readonly type: string }>(blocks: readonly B[], budget: number): B[] {
  const lengths: number[] = [];
  const visitAll = (visit: (e: Inline) => Inline) => blocks.map((b) => (isRichText(b) ? (mapInline(b, visit) as unknown as B) : b));
  visitAll((e) => {
    const words = wordsOf(e);
    if (words !== undefined) lengths.push(words.length);
    return e;
  });
  const cap = capFor(lengths, Math.max(0, budget));
  if (cap === undefined) return [...blocks];
  return visitAll((e) => {
    const words = wordsOf(e);
    if (words === undefined || words.length <= cap) return e;
    return { ...e, text: truncate(words, cap) } as Inline;
  });
}

function isRichText(block: { readonly type: string }): block is RichTextBlock {
  return block.type === 'rich_text';
}

/** The words an inline element shows and carries as `text` (a text element, a link's label). */
function wordsOf(e: Inline): string | undefined {
  if (e.type === 'text') return e.text;
  if (e.type === 'link') return e.text;
  return undefined;
}

function mapInline(block: RichTextBlock, visit: (e: Inline) => Inline): RichTextBlock {
  return {
    ...block,
    elements: block.elements.map((part) => {
      switch (part.type) {
        case 'rich_text_list':
          return { ...part, elements: part.elements.map((item) => ({ ...item, elements: item.elements.map(visit) })) };
        case 'rich_text_section':
        case 'rich_text_quote':
          return { ...part, elements: part.elements.map(visit) };
        case 'rich_text_preformatted':
          // A text stays a text and a link a link: only their words change.
          return { ...part, elements: part.elements.map((e) => visit(e) as typeof e) };
        default:
          return part;
      }
    }),
  };
}

/**
 * The length every text longer than it is cut to so that all of `lengths` come to at most `budget` (at least 1: an
 * element is never emptied), or undefined when they fit already.
 */
function capFor(lengths: readonly number[], budget: number): number | undefined {
  const total = lengths.reduce((sum, n) => sum + n, 0);
  if (total <= budget) return undefined;
  const sorted = [...lengths].sort((a, b) => a - b);
  let used = 0;
  for (let i = 0; i < sorted.length; i += 1) {
    const left = sorted.length - i;
    const share = Math.floor((budget - used) / left);
    const next = sorted[i] ?? 0;
    if (next > share) return Math.max(1, share);
    used += next;
  }
  return Math.max(1, sorted[sorted.length - 1] ?? 1);
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
