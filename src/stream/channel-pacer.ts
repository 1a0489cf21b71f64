import { TokenBucket } from './token-bucket.ts';

/**
 * Slack accepts about one `chat.postMessage` a second per channel, with short bursts. New messages in a channel (a
 * placeholder, a further part, a notice) wait their turn here rather than meet a 429, which would pause every call of
 * the Web API client behind it.
 */
export class ChannelPacer {
  readonly #ratePerMinute: number;
  readonly #burst: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(options: { ratePerMinute: number; burst: number; now?: () => number }) {
    this.#ratePerMinute = options.ratePerMinute;
    this.#burst = options.burst;
    this.#now = options.now ?? Date.now;
  }

  /** Resolves when a message may be posted in `channelId` (at once, unless the channel is busy). */
  async slot(channelId: string): Promise<void> {
    for (;;) {
      const now = this.#now();
      let bucket = this.#buckets.get(channelId);
      if (bucket === undefined) {
        this.#forgetIdle(now);
        bucket = new TokenBucket(this.#ratePerMinute, this.#burst, now);
        this.#buckets.set(channelId, bucket);
      }
      if (bucket.tryTake(now)) return;
      await new Promise((resolve) => setTimeout(resolve, bucket.msUntil(now)));
    }
  }

  /** A channel whose bucket is full again needs no memory: it starts afresh next time. */
  #forgetIdle(now: number): void {
    if (this.#buckets.size < 1_000) return;
    for (const [id, bucket] of this.#buckets) if (bucket.tokens(now) >= this.#burst) this.#buckets.delete(id);
  }
}
