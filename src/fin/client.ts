import { Agent, type Dispatcher, request } from 'undici';
import { backoffDelay, DEFAULT_RETRY, type RetryPolicy, serverRequestedDelay, sleep } from '../core/backoff.ts';
import { FinApiError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { finErrorBodySchema, type FinTurnRequest, type FinTurnResponse, finTurnResponseSchema } from './schemas.ts';

export interface FinClientOptions {
  readonly baseUrl: string;
  readonly token: string;
  readonly apiVersion: string;
  readonly logger: Logger;
  readonly retry?: RetryPolicy;
  readonly connectTimeoutMs?: number;
  readonly responseTimeoutMs?: number;
}

/** Statuses worth another attempt: the request may succeed later, and Fin deduplicates on message.timestamp. */
const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Fin's answer to /fin/start (or a procedure run) for a conversation it already has: an earlier attempt, or an
 * earlier process, got through even though its response was lost. The message then belongs in /fin/reply.
 */
export function isSessionExists(error: unknown): boolean {
  return error instanceof FinApiError && error.status === 400 && /session already exists/i.test(error.finMessage ?? '');
}

/** Calls the Fin Agent API. One instance per process: it owns the connection pool. */
export class FinClient {
  readonly #options: FinClientOptions;
  readonly #retry: RetryPolicy;
  readonly #dispatcher: Dispatcher;

  constructor(options: FinClientOptions) {
    this.#options = options;
    this.#retry = options.retry ?? DEFAULT_RETRY;
    // /fin/start and /fin/reply answer at once (Fin works afterwards): a slow answer means trouble.
    const responseTimeout = options.responseTimeoutMs ?? 8_000;
    this.#dispatcher = new Agent({
      connect: { timeout: options.connectTimeoutMs ?? 5_000 },
      headersTimeout: responseTimeout,
      bodyTimeout: responseTimeout,
      keepAliveTimeout: 10_000,
    });
  }

  start(body: FinTurnRequest): Promise<FinTurnResponse> {
    return this.#call('/fin/start', body, this.#options.apiVersion);
  }

  reply(body: FinTurnRequest): Promise<FinTurnResponse> {
    const { conversation_metadata: _history, ...reply } = body;
    return this.#call('/fin/reply', reply, this.#options.apiVersion);
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }

  async #call(path: string, body: object, version: string): Promise<FinTurnResponse> {
    const payload = JSON.stringify(body);
    const started = performance.now();
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.#attempt(path, payload, version, attempt);
      if (outcome.kind === 'done') return outcome.response;
      if (outcome.kind === 'fail') throw outcome.error;
      const { error, wait } = outcome;
      const delay = Math.max(wait ?? 0, backoffDelay(attempt - 1, this.#retry));
      const giveUp =
        attempt >= this.#retry.attempts ||
        (wait !== undefined && wait > this.#retry.maxRetryAfterMs) ||
        performance.now() - started + delay > (this.#retry.budgetMs ?? Number.POSITIVE_INFINITY);
      if (giveUp) throw error;
      this.#options.logger.warn(
        { path, attempt, status: error.status, failure: error.failure, requestId: error.requestId, retryInMs: delay },
        'fin call failed; retrying',
      );
      await sleep(delay);
    }
  }

  async #attempt(path: string, payload: string, version: string, attempt: number): Promise<Outcome> {
    const started = performance.now();
    let statusCode: number;
    let text: string;
    let header: (name: string) => string | undefined;
    try {
      const res = await request(`${this.#options.baseUrl}${path}`, {
        method: 'POST',
        dispatcher: this.#dispatcher,
        headers: {
          authorization: `Bearer ${this.#options.token}`,
          'content-type': 'application/json',
          accept: 'application/json',
          'intercom-version': version,
          'user-agent': 'fin-slack',
        },
        body: payload,
      });
      statusCode = res.statusCode;
      text = await res.body.text();
      header = (name) => {
        const v = res.headers[name];
        return Array.isArray(v) ? v[0] : v;
      };
    } catch (cause) {
      return { kind: 'retry', error: networkError(path, cause), wait: undefined };
    }
    const ms = Math.round(performance.now() - started);
    if (statusCode >= 200 && statusCode < 300) {
      const parsed = finTurnResponseSchema.safeParse(parseJson(text));
      if (!parsed.success) {
        // Fin took the message (2xx); only its receipt is unreadable. Failing here would make the user resend it.
        this.#options.logger.warn(
          { path, status: statusCode, requestId: header('x-request-id'), issues: parsed.error.issues.map((i) => i.path.join('.')) },
          'Fin accepted the call but its response could not be read',
        );
        return { kind: 'done', response: {} };
      }
      this.#options.logger.debug({ path, status: statusCode, ms, attempt }, 'fin call ok');
      return { kind: 'done', response: parsed.data };
    }
    const error = httpError(path, statusCode, text, header('x-request-id'));
    if (!RETRYABLE_STATUS.has(statusCode)) return { kind: 'fail', error };
    return { kind: 'retry', error, wait: serverRequestedDelay(header) };
  }
}

type Outcome =
  | { readonly kind: 'done'; readonly response: FinTurnResponse }
  | { readonly kind: 'retry'; readonly error: FinApiError; readonly wait: number | undefined }
  | { readonly kind: 'fail'; readonly error: FinApiError };

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function httpError(path: string, status: number, text: string, headerRequestId: string | undefined): FinApiError {
  const body = finErrorBodySchema.safeParse(parseJson(text));
  const first = body.success ? body.data.errors?.[0] : undefined;
  const requestId = (body.success ? body.data.request_id : undefined) ?? headerRequestId;
  const failure =
    status === 401 || status === 403
      ? 'unauthorized'
      : status === 429
        ? 'rate_limited'
        : status >= 500 || status === 408
          ? 'server_error'
          : 'rejected';
  const finMessage = first?.message ?? undefined;
  return new FinApiError(failure, `Fin answered ${path} with HTTP ${status}${finMessage ? `: ${finMessage}` : ''}`, {
    status,
    requestId: requestId ?? undefined,
    finCode: first?.code ?? undefined,
    finMessage,
  });
}

function networkError(path: string, cause: unknown): FinApiError {
  const code = (cause as { code?: unknown } | null)?.code;
  const detail = typeof code === 'string' ? code : cause instanceof Error ? cause.name : 'unknown error';
  return new FinApiError('unreachable', `Fin could not be reached for ${path} (${detail})`, { cause });
}
