import type { RetryPolicy } from '../core/backoff.ts';
import type { Logger } from '../core/log.ts';
import type { Metrics } from '../ops/metrics.ts';
import { finError } from '../fin/client.ts';
import { IntercomHttp, IntercomUnreachableError } from '../fin/http.ts';
import type { JsonValue } from './values.ts';
import { AppError } from '../core/errors.ts';

export type CallbackOutcome =
  | { readonly kind: 'submitted' }
  /** 404: Intercom no longer waits for this step. */
  | { readonly kind: 'expired' }
  /** 409: the step was answered already (in Intercom, or by someone else). */
  | { readonly kind: 'answered_elsewhere'; readonly detail: string | undefined }
  /** 401/403: the token is wrong or lacks access; an admin must fix the configuration. */
  | { readonly kind: 'unauthorized'; readonly status: number; readonly detail: string | undefined }
  /** 400/422: Intercom refused the values themselves. */
  | { readonly kind: 'rejected'; readonly detail: string | undefined }
  /** Network failure or 5xx even after retries: nothing was answered, it can be tried again. */
  | { readonly kind: 'unreachable'; readonly detail: string };

const COLLECT_PATH = /^\/procedures\/[^/]+\/collect_agent_input$/;

/**
 * Sends an agent's values to a human-in-the-loop step's `callback_url`. The URL comes from a webhook, so it is used
 * only if it points at the configured Intercom API host and the documented endpoint: the app's token never goes
 * anywhere else. Retries (network, 429, 5xx) are safe, since Intercom answers 409 to a second submission.
 */
export class HitlCallbacks {
  readonly #origin: string;
  readonly #http: IntercomHttp;
  readonly #logger: Logger;

  constructor(options: { apiUrl: string; token: string; logger: Logger; retry?: RetryPolicy; metrics?: Metrics }) {
    this.#origin = new URL(options.apiUrl).origin;
    this.#logger = options.logger;
    this.#http = new IntercomHttp({
      token: options.token,
      logger: options.logger,
      metrics: options.metrics,
      ...(options.retry !== undefined ? { retry: options.retry } : {}),
    });
  }

  /** Whether `url` is a callback the app may call with its token. */
  allows(url: string): boolean {
    try {
      const parsed = new URL(url);
      return parsed.origin === this.#origin && COLLECT_PATH.test(parsed.pathname) && parsed.username === '' && parsed.password === '';
    } catch {
      return false;
    }
  }

  async submit(url: string, stepId: string, values: readonly { identifier: string; value: JsonValue }[]): Promise<CallbackOutcome> {
    if (!this.allows(url)) throw new AppError('invariant_broken', 'refusing to send to a callback URL outside the Intercom API host');
    let answer: Awaited<ReturnType<IntercomHttp['post']>>;
    try {
      answer = await this.#http.post(url, { step_id: stepId, attribute_values: values }, 'Preview', 'hitl_callback');
    } catch (error) {
      if (error instanceof IntercomUnreachableError) return { kind: 'unreachable', detail: error.detail };
      throw error;
    }
    if (answer.status >= 200 && answer.status < 300) return { kind: 'submitted' };
    const error = finError(new URL(url).pathname, answer);
    this.#logger.warn(
      { status: answer.status, requestId: error.requestId, finCode: error.finCode, finMessage: error.finMessage },
      'Intercom refused the human-in-the-loop values',
    );
    const detail = error.finMessage;
    if (answer.status === 404) return { kind: 'expired' };
    if (answer.status === 409) return { kind: 'answered_elsewhere', detail };
    if (answer.status === 401 || answer.status === 403) return { kind: 'unauthorized', status: answer.status, detail };
    if (answer.status >= 500 || answer.status === 429 || answer.status === 408) {
      return { kind: 'unreachable', detail: `HTTP ${answer.status}` };
    }
    return { kind: 'rejected', detail };
  }

  async close(): Promise<void> {
    await this.#http.close();
  }
}
