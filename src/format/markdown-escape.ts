import { escapeMrkdwn, neutralizeBroadcasts } from './escape.ts';

/**
 * Characters that can start formatting in the standard Markdown Slack's streaming methods take (`markdown_text`).
 * A backslash before any ASCII punctuation shows it as typed, so Fin's plain streamed text stays plain.
 */
const MARKDOWN_PUNCTUATION = /[\\`*_~[\]()#+\-!|]/g;

/**
 * Plain text for `markdown_text`: formatting characters escaped with a backslash, `&`, `<` and `>` escaped as in
 * mrkdwn (whether Slack parses `<!here>` in Markdown is not documented, so nothing that could ping survives), and
 * broadcast words neutralised. Escaping is per character (the broadcast words aside), so the escape of a longer text
 * starts with the escape of its prefix when that prefix ends at a word's end.
 */
export function escapeMarkdown(text: string): string {
  return neutralizeBroadcasts(escapeMrkdwn(text).replace(MARKDOWN_PUNCTUATION, '\\$&'));
}
