import type { InterimResult } from './writer.ts';
import type { EditLane } from './update-scheduler.ts';
import { Cadence } from './cadence.ts';

/** One streaming Slack message, as whatever paces its edits sees it: how to edit it, what it shows, whom to tell. */
export interface LiveMessageTarget {
  /** Shows `text` in the Slack message; must not throw. */
  readonly edit: (text: string) => Promise<InterimResult>;
  /** Turns the raw cumulative text into what the message shows while streaming. */
  readonly render: (text: string) => string;
  readonly now?: () => number;
  /** What the message already shows when streaming starts (a part posted with its first chunk). */
  readonly shown?: { readonly index: number; readonly text: string };
  /** Told the raw text each time an edit lands, so it can be kept (and shown again after a restart). */
  readonly onShown?: (text: string) => void;
}

export interface LiveMessageOptions extends LiveMessageTarget {
  readonly intervalMs: number;
  /** The message's claim on the workspace's edit budget: each edit waits for a slot from it. */
  readonly lane?: EditLane | undefined;
}

/** What the thread view asks of a message that shows a stream by edits, however they are paced. */
export interface LiveStream {
  /** Offers chunk `index` (cumulative text); returns false if it is stale or the message no longer streams. */
  offer(index: number, text: string): boolean;
  /** The newest text offered, shown or not. */
  readonly latestText: string | undefined;
  /** True when someone deleted the message: nothing more can be shown in it. */
  readonly gone: boolean;
  /** Stops streaming and waits for an edit in flight, so whatever the caller writes next lands last. */
  close(): Promise<void>;
}

/** Makes the live message of one streaming Slack message: the app's is a `LiveMessage` within the workspace's budget. */
export type LiveMessageFactory = (target: LiveMessageTarget) => LiveStream;

/**
 * One Slack message that shows Fin's reply as it streams. Fin sends cumulative text, so only the newest chunk
 * matters: edits are coalesced (at most one in flight, at most one per interval, each waiting for a slot of the
 * workspace's budget, always the newest text when it goes), chunks older than the newest seen are ignored, and after
 * a 429 edits wait for Retry-After and then skip ahead.
 */
export class LiveMessage implements LiveStream {
  readonly #options: LiveMessageOptions;
  readonly #now: () => number;
  #latest: { index: number; text: string } | undefined;
  #shownIndex = -1;
  readonly #cadence: Cadence;
  #inFlight: Promise<void> | undefined;
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
    this.#cadence.cancel();
    await this.#inFlight;
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
