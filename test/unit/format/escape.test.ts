import { describe, expect, it } from 'vitest';
import { codeSpan, escapeMrkdwn, escapeText, mailtoAddress, mrkdwnLink, safeLinkTarget } from '../../../src/format/escape.ts';

describe('escapeMrkdwn', () => {
  it('escapes every &, < and > (not just the first)', () => {
    expect(escapeMrkdwn('a & b & c < d > e <f>')).toBe('a &amp; b &amp; c &lt; d &gt; e &lt;f&gt;');
  });

  it('disarms pings and fake links', () => {
    const out = escapeText('<!channel> <@U123> <https://evil.example|your bank> @here @Everyone (@channel)');
    expect(out).not.toMatch(/<[!@#h]/);
    expect(out).toContain('@\u2060here');
    expect(out).toContain('@\u2060Everyone');
    expect(out).toContain('(@\u2060channel)');
  });

  it('leaves addresses that merely contain a broadcast word alone', () => {
    expect(escapeText('write to ops@here.com or here@channel.io')).toBe('write to ops@here.com or here@channel.io');
  });
});

describe('safeLinkTarget', () => {
  it.each([
    ['https://example.com/a?b=1&c=2', 'https://example.com/a?b=1&amp;c=2'],
    ['http://example.com/a b', 'http://example.com/a%20b'],
    ['https://example.com/x>y|z', 'https://example.com/x%3Ey%7Cz'],
    ['https://cdn.example/img.png?expires=1&signature=a_b(c)', 'https://cdn.example/img.png?expires=1&amp;signature=a_b(c)'],
  ])('keeps %s as a link', (href, target) => {
    expect(safeLinkTarget(href)).toBe(target);
  });

  it.each([
    'javascript:alert(1)',
    'data:text/html,hi',
    '/relative/path',
    '#anchor',
    'JavaScript:alert(1)',
    '',
    'https://',
    'https:example.com',
    'https:/example.com',
    'mailto:',
    'mailto:nobody',
    'mailto:help@example.com',
    'tel:+441234',
  ])('refuses %j', (href) => {
    expect(safeLinkTarget(href)).toBeUndefined();
  });
});

describe('mailtoAddress', () => {
  it.each([
    ['mailto:help@example.com', 'help@example.com'],
    ['MAILTO:help%40example.com?subject=Hi', 'help@example.com'],
    ['mailto:nobody', undefined],
    ['mailto:a@b', undefined],
    ['mailto:<@U123>@x.com', undefined],
    ['https://example.com', undefined],
  ])('%s → %s', (href, address) => {
    expect(mailtoAddress(href)).toBe(address);
  });
});

describe('mrkdwnLink', () => {
  it('omits a label that only repeats the address', () => {
    expect(mrkdwnLink('https://example.com', 'https://example.com')).toBe('<https://example.com>');
    expect(mrkdwnLink('https://example.com', 'Example\nsite')).toBe('<https://example.com|Example site>');
  });
});

describe('codeSpan', () => {
  it('shows an id exactly, apart from what would end the span or ping', () => {
    expect(codeSpan('refund*demo_v2')).toBe('`refund*demo_v2`');
    expect(codeSpan('a`b <!here> & c\nd')).toBe('`a\u02CBb &lt;!here&gt; &amp; c d`');
    expect(codeSpan('  ')).toBe('');
  });
});
