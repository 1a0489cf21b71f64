import { WebAPIRateLimitedError } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokenBucket } from '../../../src/stream/token-bucket.ts';
import { UpdateScheduler } from '../../../src/stream/update-scheduler.ts';

describe('TokenBucket', () => {
  it('starts full, refills at its rate up to the burst, and lends below zero', () => {
    const bucket = new TokenBucket(60, 3, 0); // one a second
    expect([bucket.tryTake(0), bucket.tryTake(0), bucket.tryTake(0), bucket.tryTake(0)]).toEqual([true, true, true, false]);
    expect(bucket.msUntil(0)).toBe(1_000);
    expect(bucket.tryTake(1_000)).toBe(true);
    bucket.borrow(1_000);
    expect(bucket.tokens(1_000)).toBe(-1);
    expect(bucket.msUntil(1_000)).toBe(2_000);
    expect(bucket.tokens(60_000)).toBe(3);
  });

  it('keeps a reserve when asked', () => {
    const bucket = new TokenBucket(60, 4, 0);
    expect([bucket.tryTake(0, 2), bucket.tryTake(0, 2), bucket.tryTake(0, 2)]).toEqual([true, true, false]);
    expect(bucket.tryTake(0)).toBe(true);
  });
});

describe('UpdateScheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A scheduler at one edit a second with a burst of `burst` (half kept for finals), and a log of what ran. */
  function setup(burst = 4) {
    const scheduler = new UpdateScheduler({ ratePerMinute: 60, burst, now: () => Date.now() });
    const ran: string[] = [];
    const ask = (lane: ReturnType<UpdateScheduler['lane']>, name: string) => lane.request(() => ran.push(name));
    return { scheduler, ran, ask };
  }

  it('grants interim edits within the budget, keeping half the burst for finals', async () => {
    const { scheduler, ran, ask } = setup(4);
    const lanes = ['a', 'b', 'c'].map((name) => ({ name, lane: scheduler.lane() }));
    for (const { name, lane } of lanes) ask(lane, name);
    expect(ran).toEqual(['a', 'b']); // 4 tokens, 2 kept back
    await vi.advanceTimersByTimeAsync(999);
    expect(ran).toEqual(['a', 'b']);
    await vi.advanceTimersByTimeAsync(1);
    expect(ran).toEqual(['a', 'b', 'c']);
  });

  it('is fair: a stream that has shown nothing goes first, then the one that waited longest since its last edit', async () => {
    const { scheduler, ran, ask } = setup(2); // 1 token for interims at a time
    const a = scheduler.lane();
    const b = scheduler.lane();
    const c = scheduler.lane();
    ask(a, 'a1');
    expect(ran).toEqual(['a1']);
    ask(a, 'a2'); // a is streaming hard…
    ask(b, 'b1'); // …b joins…
    await vi.advanceTimersByTimeAsync(1_000);
    expect(ran).toEqual(['a1', 'b1']); // …and shows its first text before a's second edit
    ask(b, 'b2');
    ask(c, 'c1');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(ran.at(-1)).toBe('c1'); // newcomer first again
    await vi.advanceTimersByTimeAsync(1_000);
    expect(ran.at(-1)).toBe('a2'); // then a, whose last edit is older than b's
    await vi.advanceTimersByTimeAsync(1_000);
    expect(ran).toEqual(['a1', 'b1', 'c1', 'a2', 'b2']);
  });

  it('spaces edits further apart as more streams run: the total never exceeds the budget', async () => {
    const { scheduler, ran } = setup(2);
    const lanes = Array.from({ length: 10 }, () => scheduler.lane());
    const keepAsking = (lane: ReturnType<UpdateScheduler['lane']>, i: number) => {
      lane.request(() => {
        ran.push(String(i));
        keepAsking(lane, i);
      });
    };
    lanes.forEach(keepAsking);
    await vi.advanceTimersByTimeAsync(60_000);
    // 1 at once (burst less reserve), then one a second: 61 in the minute, shared by all ten in turn.
    expect(ran.length).toBe(61);
    expect(ran.slice(1, 21)).toEqual([...'01234567890123456789'].map((d) => String((Number(d) + 1) % 10)));
    const perLane = lanes.map((_, i) => ran.filter((r) => r === String(i)).length);
    expect(Math.max(...perLane) - Math.min(...perLane)).toBeLessThanOrEqual(1);
  });

  it('sends a final at once, ahead of waiting interim edits, even with the budget spent', async () => {
    const { scheduler, ran, ask } = setup(2);
    const a = scheduler.lane();
    const b = scheduler.lane();
    ask(a, 'a1');
    ask(b, 'b1'); // waits for a token
    const sent: string[] = [];
    await scheduler.final(async () => {
      sent.push('final');
    });
    expect(sent).toEqual(['final']);
    expect(ran).toEqual(['a1']);
    // The final borrowed a token: b's edit waits for the debt to be repaid as well.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(ran).toEqual(['a1']);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(ran).toEqual(['a1', 'b1']);
  });

  it('after a 429 waits for Retry-After, then sends waiting finals at the budget’s pace before any interim edit', async () => {
    const { scheduler, ran, ask } = setup(4);
    const lane = scheduler.lane();
    const attempts: number[] = [];
    let limited = true;
    const first = scheduler.final(async () => {
      attempts.push(Date.now());
      if (limited) {
        limited = false;
        throw new WebAPIRateLimitedError(3);
      }
    });
    await vi.advanceTimersByTimeAsync(0);
    const second = scheduler.final(async () => {
      attempts.push(Date.now());
    });
    ask(lane, 'interim');
    await vi.advanceTimersByTimeAsync(2_999);
    expect(attempts).toHaveLength(1);
    expect(ran).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await Promise.all([first, second]);
    expect(attempts.map((t) => t - 1_000_000)).toEqual([0, 3_000, 3_000]);
    // The interim edit comes after both finals, once a token is above the reserve again.
    expect(ran).toEqual([]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(ran).toEqual(['interim']);
  });

  it('after a 429 on an interim edit pauses interim edits only: a final still goes at once', async () => {
    const { scheduler, ran, ask } = setup(4);
    const lane = scheduler.lane();
    scheduler.rateLimited(60_000);
    ask(lane, 'interim');
    const sent: number[] = [];
    await scheduler.final(async () => {
      sent.push(Date.now() - 1_000_000);
    });
    expect(sent).toEqual([0]);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(ran).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(ran).toEqual(['interim']);
  });

  it('passes other errors to the caller', async () => {
    const { scheduler } = setup();
    await expect(scheduler.final(() => Promise.reject(new Error('message_not_found')))).rejects.toThrow('message_not_found');
  });

  it('forgets a withdrawn request', async () => {
    const { scheduler, ran, ask } = setup(2);
    const a = scheduler.lane();
    const b = scheduler.lane();
    ask(a, 'a');
    ask(b, 'b');
    b.cancel();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(ran).toEqual(['a']);
    expect(scheduler.waiting).toBe(0);
  });
});
