/**
 * Slack mrkdwn → HTML, as the Slack client shows a message: fences and inline code verbatim, `*bold*`, `_italic_`,
 * `~strike~` at word boundaries, `<url|label>` links, mentions, dates, `>` quotes, emoji shortcodes (outside code),
 * and Slack's three entities decoded. The input is the app's output, so this is also a check on it: what renders
 * wrongly here renders wrongly in Slack.
 */
import { formatSlackDate } from './dates.ts';
import { replaceShortcodes } from './emoji.ts';

export interface Directory {
  userName(id: string): string | undefined;
  channelName(id: string): string | undefined;
}

/** HTML-escapes text that is already plain (Slack's entities decoded). */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Slack's own entities, the only ones it uses: `&amp;`, `&lt;`, `&gt;`. */
export function decodeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export function renderMrkdwn(text: string, directory: Directory): string {
  const out: string[] = [];
  const fence = /```([\s\S]*?)```/g;
  let at = 0;
  for (let m = fence.exec(text); m !== null; m = fence.exec(text)) {
    const before = text.slice(at, m.index).replace(/\n$/, '');
    if (before !== '') out.push(renderLines(before.split('\n'), directory));
    // Nothing inside a fence is formatting; the newlines that open and close it are not content.
    const code = (m[1] ?? '').replace(/^\n/, '').replace(/\n$/, '');
    out.push(`<pre class="fence">${escapeHtml(decodeSlack(code))}</pre>`);
    at = m.index + m[0].length;
    if (text[at] === '\n') at += 1;
  }
  const rest = text.slice(at);
  if (rest !== '' || out.length === 0) out.push(renderLines(rest.split('\n'), directory));
  return out.join('');
}

function renderLines(lines: readonly string[], directory: Directory): string {
  const html: string[] = [];
  let quote: string[] = [];
  const flush = () => {
    if (quote.length > 0) html.push(`<blockquote>${quote.join('<br>')}</blockquote>`);
    quote = [];
  };
  for (const line of lines) {
    // A quote is a raw `>` at the start of a line; an escaped one (`&gt;`) is a literal character.
    const quoted = /^>\s?(.*)$/.exec(line);
    if (quoted !== null) {
      quote.push(renderInline(quoted[1] ?? '', directory));
      continue;
    }
    flush();
    html.push(`<div class="line">${line === '' ? '<br>' : renderInline(line, directory)}</div>`);
  }
  flush();
  return html.join('');
}

/** Inline code or a Slack token (`<…>`), whichever starts first: neither is looked into by the other. */
const SET_ASIDE = /`([^`\n]+)`|<([^<>]+)>/g;
/**
 * What Slack links by itself in plain text: web addresses (with or without a scheme) and email addresses. Slack links
 * them before it reads formatting, so a marker inside one is part of the address.
 */
const AUTOLINK =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 marks the slots of set-aside HTML, which an address must not swallow
  /(?<![\w@./-])(?:https?:\/\/[^\s<>\u0000]+|www\.[^\s<>\u0000]+|[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\/[^\s<>\u0000]*)/gi;
// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 marks the slots of set-aside HTML
const SLOT = /\u0000(\d+)\u0000/g;

/** One line: Slack's `<…>` tokens and inline code set aside, the rest escaped and formatted, then put back. */
export function renderInline(line: string, directory: Directory): string {
  const slots: string[] = [];
  const keep = (html: string) => `\u0000${slots.push(html) - 1}\u0000`;
  // A NUL in the text itself could pose as a slot: Slack shows none, so none survives.
  let text = line
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing U+0000 is the point
    .replace(/\u0000/g, '')
    .replace(SET_ASIDE, (_, code: string | undefined, token: string | undefined) =>
      keep(code !== undefined ? `<code>${escapeHtml(decodeSlack(code))}</code>` : renderToken(token ?? '', directory)),
    );
  text = text.replace(AUTOLINK, (address: string) => {
    // Closing punctuation is the sentence's, not the address's.
    const [, core = address, trail = ''] = /^(.*?)([).,;:!?'"]*)$/s.exec(address) ?? [];
    const shown = decodeSlack(core);
    const href =
      shown.includes('@') && !/^[a-z]+:\/\//i.test(shown) ? `mailto:${shown}` : /^[a-z]+:\/\//i.test(shown) ? shown : `http://${shown}`;
    return `${keep(`<a href="${escapeHtml(href)}" target="_blank" rel="noopener noreferrer">${escapeHtml(shown)}</a>`)}${trail}`;
  });
  // Shortcodes first, so the underscores in their names are never taken for emphasis.
  text = replaceShortcodes(escapeHtml(decodeSlack(text)));
  text = emphasis(text, '\\*', 'b');
  text = emphasis(text, '_', 'i');
  text = emphasis(text, '~', 's');
  // One pass: what a slot holds is final HTML and is never looked into again.
  return text.replace(SLOT, (_, n: string) => slots[Number(n)] ?? '');
}

/**
 * Slack documents the markers (`*bold*`, `_italic_`, `~strike~`) and that only `&`, `<` and `>` are escaped, but not
 * the rules for where a marker may open or close. This follows the observed rule: a pair counts only at word
 * boundaries (`*a b*` is bold; `a*b*c` and `* a *` are not), U+200B (zero-width space) counting as a boundary before
 * an opening marker and after a closing one. After an opening marker, U+200B is treated as a non-space character, the
 * reading under which a zero-width space does not stop formatting; so output that relies on a zero-width space to keep
 * markers literal shows up here as formatted.
 */
function emphasis(html: string, marker: string, tag: string): string {
  const pattern = new RegExp(
    `(^|[\\s\\u200b(\\[{"'\\u0000.,;:!?*_~-])${marker}(?=\\S)([^\\n]*?\\S)${marker}(?=$|[\\s\\u200b)\\]}"'\\u0000.,;:!?*_~-])`,
    'g',
  );
  return html.replace(pattern, (_, before: string, inner: string) => `${before}<${tag}>${inner}</${tag}>`);
}

function renderToken(inner: string, directory: Directory): string {
  const [target = '', ...rest] = inner.split('|');
  const label = rest.join('|');
  if (target.startsWith('@')) {
    const id = target.slice(1);
    return `<span class="mention">@${escapeHtml(directory.userName(id) ?? (label || id))}</span>`;
  }
  if (target.startsWith('#')) {
    const id = target.slice(1);
    return `<span class="mention">#${escapeHtml(label || directory.channelName(id) || id)}</span>`;
  }
  if (target.startsWith('!date^')) return renderDate(target, label);
  if (target.startsWith('!')) {
    const name = target.slice(1).split('^')[0] ?? '';
    return `<span class="mention broadcast">@${escapeHtml(label || name)}</span>`;
  }
  if (/^(https?|mailto):/i.test(target)) {
    const shown = label === '' ? decodeSlack(target).replace(/^mailto:/i, '') : decodeSlack(label);
    return `<a href="${escapeHtml(decodeSlack(target))}" target="_blank" rel="noopener noreferrer">${escapeHtml(shown)}</a>`;
  }
  // Anything else Slack shows as it was written.
  return escapeHtml(`<${decodeSlack(inner)}>`);
}

/** `<!date^TIMESTAMP^FORMAT|fallback>` or `<!date^TIMESTAMP^FORMAT^LINK|fallback>`: the date as the reader sees it. */
function renderDate(target: string, fallback: string): string {
  const [, timestamp = '', format = '', ...link] = target.split('^');
  const shown = formatSlackDate(timestamp, decodeSlack(format));
  if (shown === undefined) return escapeHtml(decodeSlack(fallback));
  const url = decodeSlack(link.join('^'));
  const html = `<time class="date" datetime="${escapeHtml(new Date(Number(timestamp) * 1000).toISOString())}">${escapeHtml(shown)}</time>`;
  return /^(https?|mailto):/i.test(url) ? `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${html}</a>` : html;
}
