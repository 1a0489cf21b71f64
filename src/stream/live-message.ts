import type { InterimResult } from './writer.ts';
import type { EditLane } from './update-scheduler.ts';
import { Cadence } from './cadence.ts';

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
  /** The message's claim on the workspace's edit budget: each edit waits for a slot from it. */
  readonly lane?: EditLane | undefined;
  /**
   * The naive policy most Slack AI bots follow, kept only to compare against in the benchmark: an edit for every
   * chunk, as it comes, without waiting for the one before.
   */
  readonly everyChunk?: boolean;
}

/**
 * One Slack message that shows Fin's reply as it streams. Fin sends cumulative text, so only the newest chunk
 * matters: edits are coalesced (at most one in flight, at most one per interval, each waiting for a slot of the
 * workspace's budget, always the newest text when it goes), chunks older than the newest seen are ignored, and after
 * a 429 edits wait for Retry-After and then skip ahead.
 */
export class LiveMessage {
  readonly #options: LiveMessageOptions;
  readonly #now: () => number;
  #latest: { index: number; text: string } | undefined;
  #shownIndex = -1;
  readonly #cadence: Cadence;
  #inFlight: Promise<void> | undefined;
  /** Edits of the every-chunk policy, all in flight at once. */
  readonly #unordered = new Set<Promise<void>>();
  #closed = false;
  #gone = false;

  constructor(options: LiveMessageOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#cadence = new Cadence(
      { intervalMs: options.intervalMs, lane: options.lane, now: this.#now },
      options.shown !== undefined ? this.#now() : Number.NEGATIVE_INFINITY,
    );
    if (options.shown !== undefined) {
      this.#latest = { ...options.shown };
      this.#shownIndex = options.shown.index;
    }
  }

  /** Offers chunk `index`; returns false if it is stale or the message no longer streams. */
  offer(index: number, text: string): boolean {
    if (this.#closed || this.#gone) return false;
    if (this.#latest !== undefined && index <= this.#latest.index) return false;
    this.#latest = { index, text };
    if (this.#options.everyChunk) this.#editNow(index, text);
    else this.#schedule();
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
    this.#cadence.cancel();
    await Promise.all([this.#inFlight, ...this.#unordered]);
  }

  #editNow(index: number, text: string): void {
    const edit: Promise<void> = this.#options
      .edit(this.#options.render(text))
      .then((result) => {
        if (result.kind === 'ok' && index > this.#shownIndex) {
          this.#shownIndex = index;
          this.#options.onShown?.(text);
        } else if (result.kind === 'gone') this.#gone = true;
      })
      .finally(() => this.#unordered.delete(edit));
    this.#unordered.add(edit);
  }

  #schedule(): void {
    if (this.#closed || this.#gone || this.#inFlight !== undefined) return;
    if (this.#latest === undefined || this.#latest.index <= this.#shownIndex) return;
    this.#cadence.wait(() => this.#flush());
  }

  #flush(): void {
    const snapshot = this.#latest;
    // Nothing new since the last edit (the slot came late): the slot is simply not used.
    if (this.#closed || this.#gone || snapshot === undefined || snapshot.index <= this.#shownIndex) return;
    this.#cadence.wrote();
    this.#inFlight = this.#options
      .edit(this.#options.render(snapshot.text))
      .then((result) => {
        if (result.kind === 'ok') {
          if (snapshot.index > this.#shownIndex) this.#options.onShown?.(snapshot.text);
          this.#shownIndex = Math.max(this.#shownIndex, snapshot.index);
        } else if (result.kind === 'rate_limited') this.#cadence.pause(result.retryAfterMs);
        else if (result.kind === 'gone') this.#gone = true;
      })
      .finally(() => {
        this.#inFlight = undefined;
        this.#schedule();
      });
  }
}
