/** `text`, cut to at most `max` characters with an ellipsis when it is longer (Slack refuses over-long fields). */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/**
 * `render(text)` (an escape, say) in at most `max` characters: `text` is cut before it is rendered, never the rendered
 * form, so an entity (`&amp;`) or a look-alike is never split. Escaping only ever lengthens text, so the cut is first
 * made at `max` and then shortened in proportion to what rendering added, until the result fits.
 */
export function truncateRendered(text: string, max: number, render: (text: string) => string): string {
  let cut = truncate(text, max);
  let shown = render(cut);
  while (shown.length > max) {
    // Shorter in proportion to what rendering added, and always by at least one character.
    cut = cut.length <= 1 ? '' : truncate(cut, Math.max(1, Math.min(cut.length - 1, Math.floor((cut.length * max) / shown.length))));
    shown = render(cut);
  }
  return shown;
}

/**
 * `parts` joined by `separator`, as many as fit in `max` characters, in order: a part that does not fit is left out
 * whole (a link cut in half would show its markup), and the ones after it still get their chance.
 */
export function joinWithin(parts: readonly string[], separator: string, max: number): string {
  let joined = '';
  for (const part of parts) {
    const next = joined === '' ? part : `${joined}${separator}${part}`;
    if (next.length <= max) joined = next;
  }
  return joined;
}
