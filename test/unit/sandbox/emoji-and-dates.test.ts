import { beforeAll, describe, expect, it } from 'vitest';
import { buildEmojiTable } from '../../../sandbox/emoji-table.ts';
import { formatSlackDate } from '../../../sandbox/web/dates.ts';
import { emojiChar, replaceShortcodes, useEmojiTable } from '../../../sandbox/web/emoji.ts';
import { renderMrkdwn } from '../../../sandbox/web/mrkdwn.ts';

const directory = { userName: () => undefined, channelName: () => undefined };

describe('the sandbox’s emoji shortcodes (emoji-datasource, as Slack names them)', () => {
  beforeAll(() => useEmojiTable(buildEmojiTable()));

  it('knows every short name, the app’s own included, and is far smaller than the package’s data', () => {
    const table = buildEmojiTable();
    expect(Object.keys(table.chars).length).toBeGreaterThan(1_800);
    expect(JSON.stringify(table).length).toBeLessThan(80_000);
    for (const [name, char] of Object.entries({
      tada: '🎉',
      leftwards_arrow_with_hook: '↩️',
      scissors: '✂️',
      checkered_flag: '🏁',
      '+1': '👍',
      thumbsup: '👍',
      warning: '⚠️',
    })) {
      expect(emojiChar(name)).toBe(char);
    }
  });

  it('puts a skin tone on an emoji that takes one, and shows it as a swatch after one that does not', () => {
    expect(replaceShortcodes(':wave::skin-tone-3:')).toBe('👋🏼');
    expect(replaceShortcodes(':raised_hand_with_fingers_splayed::skin-tone-6:')).toBe('🖐🏿');
    expect(replaceShortcodes(':tada::skin-tone-2:')).toBe('🎉🏻');
  });

  it('leaves unknown names as typed, and renders none inside code', () => {
    expect(replaceShortcodes('at 10:30:45 :not_an_emoji: :tada:')).toBe('at 10:30:45 :not_an_emoji: 🎉');
    expect(renderMrkdwn('`:tada:` :tada:\n```\n:tada:\n```', directory)).toBe(
      '<div class="line"><code>:tada:</code> 🎉</div><pre class="fence">:tada:</pre>',
    );
    // A shortcode's underscores are never emphasis.
    expect(renderMrkdwn('_done_ :white_check_mark: :heavy_check_mark:', directory)).toBe('<div class="line"><i>done</i> ✅ ✔️</div>');
  });
});

describe('Slack’s date tokens, in the reader’s time zone', () => {
  // Tuesday 18 February 2014, 14:39:42 UTC; "now" a few hours later, in a zone where it is still the 18th.
  const at = 1392734382;
  const context = { now: new Date('2014-02-18T20:00:00Z'), timeZone: 'America/New_York' };

  it('fills in every documented token and leaves an unknown one as typed', () => {
    expect(formatSlackDate(at, '{date_num} {date_slash} {time} {time_secs}', context)).toBe('2014-02-18 18/02/2014 9:39 AM 9:39:42 AM');
    expect(formatSlackDate(at, '{date_long} | {date_long_full} | {date_short} | {date}', context)).toBe(
      'Tuesday, February 18th, 2014 | February 18, 2014 | Feb 18, 2014 | February 18th',
    );
    expect(formatSlackDate(at, '{date_pretty} {date_short_pretty} {date_long_pretty} {day_divider_pretty} {ago} {nope}', context)).toBe(
      'today today today today 5 hours ago {nope}',
    );
  });

  it('says yesterday and tomorrow by the reader’s calendar, and gives the year of another year', () => {
    expect(formatSlackDate(at - 86_400, '{date_short_pretty}', context)).toBe('yesterday');
    expect(formatSlackDate(at + 86_400, '{date_pretty}', context)).toBe('tomorrow');
    expect(formatSlackDate(at - 2 * 86_400, '{date_pretty} · {date_short_pretty}', context)).toBe('February 16th · Feb 16, 2014');
    expect(formatSlackDate(at - 400 * 86_400, '{date} · {day_divider_pretty}', context)).toBe(
      'January 14th, 2013 · Monday, January 14th, 2013',
    );
    expect(formatSlackDate(at + 3 * 86_400, '{ago}', context)).toBe('in 2 days');
    // 20:00 UTC is already the 19th in Tokyo.
    expect(formatSlackDate(at, '{date_pretty} at {time}', { ...context, timeZone: 'Asia/Tokyo' })).toBe('yesterday at 11:39 PM');
  });

  it('gives no date for a timestamp that is not one (the caller shows the fallback)', () => {
    expect(formatSlackDate('abc', '{date}', context)).toBeUndefined();
    expect(formatSlackDate(Number.NaN, '{date}', context)).toBeUndefined();
    expect(formatSlackDate(1e20, '{date}', context)).toBeUndefined();
  });

  it('renders mrkdwn’s <!date> tokens, with their link, and the fallback when the date is no date', () => {
    const html = renderMrkdwn(
      'Due <!date^1392734382^{date_num}|Feb 18> or <!date^1392734382^{date_num}^https://x.example/a?b=1&amp;c=2|link> or <!date^soon^{date}|some *day*>',
      directory,
    );
    expect(html).toMatch(
      /^<div class="line">Due <time class="date" datetime="2014-02-18T14:39:42.000Z">2014-02-1[89]<\/time> or <a href="https:\/\/x.example\/a\?b=1&amp;c=2"/,
    );
    expect(html).toContain('or some *day*</div>');
    expect(html).not.toContain('broadcast');
  });
});
