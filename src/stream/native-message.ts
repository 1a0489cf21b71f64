import { escapeMarkdown } from '../format/markdown-escape.ts';
import type { InterimResult } from './writer.ts';
import type { EditLane } from './update-scheduler.ts';
import { Cadence } from './cadence.ts';
import type { LiveStream } from './live-message.ts';

/**
 * Slack ends a native stream after about 5 minutes (reports differ on whether that counts from its start or from its
 * last append); counting from the start, the app stops its own well before either.
 */
export const NATIVE_STREAM_MAX_MS = 4 * 60_000;
/** What a stream shows at most: past this it stops growing and waits for the final answer, which replaces it. */
const NATIVE_LIMIT_CHARS = 3_400;

export interface NativeMessageOptions {
  /** The cumulative text the stream was started with (its first chunk) and what that showed. */
  readonly started: { readonly index: number; readonly text: string; readonly markdown: string };
  readonly append: (markdown: string) => Promise<InterimResult>;
  readonly stop: () => Promise<void>;
  /** Carries the message on by edits (after `stop`), already showing `shown`. */
  readonly fallback: (shown: { index: number; text: string }) => LiveStream;
  /** The stream's claim on the workspace's append budget. */
  readonly lane?: EditLane | undefined;
  readonly intervalMs: number;
  readonly maxStreamMs?: number;
  readonly now?: () => number;
  readonly onShown?: (text: string) => void;
  /** Told why the stream was handed over to edits (logged). */
  readonly onFallback?: (reason: string) => void;
}

/**
 * One reply shown through Slack's native streaming (`chat.startStream` / `appendStream` / `stopStream`). Fin sends
 * cumulative text; Slack's stream takes additions, so each append carries what is new since the last (escaped as
 * Markdown, up to the last whole word, so escaping never has to change what was sent). Appends are coalesced like
 * edits: at most one in flight, spaced by `intervalMs`, each waiting for the append budget. When streaming cannot go
 * on (Fin revised earlier text, Slack refused an append, the stream nears Slack's expiry) the stream is stopped and
 * the same message carries on by edits; the final answer then replaces it with a normal update.
 */
export class NativeMessage {
  readonly #options: NativeMessageOptions;
  readonly #now: () => number;
  readonly #startedAt: number;
  #sent: string;
  #latest: { index: number; text: string };
  #shown: { index: number; text: string };
  readonly #cadence: Cadence;
  #inFlight: Promise<void> | undefined;
  #edits: LiveStream | undefined;
  #handover: Promise<void> | undefined;
  #stopped = false;
  /** The stream reached its size cap: it shows no more until the final answer. */
  #capped = false;
  #closed = false;
  #gone = false;

  constructor(options: NativeMessageOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#startedAt = this.#now();
    this.#cadence = new Cadence({ intervalMs: options.intervalMs, lane: options.lane, now: this.#now }, this.#startedAt);
    this.#sent = options.started.markdown;
    this.#latest = { index: options.started.index, text: options.started.text };
    this.#shown = { ...this.#latest };
  }

  offer(index: number, text: string): boolean {
    if (this.#closed || this.gone) return false;
    if (this.#edits !== undefined) return this.#edits.offer(index, text);
    if (index <= this.#latest.index) return false;
    this.#latest = { index, text };
    this.#schedule();
    return true;
  }

  get latestText(): string | undefined {
    return this.#edits?.latestText ?? this.#latest.text;
  }

  get gone(): boolean {
    return this.#gone || (this.#edits?.gone ?? false);
  }

  /** Whether the message still streams natively (rather than by edits). */
  get native(): boolean {
    return this.#edits === undefined && !this.#stopped;
  }

  /** Ends the stream (waiting for what is in flight), so the final answer can replace the message. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#cadence.cancel();
    await this.#inFlight;
    await this.#handover;
    if (this.#edits !== undefined) await this.#edits.close();
    else await this.#stop();
  }

  #schedule(): void {
    if (this.#closed || this.#gone || this.#capped || this.#edits !== undefined || this.#handover !== undefined) return;
    if (this.#inFlight !== undefined || this.#cadence.waiting || this.#latest.index <= this.#shown.index) return;
    // A slot of the shared budget is asked for only when there is something to send.
    if (this.#pending() === undefined) return;
    if (this.#now() - this.#startedAt >= (this.#options.maxStreamMs ?? NATIVE_STREAM_MAX_MS)) {
      this.#handOver('the stream is near Slack’s expiry');
      return;
    }
    this.#cadence.wait(() => this.#flush());
  }

  /**
   * The words the newest text adds to what the stream shows, escaped; undefined when there are none yet or any more
   * (past the cap, or Fin revised what was sent, which hands the message over to edits).
   */
  #pending(): { markdown: string; delta: string } | undefined {
    const markdown = escapeMarkdown(wholeWords(this.#latest.text));
    if (!markdown.startsWith(this.#sent)) {
      this.#handOver('Fin revised text already streamed');
      return undefined;
    }
    if (markdown.length > NATIVE_LIMIT_CHARS) {
      this.#capped = true;
      return undefined;
    }
    const delta = markdown.slice(this.#sent.length);
    return delta === '' ? undefined : { markdown, delta };
  }

  #flush(): void {
    const snapshot = this.#latest;
    if (this.#closed || this.#gone || this.#handover !== undefined || snapshot.index <= this.#shown.index) return;
    const next = this.#pending();
    if (next === undefined) return;
    this.#cadence.wrote();
    this.#inFlight = this.#options
      .append(next.delta)
      .then((result) => {
        if (result.kind === 'ok') {
          this.#sent = next.markdown;
          this.#shown = snapshot;
          this.#options.onShown?.(snapshot.text);
        } else if (result.kind === 'rate_limited') this.#cadence.pause(result.retryAfterMs);
        else if (result.kind === 'gone') this.#gone = true;
        else this.#handOver(`Slack refused an append (${result.code})`);
      })
      .finally(() => {
        this.#inFlight = undefined;
        this.#schedule();
      });
  }

  /** Stops the stream and carries the message on by edits, from what it shows now. */
  #handOver(reason: string): void {
    if (this.#handover !== undefined) return;
    this.#cadence.cancel();
    this.#options.onFallback?.(reason);
    this.#handover = (async () => {
      await this.#inFlight;
      await this.#stop();
      if (this.#closed) return;
      const edits = this.#options.fallback(this.#shown);
      this.#edits = edits;
      edits.offer(this.#latest.index, this.#latest.text);
    })();
  }

  async #stop(): Promise<void> {
    if (this.#stopped || this.#gone) return;
    this.#stopped = true;
    await this.#options.stop();
  }
}

/** The text up to its last whitespace: a word still being written waits for the next chunk. */
export function wholeWords(text: string): string {
  const cut = text.search(/\s\S*$/);
  return cut === -1 ? text : text.slice(0, cut + 1);
}
