import type { FakeMessage } from '../../fakes/slack-api.ts';

type Json = Record<string, unknown>;

const NAMES: Readonly<Record<string, string>> = { UALICE: 'alice', UBOB: 'bob', CSUPPORT: 'support', CAGENTS: 'agents' };
const name = (id: string) => NAMES[id] ?? id;

/**
 * The words of a Block Kit message roughly as a reader sees them: mrkdwn and plain text as written, with `<@U…>` and
 * `<#C…>` shown as names, and rich text elements in order (a mention as `@name`, a channel as `#name`, a date as its
 * fallback, a quote line with `> `, a list item with `• `). Blocks are separated by newlines.
 */
export function shownText(message: FakeMessage | { blocks?: unknown } | undefined): string {
  const blocks = Array.isArray(message?.blocks) ? (message.blocks as Json[]) : [];
  return blocks.map(block).join('\n');
}

/** Every `text` string in a Block Kit value, as written, in order (mrkdwn tokens left as they are). */
export function blockTexts(value: unknown): string[] {
  const texts: string[] = [];
  const walk = (inner: unknown): void => {
    if (Array.isArray(inner)) inner.forEach(walk);
    else if (typeof inner === 'object' && inner !== null) {
      for (const [key, v] of Object.entries(inner)) {
        if (key === 'text' && typeof v === 'string') texts.push(v);
        else walk(v);
      }
    }
  };
  walk(value);
  return texts;
}

function block(b: Json): string {
  if (b.type === 'rich_text') return (b.elements as Json[]).map(richPart).join('\n');
  return blockTexts(b)
    .join('\n')
    .replace(/<@(\w+)>/g, (_, id: string) => `@${name(id)}`)
    .replace(/<#(\w+)(?:\|[^>]*)?>/g, (_, id: string) => `#${name(id)}`);
}

function richPart(part: Json): string {
  const inline = (elements: unknown) => ((elements ?? []) as Json[]).map(richInline).join('');
  switch (part.type) {
    case 'rich_text_list':
      return ((part.elements ?? []) as Json[]).map((item) => `• ${inline(item.elements)}`).join('\n');
    case 'rich_text_quote':
      return inline(part.elements)
        .split('\n')
        .map((l) => `> ${l}`)
        .join('\n');
    default:
      return inline(part.elements);
  }
}

function richInline(e: Json): string {
  switch (e.type) {
    case 'text':
      return String(e.text);
    case 'user':
      return `@${name(String(e.user_id))}`;
    case 'channel':
      return `#${name(String(e.channel_id))}`;
    case 'link':
      return String(e.text ?? e.url);
    case 'emoji':
      return `:${String(e.name)}:`;
    case 'date':
      return String(e.fallback ?? '');
    default:
      return '';
  }
}
