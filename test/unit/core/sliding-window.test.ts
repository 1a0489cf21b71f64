import { describe, expect, it } from 'vitest';
import { SlidingWindowLimiter } from '../../../src/core/sliding-window.ts';

describe('SlidingWindowLimiter', () => {
  it('allows `limit` events per key in any window, and more once the oldest leaves the window', () => {
    const limiter = new SlidingWindowLimiter({ limit: 2, windowMs: 60_000 });
    expect(limiter.tryTake('a', 0)).toBe(true);
    expect(limiter.tryTake('a', 10_000)).toBe(true);
    expect(limiter.tryTake('a', 20_000)).toBe(false);
    expect(limiter.tryTake('b', 20_000)).toBe(true);
    // A refused event does not count: at 60 001 the first has left the window.
    expect(limiter.tryTake('a', 59_999)).toBe(false);
    expect(limiter.tryTake('a', 60_001)).toBe(true);
    expect(limiter.tryTake('a', 60_002)).toBe(false);
    expect(limiter.tryTake('a', 70_001)).toBe(true);
  });

  it('forgets quiet keys', () => {
    const limiter = new SlidingWindowLimiter({ limit: 1, windowMs: 1_000 });
    for (let i = 0; i < 1_000; i += 1) limiter.tryTake(`user-${i}`, 0);
    expect(limiter.tryTake('user-1', 500)).toBe(false);
    expect(limiter.tryTake('user-1', 5_000)).toBe(true);
  });
});
