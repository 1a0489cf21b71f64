import { describe, expect, it } from 'vitest';
import { backoffDelay, serverRequestedDelay } from '../../../src/core/backoff.ts';

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
