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

  /** Keys remembered now (for tests of the memory bound). */
  get size(): number {
    return this.#hits.size;
  }

  /** Counts one event for `key` if it is within the limit; false (and nothing counted) if it is not. */
  tryTake(key: string, now: number): boolean {
    if (this.waitMs(key, now) > 0) return false;
    const recent = this.#recent(key, now);
    recent.push(now);
    this.#hits.set(key, recent);
    return true;
  }

  /** How long until `key` may have another event (0: now). Counts nothing. */
  waitMs(key: string, now: number): number {
    this.#sweep(now);
    const recent = this.#recent(key, now);
    if (recent.length === 0) this.#hits.delete(key);
    else this.#hits.set(key, recent);
    if (recent.length < this.#limit) return 0;
    return (recent[recent.length - this.#limit] ?? now) + this.#windowMs - now;
  }

  #recent(key: string, now: number): number[] {
    return (this.#hits.get(key) ?? []).filter((at) => at > now - this.#windowMs);
  }

  #sweep(now: number): void {
    if (now - this.#lastSweep < this.#windowMs) return;
    this.#lastSweep = now;
    for (const [key, hits] of this.#hits) {
      if ((hits[hits.length - 1] ?? 0) <= now - this.#windowMs) this.#hits.delete(key);
    }
  }
}
