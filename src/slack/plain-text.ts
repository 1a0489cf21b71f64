/**
 * Turns Slack's message markup into the plain text a person reading it would see, for Fin: mentions become
 * `@name`, channel links `#name`, links `label (url)`, and the three escaped characters are decoded.
 * The app's own mention is removed: it addresses the app, it is not part of the question.
 */
export function slackToPlainText(text: string, options: { botUserId: string; userNames?: ReadonlyMap<string, string> }): string {
  const replaced = text.replace(/<([^<>]*)>/g, (_whole, inner: string) => {
    const [target = '', label] = splitLabel(inner);
    if (target.startsWith('@')) {
      const id = target.slice(1);
      if (id === options.botUserId) return '';
      return `@${label ?? options.userNames?.get(id) ?? id}`;
    }
    if (target.startsWith('#')) return `#${label ?? target.slice(1)}`;
    if (target.startsWith('!')) return special(target.slice(1), label);
    const url = decodeEntities(target);
    const shown = label === undefined ? undefined : decodeEntities(label);
    if (shown === undefined || shown === url || `mailto:${shown}` === url || url.endsWith(`//${shown}`)) {
      return url.replace(/^mailto:/, '');
    }
    return `${shown} (${url})`;
  });
  return decodeEntities(replaced)
    .replace(/[ \t]+\n/g, '\n')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}

/** User ids mentioned in the text (other than the app), whose names are worth looking up. */
export function mentionedUserIds(text: string, botUserId: string): string[] {
  const ids = new Set<string>();
  for (const match of text.matchAll(/<@([UW][A-Z0-9]+)>/g)) {
    if (match[1] !== undefined && match[1] !== botUserId) ids.add(match[1]);
  }
  return [...ids];
}

function splitLabel(inner: string): [string, string | undefined] {
  const bar = inner.indexOf('|');
  return bar === -1 ? [inner, undefined] : [inner.slice(0, bar), inner.slice(bar + 1)];
}

function special(command: string, label: string | undefined): string {
  if (command === 'here' || command === 'channel' || command === 'everyone') return `@${command}`;
  if (command.startsWith('subteam^')) return label ?? `@${command.slice('subteam^'.length)}`;
  if (command.startsWith('date^')) return label ?? '';
  return label ?? '';
}

function decodeEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
