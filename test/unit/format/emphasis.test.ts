import { describe, expect, it } from 'vitest';
import { disarmLiteralMarkers, resolveMarks, wrapMark } from '../../../src/format/emphasis.ts';

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
  it('keeps literal markers that could open a span from doing so, and leaves the rest alone', () => {
    expect(disarmLiteralMarkers('*required field, see a*')).toBe(`*${Z}required field, see a*`);
    expect(disarmLiteralMarkers('*required, and nothing could close it')).toBe('*required, and nothing could close it');
    expect(disarmLiteralMarkers('see https://example.com/_next/x_y and ~/config_a_')).toBe('see https://example.com/_next/x_y and ~/config_a_');
    expect(disarmLiteralMarkers('snake_case and a*b*c')).toBe('snake_case and a*b*c');
    expect(disarmLiteralMarkers('5 * 3')).toBe('5 * 3');
    expect(disarmLiteralMarkers('__init__')).toBe(`_${Z}_${Z}init__`);
    expect(disarmLiteralMarkers('~x~ and _y_')).toBe(`~${Z}x~ and _${Z}y_`);
    expect(disarmLiteralMarkers('x```y and `z`')).toBe('xˋˋˋy and ˋzˋ');
  });
});
