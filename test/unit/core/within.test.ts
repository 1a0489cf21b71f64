import { describe, expect, it } from 'vitest';
import { within } from '../../../src/core/within.ts';

describe('within', () => {
  it('gives the value in time, the fallback after the deadline, and passes on an early rejection only', async () => {
    expect(await within(1_000, Promise.resolve('fast'), () => 'slow')).toBe('fast');
    let settle: (value: string) => void = () => undefined;
    const late = new Promise<string>((resolve) => {
      settle = resolve;
    });
    expect(await within(10, late, () => 'fallback')).toBe('fallback');
    settle('too late');
    await expect(within(1_000, Promise.reject(new Error('refused')), () => 'x')).rejects.toThrow('refused');
    // A rejection after the deadline is nobody's: it must not surface as an unhandled rejection.
    let fail: (error: Error) => void = () => undefined;
    const failing = new Promise<string>((_resolve, reject) => {
      fail = reject;
    });
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      expect(await within(10, failing, () => 'fallback')).toBe('fallback');
      failing.catch(() => undefined);
      fail(new Error('late'));
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', listener);
    }
  });
});
