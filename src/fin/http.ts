import { AppError, errorCode } from '../core/errors.ts';
import { Agent, type Dispatcher, request } from 'undici';
import { DEFAULT_RETRY, type RetryPolicy, serverRequestedDelay, withRetries } from '../core/backoff.ts';
import type { Logger } from '../core/log.ts';
import type { Metrics } from '../ops/metrics.ts';

/** A final HTTP answer from Intercom (after any retries). */
export interface IntercomAnswer {
  readonly status: number;
  readonly text: string;
  readonly requestId: string | undefined;
}

/** Intercom could not be reached, even after retries. */
export class IntercomUnreachableError extends AppError {
  constructor(
    readonly path: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super('intercom_unreachable', `Intercom could not be reached for ${path} (${detail})`, options);
  }
}

/** Worth another attempt: the request may succeed later, and Intercom deduplicates what the app resends. */
const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

/**
 * POSTs JSON to Intercom's API with a bearer token, timeouts, and retries with backoff on network errors, 408, 429
 * (honouring Retry-After / X-RateLimit-Reset) and 5xx, within a time budget. One instance per token: it owns the
 * connection pool. Callers interpret the final answer; this only transports.
 */
export class IntercomHttp {
  readonly #token: string;
  readonly #logger: Logger;
  readonly #retry: RetryPolicy;
  readonly #dispatcher: Dispatcher;
  readonly #metrics: Metrics | undefined;

  constructor(options: {
    token: string;
    logger: Logger;
    retry?: RetryPolicy;
    connectTimeoutMs?: number;
    responseTimeoutMs?: number;
    metrics?: Metrics | undefined;
  }) {
    this.#token = options.token;
    this.#metrics = options.metrics;
    this.#logger = options.logger;
    this.#retry = options.retry ?? DEFAULT_RETRY;
    // Intercom answers these calls at once (Fin works afterwards): a slow answer means trouble.
    const responseTimeout = options.responseTimeoutMs ?? 8_000;
    this.#dispatcher = new Agent({
      connect: { timeout: options.connectTimeoutMs ?? 5_000 },
      headersTimeout: responseTimeout,
      bodyTimeout: responseTimeout,
      keepAliveTimeout: 10_000,
    });
  }

  /**
   * The final answer: a 2xx, a status not worth retrying, or the last retryable one. Throws when unreachable.
   * `operation` names the call in metrics (paths carry ids); `log` carries the caller's correlation ids.
   */
  async post(url: string, body: unknown, version: string, operation: string, log: Logger = this.#logger): Promise<IntercomAnswer> {
    const started = performance.now();
    const timer = this.#metrics?.finCallSeconds.startTimer({ operation });
    try {
      const answer = await this.#post(url, body, version, operation, started, log);
      this.#metrics?.finCalls.inc({ operation, outcome: String(answer.status) });
      return answer;
    } catch (error) {
      this.#metrics?.finCalls.inc({ operation, outcome: 'unreachable' });
      throw error;
    } finally {
      timer?.();
    }
  }

  async #post(url: string, body: unknown, version: string, operation: string, started: number, log: Logger): Promise<IntercomAnswer> {
    const path = new URL(url).pathname;
    const payload = JSON.stringify(body);
    const elapsedSinceStart = performance.now() - started;
    let last: { status?: number; error?: string } = {};
    return withRetries<IntercomAnswer>(
      async () => {
        try {
          const res = await request(url, {
            method: 'POST',
            dispatcher: this.#dispatcher,
            headers: {
              authorization: `Bearer ${this.#token}`,
              'content-type': 'application/json',
              accept: 'application/json',
              'intercom-version': version,
              'user-agent': 'fin-slack',
            },
            body: payload,
          });
          const text = await res.body.text();
          const header = (name: string) => {
            const v = res.headers[name];
            return Array.isArray(v) ? v[0] : v;
          };
          const answer: IntercomAnswer = { status: res.statusCode, text, requestId: header('x-request-id') };
          if (!retryable(res.statusCode)) return { kind: 'done', value: answer };
          last = { status: answer.status };
          return { kind: 'retry', afterMs: serverRequestedDelay(header), last: () => answer };
        } catch (cause) {
          const failure = new IntercomUnreachableError(path, errorCode(cause), { cause });
          last = { error: failure.detail };
          return {
            kind: 'retry',
            last: () => {
              throw failure;
            },
          };
        }
      },
      {
        ...this.#retry,
        ...(this.#retry.budgetMs !== undefined ? { budgetMs: Math.max(0, this.#retry.budgetMs - elapsedSinceStart) } : {}),
        onRetry: ({ attempt, delayMs }) => {
          log.warn({ path, attempt, ...last, retryInMs: delayMs }, 'Intercom call failed; retrying');
          this.#metrics?.finRetries.inc({ operation });
        },
      },
    );
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }
}
