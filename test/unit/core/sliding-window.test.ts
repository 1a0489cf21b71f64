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

  it('says how long until the next event may go, without counting', () => {
    const limiter = new SlidingWindowLimiter({ limit: 2, windowMs: 60_000 });
    expect(limiter.waitMs('a', 0)).toBe(0);
    limiter.tryTake('a', 0);
    limiter.tryTake('a', 5_000);
    expect(limiter.waitMs('a', 10_000)).toBe(50_000);
    expect(limiter.waitMs('a', 10_000)).toBe(50_000);
    expect(limiter.waitMs('a', 60_001)).toBe(0);
  });

  it('forgets keys that have been quiet for a window', () => {
    const limiter = new SlidingWindowLimiter({ limit: 1, windowMs: 1_000 });
    for (let i = 0; i < 1_000; i += 1) limiter.tryTake(`user-${i}`, 0);
    expect(limiter.size).toBe(1_000);
    expect(limiter.tryTake('user-1', 500)).toBe(false);
    limiter.tryTake('someone', 5_000);
    expect(limiter.size).toBe(1);
  });
});
