import { Parser } from 'htmlparser2';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildEmojiTable } from '../../../sandbox/emoji-table.ts';
import { confirmDialog, renderBlocks } from '../../../sandbox/web/blocks.ts';
import { useEmojiTable } from '../../../sandbox/web/emoji.ts';

const directory = {
  userName: (id: string) => ({ UALICE: 'Alice' })[id],
  channelName: (id: string) => ({ CSUPPORT: 'support' })[id],
};
const richText = (...elements: unknown[]) => renderBlocks([{ type: 'rich_text', elements }], directory);
const section = (...elements: unknown[]) => ({ type: 'rich_text_section', elements });

describe('the sandbox’s rich text blocks (what the Slack client shows)', () => {
  beforeAll(() => useEmojiTable(buildEmojiTable()));

  it('shows text literally, never as mrkdwn, with its styles', () => {
    expect(richText(section({ type: 'text', text: '*not bold* _no_ :tada: <@UALICE> &amp; <b>x</b>\nnext' }))).toBe(
      '<div class="bk-rich-text"><div class="rt-section">*not bold* _no_ :tada: &lt;@UALICE&gt; &amp;amp; &lt;b&gt;x&lt;/b&gt;\nnext</div></div>',
    );
    expect(richText(section({ type: 'text', text: 'all', style: { bold: true, italic: true, strike: true, code: true } }))).toBe(
      '<div class="bk-rich-text"><div class="rt-section"><b><i><s><code>all</code></s></i></b></div></div>',
    );
  });

  it('renders mentions from the directory, links, emoji, colours and dates', () => {
    const html = richText(
      section(
        { type: 'user', user_id: 'UALICE' },
        { type: 'channel', channel_id: 'CSUPPORT' },
        { type: 'usergroup', usergroup_id: 'S1' },
        { type: 'broadcast', range: 'here' },
        { type: 'link', url: 'https://x.example/?a=1&b=2', text: 'the docs', style: { bold: true } },
        { type: 'link', url: 'javascript:alert(1)', text: 'not a link' },
        { type: 'emoji', name: 'tada' },
        { type: 'emoji', name: 'wave', skin_tone: 4 },
        { type: 'emoji', name: 'custom-party' },
        { type: 'color', value: '#e01e5a' },
        { type: 'color', value: 'red;background:url(x)' },
        { type: 'date', timestamp: 'soon', format: '{date}', fallback: 'some day' },
        { type: 'date', timestamp: 1392734382, format: '{date_num}', url: 'https://cal.example' },
      ),
    );
    expect(html).toContain(
      '<span class="mention">@Alice</span><span class="mention">#support</span><span class="mention">@S1</span><span class="mention broadcast">@here</span>',
    );
    expect(html).toContain('<a href="https://x.example/?a=1&amp;b=2" target="_blank" rel="noopener noreferrer"><b>the docs</b></a>');
    expect(html).toContain('not a link');
    expect(html).not.toContain('javascript:');
    expect(html).toContain('>🎉</span>');
    expect(html).toContain('>👋🏽</span>');
    expect(html).toContain('>:custom-party:</span>');
    expect(html).toContain('<span class="rt-swatch" style="background:#e01e5a"></span>#e01e5a');
    expect(html).toContain('<span class="rt-color">red;background:url(x)</span>');
    expect(html).toContain('some day');
    expect(html).toMatch(/<a href="https:\/\/cal.example"[^>]*><time class="date">2014-02-1[89]<\/time><\/a>/);
  });

  it('renders lists (bullet and ordered, by indent, with an offset), quotes and preformatted text', () => {
    const html = richText(
      { type: 'rich_text_list', style: 'bullet', elements: [section({ type: 'text', text: 'a' }), section({ type: 'text', text: 'b' })] },
      { type: 'rich_text_list', style: 'bullet', indent: 1, elements: [section({ type: 'text', text: 'a.1' })] },
      { type: 'rich_text_list', style: 'ordered', offset: 2, indent: 1, border: 1, elements: [section({ type: 'text', text: 'three' })] },
      {
        type: 'rich_text_quote',
        elements: [
          { type: 'text', text: 'quoted ' },
          { type: 'text', text: 'bold', style: { bold: true } },
        ],
      },
      {
        type: 'rich_text_preformatted',
        elements: [
          { type: 'text', text: 'x = *y* :tada:' },
          { type: 'link', url: 'https://x.example' },
        ],
      },
    );
    expect(html).toContain('<ul class="rt-list" style="list-style-type:disc;margin-left:0em"><li>a</li><li>b</li></ul>');
    expect(html).toContain('<ul class="rt-list" style="list-style-type:circle;margin-left:1.5em"><li>a.1</li></ul>');
    expect(html).toContain(
      '<ol class="rt-list rt-border" start="3" style="list-style-type:lower-alpha;margin-left:1.5em"><li>three</li></ol>',
    );
    expect(html).toContain('<blockquote class="rt-quote">quoted <b>bold</b></blockquote>');
    expect(html).toContain(
      '<pre class="fence">x = *y* :tada:<a href="https://x.example" target="_blank" rel="noopener noreferrer">https://x.example</a></pre>',
    );
  });

  it('cannot be made to emit markup of its own', () => {
    const html = richText(
      section(
        { type: 'text', text: '<img src=x onerror=alert(1)>' },
        { type: 'link', url: 'https://x.example/" onmouseover="alert(1)', text: '<script>' },
        { type: 'user', user_id: '<b>' },
        { type: 'emoji', name: '"><svg onload=alert(1)>' },
        { type: 'date', timestamp: 1392734382, format: '<i>{date_num}</i>', url: 'https://x.example' },
      ),
    );
    const elements: { name: string; attribs: Record<string, string> }[] = [];
    new Parser({ onopentag: (name, attribs) => elements.push({ name, attribs }) }).end(html);
    expect(new Set(elements.map((e) => e.name))).toEqual(new Set(['div', 'a', 'span', 'time']));
    expect(elements.flatMap((e) => Object.keys(e.attribs)).filter((a) => !['class', 'href', 'target', 'rel', 'title'].includes(a))).toEqual(
      [],
    );
  });

  it('carries a button’s confirmation dialog, shown with Slack’s defaults for what is left out', () => {
    const confirm = {
      title: { type: 'plain_text', text: 'Hand back to Fin?' },
      text: { type: 'mrkdwn', text: 'Fin will *answer*.' },
      confirm: { type: 'plain_text', text: 'Hand back' },
      deny: { type: 'plain_text', text: 'Cancel' },
      style: 'danger',
    };
    const html = renderBlocks(
      [{ type: 'actions', elements: [{ type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'Go' }, confirm }] }],
      directory,
    );
    const attribs: Record<string, string>[] = [];
    new Parser({ onopentag: (name, a) => name === 'button' && attribs.push(a) }).end(html);
    expect(JSON.parse(attribs[0]?.['data-confirm'] ?? '{}')).toEqual(confirm);
    expect(confirmDialog(confirm, directory)).toEqual({
      title: 'Hand back to Fin?',
      text: '<div class="line">Fin will <b>answer</b>.</div>',
      confirm: 'Hand back',
      deny: 'Cancel',
      danger: true,
    });
    expect(confirmDialog({ text: { type: 'plain_text', text: 'Sure *really*?' } }, directory)).toEqual({
      title: 'Are you sure?',
      text: 'Sure *really*?',
      confirm: 'Yes',
      deny: 'Cancel',
      danger: false,
    });
  });
});
