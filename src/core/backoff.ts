export interface RetryPolicy {
  /** Total attempts, the first included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A server asking us to wait longer than this is not waited for: the caller fails fast instead. */
  readonly maxRetryAfterMs: number;
  /** No retry starts once this long has passed since the first attempt: a person is waiting. */
  readonly budgetMs?: number;
  /** How much longer each wait is than the one before; 2 unless said. */
  readonly factor?: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 3,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 10_000,
  budgetMs: 20_000,
};

/** Exponential backoff with up to 25 % jitter, so many clients retrying at once spread out. */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * (policy.factor ?? 2) ** retry);
  return Math.round(ceiling * (1 - 0.25 * random()));
}

/**
 * How long a server asked us to wait, from `Retry-After` (seconds or an HTTP date) or Intercom's
 * `X-RateLimit-Reset` (Unix seconds). Undefined when it did not say.
 */
export function serverRequestedDelay(header: (name: string) => string | undefined, now: number = Date.now()): number | undefined {
  const retryAfter = header('retry-after');
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  const reset = Number(header('x-ratelimit-reset'));
  if (Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - now);
  return undefined;
}

/** One try's outcome: done with a value, or worth another try (after at least `afterMs`, when the server said so). */
export type Attempt<T> =
  | { readonly kind: 'done'; readonly value: T }
  /** `last` is what the caller gets when no try is left: the last answer, or it throws the last error. */
  | { readonly kind: 'retry'; readonly afterMs?: number | undefined; readonly last: () => T };

export interface RetryOptions extends RetryPolicy {
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** Told before each wait, for the log and the metrics. */
  readonly onRetry?: (info: { readonly attempt: number; readonly delayMs: number }) => void;
}

/**
 * The app's one way to try again: runs `attempt` until it is done or the policy gives up. Waits grow exponentially
 * with jitter and are never shorter than what the server asked (`Retry-After`); a server asking for more than
 * `maxRetryAfterMs` is not waited for; no try starts once `budgetMs` has passed; `attempts: Infinity` never gives up
 * (a final answer, while the process lives). The clock, the sleep and the randomness can be given, for tests.
 */
export async function withRetries<T>(attempt: (n: number) => Promise<Attempt<T>>, options: RetryOptions): Promise<T> {
  const now = options.now ?? (() => performance.now());
  const pause = options.sleep ?? ((ms: number) => sleep(ms));
  const started = now();
  for (let n = 1; ; n += 1) {
    const outcome = await attempt(n);
    if (outcome.kind === 'done') return outcome.value;
    const delay = Math.max(outcome.afterMs ?? 0, backoffDelay(n - 1, options, options.random));
    const giveUp =
      n >= options.attempts ||
      (outcome.afterMs !== undefined && outcome.afterMs > options.maxRetryAfterMs) ||
      now() - started + delay > (options.budgetMs ?? Number.POSITIVE_INFINITY);
    if (giveUp) return outcome.last();
    options.onRetry?.({ attempt: n, delayMs: delay });
    if (delay > 0) await pause(delay);
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
