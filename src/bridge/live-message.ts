import type { InterimResult } from '../slack/poster.ts';

export interface LiveMessageOptions {
  /** Shows `text` in the Slack message; must not throw. */
  readonly edit: (text: string) => Promise<InterimResult>;
  /** Turns the raw cumulative text into what the message shows while streaming. */
  readonly render: (text: string) => string;
  readonly intervalMs: number;
  readonly now?: () => number;
  /** What the message already shows when streaming starts (a part posted with its first chunk). */
  readonly shown?: { readonly index: number; readonly text: string };
  /** Told the raw text each time an edit lands, so it can be kept (and shown again after a restart). */
  readonly onShown?: (text: string) => void;
}

/**
 * One Slack message that shows Fin's reply as it streams. Fin sends cumulative text, so only the newest chunk
 * matters: edits are coalesced (at most one in flight, at most one per interval, always the newest text), chunks
 * older than the newest seen are ignored, and after a 429 edits wait for Retry-After and then skip ahead.
 */
export class LiveMessage {
  readonly #options: LiveMessageOptions;
  readonly #now: () => number;
  #latest: { index: number; text: string } | undefined;
  #shownIndex = -1;
  #lastEditAt = Number.NEGATIVE_INFINITY;
  #pausedUntil = 0;
  #inFlight: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #gone = false;

  constructor(options: LiveMessageOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    if (options.shown !== undefined) {
      this.#latest = { ...options.shown };
      this.#shownIndex = options.shown.index;
      this.#lastEditAt = this.#now();
    }
  }

  /** Offers chunk `index`; returns false if it is stale or the message no longer streams. */
  offer(index: number, text: string): boolean {
    if (this.#closed || this.#gone) return false;
    if (this.#latest !== undefined && index <= this.#latest.index) return false;
    this.#latest = { index, text };
    this.#schedule();
    return true;
  }

  /** The newest text offered, shown or not. */
  get latestText(): string | undefined {
    return this.#latest?.text;
  }

  /** True when someone deleted the message: nothing more can be shown in it. */
  get gone(): boolean {
    return this.#gone;
  }

  /** Stops streaming and waits for an edit in flight, so whatever the caller writes next lands last. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#inFlight;
  }

  #schedule(): void {
    if (this.#closed || this.#gone || this.#timer !== undefined || this.#inFlight !== undefined) return;
    if (this.#latest === undefined || this.#latest.index <= this.#shownIndex) return;
    const now = this.#now();
    const wait = Math.max(0, this.#lastEditAt + this.#options.intervalMs - now, this.#pausedUntil - now);
    if (wait > 0) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#flush();
      }, wait);
      return;
    }
    this.#flush();
  }

  #flush(): void {
    const snapshot = this.#latest;
    if (this.#closed || snapshot === undefined) return;
    this.#lastEditAt = this.#now();
    this.#inFlight = this.#options
      .edit(this.#options.render(snapshot.text))
      .then((result) => {
        if (result.kind === 'ok') {
          if (snapshot.index > this.#shownIndex) this.#options.onShown?.(snapshot.text);
          this.#shownIndex = Math.max(this.#shownIndex, snapshot.index);
        } else if (result.kind === 'rate_limited') this.#pausedUntil = this.#now() + result.retryAfterMs;
        else if (result.kind === 'gone') this.#gone = true;
      })
      .finally(() => {
        this.#inFlight = undefined;
        this.#schedule();
      });
  }
}
