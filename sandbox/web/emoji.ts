/**
 * Emoji shortcodes as Slack shows them: `:tada:` → 🎉, `:wave::skin-tone-3:` → the toned character. The table comes
 * from the sandbox server (`/emoji.json`, built from `emoji-datasource`); until it has arrived, and for any name it
 * does not know, a shortcode stays as typed, as in Slack.
 */

export interface EmojiTable {
  /** Every short name → its character, without skin tone. */
  readonly chars: Readonly<Record<string, string>>;
  /** The short names that take a skin tone (`::skin-tone-2:` … `::skin-tone-6:`). */
  readonly toneable: readonly string[];
}

let chars: ReadonlyMap<string, string> = new Map();
let toneable: ReadonlySet<string> = new Set();

export function useEmojiTable(table: EmojiTable): void {
  chars = new Map(Object.entries(table.chars));
  toneable = new Set(table.toneable);
}

const MODIFIERS: Readonly<Record<string, string>> = {
  '2': '\u{1F3FB}',
  '3': '\u{1F3FC}',
  '4': '\u{1F3FD}',
  '5': '\u{1F3FE}',
  '6': '\u{1F3FF}',
};

/** The character for a short name (with a skin tone 2–6 if it takes one), or undefined for a name Slack would not know. */
export function emojiChar(name: string, tone?: number | string): string | undefined {
  const base = chars.get(name);
  if (base === undefined) return undefined;
  const modifier = tone === undefined ? undefined : MODIFIERS[String(tone)];
  if (modifier === undefined || !toneable.has(name)) return base;
  // The modifier follows the first code point, replacing a variation selector there.
  const [first = '', ...rest] = [...base];
  if (rest[0] === '\uFE0F') rest.shift();
  return [first, modifier, ...rest].join('');
}

/** `:name:` and `:name::skin-tone-N:` in text that holds no markup of its own; unknown names stay as they are. */
const SHORTCODE = /:([a-z0-9_+-]+):(?::skin-tone-([2-6]):)?/g;

export function replaceShortcodes(text: string): string {
  return text.replace(SHORTCODE, (_, name: string, tone: string | undefined) => {
    if (tone !== undefined && toneable.has(name)) return emojiChar(name, tone) ?? `:${name}:`;
    // Otherwise the tone stands on its own (Slack shows its swatch), like any other shortcode.
    const toneShown = tone === undefined ? '' : (chars.get(`skin-tone-${tone}`) ?? `:skin-tone-${tone}:`);
    return `${chars.get(name) ?? `:${name}:`}${toneShown}`;
  });
}
