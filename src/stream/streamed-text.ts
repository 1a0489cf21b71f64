/**
 * The separator of a table's cells while an answer streams: the one the final answer uses (one row per line, cells
 * separated by ` | `: `src/format/html-to-mrkdwn.ts`), so a table reads the same before and after the answer lands.
 */
export const CELL_SEPARATOR = ' | ';

/**
 * Fin's streamed text as the thread shows it while Fin writes. Fin's chunks are plain text, with no word on how a
 * table reads; a plain-text rendering of HTML (a browser's `innerText`, and the Fin simulator) puts a tab between a
 * row's cells and each row on a line of its own. A tab in a Slack message is at best a gap of uncertain width, so
 * cells would run together ("PlanSeatsPrice / month"): each tab becomes ` | `. Line breaks stay as they are.
 *
 * Each character maps to the same text wherever it stands, so what a longer text becomes starts with what its prefix
 * became: native streaming, which appends only what is new, never sees earlier text change.
 */
export function streamedTableText(text: string): string {
  return text.includes('\t') ? text.replace(/\t/g, CELL_SEPARATOR) : text;
}
