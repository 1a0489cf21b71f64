import { describe, expect, it } from 'vitest';
import { splitMrkdwn } from '../../../src/format/split.ts';

describe('splitMrkdwn', () => {
  it('leaves short text alone', () => {
    expect(splitMrkdwn('short', 100)).toEqual(['short']);
  });

  it('cuts at paragraph boundaries and keeps every character', () => {
    const paragraphs = Array.from({ length: 10 }, (_, i) => `Paragraph ${i} ${'word '.repeat(15).trim()}`);
    const parts = splitMrkdwn(paragraphs.join('\n\n'), 250);
    expect(parts.every((p) => p.length <= 250)).toBe(true);
    expect(parts.join('\n\n')).toBe(paragraphs.join('\n\n'));
    expect(parts.every((p) => p.startsWith('Paragraph'))).toBe(true);
  });

  it('closes and reopens a code fence it has to cut', () => {
    const code = ['```', ...Array.from({ length: 40 }, (_, i) => `line ${i} of code`), '```'].join('\n');
    const parts = splitMrkdwn(`Intro\n\n${code}\n\nOutro`, 200);
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(200);
      expect((part.match(/^```$/gm) ?? []).length % 2).toBe(0);
    }
    const lines = parts
      .join('\n')
      .split('\n')
      .filter((l) => l.startsWith('line '));
    expect(lines).toHaveLength(40);
  });

  it('starts a new message before a code block that fits in one, rather than cutting it', () => {
    const code = ['```', ...Array.from({ length: 8 }, (_, i) => `line ${i} of code`), '```'].join('\n');
    const intro = 'word '.repeat(24).trim();
    const parts = splitMrkdwn(`${intro}\n\n${code}\n\nOutro`, 200);
    expect(parts[0]).toBe(intro);
    expect(parts[1]?.startsWith(code)).toBe(true);
  });

  it('treats an indented or quoted fence as a fence', () => {
    const code = ['   ```', ...Array.from({ length: 30 }, (_, i) => `   line ${i} of code`), '   ```'].join('\n');
    const parts = splitMrkdwn(`1. Run this:\n${code}`, 200);
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) expect((part.match(/^ {3}```$/gm) ?? []).length % 2).toBe(0);
    expect(parts.slice(1).every((p) => p.startsWith('   ```'))).toBe(true);
  });

  it('never cuts inside a link or an entity', () => {
    const link = '<https://example.com/a/very/long/path?with=query&amp;more=1|a link label>';
    const text = `${'x'.repeat(90)} ${link} ${'y'.repeat(50)} &amp; ${'z'.repeat(80)}`;
    for (const part of splitMrkdwn(text, 100)) {
      expect((part.match(/</g) ?? []).length).toBe((part.match(/>/g) ?? []).length);
      expect(part).not.toMatch(/&[a-z]*$/);
    }
  });
});

describe('splitMrkdwn, on lines too long for one message', () => {
  it('keeps a quote a quote and a list item indented in every piece', () => {
    const words = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    for (const [line, prefix] of [
      [`> ${words}`, '> '],
      [`• ${words}`, '    '],
      [`    ◦ ${words}`, '        '],
    ] as const) {
      const parts = splitMrkdwn(line, 120);
      expect(parts.length).toBeGreaterThan(2);
      expect(parts.slice(1).every((p) => p.startsWith(prefix))).toBe(true);
      expect(parts.every((p) => p.length <= 120)).toBe(true);
    }
  });

  it('does not cut inside an inline code span, and keeps blank lines inside code', () => {
    const line = `${'a '.repeat(40)}\`one two three four five six\` ${'b '.repeat(40)}`;
    for (const part of splitMrkdwn(line, 100)) expect((part.match(/`/g) ?? []).length % 2).toBe(0);
    const code = ['```', 'line 1', '', 'line 3', ...Array.from({ length: 30 }, (_, i) => `more ${i}`), '```'].join('\n');
    expect(splitMrkdwn(code, 120).join('\n')).toContain('line 1\n\nline 3');
  });
});
