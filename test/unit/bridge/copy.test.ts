import { describe, expect, it } from 'vitest';
import { streamingText, TYPING_SUFFIX } from '../../../src/bridge/copy.ts';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

describe('streamingText: what an interim edit shows', () => {
  it('shows short text whole, escaped, with the typing marker', () => {
    expect(streamingText('Tom & <Jerry>')).toBe(`Tom &amp; &lt;Jerry&gt;${TYPING_SUFFIX}`);
  });

  it.each([
    ['Latin text', 'word '.repeat(2_000)],
    ['CJK text (3 bytes a character)', '漢字かな交じり文。'.repeat(600)],
    ['emoji (4 bytes, two UTF-16 units)', '🙂 '.repeat(2_000)],
    ['text full of & < > (escaped longer)', 'a & b < c > d '.repeat(800)],
  ])('keeps %s under 3,500 bytes, showing the newest part', (_name, text) => {
    const shown = streamingText(`${text}THE END`);
    expect(bytes(shown)).toBeLessThanOrEqual(3_500);
    expect(bytes(shown)).toBeGreaterThan(3_000);
    expect(shown.startsWith('…')).toBe(true);
    expect(shown.endsWith(`THE END${TYPING_SUFFIX}`)).toBe(true);
    // Cut on whole characters and whole entities.
    expect(shown).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    expect(shown.replace(/&(amp|lt|gt);/g, '')).not.toMatch(/[&<>]/);
  });
});
