import type { EditLane } from './update-scheduler.ts';

export interface CadenceOptions {
  /** Least time between two writes of the message. */
  readonly intervalMs: number;
  /** The message's claim on a workspace budget: a write also waits for a slot from it. */
  readonly lane?: EditLane | undefined;
  readonly now: () => number;
}

/**
 * When one streaming message may next write to Slack (an edit, or an append to a native stream): no sooner than
 * `intervalMs` after its last write, nor before a pause Slack asked for (429) ends, and then only once its lane in the
 * workspace's budget grants a slot. One wait at a time; whoever waits decides, when it is its turn, what to write.
 */
export class Cadence {
  readonly #options: CadenceOptions;
  #lastAt: number;
  #pausedUntil = 0;
  #timer: NodeJS.Timeout | undefined;
  #requested = false;

  /** `lastAt`: when the message last showed something (its start, or a text it already shows). */
  constructor(options: CadenceOptions, lastAt = Number.NEGATIVE_INFINITY) {
    this.#options = options;
    this.#lastAt = lastAt;
  }

  /** A wait is under way (for the interval, a pause or the budget). */
  get waiting(): boolean {
    return this.#timer !== undefined || this.#requested;
  }

  /** Calls `go` once the message may write; a wait already under way is not doubled. */
  wait(go: () => void): void {
    if (this.waiting) return;
    const now = this.#options.now();
    const delay = Math.max(0, this.#lastAt + this.#options.intervalMs - now, this.#pausedUntil - now);
    if (delay > 0) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#slot(go);
      }, delay);
      return;
    }
    this.#slot(go);
  }

  /** The message is writing now: the next write waits a full interval from here. */
  wrote(): void {
    this.#lastAt = this.#options.now();
  }

  /** Slack asked for a pause (`Retry-After`). */
  pause(ms: number): void {
    // The one place a 429 on a streaming write is handled: this message waits, and so does the budget it draws on.
    this.#pausedUntil = this.#options.now() + ms;
    this.#options.lane?.rateLimited(ms);
  }

  /** Gives up the wait under way, the budget's slot included. */
  cancel(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#options.lane?.cancel();
    this.#requested = false;
  }

  #slot(go: () => void): void {
    const lane = this.#options.lane;
    if (lane === undefined) {
      go();
      return;
    }
    this.#requested = true;
    lane.request(() => {
      this.#requested = false;
      go();
    });
  }
}
