/**
 * How the benchmark scores a converter on one answer of the corpus. Exact match would only measure our own layout
 * choices, so the expected mrkdwn is turned into requirements any correct Slack converter must meet: Slack-safe
 * output, every word kept, every link kept (to a safe target), and every emphasis kept in a form Slack renders.
 */

import { isTag, isText, type ChildNode } from 'domhandler';
import { parseDocument } from 'htmlparser2';

/** Links a careful converter may emit: http(s), mailto and tel targets, without spaces or `<`, `>`, `|`. */
const LINK = /<((?:https?:\/\/|mailto:|tel:)[^\s<>|]+)(?:\|([^<>\n]*))?>/g;
const ZWSP = /\u200B/g;
/** Labels our converter invents for links with no text of their own; not text a peer must reproduce. */
const GENERIC_LABELS = new Set(['Image', 'Video', 'Audio']);

export function checkConversion(expected: string, output: string, html: string): string[] {
  const failures: string[] = [];
  const withoutLinks = output.replace(LINK, '');
  if (/<[\p{L}!/@#?]/u.test(withoutLinks)) failures.push('raw tag, unsafe link or live Slack token');
  // Inside a link's address a bare & is harmless (Slack stores &amp; either way); in text it is not.
  if (/&(?!(?:amp|lt|gt);)/.test(withoutLinks)) failures.push('unescaped &');
  const prose = withoutCode(withoutLinks);
  if (/\*\*/.test(prose)) failures.push('double-asterisk bold');
  if (/\]\(/.test(prose)) failures.push('Markdown link');
  if (/\\[*_[\].#`>-]/.test(prose)) failures.push('backslash escape');
  if (/^#{1,6} /m.test(prose)) failures.push('Markdown heading');
  const fenceLines = output.split('\n').filter((l) => l.includes('```'));
  // A fence may sit inside a list item or a quote, after its indent or `>`.
  if (fenceLines.some((l) => !/^[\s>]*```/.test(l)) || fenceLines.length % 2 !== 0) failures.push('broken code fence');

  const have = new Set(words(output));
  const lost = words(expected).filter((w) => !have.has(w));
  if (lost.length > 0) failures.push(`lost text (${lost.slice(0, 3).join(', ')})`);

  const targets = new Set([...output.matchAll(LINK)].map((m) => normalizeUrl(m[1] ?? '')));
  const decodedOutput = output.replace(/&amp;/g, '&');
  for (const m of expected.matchAll(LINK)) {
    const url = normalizeUrl(m[1] ?? '');
    // Slack makes a bare address clickable too.
    if (!targets.has(url) && !decodedOutput.includes(url)) failures.push(`lost link (${m[1]})`);
  }

  const plainOutput = output.replace(ZWSP, '');
  const emphasised = emphasisInHtml(html);
  for (const span of spans(expected)) {
    // Only emphasis the HTML asked for counts, not our own styling (bold terms of a definition list, say).
    const inner = span.replace(/[*_~]/g, '');
    if (!emphasised.some((text) => text.includes(inner))) continue;
    const at = plainOutput.indexOf(span);
    if (at === -1) {
      failures.push(`lost emphasis (${span})`);
      continue;
    }
    // The output's own characters around the span, zero-width spaces included, decide whether Slack renders it.
    const raw = locate(output, span);
    if (raw !== undefined && (touchesWord(output[raw.start - 1]) || touchesWord(output[raw.end]))) {
      failures.push(`emphasis Slack will not render (${span})`);
    }
  }
  return [...new Set(failures)];
}

function withoutCode(text: string): string {
  return text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
}

/** A list item's own numbering (`10.`, `b.`, `iv.`): layout, not words of the answer. */
const LIST_MARKER = /^(\s*(?:>\s*)?)(?:\d+|[a-zA-Z]|[ivxlcdm]+|[IVXLCDM]+)[.)]\s/gm;

/** The visible words: entities decoded, link syntax, list numbering and markers removed. */
function words(text: string): string[] {
  const visible = text
    .replace(LIST_MARKER, '$1')
    .replace(LINK, (_m, url: string, label?: string) =>
      label === undefined ? ` ${url.replace(/^(mailto|tel):/, '')} ` : GENERIC_LABELS.has(label) ? ' ' : ` ${label} `,
    )
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(ZWSP, '');
  return [...new Set(visible.match(/[\p{L}\p{N}]{2,}/gu) ?? [])];
}

function normalizeUrl(url: string): string {
  return url.replace(/&amp;/g, '&').replace(/\/$/, '');
}

/** Bold, italic and strike spans of the expected output (outside code and links), markers included. */
function spans(expected: string): string[] {
  // Found with zero-width spaces in place: a marker they disarm opens no span.
  const prose = withoutCode(expected.replace(LINK, ' '));
  const span = /(?<![\p{L}\p{N}])([*_~])(?![\s\u200B])((?:[^\n](?!\1))*?[^\s\u200B]?)\1(?![\p{L}\p{N}])/gu;
  return [...prose.matchAll(span)].map((m) => m[0].replace(ZWSP, '')).filter((s) => s.length > 2);
}

function locate(output: string, span: string): { start: number; end: number } | undefined {
  // Match the span allowing zero-width spaces anywhere inside it.
  const pattern = [...span].map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\u200B?');
  const match = new RegExp(pattern).exec(output);
  return match ? { start: match.index, end: match.index + match[0].length } : undefined;
}

function touchesWord(c: string | undefined): boolean {
  return c !== undefined && /[\p{L}\p{N}]/u.test(c);
}

/** The elements Fin's API reference says an answer may contain. */
const FIN_DOCUMENTED = new Set([
  'p',
  'h1',
  'h2',
  'h3',
  'h4',
  'b',
  'strong',
  'i',
  'em',
  'a',
  'ol',
  'ul',
  'li',
  'pre',
  'code',
  'img',
  'table',
  'tbody',
  'tr',
  'td',
  'th',
  'div',
  'br',
  'hr',
]);

/** Whether the answer uses only elements Fin documents (the others test how a converter copes with the unexpected). */
export function usesOnlyDocumentedElements(html: string): boolean {
  const visit = (node: ChildNode): boolean => !isTag(node) || (FIN_DOCUMENTED.has(node.name) && node.children.every(visit));
  return parseDocument(html).children.every(visit);
}

const EMPHASIS_TAGS = new Set(['b', 'strong', 'i', 'em', 's', 'del', 'strike', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'th']);

/** The text of every element of the HTML that asks for emphasis (or a heading, or a table header). */
function emphasisInHtml(html: string): string[] {
  const found: string[] = [];
  const textOf = (node: ChildNode): string => (isText(node) ? node.data : isTag(node) ? node.children.map(textOf).join('') : '');
  const visit = (node: ChildNode): void => {
    if (!isTag(node)) return;
    if (EMPHASIS_TAGS.has(node.name)) found.push(textOf(node).replace(/\s+/g, ' ').trim());
    node.children.forEach(visit);
  };
  parseDocument(html, { decodeEntities: true }).children.forEach(visit);
  // A table whose header is a first row of bold cells is covered by the <b> cells themselves.
  return found.filter((t) => t !== '');
}
