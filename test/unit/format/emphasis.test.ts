import { describe, expect, it } from 'vitest';
import { disarmLiteralMarkers, resolveMarks, wrapMark } from '../../../src/format/emphasis.ts';
import { escapeText } from '../../../src/format/escape.ts';
import { renderInline } from '../../../sandbox/web/mrkdwn.ts';

const NO_DIRECTORY = { userName: () => undefined, channelName: () => undefined };

const Z = '\u200B';
const bold = (s: string) => wrapMark(s, 'bold', '\n');
const italic = (s: string) => wrapMark(s, 'italic', '\n');

describe('emphasis markers', () => {
  it('moves whitespace outside the markers and wraps each line on its own', () => {
    expect(resolveMarks(bold(' a '))).toBe(' *a* ');
    expect(resolveMarks(bold('one\ntwo'))).toBe('*one*\n*two*');
    expect(resolveMarks(bold('  '))).toBe('  ');
  });

  it('adds a zero-width space only where a neighbour would stop Slack parsing the marker', () => {
    expect(resolveMarks(`re${bold('set')} it`)).toBe(`re${Z}*set* it`);
    expect(resolveMarks(`${bold('Settings')}&gt;`)).toBe(`*Settings*${Z}&gt;`);
    expect(resolveMarks(`(${italic('optional')})`)).toBe('(_optional_)');
    expect(resolveMarks(`${bold('Note')}: x`)).toBe('*Note*: x');
    expect(resolveMarks(`設定${bold('注意')}を`)).toBe(`設定${Z}*注意*${Z}を`);
  });

  it('keeps literal marker characters at a span’s edges outside its markers', () => {
    expect(resolveMarks(bold('Only $10*'))).toBe(`*Only $10*${Z}*`);
    expect(resolveMarks(italic('file_'))).toBe(`_file_${Z}_`);
    expect(resolveMarks(bold(`*${Z}Required`))).toBe(`*${Z}*Required*`);
    expect(resolveMarks(bold('*'))).toBe('*');
  });

  it('treats an escaped neighbour as the character it stands for, on both sides', () => {
    expect(resolveMarks(`${bold('a')}&gt;${bold('b')}`)).toBe(`*a*${Z}&gt;${Z}*b*`);
    expect(resolveMarks(`x &amp; ${bold('y')}`)).toBe('x &amp; *y*');
  });

  it('merges back-to-back spans of one kind and separates spans of different kinds', () => {
    expect(resolveMarks(`${bold('a')}${bold('b')}`)).toBe('*ab*');
    expect(resolveMarks(`${bold('a')}${italic('b')}`)).toBe(`*a*${Z}_b_`);
    expect(resolveMarks(bold(italic('x')))).toBe('*_x_*');
  });
});

describe('disarmLiteralMarkers', () => {
  // Slack documents the markers and the escaping of `&`, `<` and `>` only, not where a marker opens or closes a span
  // (https://docs.slack.dev/messaging/formatting-message-text): a literal marker that any reading could pair becomes
  // a look-alike, and only markers no reading could pair stay as typed.
  it('turns every marker that could pair into a look-alike, whatever its neighbours', () => {
    expect(disarmLiteralMarkers('Sorry about the broken *item*')).toBe('Sorry about the broken \u2217item\u2217');
    expect(disarmLiteralMarkers('_thanks_ and ~maybe~')).toBe('\u02CDthanks\u02CD and \u223Cmaybe\u223C');
    expect(disarmLiteralMarkers('*required field, see a*')).toBe('\u2217required field, see a\u2217');
    expect(disarmLiteralMarkers('__init__')).toBe('\u02CD\u02CDinit\u02CD\u02CD');
    // A standard-Markdown reading formats `a*b*c`; Slack, as observed, does not. Safe under both: no asterisk.
    expect(disarmLiteralMarkers('a*b*c')).toBe('a\u2217b\u2217c');
    // The text beside a value is not known here, so a marker at either end counts as touching a word.
    expect(disarmLiteralMarkers('*')).toBe('\u2217');
    expect(disarmLiteralMarkers('$10*')).toBe('$10\u2217');
    expect(disarmLiteralMarkers('x```y and `z`')).toBe('x\u02CB\u02CB\u02CBy and \u02CBz\u02CB');
  });

  it('leaves alone the markers no reading could pair, and web addresses', () => {
    expect(disarmLiteralMarkers('5 * 3 = 15 and a ~ b')).toBe('5 * 3 = 15 and a ~ b');
    expect(disarmLiteralMarkers('snake_case_name and user_id')).toBe('snake_case_name and user_id');
    expect(disarmLiteralMarkers('see https://example.com/_next/x_*y* or www.example.com/~me_')).toBe(
      'see https://example.com/_next/x_*y* or www.example.com/~me_',
    );
    // Addresses Slack links by itself, without a scheme: a changed character would change where they lead.
    expect(disarmLiteralMarkers('open example.com/_next/page, write to _admin@example.com or (docs.example.org/~me_).')).toBe(
      'open example.com/_next/page, write to _admin@example.com or (docs.example.org/~me_).',
    );
    // A path is not a link: its markers become look-alikes like any other.
    expect(disarmLiteralMarkers('~/bin/set_up.sh')).toBe('\u223C/bin/set_up.sh');
  });

  it('never lets the sandbox renderer, which reads a zero-width space as an ordinary character, find a span', () => {
    const samples = ['*item*', '_thanks_', '~old~', '*now*', 'a *b* c', '*\u200Bitem*', '_x_ *y* ~z~', '__init__', 'a*b*c'];
    for (const sample of samples) expect(renderInline(escapeText(sample), NO_DIRECTORY)).not.toMatch(/<(b|i|s)>/);
  });
});
