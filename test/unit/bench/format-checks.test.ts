import { describe, expect, it } from 'vitest';
import { checkConversion, usesOnlyDocumentedElements } from '../../../bench/format-checks.ts';
import { htmlToMrkdwn } from '../../../src/format/html-to-mrkdwn.ts';
import { loadCorpus } from '../../helpers/corpus.ts';

describe('the benchmark’s correctness checks', () => {
  it('accept our converter’s output on every answer of the corpus', () => {
    for (const c of loadCorpus()) expect([c.name, checkConversion(c.mrkdwn, htmlToMrkdwn(c.html), c.html)]).toEqual([c.name, []]);
  });

  const html = '<p>Go to <b>Settings</b> and read <a href="https://example.com/a?b=1&amp;c=2">the guide</a>. Tom &amp; Jerry.</p>';
  const expected = 'Go to *Settings* and read <https://example.com/a?b=1&amp;c=2|the guide>. Tom &amp; Jerry.';

  it.each([
    ['a raw tag', 'Go to *Settings* and read <https://example.com/a?b=1&amp;c=2|the guide>. Tom &amp; <b>Jerry</b>.', 'raw tag'],
    ['a live ping', 'Go to *Settings* and read <https://example.com/a?b=1&c=2|the guide>. Tom &amp; Jerry <!here>.', 'raw tag'],
    ['an unsafe link', 'Go to *Settings* and read <javascript:x|the guide>. Tom &amp; Jerry.', 'raw tag'],
    ['an unescaped & in text', 'Go to *Settings* and read <https://example.com/a?b=1&c=2|the guide>. Tom & Jerry.', 'unescaped &'],
    ['lost words', 'Go to *Settings* and read <https://example.com/a?b=1&amp;c=2|the guide>.', 'lost text'],
    ['a lost link', 'Go to *Settings* and read the guide. Tom &amp; Jerry.', 'lost link'],
    ['Markdown bold', 'Go to **Settings** and read <https://example.com/a?b=1&amp;c=2|the guide>. Tom &amp; Jerry.', 'double-asterisk'],
    ['a Markdown link', 'Go to *Settings* and read [the guide](https://example.com/a?b=1&amp;c=2). Tom &amp; Jerry.', 'Markdown link'],
    [
      'emphasis inside a word',
      'Go to x*Settings* and read <https://example.com/a?b=1&amp;c=2|the guide>. Tom &amp; Jerry.',
      'will not render',
    ],
  ])('flag %s', (_name, output, failure) => {
    expect(checkConversion(expected, output, html).join('; ')).toContain(failure);
  });

  it('accept what Slack reads the same: a bare address for a link, a bare & inside an address', () => {
    expect(
      checkConversion(expected, 'Go to *Settings* and read the guide https://example.com/a?b=1&amp;c=2. Tom &amp; Jerry.', html),
    ).toEqual([]);
    expect(
      checkConversion(expected, 'Go to *Settings* and read <https://example.com/a?b=1&c=2|the guide>. Tom &amp; Jerry.', html),
    ).toEqual([]);
  });

  it('do not hold a converter to our list numbering or fence placement', () => {
    const list = '<ol start="10"><li>Open <b>Settings</b></li><li>Save</li></ol>';
    expect(checkConversion('10. Open *Settings*\n11. Save', '• Open *Settings*\n• Save', list)).toEqual([]);
    const code = '<ul><li>Run<pre><code>npm ci</code></pre></li></ul>';
    expect(checkConversion('• Run\n   ```\n   npm ci\n   ```', '• Run\n    ```\n    npm ci\n    ```', code)).toEqual([]);
    expect(checkConversion('• Run\n```\nnpm ci\n```', '• Run ```npm ci\n```', code)).toContain('broken code fence');
  });

  it('tell answers that use only the elements Fin documents from those that do not', () => {
    expect(usesOnlyDocumentedElements('<div><p>Hi <b>there</b></p><table><tbody><tr><td>1</td></tr></tbody></table></div>')).toBe(true);
    expect(usesOnlyDocumentedElements('<p>Press <kbd>Ctrl</kbd></p>')).toBe(false);
    expect(usesOnlyDocumentedElements('<details><summary>More</summary>…</details>')).toBe(false);
  });
});
