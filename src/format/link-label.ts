import { parse } from 'tldts';

/**
 * Invisible characters that change nothing a reader sees but split or disguise a word: format characters (zero-width
 * spaces and joiners, the word joiner, soft hyphens, bidirectional controls, tags) and variation selectors.
 */
// biome-ignore lint/suspicious/noMisleadingCharacterClass: variation selectors are meant to be matched on their own, to be removed
const INVISIBLE = /[\p{Cf}\uFE00-\uFE0F\u{E0100}-\u{E01EF}]/gu;
/** Characters URL parsers read as a dot in a host name (ideographic and fullwidth full stops). */
const DOT_LIKE = /[\u3002\uFF0E\uFF61]/g;
/** A run that could be a host name: labels of letters, digits and hyphens joined by dots. */
const HOST_LIKE = /[\p{L}\p{N}](?:[\p{L}\p{N}\p{M}-]*[\p{L}\p{N}\p{M}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}\p{M}-]*[\p{L}\p{N}\p{M}])?)+/gu;

/**
 * A link's label as a reader takes it in: compatibility forms folded (NFKC: fullwidth letters, ligatures), invisible
 * characters removed, look-alike dots made dots, mrkdwn's entities decoded and its formatting markers dropped.
 */
export function visibleForm(label: string): string {
  return label
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .normalize('NFKC')
    .replace(INVISIBLE, '')
    .replace(DOT_LIKE, '.')
    .replace(/[*_~`]/g, '');
}

/** A host a label names, as the ASCII name a browser would visit (`www.` aside), or undefined when it names none. */
function claimedHost(candidate: string): string | undefined {
  let ascii: string;
  try {
    // The URL parser applies IDNA: a host in another script becomes the punycode the browser would really visit.
    ascii = new URL(`http://${candidate}`).hostname;
  } catch {
    return undefined;
  }
  const parsed = parse(ascii, { allowPrivateDomains: true });
  // URL parsers read `1.2.3` as an IPv4 address too; only a written dotted quad reads as one to a person.
  if (parsed.isIp === true) return /^\d{1,3}(\.\d{1,3}){3}$/.test(candidate) ? ascii : undefined;
  // Only names under a real suffix count (`Node.js`, `v1.2` in a label are not addresses), and not a bare suffix.
  if (parsed.domain === null || (parsed.isIcann !== true && parsed.isPrivate !== true)) return undefined;
  return withoutWww(ascii);
}

/** `www.example.com` reads as `example.com`; `www.github.io` is not `github.io` (a suffix, which names nobody). */
function withoutWww(host: string): string {
  const bare = host.replace(/^www\./, '');
  return bare !== host && parse(bare, { allowPrivateDomains: true }).domain === null ? host : bare;
}

/**
 * Whether a link's label names a host other than the one the link goes to, which would hide where it really leads
 * (`<https://evil.example|paypal.com>`). The host may be anywhere in the label, written in any script or with
 * invisible characters inside it. A label may name the link's own host or a parent of it (`example.com` for
 * `docs.example.com`), never a sibling (`accounts.google.com` for `sites.google.com`, `a.github.io` for `b.github.io`).
 */
export function labelClaimsOtherHost(label: string, target: string): boolean {
  let targetHost: string;
  try {
    const url = new URL(target.replace(/&amp;/g, '&'));
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    targetHost = withoutWww(url.hostname.replace(/^\[|\]$/g, ''));
  } catch {
    return false;
  }
  for (const match of visibleForm(label).matchAll(HOST_LIKE)) {
    const claimed = claimedHost(match[0]);
    if (claimed !== undefined && claimed !== targetHost && !targetHost.endsWith(`.${claimed}`)) return true;
  }
  return false;
}
