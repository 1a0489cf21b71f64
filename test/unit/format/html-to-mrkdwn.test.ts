import { describe, expect, it } from 'vitest';
import { htmlToMrkdwn } from '../../../src/format/html-to-mrkdwn.ts';

describe('htmlToMrkdwn', () => {
  it.each([
    ['<p>Hello <b>bold</b> and <strong>strong</strong></p>', 'Hello *bold* and *strong*'],
    ['<p><i>it</i> <em>em</em> <s>gone</s></p>', '_it_ _em_ ~gone~'],
    ['<p><b> spaced </b>word</p>', '*spaced* word'],
    ['<p><b>bold <b>nested</b> bold</b></p>', '*bold nested bold*'],
    ['<p>one</p><p>two</p>', 'one\n\ntwo'],
    ['<p>line<br>break</p>', 'line\nbreak'],
    ['<p>  lots   of\n  space </p>', 'lots of space'],
    ['<p></p><p>&nbsp;</p><p>text</p><p> </p>', 'text'],
    ['<h2>Title</h2><p>Body</p>', '*Title*\n\nBody'],
    ['<h3><b>Bold title</b></h3>', '*Bold title*'],
    ['<p>See <a href="https://example.com/x">the guide</a></p>', 'See <https://example.com/x|the guide>'],
    ['<p><a href="https://example.com">https://example.com</a></p>', '<https://example.com>'],
    ['<p><a href="javascript:alert(1)">click</a></p>', 'click'],
    ['<p><a href="/relative">here</a></p>', 'here'],
    ['<ul><li>one</li><li>two</li></ul>', '• one\n• two'],
    ['<ol><li>one</li><li>two</li></ol>', '1. one\n2. two'],
    ['<ol start="3"><li>three</li></ol>', '3. three'],
    ['<ul><li><p>compact</p></li><li><p>items</p></li></ul>', '• compact\n• items'],
    ['<ul><li>a<ul><li>b</li></ul></li></ul>', '• a\n    ◦ b'],
    ['<p>Use <code>npm ci</code></p>', 'Use `npm ci`'],
    ['<pre><code>if (a &lt; b) {\n  *x* = 1;\n}</code></pre>', '```\nif (a &lt; b) {\n  *x* = 1;\n}\n```'],
    ['<p>before</p><pre>code</pre><p>after</p>', 'before\n\n```\ncode\n```\n\nafter'],
    ['<blockquote><p>quoted</p></blockquote>', '> quoted'],
    ['<p>a</p><hr><p>b</p>', 'a\n\n──────────\n\nb'],
    ['<div><img src="https://example.com/i.png" alt="Screenshot"></div>', '<https://example.com/i.png|Screenshot>'],
    ['<table><tbody><tr><td>A</td><td>B</td></tr><tr><td>1</td><td>2</td></tr></tbody></table>', 'A | B\n1 | 2'],
    ['<table><tr><th>Plan</th><th>Price</th></tr><tr><td>Pro</td><td>$10</td></tr></table>', '*Plan* | *Price*\nPro | $10'],
    ['<table></table>', ''],
    ['<p>Tom &amp; Jerry &#39;s &lt;b&gt;</p>', "Tom &amp; Jerry 's &lt;b&gt;"],
    ['<p>&lt;!channel&gt; and &lt;@U123&gt; and @here</p>', '&lt;!channel&gt; and &lt;@U123&gt; and @\u2060here'],
    ['<script>alert(1)</script><style>p{}</style><p>safe</p>', 'safe'],
    ['<custom-tag>future <span>text</span></custom-tag>', 'future text'],
    ['', ''],
  ])('%j', (html, mrkdwn) => {
    expect(htmlToMrkdwn(html)).toBe(mrkdwn);
  });
});

describe('htmlToMrkdwn on pathological input', () => {
  it('shows arbitrarily deep nesting as its text instead of overflowing the stack', () => {
    for (const [open, close] of [
      ['<div>', '</div>'],
      ['<b>', '</b>'],
      ['<ul><li>', '</li></ul>'],
      ['<table><tr><td>', '</td></tr></table>'],
    ] as const) {
      const html = `${open.repeat(5_000)}the answer${close.repeat(5_000)}`;
      expect(htmlToMrkdwn(html)).toContain('the answer');
    }
  });
});
