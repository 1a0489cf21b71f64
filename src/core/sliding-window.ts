/**
 * At most `limit` events per key within any `windowMs` (a sliding log: exact, and small because `limit` is small).
 * Keys that have been quiet for a whole window are forgotten, so memory is bounded by the keys active in one window.
 */
export class SlidingWindowLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #hits = new Map<string, number[]>();
  #lastSweep = 0;

  constructor(options: { limit: number; windowMs: number }) {
    this.#limit = options.limit;
    this.#windowMs = options.windowMs;
  }

  /** Counts one event for `key` if it is within the limit; false (and nothing counted) if it is not. */
  tryTake(key: string, now: number): boolean {
    this.#sweep(now);
    const recent = (this.#hits.get(key) ?? []).filter((at) => at > now - this.#windowMs);
    if (recent.length >= this.#limit) {
      this.#hits.set(key, recent);
      return false;
    }
    recent.push(now);
    this.#hits.set(key, recent);
    return true;
  }

  #sweep(now: number): void {
    if (now - this.#lastSweep < this.#windowMs) return;
    this.#lastSweep = now;
    for (const [key, hits] of this.#hits) {
      if ((hits[hits.length - 1] ?? 0) <= now - this.#windowMs) this.#hits.delete(key);
    }
  }
}
