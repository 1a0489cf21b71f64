/**
 * Slack mrkdwn treats exactly three characters as control characters; everything else is shown as typed. Escaping
 * them in untrusted text also disarms every ping and fake link (`<!channel>`, `<@U…>`, `<https://evil|bank>`).
 */
export function escapeMrkdwn(text: string): string {
  return neutralizeBroadcasts(text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
}

/**
 * Plain `@channel` only notifies with `link_names`/`parse=full`, which the app never sets; a word joiner after the
 * `@` keeps it inert even if a client or a future default treats it as a mention.
 */
export function neutralizeBroadcasts(text: string): string {
  return text.replace(/@(channel|here|everyone)\b/gi, '@\u2060$1');
}

const ALLOWED_SCHEMES = new Set(['http:', 'https:', 'mailto:']);

/**
 * A link target Slack may render as clickable, or undefined when it must stay plain text: relative URLs, in-page
 * `#anchors` (`<#…>` is Slack's channel syntax) and schemes such as `javascript:` or `data:` are never linked.
 * Only the characters that would break the `<url|label>` token are percent-encoded: re-encoding anything else
 * breaks signed URLs.
 */
export function safeLinkTarget(href: string | undefined): string | undefined {
  if (href === undefined) return undefined;
  const trimmed = href.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return undefined;
  }
  if (!ALLOWED_SCHEMES.has(url.protocol)) return undefined;
  if (url.protocol !== 'mailto:' && url.hostname === '') return undefined;
  return trimmed
    .replace(/[\s|<>"]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)
    .replace(/&/g, '&amp;');
}

/** `<url|label>`, or `<url>` when the label would only repeat the address. `label` must already be escaped. */
export function mrkdwnLink(target: string, label: string): string {
  const flat = label.replace(/\s+/g, ' ').trim();
  const bare = target.replace(/^mailto:/, '');
  if (flat === '' || flat === target || flat === bare || flat === escapeMrkdwn(bare)) return `<${target}>`;
  return `<${target}|${flat}>`;
}
