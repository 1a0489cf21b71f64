import { describe, expect, it } from 'vitest';
import { backoffDelay, serverRequestedDelay, withRetries } from '../../../src/core/backoff.ts';

const policy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 10_000 };

describe('backoffDelay', () => {
  it('doubles, is capped, and jitters down by at most 25 %', () => {
    expect(backoffDelay(0, policy, () => 0)).toBe(100);
    expect(backoffDelay(2, policy, () => 0)).toBe(400);
    expect(backoffDelay(10, policy, () => 0)).toBe(1000);
    expect(backoffDelay(1, policy, () => 1)).toBe(150);
  });
});

describe('serverRequestedDelay', () => {
  const headers = (h: Record<string, string>) => (name: string) => h[name];
  it('reads Retry-After in seconds or as a date, and Intercom’s X-RateLimit-Reset', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(serverRequestedDelay(headers({ 'retry-after': '3' }), now)).toBe(3000);
    expect(serverRequestedDelay(headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:05 GMT' }), now)).toBe(5000);
    expect(serverRequestedDelay(headers({ 'x-ratelimit-reset': String(now / 1000 + 7) }), now)).toBe(7000);
    expect(serverRequestedDelay(headers({}), now)).toBeUndefined();
  });
});

describe('withRetries', () => {
  const policy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 5_000 };
  /** A clock the waits move forward, so no test waits for real. */
  function clock() {
    let t = 0;
    const waits: number[] = [];
    const sleep = async (ms: number) => {
      waits.push(ms);
      t += ms;
    };
    return { now: () => t, sleep, random: () => 0, waits };
  }

  it('tries until done, waiting longer each time', async () => {
    const c = clock();
    const value = await withRetries(
      async (n) => (n < 3 ? { kind: 'retry', last: () => 'gave up' } : { kind: 'done', value: `done on ${n}` }),
      {
        ...policy,
        ...c,
      },
    );
    expect(value).toBe('done on 3');
    expect(c.waits).toEqual([100, 200]);
  });

  it('gives the last outcome after the last attempt: an answer, or the error thrown', async () => {
    const c = clock();
    await expect(withRetries(async (n) => ({ kind: 'retry', last: () => `answer ${n}` }), { ...policy, ...c })).resolves.toBe('answer 4');
    await expect(
      withRetries(
        async () => ({
          kind: 'retry',
          last: () => {
            throw new Error('unreachable');
          },
        }),
        { ...policy, ...c },
      ),
    ).rejects.toThrow('unreachable');
  });

  it('waits at least what the server asked, and not at all when it asks too much or the budget is spent', async () => {
    const c = clock();
    await withRetries(async (n) => (n === 1 ? { kind: 'retry', afterMs: 3_000, last: () => 'x' } : { kind: 'done', value: 'ok' }), {
      ...policy,
      ...c,
    });
    expect(c.waits).toEqual([3_000]);
    const d = clock();
    await expect(withRetries(async () => ({ kind: 'retry', afterMs: 60_000, last: () => 'refused' }), { ...policy, ...d })).resolves.toBe(
      'refused',
    );
    expect(d.waits).toEqual([]);
    const e = clock();
    await expect(withRetries(async () => ({ kind: 'retry', last: () => 'late' }), { ...policy, ...e, budgetMs: 250 })).resolves.toBe(
      'late',
    );
    expect(e.waits).toEqual([100]);
  });

  it('never gives up with unbounded attempts, however long it takes', async () => {
    const c = clock();
    const value = await withRetries(async (n) => (n < 50 ? { kind: 'retry', last: () => -1 } : { kind: 'done', value: n }), {
      ...policy,
      attempts: Number.POSITIVE_INFINITY,
      ...c,
    });
    expect(value).toBe(50);
    expect(c.waits).toHaveLength(49);
  });
});
