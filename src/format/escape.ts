import { disarmLiteralMarkers } from './emphasis.ts';

/**
 * Slack mrkdwn treats exactly three characters as control characters; everything else is shown as typed. Escaping
 * them in untrusted text also disarms every ping and fake link (`<!channel>`, `<@U…>`, `<https://evil|bank>`).
 * This is the escape for code, where formatting characters are literal anyway.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(CONTROL_CHARACTERS, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Control characters have no place in a message (entities such as `&#1;` decode to them); tabs and newlines do.
 * Nor do bidirectional controls (embeddings, overrides, isolates and marks): they make text display in an order other
 * than the one it is read in, which can disguise an address or a file name (`gpj.exe` shown as `exe.jpg`).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/**
 * Untrusted text for a `plain_text` object (form labels, options): Slack shows it as typed, but control characters
 * and bidirectional controls are removed all the same.
 */
export function plainText(text: string): string {
  return text.replace(CONTROL_CHARACTERS, '');
}

/**
 * Untrusted text as inline code (an id, a procedure name): nothing inside a code span is formatting, so only `& < >`
 * are escaped; a backtick, which would end the span and cannot be escaped, becomes the look-alike `ˋ`, and line
 * breaks become spaces (a span cannot cross a line).
 */
export function codeSpan(text: string): string {
  const inner = escapeMrkdwn(text).replace(/`/g, '\u02CB').replace(/\s+/g, ' ').trim();
  return inner === '' ? '' : `\`${inner}\``;
}

/**
 * Untrusted prose: escaped, broadcast words neutralised, and its literal `*`, `_`, `~` and backticks kept from
 * turning into formatting.
 */
export function escapeText(text: string): string {
  return disarmLiteralMarkers(neutralizeBroadcasts(escapeMrkdwn(text)));
}

/**
 * Plain `@channel` only notifies with `link_names`/`parse=full`, which the app never sets; a word joiner after the
 * `@` keeps it inert even if a client or a future default treats it as a mention.
 */
export function neutralizeBroadcasts(text: string): string {
  // Only a word of its own: `ops@here.com` is an address, not a broadcast.
  return text.replace(/(^|[^\p{L}\p{N}.@-])@(channel|here|everyone)(?![\p{L}\p{N}]|[.@-][\p{L}\p{N}])/giu, '$1@\u2060$2');
}

const ALLOWED_SCHEMES = new Set(['http:', 'https:']);

/**
 * A link target Slack may render as clickable, or undefined when it must stay plain text: relative URLs, in-page
 * `#anchors` (`<#…>` is Slack's channel syntax), every scheme but http(s) (`javascript:`, `data:`, `mailto:`…), and
 * half-written ones (`https:example.com`) are never linked.
 * Only the characters that would break the `<url|label>` token, and invisible or control ones, are percent-encoded:
 * re-encoding anything else breaks signed URLs.
 */
export function safeLinkTarget(href: string | undefined): string | undefined {
  if (href === undefined) return undefined;
  const trimmed = href.trim();
  // The written form matters, not only what a URL parser makes of it: Slack does not link `https:example.com`.
  if (!/^https?:\/\/[^\s/?#\\]+/i.test(trimmed)) return undefined;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return undefined;
  }
  if (!ALLOWED_SCHEMES.has(url.protocol)) return undefined;
  if (url.hostname === '') return undefined;
  // Invisible and control characters (bidirectional overrides among them) are encoded too: in a link they could make
  // the address read in another order than it goes.
  return trimmed.replace(/[\s|<>"\p{Cf}\p{Cc}]/gu, (c) => encodeURIComponent(c)).replace(/&/g, '&amp;');
}

/** A link token to `url` when it is a safe http(s) address, or null. `label` must already be escaped. */
export function safeLink(url: string | undefined, label: string): string | null {
  const target = safeLinkTarget(url);
  return target === undefined ? null : mrkdwnLink(target, label);
}

/** `<url|label>`, or `<url>` when the label would only repeat the address. `label` must already be escaped. */
export function mrkdwnLink(target: string, label: string): string {
  const flat = label.replace(/\s+/g, ' ').trim();
  if (flat === '' || flat === target) return `<${target}>`;
  return `<${target}|${flat}>`;
}

/**
 * The address of a `mailto:` link, if it has a plausible one. Such links are never made into link tokens; the
 * address is shown as text, which Slack makes clickable itself.
 */
export function mailtoAddress(href: string | undefined): string | undefined {
  const m = /^\s*mailto:([^?\s]+)/i.exec(href ?? '');
  if (m === null) return undefined;
  let address: string;
  try {
    address = decodeURIComponent(m[1] ?? '');
  } catch {
    return undefined;
  }
  return /^[^\s@<>|]+@[^\s@<>|]+\.[^\s@<>|]+$/.test(address) ? address : undefined;
}
