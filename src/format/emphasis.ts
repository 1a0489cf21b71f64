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
 * Keeps literal `*`, `_`, `~` and backticks in text from starting a span: a marker can only open a span when the
 * character after it is not whitespace and a closing one can follow on the line, so a zero-width space goes after
 * each one that could. Inside words (`snake_case`), in addresses and paths (`https://x/_next`, `~/config`), or with
 * no closer ahead they cannot open and are left alone: invisible characters there would be copied along.
 * A literal backtick becomes a look-alike (ˋ): Slack cannot escape one, and a zero-width space between backticks
 * still leaves them able to pair into code.
 */
export function disarmLiteralMarkers(text: string): string {
  if (!/[*_~`]/.test(text)) return text;
  return text.replace(/`/g, 'ˋ').replace(/[*_~]+/g, (run: string, offset: number, whole: string) => {
    const before = whole[offset - 1];
    const after = whole[offset + run.length];
    const canOpen = after !== undefined && !/[\s\u200B]/.test(after);
    const atBoundary = before === undefined || !/[\p{L}\p{N}]/u.test(before);
    if (!atBoundary || !canOpen || inAddress(whole, offset) || !closerAhead(whole, offset + run.length, run[0] ?? '')) return run;
    return [...run].join(ZWSP) + ZWSP;
  });
}

/** Part of a URL or a path (`https://…`, `www.…`, `~/…`, `./…`), where a marker character is just a character. */
function inAddress(text: string, offset: number): boolean {
  const start = Math.max(text.lastIndexOf(' ', offset), text.lastIndexOf('\n', offset)) + 1;
  const word = text.slice(start, offset + 2);
  return /^(?:\(|\[)?(?:[a-z][a-z0-9+.-]*:\/\/|www\.|~\/|\.{1,2}\/|\/)/i.test(word) || /[a-z0-9]\.[a-z]{2,}\//i.test(word);
}

/** Whether `marker` appears later on the line right after a non-space character, where it could close a span. */
function closerAhead(text: string, from: number, marker: string): boolean {
  const lineEnd = text.indexOf('\n', from);
  const rest = text.slice(from, lineEnd === -1 ? undefined : lineEnd);
  for (let i = rest.indexOf(marker); i !== -1; i = rest.indexOf(marker, i + 1)) {
    const previous = i === 0 ? text[from - 1] : rest[i - 1];
    if (previous !== undefined && !/\s/.test(previous)) return true;
  }
  return false;
}
