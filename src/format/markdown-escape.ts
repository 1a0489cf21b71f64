import { escapeMrkdwn, neutralizeBroadcasts } from './escape.ts';

/**
 * Characters that can start formatting in the standard Markdown Slack's streaming methods take (`markdown_text`):
 * emphasis, code, links, headings (`#`, and `=`/`-` underlines), lists (`-`, `+`), tables, images. A backslash before
 * ASCII punctuation shows it as typed. A full stop or parenthesis is escaped only where it would make an ordered list
 * (`1.` at the start of a line), so ordinary sentences keep no backslashes.
 */
const MARKDOWN_PUNCTUATION = /[\\`*_~[\]()#+\-!|=]/g;
const ORDERED_ITEM = /^(\s*\d+)([.)])/gm;

/**
 * Plain text for `markdown_text`: formatting characters escaped with a backslash, `&`, `<` and `>` escaped as in
 * mrkdwn (whether Slack parses `<!here>` in Markdown is not documented, so nothing that could ping survives), and
 * broadcast words neutralised. Escaping depends only on each character and its line's start (the broadcast words
 * aside), so the escape of a longer text starts with the escape of its prefix when that prefix ends at a word's end.
 */
export function escapeMarkdown(text: string): string {
  return neutralizeBroadcasts(escapeMrkdwn(text).replace(MARKDOWN_PUNCTUATION, '\\$&').replace(ORDERED_ITEM, '$1\\$2'));
}
