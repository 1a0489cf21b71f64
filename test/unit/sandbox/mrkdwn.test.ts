import { Parser } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { htmlToMrkdwn } from '../../../src/format/html-to-mrkdwn.ts';
import { renderMrkdwn } from '../../../sandbox/web/mrkdwn.ts';

const directory = {
  userName: (id: string) => ({ UALICE: 'Alice' })[id],
  channelName: (id: string) => ({ CSUPPORT: 'support' })[id],
};
const render = (text: string) => renderMrkdwn(text, directory);

describe('the sandbox’s mrkdwn renderer (what the Slack client shows)', () => {
  it('renders emphasis only at word boundaries', () => {
    expect(render('a *bold* _it_ ~gone~ word')).toBe('<div class="line">a <b>bold</b> <i>it</i> <s>gone</s> word</div>');
    expect(render('2*3*4 and snake_case_name')).toBe('<div class="line">2*3*4 and snake_case_name</div>');
    expect(render('*bold with _italic_ inside*')).toBe('<div class="line"><b>bold with <i>italic</i> inside</b></div>');
  });

  it('renders links, mentions and broadcasts, and decodes Slack’s entities exactly once', () => {
    expect(render('see <https://x.example/a?b=1&amp;c=2|the &lt;docs&gt;> or <https://y.example>')).toBe(
      '<div class="line">see <a href="https://x.example/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">the &lt;docs&gt;</a> or <a href="https://y.example" target="_blank" rel="noopener noreferrer">https://y.example</a></div>',
    );
    expect(render('<@UALICE> in <#CSUPPORT> &amp;amp; <!here>')).toBe(
      '<div class="line"><span class="mention">@Alice</span> in <span class="mention">#support</span> &amp;amp; <span class="mention broadcast">@here</span></div>',
    );
  });

  it('links addresses Slack links by itself, markers and all, and leaves the sentence’s punctuation outside', () => {
    const a = (href: string, shown: string) => `<a href="${href}" target="_blank" rel="noopener noreferrer">${shown}</a>`;
    expect(render('see https://x.example/_a_ or example.com/_next/x_, mail _ops_@example.com.')).toBe(
      `<div class="line">see ${a('https://x.example/_a_', 'https://x.example/_a_')} or ${a('http://example.com/_next/x_', 'example.com/_next/x_')}, mail ${a('mailto:_ops_@example.com', '_ops_@example.com')}.</div>`,
    );
    expect(render('*bold* then https://x.example/*not*')).toBe(
      `<div class="line"><b>bold</b> then ${a('https://x.example/*not*', 'https://x.example/*not*')}</div>`,
    );
  });

  it('keeps code verbatim: fences and inline code are never formatted', () => {
    expect(render('run `a *b* c` then\n```\nx = *y*\n&lt;tag&gt;\n```\ndone')).toBe(
      '<div class="line">run <code>a *b* c</code> then</div><pre class="fence">x = *y*\n&lt;tag&gt;</pre><div class="line">done</div>',
    );
  });

  it('renders quotes from a raw `>`, and shows an escaped one as a character', () => {
    expect(render('> quoted *line*\n> two\n&gt; not a quote')).toBe(
      '<blockquote>quoted <b>line</b><br>two</blockquote><div class="line">&gt; not a quote</div>',
    );
  });

  it('never lets markup through: the converter’s output of hostile HTML renders as text', () => {
    const html = render(htmlToMrkdwn('<p>&lt;script&gt;alert(1)&lt;/script&gt; <a href="javascript:alert(1)">x</a> <b>ok</b></p>'));
    expect(html).not.toMatch(/<script|javascript:/);
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('<b>ok</b>');
  });

  it('cannot be made to emit markup: a NUL posing as a placeholder, or code inside a link, stays text', () => {
    const html = render('<https://a onmouseover=alert(1) x|hi> <https://b/\u00000\u0000|y> <https://c/`x`|z> `<https://d|w>`');
    // What a browser would build: only the renderer's own elements and attributes, every href kept whole.
    const elements: { name: string; attribs: Record<string, string> }[] = [];
    new Parser({ onopentag: (name, attribs) => elements.push({ name, attribs }) }).end(html);
    expect(new Set(elements.map((e) => e.name))).toEqual(new Set(['div', 'a', 'code']));
    expect(elements.flatMap((e) => Object.keys(e.attribs)).filter((a) => !['class', 'href', 'target', 'rel'].includes(a))).toEqual([]);
    expect(elements.filter((e) => e.name === 'a').map((e) => e.attribs.href)).toEqual([
      'https://a onmouseover=alert(1) x',
      'https://b/0',
      'https://c/`x`',
    ]);
    expect(html).toContain('<code>&lt;https://d|w&gt;</code>');
  });
});
