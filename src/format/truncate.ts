/** `text`, cut to at most `max` characters with an ellipsis when it is longer (Slack refuses over-long fields). */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}
