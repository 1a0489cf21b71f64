import type { WebClient } from '@slack/web-api';
import { errorCode } from '../core/errors.ts';
import { KeyedSerial } from '../core/keyed-serial.ts';
import type { Logger } from '../core/log.ts';
import { TtlCache } from '../core/ttl-cache.ts';

/** What Slack's indicator says while Fin works (Slack shows it after the app's name), and the lines it cycles through. */
const STATUS = 'is thinking…';
const LOADING_MESSAGES = ['Reading your question…', 'Looking through the help center…', 'Putting an answer together…'];

/** Slack drops the indicator two minutes after it was set: a long turn sets it again before then. */
const REFRESH_MS = 100_000;

/** How long a refusal is remembered: a fix on Slack's side (a scope added, the app invited) takes effect after it. */
const REFUSAL_MS = 60 * 60_000;
/** Channels remembered as refusing, at most: the oldest refusal is forgotten first (and Slack asked again). */
const MAX_REFUSING_CHANNELS = 10_000;

/**
 * Slack will not show the indicator anywhere for this app (a scope, a token type, a plan, the method itself): the
 * placeholder alone does the job. Errors of assistant.threads.setStatus (docs.slack.dev/reference/methods/
 * assistant.threads.setStatus), and `feature_not_enabled` as reported for Slack's AI features.
 */
const REFUSED_EVERYWHERE = new Set([
  'missing_scope',
  'not_allowed_token_type',
  'feature_not_enabled',
  'not_allowed',
  'unknown_method',
  'method_deprecated',
  'deprecated_endpoint',
  'enterprise_is_restricted',
  'is_bot',
]);

/**
 * Slack will not show it in this channel: its type (`channel_type_not_supported`, reported outside DMs), the app not
 * in it, the channel gone, archived or closed to the app.
 */
const REFUSED_IN_CHANNEL = new Set([
  'channel_type_not_supported',
  'not_in_channel',
  'channel_not_found',
  'is_archived',
  'access_denied',
  'no_permission',
  'ekm_access_denied',
  'team_access_not_granted',
]);

/** One thread whose indicator this app shows, from `start` to `stop`. */
interface Shown {
  readonly channelId: string;
  readonly threadTs: string;
  timer: NodeJS.Timeout | undefined;
  /** A set is queued and has not gone out: a refresh meanwhile adds nothing. */
  setQueued: boolean;
  /** A set went out, so Slack may show the indicator: `stop` clears it. */
  wentOut: boolean;
}

/**
 * Slack's own thinking indicator (`assistant.threads.setStatus`) under a thread while Fin works on its answer: set
 * when the placeholder goes up, set again before Slack's two-minute expiry, and cleared when text arrives or the turn
 * ends. It adds to the placeholder, which stays the one message the answer is written into: where Slack refuses the
 * indicator (a channel type, a scope, a plan), nothing else changes, and the app stops asking there for an hour.
 *
 * A thread's calls go out one after another: Slack may act on two calls in flight in either order, and a clear it
 * took before the set it follows would leave the indicator under a finished answer (in a DM, where it can also hold
 * up the message box) until it expires. A set still queued when its turn ends is not sent at all.
 */
export class ThinkingStatus {
  readonly #client: WebClient;
  readonly #log: Logger;
  readonly #refreshMs: number;
  readonly #now: () => number;
  readonly #shown = new Map<string, Shown>();
  /** Each thread's calls in order; a thread with nothing in flight holds no entry. */
  readonly #calls = new KeyedSerial();
  readonly #refusingChannels: TtlCache<string, true>;
  #refusedEverywhereUntil = 0;

  constructor(options: { client: WebClient; logger: Logger; refreshMs?: number; now?: () => number }) {
    this.#client = options.client;
    this.#log = options.logger;
    this.#refreshMs = options.refreshMs ?? REFRESH_MS;
    this.#now = options.now ?? Date.now;
    this.#refusingChannels = new TtlCache({ ttlMs: REFUSAL_MS, maxEntries: MAX_REFUSING_CHANNELS, now: this.#now });
  }

  /** Shows the indicator under the thread until `stop` (refreshed meanwhile). Never throws; failures are logged. */
  start(channelId: string, threadTs: string): void {
    if (this.#refused(channelId)) return;
    const key = `${channelId}:${threadTs}`;
    if (this.#shown.has(key)) return;
    const shown: Shown = { channelId, threadTs, timer: undefined, setQueued: false, wentOut: false };
    shown.timer = setInterval(() => this.#queueSet(key, shown), this.#refreshMs);
    shown.timer.unref();
    this.#shown.set(key, shown);
    this.#queueSet(key, shown);
  }

  /** Clears the indicator, if this app showed it there: after the thread's calls before it, a set it overtook dropped. */
  stop(channelId: string, threadTs: string): void {
    const key = `${channelId}:${threadTs}`;
    const shown = this.#shown.get(key);
    if (shown === undefined) return;
    this.#forget(key, shown);
    void this.#calls.run(key, async () => {
      if (shown.wentOut) await this.#send(key, shown, '');
    });
  }

  close(): void {
    for (const shown of this.#shown.values()) clearInterval(shown.timer);
    this.#shown.clear();
  }

  #queueSet(key: string, shown: Shown): void {
    if (shown.setQueued) return;
    shown.setQueued = true;
    void this.#calls.run(key, async () => {
      shown.setQueued = false;
      // The turn ended (or another began) while this set waited: sent now, it would land after the clear.
      if (this.#shown.get(key) !== shown) return;
      if (this.#refused(shown.channelId)) {
        this.#forget(key, shown);
        return;
      }
      shown.wentOut = true;
      await this.#send(key, shown, STATUS);
    });
  }

  #forget(key: string, shown: Shown): void {
    clearInterval(shown.timer);
    if (this.#shown.get(key) === shown) this.#shown.delete(key);
  }

  #refused(channelId: string): boolean {
    return this.#now() < this.#refusedEverywhereUntil || this.#refusingChannels.get(channelId) !== undefined;
  }

  /** Never throws: a refusal is remembered (for a while), any other failure is this call's alone. */
  async #send(key: string, shown: Shown, status: string): Promise<void> {
    const { channelId, threadTs } = shown;
    try {
      await this.#client.assistant.threads.setStatus({
        channel_id: channelId,
        thread_ts: threadTs,
        status,
        ...(status === '' ? {} : { loading_messages: LOADING_MESSAGES }),
      });
    } catch (error) {
      const code = errorCode(error);
      const everywhere = REFUSED_EVERYWHERE.has(code);
      if (everywhere || REFUSED_IN_CHANNEL.has(code)) {
        if (everywhere) this.#refusedEverywhereUntil = this.#now() + REFUSAL_MS;
        else this.#refusingChannels.set(channelId, true);
        this.#forget(key, shown);
        this.#log.info(
          { channelId, error: code, everywhere },
          'Slack will not show its thinking indicator here; the placeholder alone says Fin is working (Slack is asked again in an hour)',
        );
        return;
      }
      // A 5xx, a network failure or timeout, a rate limit, one deleted thread: nothing about where the indicator may
      // show. A set is tried again at the next refresh; a clear that failed leaves it to Slack's own expiry.
      this.#log.info(
        { channelId, threadTs, error: code, clearing: status === '' },
        'Slack did not take this thinking indicator update; the next refresh or turn asks again',
      );
    }
  }
}
