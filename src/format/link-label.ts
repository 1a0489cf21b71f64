import { getDomain, parse } from 'tldts';

/**
 * Invisible characters that change nothing a reader sees but split or disguise a word: format characters (zero-width
 * spaces and joiners, the word joiner, soft hyphens, bidirectional controls, tags) and variation selectors.
 */
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

/** The registrable domain (`example.co.uk`) of a host written in any script, or undefined if it is not a public one. */
function registrableDomain(candidate: string): string | undefined {
  let ascii: string;
  try {
    // The URL parser applies IDNA: a host in another script becomes the punycode the browser would really visit.
    ascii = new URL(`http://${candidate}`).hostname;
  } catch {
    return undefined;
  }
  const parsed = parse(ascii);
  // URL parsers read `1.2.3` as an IPv4 address too; only a written dotted quad reads as one to a person.
  if (parsed.isIp === true) return /^\d{1,3}(\.\d{1,3}){3}$/.test(candidate) ? ascii : undefined;
  // Only names under a real top-level domain count: `Node.js` or `v1.2` in a label is not an address.
  if (parsed.isIcann !== true || parsed.domain === null) return undefined;
  return parsed.domain;
}

/**
 * Whether a link's label names a host other than the one the link goes to, which would hide where it really leads
 * (`<https://evil.example|paypal.com>`). The host may be anywhere in the label, written in any script or with
 * invisible characters inside it; a label naming the link's own site (any part of it) is fine.
 */
export function labelClaimsOtherHost(label: string, target: string): boolean {
  let targetDomain: string | undefined;
  try {
    const url = new URL(target.replace(/&amp;/g, '&'));
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    targetDomain = getDomain(host) ?? host;
  } catch {
    return false;
  }
  for (const match of visibleForm(label).matchAll(HOST_LIKE)) {
    const claimed = registrableDomain(match[0]);
    if (claimed !== undefined && claimed !== targetDomain) return true;
  }
  return false;
}
