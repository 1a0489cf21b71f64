/**
 * A rate budget: `burst` tokens at most, refilled at `ratePerMinute`. Tokens can be borrowed (the count goes below
 * zero) by work that must not wait; later takers then wait until the debt is repaid.
 */
export class TokenBucket {
  readonly ratePerMinute: number;
  readonly burst: number;
  #tokens: number;
  #at: number;

  constructor(ratePerMinute: number, burst: number, now: number) {
    if (!(ratePerMinute > 0) || !(burst >= 1)) throw new RangeError('a token bucket needs a positive rate and a burst of at least 1');
    this.ratePerMinute = ratePerMinute;
    this.burst = burst;
    this.#tokens = burst;
    this.#at = now;
  }

  /** Tokens available at `now` (negative while borrowed). */
  tokens(now: number): number {
    this.#refill(now);
    return this.#tokens;
  }

  /** Takes a token if more than `reserve` are left (some may be kept for more urgent work). */
  tryTake(now: number, reserve = 0): boolean {
    this.#refill(now);
    if (this.#tokens < reserve + 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Takes a token whether or not one is there. */
  borrow(now: number): void {
    this.#refill(now);
    this.#tokens -= 1;
  }

  /** Clears any debt: the real limiter (Slack) has just said where things stand, so earlier borrowing is settled. */
  forgive(now: number): void {
    this.#refill(now);
    this.#tokens = Math.max(this.#tokens, 0);
  }

  /** How long until a token above `reserve` is there (0 if one is). */
  msUntil(now: number, reserve = 0): number {
    this.#refill(now);
    const missing = reserve + 1 - this.#tokens;
    return missing <= 0 ? 0 : Math.ceil((missing * 60_000) / this.ratePerMinute);
  }

  #refill(now: number): void {
    if (now > this.#at) {
      this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) * this.ratePerMinute) / 60_000);
      this.#at = now;
    }
  }
}
