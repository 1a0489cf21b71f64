import type { KnownBlock, RichTextBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { blockText } from '../../helpers/block-kit-limits.ts';
import { escapeText } from '../../../src/format/escape.ts';
import {
  bullets,
  fitRichText,
  labelled,
  link,
  quote,
  richText,
  richTextPlain,
  section,
  text,
  user,
} from '../../../src/format/rich-text.ts';
import { joinWithin, truncateRendered } from '../../../src/format/truncate.ts';

const words = (n: number) => 'word '.repeat(n / 5).slice(0, n);

describe('fitRichText', () => {
  const header: KnownBlock = { type: 'section', text: { type: 'mrkdwn', text: 'Title' } };
  const post = (reason: string, message: string): KnownBlock[] => [
    header,
    richText(
      section(labelled('From'), user('U1')),
      section(labelled('Reason'), text(reason)),
      quote(message),
      bullets([section(link('https://example.com', words(500)))]),
    ),
  ];

  it('leaves rich text that fits as it is', () => {
    const blocks = post('short', 'also short');
    expect(fitRichText(blocks, 1_000)).toEqual(blocks);
  });

  it('cuts the longest words first, to one length, so short ones stay whole; other blocks are untouched', () => {
    const fitted = fitRichText(post(words(50_000), words(3_000)), 2_000);
    expect(fitted[0]).toEqual(header);
    const shown = richTextPlain(fitted[1] as RichTextBlock);
    expect(blockText(fitted.slice(1))).toBeLessThanOrEqual(2_000);
    expect(shown).toContain('From: @U1');
    expect(shown).toContain('Reason: ');
    // The reason and the quote were cut to the same length; the link label (500) fitted whole.
    const reason = /Reason: (.*)/.exec(shown)?.[1] ?? '';
    const quoted = /> (.*)/.exec(shown)?.[1] ?? '';
    expect(reason.endsWith('…') && quoted.endsWith('…')).toBe(true);
    expect(Math.abs(reason.length - quoted.length)).toBeLessThanOrEqual(1);
    expect(shown).toContain(`• ${words(500)}`);
  });

  it('shares the budget across several rich text blocks', () => {
    const blocks = [richText(section(text(words(9_000)))), richText(section(text(words(9_000))))];
    const fitted = fitRichText(blocks, 8_000);
    expect(blockText(fitted)).toBeLessThanOrEqual(8_000);
    expect(blockText(fitted[0])).toBe(blockText(fitted[1]));
  });
});

describe('truncateRendered', () => {
  it('cuts before escaping, so the escaped text fits and no entity is split', () => {
    const shown = truncateRendered('&'.repeat(10_000), 3_000, escapeText);
    expect(shown.length).toBeLessThanOrEqual(3_000);
    expect(shown).toMatch(/^(&amp;)+…$/);
    expect(truncateRendered('a < b', 100, escapeText)).toBe('a &lt; b');
  });
});

describe('joinWithin', () => {
  it('joins the parts that fit, leaving out whole the ones that do not', () => {
    expect(joinWithin(['<https://a|A>', `<https://${'b'.repeat(50)}|B>`, 'C'], ' · ', 20)).toBe('<https://a|A> · C');
    expect(joinWithin(['x'.repeat(30)], ' · ', 20)).toBe('');
  });
});
