import { describe, expect, it } from 'vitest';
import { slackTsToIso } from '../../../src/slack/timestamps.ts';

describe('slackTsToIso', () => {
  it('keeps milliseconds and is the same every time', () => {
    expect(slackTsToIso('1700000000.123456')).toBe('2023-11-14T22:13:20.123Z');
    expect(slackTsToIso('1700000000.123456')).toBe(slackTsToIso('1700000000.123456'));
    expect(slackTsToIso('1700000000.5')).toBe('2023-11-14T22:13:20.500Z');
  });
});
