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
      return core === '' ? segment : `${lead}${OPEN[mark]}${core}${CLOSE[mark]}${trail}`;
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
    const before = whole[offset - 1];
    const after = whole[offset + run.length];
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

/**
 * Keeps literal `*`, `_`, `~` and backticks in text from starting a span: a marker can only open a span when the
 * character after it is not whitespace, so a zero-width space goes after each one that could. Inside words
 * (`snake_case`) they cannot open and are left alone. Runs of backticks are always broken up.
 */
export function disarmLiteralMarkers(text: string): string {
  if (!/[*_~`]/.test(text)) return text;
  return text.replace(/[*_~`]+/g, (run: string, offset: number, whole: string) => {
    const before = whole[offset - 1];
    const after = whole[offset + run.length];
    const canOpen = after !== undefined && !/[\s\u200B]/.test(after);
    // A run of backticks anywhere (not only at a boundary) can open a code block: ``` in prose must not.
    const backticks = run.includes('``');
    const atBoundary = before === undefined || !/[\p{L}\p{N}]/u.test(before);
    if (!backticks && !(atBoundary && canOpen)) return run;
    return [...run].join(ZWSP) + (canOpen ? ZWSP : '');
  });
}
