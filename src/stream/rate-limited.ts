import { ErrorCode } from '@slack/web-api';

/**
 * Seconds Slack asked the app to wait, when a Web API call was refused for rate limiting (HTTP 429 with
 * `Retry-After`, as the Web API client reports it); undefined for any other failure.
 */
export function rateLimitedRetryAfter(error: unknown): number | undefined {
  const e = error as { code?: unknown; retryAfter?: unknown } | null;
  return e?.code === ErrorCode.RateLimitedError && typeof e.retryAfter === 'number' ? e.retryAfter : undefined;
}
