import type { RetryOptions } from '@slack/web-api';

/**
 * How each of the app's Web API clients retries and waits, in one place. The clients' own retries cover network
 * errors and 5xx; a 429 is the app's to handle (the edit budget, the retry helper in core/backoff.ts), so every
 * client but Bolt's refuses rate-limited calls instead of pausing its whole queue behind one.
 */
export const SLACK_CLIENT_POLICIES = {
  /**
   * Bolt's own client (its listeners' acknowledgements, lookups Bolt makes, the benchmark's naive policies): the
   * SDK's default retries, and it waits out a 429 itself. The app's own writes and lookups use the clients below.
   */
  main: { timeoutMs: 20_000 },
  /** Interim edits: never retried, since the next edit carries newer text anyway. */
  interim: { timeoutMs: 10_000, retryConfig: { retries: 0 } },
  /** Final answers and posts that must land: retried on network errors and 5xx. */
  final: { timeoutMs: 20_000, retryConfig: { retries: 5, factor: 2, minTimeout: 500, maxTimeout: 10_000 } },
  /** Lookups (names, members, history, permalinks): never worth holding up an answer, so they give up fast. */
  lookup: { timeoutMs: 10_000, retryConfig: { retries: 1, factor: 2, minTimeout: 200, maxTimeout: 1_000 } },
  /** The start-up check of the bot token: a few tries, then the app says plainly why it cannot start. */
  identity: { timeoutMs: 10_000, retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 4_000 } },
} as const satisfies Record<string, { timeoutMs: number; retryConfig?: RetryOptions }>;
