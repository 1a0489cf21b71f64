import { type RetryPolicy, withRetries } from '../core/backoff.ts';
import { rateLimitedRetryAfter } from './rate-limited.ts';
import { TokenBucket } from './token-bucket.ts';
import { AppError } from '../core/errors.ts';

/** A final update is tried until it lands; the budget, not a backoff, says when (hence no delay of its own). */
const FINAL_UPDATE_RETRY: RetryPolicy = {
  attempts: Number.POSITIVE_INFINITY,
  baseDelayMs: 0,
  maxDelayMs: 0,
  maxRetryAfterMs: Number.POSITIVE_INFINITY,
};

/** One streaming message's claim on the edit budget. */
export interface EditLane {
  /** Asks for a slot; `run` is called once it is granted. One request at a time: a second replaces the first. */
  request(run: () => void): void;
  /** Withdraws a waiting request (the message stopped streaming). */
  cancel(): void;
  /** Slack refused this lane's write with a 429: the budget it draws on pauses for `retryAfterMs`. */
  rateLimited(retryAfterMs: number): void;
}

export interface UpdateSchedulerOptions {
  /** Edits per minute the app allows itself, for the whole workspace (Slack's Tier 3: about 50). */
  readonly ratePerMinute: number;
  /** Edits that may go at once after a quiet spell. */
  readonly burst: number;
  /** Tokens interim edits leave for final answers; half the burst unless set. */
  readonly reserve?: number;
  readonly now?: () => number;
}

interface Waiting {
  readonly lane: Lane;
  readonly run: () => void;
  readonly since: number;
}

class Lane implements EditLane {
  /** When this lane last got a slot; undefined until its message first shows text. */
  lastGranted: number | undefined;
  readonly #scheduler: UpdateScheduler;

  constructor(scheduler: UpdateScheduler) {
    this.#scheduler = scheduler;
  }

  request(run: () => void): void {
    this.#scheduler.enqueue(this, run);
  }

  rateLimited(retryAfterMs: number): void {
    this.#scheduler.rateLimited(retryAfterMs);
  }

  cancel(): void {
    this.#scheduler.withdraw(this);
  }
}

/**
 * The workspace's `chat.update` budget (Slack counts it per app and workspace, across every thread). Interim edits
 * share it fairly: a message that has shown nothing yet goes first, then the one that waited longest since its last
 * edit, so each stream gets its first text promptly and edits space out as more streams run. Final answers and
 * notices never wait for the budget: they go at once, ahead of every waiting edit, borrowing tokens if they must.
 * Only a real 429 holds anything back. A 429 on an interim edit pauses interim edits for `Retry-After` and nothing
 * else; a 429 on a final holds finals (and interim edits) for `Retry-After`, then waiting finals go out at the budget's
 * pace, so their retries do not meet another 429, before interim edits resume.
 */
export class UpdateScheduler {
  readonly #bucket: TokenBucket;
  readonly #reserve: number;
  readonly #now: () => number;
  readonly #waiting = new Map<Lane, Waiting>();
  readonly #finals: (() => void)[] = [];
  /** Interim edits wait until then (a 429 on any update). */
  #pausedUntil = 0;
  /** Finals wait until then (a 429 on a final). */
  #finalsPausedUntil = 0;
  #recovering = false;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;

  constructor(options: UpdateSchedulerOptions) {
    this.#now = options.now ?? Date.now;
    this.#bucket = new TokenBucket(options.ratePerMinute, options.burst, this.#now());
    this.#reserve = options.reserve ?? Math.floor(options.burst / 2);
  }

  lane(): EditLane {
    return new Lane(this);
  }

  /** Interim edits waiting for a slot (for tests and metrics). */
  get waiting(): number {
    return this.#waiting.size;
  }

  /** Slack answered an interim edit 429: interim edits wait `retryAfterMs`; finals are not held back. */
  rateLimited(retryAfterMs: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#now() + retryAfterMs);
    this.#pump();
  }

  /** Slack answered a final 429: every update waits `retryAfterMs`, then finals drain at the budget's pace. */
  #finalRateLimited(retryAfterMs: number): void {
    // Slack's own answer replaces the app's estimate: what finals borrowed is settled by the wait it asks for.
    this.#bucket.forgive(this.#now());
    this.#finalsPausedUntil = Math.max(this.#finalsPausedUntil, this.#now() + retryAfterMs);
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#finalsPausedUntil);
    this.#recovering = true;
    this.#pump();
  }

  /**
   * Sends a final update (an answer, a notice, a post's new state). `send` throws Slack's errors; a 429 is waited
   * out and the update sent again, anything else is the caller's.
   */
  async final<T>(send: () => Promise<T>): Promise<T> {
    // Never given up while the process lives; the waiting is the budget's own (a 429 pauses it, the next slot ends it).
    return withRetries<T>(async () => {
      await this.#finalSlot();
      try {
        return { kind: 'done', value: await send() };
      } catch (error) {
        const retryAfter = rateLimitedRetryAfter(error);
        if (retryAfter === undefined) throw error;
        this.#finalRateLimited(retryAfter * 1000);
        return {
          kind: 'retry',
          last: () => {
            throw error;
          },
        };
      }
    }, FINAL_UPDATE_RETRY);
  }

  close(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#waiting.clear();
    // Finals still waiting are let go: the process is stopping and their callers will fail on their own.
    for (const release of this.#finals.splice(0)) release();
  }

  enqueue(lane: Lane, run: () => void): void {
    const since = this.#waiting.get(lane)?.since ?? this.#now();
    this.#waiting.set(lane, { lane, run, since });
    this.#pump();
  }

  withdraw(lane: Lane): void {
    this.#waiting.delete(lane);
  }

  #finalSlot(): Promise<void> {
    const now = this.#now();
    if (now >= this.#finalsPausedUntil && !this.#recovering && this.#finals.length === 0) {
      this.#bucket.borrow(now);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#finals.push(resolve);
      this.#pump();
    });
  }

  #pump(): void {
    // A granted edit may ask again from inside `run`: grants are handed out after the books are settled.
    const granted: (() => void)[] = [];
    this.#grant(granted);
    for (const run of granted) run();
  }

  #grant(granted: (() => void)[]): void {
    const now = this.#now();
    if (now < this.#finalsPausedUntil) {
      this.#wake(this.#finalsPausedUntil);
      return;
    }
    while (this.#finals.length > 0) {
      if (this.#recovering) {
        if (!this.#bucket.tryTake(now)) {
          this.#wake(now + this.#bucket.msUntil(now));
          return;
        }
      } else {
        this.#bucket.borrow(now);
      }
      this.#finals.shift()?.();
    }
    this.#recovering = false;
    if (now < this.#pausedUntil) {
      if (this.#waiting.size > 0) this.#wake(this.#pausedUntil);
      return;
    }
    while (this.#waiting.size > 0) {
      if (!this.#bucket.tryTake(now, this.#reserve)) {
        this.#wake(now + this.#bucket.msUntil(now, this.#reserve));
        return;
      }
      const next = this.#next();
      this.#waiting.delete(next.lane);
      next.lane.lastGranted = now;
      granted.push(next.run);
    }
  }

  /** Never-shown messages first (oldest request first), then the one whose last edit is oldest. */
  #next(): Waiting {
    let best: Waiting | undefined;
    for (const w of this.#waiting.values()) {
      if (best === undefined || rank(w) < rank(best)) best = w;
    }
    if (best === undefined) throw new AppError('invariant_broken', 'no waiting lane');
    return best;
  }

  #wake(at: number): void {
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#timerAt = Number.POSITIVE_INFINITY;
        this.#pump();
      },
      Math.max(0, at - this.#now()),
    );
    this.#timer.unref();
  }
}

/** Never shown sorts before shown; within each, the older time first. */
function rank(w: Waiting): number {
  return w.lane.lastGranted === undefined ? w.since - Number.MAX_SAFE_INTEGER / 2 : w.lane.lastGranted;
}
