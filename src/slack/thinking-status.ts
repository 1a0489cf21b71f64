import type { WebClient } from '@slack/web-api';
import { errorCode } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';

/** What Slack's indicator says while Fin works (Slack shows it after the app's name), and the lines it cycles through. */
const STATUS = 'is thinking…';
const LOADING_MESSAGES = ['Reading your question…', 'Looking through the help center…', 'Putting an answer together…'];

/** Slack drops the indicator two minutes after it was set: a long turn sets it again before then. */
const REFRESH_MS = 100_000;

/** Failures that say nothing about where the indicator may show: the next turn tries again. */
const TRANSIENT = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'ECONNRESET',
  'ETIMEDOUT',
]);

/** Slack will not show the indicator anywhere for this app (a scope, a plan): the placeholder alone does the job. */
const REFUSED_EVERYWHERE = new Set(['missing_scope', 'not_allowed_token_type', 'feature_not_enabled', 'not_allowed', 'unknown_method']);

/**
 * Slack's own thinking indicator (`assistant.threads.setStatus`) under a thread while Fin works on its answer: set
 * when the placeholder goes up, set again before Slack's two-minute expiry, and cleared when text arrives or the turn
 * ends. It adds to the placeholder, which stays the one message the answer is written into: where Slack refuses the
 * indicator (a channel type, a scope, a plan), nothing else changes, and the app stops asking where it was refused.
 */
export class ThinkingStatus {
  readonly #client: WebClient;
  readonly #log: Logger;
  readonly #refreshMs: number;
  readonly #shown = new Map<string, NodeJS.Timeout>();
  readonly #refusedIn = new Set<string>();
  #refusedEverywhere = false;

  constructor(options: { client: WebClient; logger: Logger; refreshMs?: number }) {
    this.#client = options.client;
    this.#log = options.logger;
    this.#refreshMs = options.refreshMs ?? REFRESH_MS;
  }

  /** Shows the indicator under the thread until `stop` (refreshed meanwhile). Never throws; failures are logged. */
  start(channelId: string, threadTs: string): void {
    if (this.#refusedEverywhere || this.#refusedIn.has(channelId)) return;
    const key = `${channelId}:${threadTs}`;
    if (this.#shown.has(key)) return;
    const timer = setInterval(() => void this.#set(channelId, threadTs, STATUS), this.#refreshMs);
    timer.unref();
    this.#shown.set(key, timer);
    void this.#set(channelId, threadTs, STATUS);
  }

  /** Clears the indicator, if this app showed it there. */
  stop(channelId: string, threadTs: string): void {
    const key = `${channelId}:${threadTs}`;
    const timer = this.#shown.get(key);
    if (timer === undefined) return;
    clearInterval(timer);
    this.#shown.delete(key);
    void this.#set(channelId, threadTs, '');
  }

  close(): void {
    for (const timer of this.#shown.values()) clearInterval(timer);
    this.#shown.clear();
  }

  async #set(channelId: string, threadTs: string, status: string): Promise<void> {
    try {
      await this.#client.assistant.threads.setStatus({
        channel_id: channelId,
        thread_ts: threadTs,
        status,
        ...(status === '' ? {} : { loading_messages: LOADING_MESSAGES }),
      });
    } catch (error) {
      const code = errorCode(error);
      const key = `${channelId}:${threadTs}`;
      clearInterval(this.#shown.get(key));
      this.#shown.delete(key);
      if (REFUSED_EVERYWHERE.has(code)) this.#refusedEverywhere = true;
      else if (!TRANSIENT.has(code)) this.#refusedIn.add(channelId);
      this.#log.info(
        { channelId, error: code },
        'Slack will not show its thinking indicator here; the placeholder alone says Fin is working',
      );
    }
  }
}
