import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { htmlToMrkdwn } from '../../../src/format/html-to-mrkdwn.ts';
import { splitMrkdwn } from '../../../src/format/split.ts';
import { escapeText } from '../../../src/format/escape.ts';
import { renderInline } from '../../../sandbox/web/mrkdwn.ts';

/** Text that tries everything: Slack syntax, pings, entities, markers, control and invisible characters, CJK. */
const nastyText = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '<!channel>',
        '<!here>',
        '&lt;!everyone&gt;',
        '<@U123ABC>',
        '&lt;@W1&gt;',
        '<#C1|general>',
        '&lt;#C9&gt;',
        '<https://evil.example|bank>',
        '&lt;https://evil.example|bank&gt;',
        '@channel',
        '@here',
        '@Everyone',
        '&amp;',
        '&amp;amp;',
        '&',
        '&#60;',
        '&#x3e;',
        '&nbsp;',
        '&bogus;',
        '&#0;',
        '*',
        '_',
        '~',
        '`',
        '```',
        '|',
        '>',
        '> quote',
        '\n',
        '\t',
        '  ',
        'word',
        'Ünïcödé',
        '日本語',
        '：',
        '😀',
        '\u200B',
        '\u2060',
        '\uE000',
        '\uE001',
        '\u0000',
        '\u0007',
        'https://bare.example.com',
        'a*b*c',
        '_x_',
        '~/path',
        '1.',
        '#',
        ':tada:',
      ),
      fc.string({ maxLength: 6 }),
    ),
    { maxLength: 6 },
  )
  .map((parts) => parts.join(''));

const attrValue = fc.oneof(
  fc.constantFrom(
    'https://example.com/a?b=1&c=2',
    'https://example.com/x>y|z w',
    'http://e.com',
    'mailto:a@b.c',
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'data:text/html,x',
    '/relative',
    '#anchor',
    '',
    ' https://spaced.example ',
    'tel:+1',
    'https://example.com/"quoted"',
    'https://a/<!channel>',
    'vbscript:x',
    '//protocol-relative.example',
  ),
  fc.string({ maxLength: 10 }),
);

const TAGS = [
  'p',
  'div',
  'span',
  'b',
  'strong',
  'i',
  'em',
  's',
  'del',
  'strike',
  'u',
  'a',
  'code',
  'pre',
  'kbd',
  'ul',
  'ol',
  'li',
  'table',
  'thead',
  'tbody',
  'tr',
  'td',
  'th',
  'caption',
  'h1',
  'h2',
  'h3',
  'h4',
  'h6',
  'blockquote',
  'br',
  'hr',
  'img',
  'script',
  'style',
  'iframe',
  'video',
  'fin-future',
  'details',
  'summary',
  'dl',
  'dt',
  'dd',
  'q',
  'sup',
  'mark',
];

const escapeAttr = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;');

const html: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    nastyText,
    fc
      .record({
        tag: fc.constantFrom(...TAGS),
        attrs: fc.array(
          fc.tuple(fc.constantFrom('href', 'src', 'alt', 'class', 'start', 'value', 'type', 'rowspan', 'colspan', 'title'), attrValue),
          { maxLength: 3 },
        ),
        children: fc.array(tie('node'), { maxLength: 4 }),
        close: fc.boolean(),
      })
      .map(({ tag, attrs, children, close }) => {
        const attributes = attrs.map(([k, v]) => ` ${k}="${escapeAttr(v)}"`).join('');
        return `<${tag}${attributes}>${children.join('')}${close ? `</${tag}>` : ''}`;
      }),
    fc.constantFrom(
      '</b>',
      '</p>',
      '<!-- comment -->',
      '<![CDATA[x]]>',
      '<?xml version="1.0"?>',
      '<!doctype html>',
      '<',
      '>',
      '<p',
      '<b><i>x</b></i>',
    ),
  ),
})).node;

/** Link tokens the converter may emit: http(s) targets without spaces, `<`, `>` or `|`. */
const LINK = /<https?:\/\/[^\s<>|]+(?:\|[^<>\n]*)?>/g;

function outsideCode(text: string): string {
  return text.replace(/^```\n[\s\S]*?\n```$/gm, '').replace(/`[^`\n]*`/g, '');
}

describe('htmlToMrkdwn, for any HTML', () => {
  it('emits no tags but its own links, to http(s) only, and no stray < or >', () => {
    fc.assert(
      fc.property(html, (input) => {
        const out = htmlToMrkdwn(input);
        const rest = out.replace(LINK, '').replace(/^> /gm, '');
        expect(rest).not.toMatch(/[<>]/);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 2000) },
    );
  });

  it('leaves every & as the start of one of Slack’s three entities', () => {
    fc.assert(
      fc.property(html, (input) => {
        expect(htmlToMrkdwn(input)).not.toMatch(/&(?!(?:amp|lt|gt);)/);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 2000) },
    );
  });

  it('never pings anyone', () => {
    fc.assert(
      fc.property(html, (input) => {
        const out = htmlToMrkdwn(input);
        expect(out).not.toMatch(/<[!@#]/);
        // In prose the broadcast words are neutralised; code shows them verbatim, where they never notify.
        expect(outsideCode(out)).not.toMatch(/(^|[^\p{L}\p{N}.@-])@(?:channel|here|everyone)(?![\p{L}\p{N}]|[.@-][\p{L}\p{N}])/iu);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 2000) },
    );
  });

  it('keeps code fences balanced, each on a line of its own', () => {
    fc.assert(
      fc.property(html, (input) => {
        const out = htmlToMrkdwn(input);
        const fences = out.split('\n').filter((line) => line.includes('```'));
        expect(fences.every((line) => line === '```')).toBe(true);
        expect(fences.length % 2).toBe(0);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 2000) },
    );
  });

  it('leaks none of its placeholders and no control characters', () => {
    fc.assert(
      fc.property(html, (input) => {
        // biome-ignore lint/suspicious/noControlCharactersInRegex: that is what is being checked
        expect(htmlToMrkdwn(input)).not.toMatch(/[\uE000-\uE007\u0000-\u0008\u000B-\u001F\u007F]/);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 2000) },
    );
  });

  it('never leaves an emphasis marker unpaired when the text itself has none', () => {
    const plainText = fc.stringMatching(/^[A-Za-z0-9 ,.:()'-]{0,12}$/);
    const tame: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        plainText,
        fc
          .record({
            tag: fc.constantFrom('p', 'b', 'i', 's', 'strong', 'em', 'span', 'br', 'li', 'ul', 'h2', 'td', 'tr', 'table', 'a', 'code'),
            children: fc.array(tie('node'), { maxLength: 4 }),
          })
          .map(({ tag, children }) => `<${tag}${tag === 'a' ? ' href="https://e.com"' : ''}>${children.join('')}</${tag}>`),
      ),
    })).node;
    fc.assert(
      fc.property(tame, (input) => {
        const out = outsideCode(htmlToMrkdwn(input)).replace(LINK, '');
        for (const line of out.split('\n')) {
          for (const marker of ['*', '_', '~']) expect(line.split(marker).length % 2).toBe(1);
        }
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 2000) },
    );
  });
});

describe('htmlToMrkdwn, with literal marker characters around emphasis', () => {
  it('never doubles a marker (`**`, `__`, `~~`), which Slack would show as typed', () => {
    const text = fc
      .string({ unit: fc.constantFrom('a', 'b', ' ', '.', '(', ')', '$', '*', '_', '~'), maxLength: 10 })
      .filter((t) => !/[*_~]{2}/.test(t));
    const tame: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        text,
        fc
          .record({
            tag: fc.constantFrom('p', 'b', 'i', 's', 'strong', 'em', 'span', 'h2', 'li', 'td'),
            children: fc.array(tie('node'), { maxLength: 3 }),
          })
          .map(({ tag, children }) => `<${tag}>${children.join('')}</${tag}>`),
      ),
    })).node;
    fc.assert(
      fc.property(tame, (input) => {
        // Doubles already in the text itself (across elements, too) are the author's, shown as typed.
        fc.pre(!/[*_~]{2}/.test(input.replace(/<[^>]*>/g, '')));
        expect(outsideCode(htmlToMrkdwn(input)).replace(LINK, '')).not.toMatch(/\*\*|__|~~/);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 2000) },
    );
  });
});

describe('splitMrkdwn, for any converted answer', () => {
  it('keeps every piece under the limit, fences balanced, links whole, and loses no text', () => {
    fc.assert(
      fc.property(fc.array(html, { minLength: 1, maxLength: 30 }), fc.integer({ min: 60, max: 400 }), (parts, limit) => {
        const text = htmlToMrkdwn(parts.join(''));
        const pieces = splitMrkdwn(text, limit);
        for (const piece of pieces) {
          expect(piece.length).toBeLessThanOrEqual(limit);
          expect(piece.split('\n').filter((l) => l === '```').length % 2).toBe(0);
          expect(piece.replace(LINK, '').replace(/^> /gm, '')).not.toMatch(/[<>]/);
          expect(piece).not.toMatch(/&(?!(?:amp|lt|gt);)/);
        }
        // Cuts add fences and drop whitespace; a link too long for any message becomes "label url". Nothing else changes.
        const letters = (s: string) => [...s.replace(/```/g, '').replace(/[\s<>|]/g, '')].sort().join('');
        expect(letters(pieces.join(''))).toBe(letters(text));
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 500) },
    );
  });
});

describe('escapeText, for any untrusted text', () => {
  it('leaves nothing the sandbox renderer (which reads a zero-width space as a character) would format', () => {
    const directory = { userName: () => undefined, channelName: () => undefined };
    fc.assert(
      fc.property(nastyText, (input) => {
        const out = escapeText(input.replace(/[\uE000-\uE007]/g, ''));
        for (const line of out.split('\n')) expect(renderInline(line.replace(/^>/, ''), directory)).not.toMatch(/<(b|i|s|code)>/);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 2000) },
    );
  });
});
