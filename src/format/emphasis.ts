/**
 * Slack emphasis (`*bold*`, `_italic_`, `~strike~`, `` `code` ``) only renders when its markers sit at word
 * boundaries: a marker touching a letter, a digit or certain punctuation is shown as a literal character, and two
 * spans back to back (`*a*_b_`) break each other. The converter therefore writes markers as placeholders and
 * resolves them here, once the surrounding text is known: adjacent spans of one kind are merged, empty ones dropped,
 * and a zero-width space (U+200B) is put between a marker and a neighbour that would stop Slack from parsing it.
 * Sources: pocka/slack-message-parser#34 (characters tested in Block Kit Builder), node-slack-sdk#1698
 * (adjacent spans), and the U+200B workaround used by slackify-markdown and other Slack bridges.
 */

export type Mark = 'bold' | 'italic' | 'strike' | 'code';

const OPEN: Record<Mark, string> = { bold: '\uE000', italic: '\uE002', strike: '\uE004', code: '\uE006' };
const CLOSE: Record<Mark, string> = { bold: '\uE001', italic: '\uE003', strike: '\uE005', code: '\uE007' };
const CHAR: Record<string, string> = {
  '\uE000': '*',
  '\uE001': '*',
  '\uE002': '_',
  '\uE003': '_',
  '\uE004': '~',
  '\uE005': '~',
  '\uE006': '`',
  '\uE007': '`',
};
const MARKS: readonly Mark[] = ['bold', 'italic', 'strike', 'code'];

/** Placeholder characters; the converter strips them from its input so only its own can occur. */
export const MARK_PLACEHOLDERS = /[\uE000-\uE007]/g;
const PLACEHOLDER_RUN = /[\uE000-\uE007]+/g;
const isOpen = (c: string) => (c.charCodeAt(0) - 0xe000) % 2 === 0;

export const ZWSP = '\u200B';

/** Characters after a closing marker (or before an opening one) that stop Slack from parsing it. */
const BREAKS_AFTER_CLOSE = /[\p{L}\p{N}\p{M}`@&*(_|\\<>~\u3000-\u303F\uFF00-\uFFEF]/u;
const BREAKS_BEFORE_OPEN = /[\p{L}\p{N}\p{M}`@&*)_|\\<>~\u3000-\u303F\uFF00-\uFFEF]/u;

/**
 * Wraps `inner` in a span. Emphasis cannot cross a line break, and whitespace just inside a marker breaks it, so each
 * line is wrapped on its own with its outer whitespace moved outside the markers. `lineBreak` is the separator the
 * caller uses for lines inside inline content.
 */
export function wrapMark(inner: string, mark: Mark, lineBreak: string): string {
  return inner
    .split(lineBreak)
    .map((segment) => {
      const match = /^(\s*)([\s\S]*?)(\s*)$/.exec(segment);
      const [, lead = '', core = '', trail = ''] = match ?? [];
      if (core === '') return segment;
      if (mark === 'code') return `${lead}${OPEN[mark]}${core}${CLOSE[mark]}${trail}`;
      // Literal marker characters at the edges (`$10*`, `_name`, `a_ ~`) would double the markers (`**`): the whole
      // run of them (and spaces between) stays outside, apart from the markers.
      const edges = /^([*_~\u200B\s]*)([\s\S]*?)([*_~\u200B\s]*)$/.exec(core);
      const [, before = '', middle = '', after = ''] = edges ?? [];
      if (middle === '') return segment;
      const left = before === '' || /\s$/.test(before) ? before : `${before.replace(/\u200B+$/, '')}${ZWSP}`;
      const right = after === '' || /^\s/.test(after) ? after : `${ZWSP}${after.replace(/^\u200B+/, '')}`;
      return `${lead}${left}${OPEN[mark]}${middle}${CLOSE[mark]}${right}${trail}`;
    })
    .join(lineBreak);
}

/** Turns placeholders into Slack markers, as described above. Newlines count as whitespace. */
export function resolveMarks(text: string): string {
  let merged = text;
  for (const mark of MARKS) {
    // `*a**b*` would break; one span reads the same.
    merged = merged.split(`${CLOSE[mark]}${OPEN[mark]}`).join('').split(`${OPEN[mark]}${CLOSE[mark]}`).join('');
  }
  return merged.replace(PLACEHOLDER_RUN, (run: string, offset: number, whole: string) => {
    // An escaped neighbour counts as the character it stands for (`&gt;` is a `>`), on both sides alike.
    const before = decodedBefore(whole, offset);
    const after = decodedAfter(whole, offset + run.length);
    let out = '';
    let previous: string | undefined;
    for (const c of run) {
      // A closing marker directly followed by an opening one (`*a*_b_`) needs a boundary between them.
      if (previous !== undefined && !isOpen(previous) && isOpen(c)) out += ZWSP;
      out += CHAR[c] ?? '';
      previous = c;
    }
    const opens = isOpen(run[0] ?? '');
    const closes = !isOpen(run[run.length - 1] ?? '');
    const lead = opens && before !== undefined && BREAKS_BEFORE_OPEN.test(before) ? ZWSP : '';
    const trail = closes && after !== undefined && BREAKS_AFTER_CLOSE.test(after) ? ZWSP : '';
    return `${lead}${out}${trail}`;
  });
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>' };

function decodedBefore(text: string, end: number): string | undefined {
  for (const [entity, char] of Object.entries(ENTITIES)) if (text.endsWith(entity, end)) return char;
  return text[end - 1];
}

function decodedAfter(text: string, start: number): string | undefined {
  for (const [entity, char] of Object.entries(ENTITIES)) if (text.startsWith(entity, start)) return char;
  return text[start];
}

/**
 * What Slack documents, and what it does not (https://docs.slack.dev/messaging/formatting-message-text):
 * - `*bold*`, `_italic_`, `~strike~` and `` `code` `` are formatting, and `&`, `<`, `>` are the only control characters,
 *   escaped as `&amp;`, `&lt;`, `&gt;` ("Escaping text"). There is no escape for the formatting markers: a backslash is
 *   shown as typed.
 * - Where a marker may open or close a span is not documented. The word-boundary rules above were observed, and the
 *   zero-width space that lets a span touch a word is a community workaround whose effect is not documented either: a
 *   client that reads U+200B as an ordinary character formats `*\u200Bitem*`.
 * - The documented ways to show text exactly as typed are `plain_text` text objects and the `text` elements of rich
 *   text blocks. Standalone untrusted values (agents' values, users' words, names) go there: see `rich-text.ts`.
 *
 * Fin's answers mix formatting and literal text in one mrkdwn string, so there a literal marker that could take part in
 * a span under any reading of the undocumented rules is replaced by a look-alike no reading treats as markup: `∗`
 * (U+2217), `ˍ` (U+02CD), `∼` (U+223C) and `ˋ` (U+02CB) for a backtick. Left as typed are only the markers no reading
 * could pair: one with whitespace on both sides (`5 * 3`), an underscore inside a word (`snake_case`: neither Slack nor
 * standard Markdown formats it), and anything inside a web address, where a changed character would change the link.
 * A text's ends count as touching something: the text beside it (a span the converter wrote) is not known here.
 */
export const LOOK_ALIKES: Readonly<Record<string, string>> = { '*': '\u2217', _: '\u02CD', '~': '\u223C', '`': '\u02CB' };

export function disarmLiteralMarkers(text: string): string {
  if (!/[*_~`]/.test(text)) return text;
  return text.replace(/[*_~`]/g, (marker: string, offset: number, whole: string) => {
    const before = whole[offset - 1];
    const after = whole[offset + 1];
    const space = (c: string | undefined) => c !== undefined && /\s/.test(c);
    if (marker !== '`' && space(before) && space(after)) return marker;
    const wordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);
    if (marker === '_' && wordChar(before) && wordChar(after)) return marker;
    if (marker !== '`' && inWebAddress(whole, offset)) return marker;
    return LOOK_ALIKES[marker] ?? marker;
  });
}

/**
 * Part of an address Slack makes into a link by itself (`https://…`, `www.…`, `example.com/…`, `name@example.com`):
 * its characters must stay as they are, or the link would go elsewhere.
 */
function inWebAddress(text: string, offset: number): boolean {
  const start = lastSpace(text, offset) + 1;
  const end = nextSpace(text, offset);
  const word = text.slice(start, end).replace(/^[([{"'“‘]+/, '');
  return ADDRESS.test(word);
}

const ADDRESS =
  /^(?:https?:\/\/\S|www\.\S|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?:[:/?#]|$|[)\]}"'”’.,;!?]+$)|[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,})/i;

function lastSpace(text: string, offset: number): number {
  for (let i = offset - 1; i >= 0; i -= 1) if (/\s/.test(text[i] ?? '')) return i;
  return -1;
}

function nextSpace(text: string, offset: number): number {
  for (let i = offset + 1; i < text.length; i += 1) if (/\s/.test(text[i] ?? '')) return i;
  return text.length;
}
