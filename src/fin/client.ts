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

export interface FinCallResult {
  readonly response: FinTurnResponse;
  /**
   * True when a retried /fin/start was answered "session already exists": an earlier attempt reached Fin but its
   * response was lost. Fin has the message; its events arrive by webhook rather than by a stream URL.
   */
  readonly alreadyStarted: boolean;
}

/** Statuses worth another attempt: the request may succeed later, and Fin deduplicates on message.timestamp. */
const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const SESSION_EXISTS = /session already exists/i;

/** Calls the Fin Agent API. One instance per process: it owns the connection pool. */
export class FinClient {
  readonly #options: FinClientOptions;
  readonly #retry: RetryPolicy;
  readonly #dispatcher: Dispatcher;

  constructor(options: FinClientOptions) {
    this.#options = options;
    this.#retry = options.retry ?? DEFAULT_RETRY;
    const responseTimeout = options.responseTimeoutMs ?? 30_000;
    this.#dispatcher = new Agent({
      connect: { timeout: options.connectTimeoutMs ?? 5_000 },
      headersTimeout: responseTimeout,
      bodyTimeout: responseTimeout,
      keepAliveTimeout: 10_000,
    });
  }

  start(body: FinTurnRequest): Promise<FinCallResult> {
    return this.#call('/fin/start', body, this.#options.apiVersion);
  }

  reply(body: FinTurnRequest): Promise<FinCallResult> {
    const { conversation_metadata: _history, ...reply } = body;
    return this.#call('/fin/reply', reply, this.#options.apiVersion);
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }

  async #call(path: string, body: object, version: string): Promise<FinCallResult> {
    const payload = JSON.stringify(body);
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.#attempt(path, payload, version, attempt);
      if (outcome.kind === 'done') return outcome.result;
      const { error } = outcome;
      const giveUp =
        outcome.kind === 'fail' ||
        attempt >= this.#retry.attempts ||
        (outcome.wait !== undefined && outcome.wait > this.#retry.maxRetryAfterMs);
      if (giveUp) throw error;
      const delay = Math.max(outcome.wait ?? 0, backoffDelay(attempt - 1, this.#retry));
      this.#options.logger.warn(
        { path, attempt, status: error.status, failure: error.failure, requestId: error.requestId, retryInMs: delay },
        'fin call failed; retrying',
      );
      await sleep(delay);
    }
  }

  async #attempt(path: string, payload: string, version: string, attempt: number): Promise<AttemptOutcome> {
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
        const error = new FinApiError('invalid_response', `Fin answered ${path} with a body we cannot read`, {
          status: statusCode,
          requestId: header('x-request-id'),
        });
        return { kind: 'fail', error };
      }
      this.#options.logger.debug({ path, status: statusCode, ms, attempt }, 'fin call ok');
      return { kind: 'done', result: { response: parsed.data, alreadyStarted: false } };
    }
    const error = httpError(path, statusCode, text, header('x-request-id'));
    if (attempt > 1 && path === '/fin/start' && statusCode === 400 && SESSION_EXISTS.test(error.finMessage ?? '')) {
      this.#options.logger.warn({ path, attempt }, 'a retried fin/start found the session already started');
      return { kind: 'done', result: { response: {}, alreadyStarted: true } };
    }
    if (!RETRYABLE_STATUS.has(statusCode)) return { kind: 'fail', error };
    return { kind: 'retry', error, wait: serverRequestedDelay(header) };
  }
}

type AttemptOutcome =
  | { readonly kind: 'done'; readonly result: FinCallResult }
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
