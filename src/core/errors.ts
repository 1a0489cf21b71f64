import { ErrorCode as SlackErrorCode } from '@slack/web-api';

/**
 * The codes of the errors the app raises on purpose: a closed list, so a caller can branch on every one of them and
 * the type checker knows when a new one appears.
 */
export type AppErrorCode =
  | 'config_invalid'
  | 'slack_auth_failed'
  | 'store_migrations_invalid'
  | 'store_from_future'
  | 'intercom_unreachable'
  | 'payload_too_large'
  | 'slack_bad_response' // Slack answered ok without a field it documents (a message's ts, a DM's channel)
  | 'slack_response_url_failed' // a response_url kept failing (5xx, 429, unreachable) or refused what was sent
  | 'invariant_broken' // the app's own bookkeeping contradicts itself: a bug, never the user's doing
  | `fin_${FinFailure}`;

/** Every error the app raises on purpose carries a stable `code`, so callers branch on codes, never on messages. */
export class AppError extends Error {
  readonly code: AppErrorCode;

  constructor(code: AppErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export interface ConfigProblem {
  readonly variable: string;
  readonly message: string;
}

export class ConfigError extends AppError {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    const lines = problems.map((p) => `  - ${p.variable} ${p.message}`);
    super(
      'config_invalid',
      [
        'fin-slack cannot start: the configuration is invalid.',
        ...lines,
        'Set these environment variables (or put them in a .env file); README.md and .env.example describe each one.',
        'To try fin-slack without a Slack workspace or an Intercom account, run `npm run sandbox`.',
      ].join('\n'),
    );
    this.problems = problems;
  }
}

/** Why a call to Fin failed, in the terms the rest of the app acts on. */
export type FinFailure =
  | 'unreachable' // connection refused, DNS, reset, timeout
  | 'unauthorized' // 401/403: the API key is wrong or lacks access
  | 'rejected' // 400/422: Fin refused this request
  | 'not_found' // 404: Fin does not know the conversation (or the procedure)
  | 'rate_limited' // 429 after retries
  | 'server_error'; // 5xx after retries

export class FinApiError extends AppError {
  readonly failure: FinFailure;
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  /** Fin's own error code and message (never secrets: they come from Fin's error body). */
  readonly finCode: string | undefined;
  readonly finMessage: string | undefined;

  constructor(
    failure: FinFailure,
    message: string,
    details: {
      status?: number | undefined;
      requestId?: string | undefined;
      finCode?: string | undefined;
      finMessage?: string | undefined;
      cause?: unknown;
    } = {},
  ) {
    super(`fin_${failure}`, message, { cause: details.cause });
    this.failure = failure;
    this.status = details.status;
    this.requestId = details.requestId;
    this.finCode = details.finCode;
    this.finMessage = details.finMessage;
  }
}

/**
 * The code of any error, for logs and decisions: an app error's own code; for a Slack Web API failure, Slack's error
 * (`not_in_channel`, `msg_too_long`, or `ratelimited`); a system error's (`ECONNRESET`, `SQLITE_BUSY`); otherwise the
 * error's name, or `unknown`.
 */
export function errorCode(error: unknown): string {
  if (error instanceof AppError) return error.code;
  const e = error as { code?: unknown; data?: { error?: unknown } } | null;
  if (e?.code === SlackErrorCode.PlatformError && typeof e.data?.error === 'string') return e.data.error;
  if (e?.code === SlackErrorCode.RateLimitedError) return 'ratelimited';
  if (typeof e?.code === 'string') return e.code;
  return error instanceof Error ? error.name : 'unknown';
}
