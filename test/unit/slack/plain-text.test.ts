import { describe, expect, it } from 'vitest';
import { mentionedUserIds, slackToPlainText } from '../../../src/slack/plain-text.ts';

const bot = 'UFIN';
const names = new Map([['UBOB', 'bob']]);
const plain = (text: string) => slackToPlainText(text, { botUserId: bot, userNames: names });

describe('slackToPlainText', () => {
  it.each([
    ['<@UFIN> hello', 'hello'],
    ['hello <@UFIN>, how are you', 'hello , how are you'],
    ['<@UFIN|fin> hi', 'hi'],
    ['ask <@UBOB>', 'ask @bob'],
    ['ask <@UCAROL>', 'ask @UCAROL'],
    ['ask <@UCAROL|carol>', 'ask @carol'],
    ['see <#C123|general>', 'see #general'],
    ['see <#C123>', 'see #C123'],
    ['<!here> and <!channel> and <!everyone>', '@here and @channel and @everyone'],
    ['<!subteam^S1|@support-team> help', '@support-team help'],
    ['due <!date^1700000000^{date}|Nov 14>', 'due Nov 14'],
    ['<https://example.com>', 'https://example.com'],
    ['<https://example.com|https://example.com>', 'https://example.com'],
    ['<https://example.com|example.com>', 'https://example.com'],
    ['<https://example.com/a?x=1&amp;y=2|the docs>', 'the docs (https://example.com/a?x=1&y=2)'],
    ['<mailto:a@b.com|a@b.com>', 'a@b.com'],
    ['1 &lt; 2 &amp;&amp; 3 &gt; 2', '1 < 2 && 3 > 2'],
    ['&amp;lt; stays literal', '&lt; stays literal'],
    ['  spaced   out  ', 'spaced out'],
    ['line one\nline two', 'line one\nline two'],
  ])('%j → %j', (input, expected) => {
    expect(plain(input)).toBe(expected);
  });

  it('lists the users mentioned, without the app', () => {
    expect(mentionedUserIds('<@UFIN> ask <@UBOB> and <@W123> and <@UBOB>', bot)).toEqual(['UBOB', 'W123']);
  });
});
