import type { KnownBlock } from '@slack/types';
import { type RetryPolicy, serverRequestedDelay, withRetries } from '../core/backoff.ts';
import { AppError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { isSlackUrl } from './slack-hosts.ts';

/**
 * What goes to a `response_url`: by default a new message only the person sees; `replace_original` replaces the
 * message the interaction came from (a slash command's own private reply, or the message whose button was pressed),
 * `delete_original` removes it. `markdown_text` is not accepted here, so text is mrkdwn in `text` and blocks.
 */
export interface PrivateReply {
  readonly text: string;
  readonly blocks?: readonly KnownBlock[];
  readonly replace_original?: boolean;
  readonly delete_original?: boolean;
}

/**
 * `sent`; or `gone`: Slack will take nothing more at this URL (it lives 30 minutes and takes 5 messages; Slack answers
 * 404 `expired_url` or `used_url`), so what was to be said there cannot be.
 */
export type ResponseOutcome = { readonly kind: 'sent' } | { readonly kind: 'gone'; readonly error: string };

/** A person is waiting for the message: a few quick tries, no long waits. */
const RESPONSE_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 4_000, maxRetryAfterMs: 10_000, budgetMs: 15_000 };

/**
 * Sends messages to the `response_url`s Slack hands out with slash commands and button presses: the one way to answer
 * a person privately where the app may not be a member (a channel it was never invited to). The URL is a capability
 * (anyone holding it can post to that person): it is never logged, and only Slack's hosts (or the configured Web API's
 * origin, for a test or regional deployment) are sent anything.
 */
export class ResponseUrls {
  readonly #apiOrigin: string;
  readonly #logger: Logger;
  readonly #retry: RetryPolicy;
  readonly #timeoutMs: number;

  constructor(options: { apiUrl: string; logger: Logger; retry?: RetryPolicy; timeoutMs?: number }) {
    this.#apiOrigin = new URL(options.apiUrl).origin;
    this.#logger = options.logger;
    this.#retry = options.retry ?? RESPONSE_RETRY;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Whether `url` is Slack's to answer at. */
  trusts(url: string): boolean {
    return isSlackUrl(url, this.#apiOrigin);
  }

  /**
   * Sends `reply`, trying again on 5xx, 429 and network failures. A URL Slack no longer takes is a result (`gone`);
   * one the app does not trust, a refusal of the message itself, or failures past the retries throw
   * `slack_response_url_failed`.
   */
  async send(url: string, reply: PrivateReply): Promise<ResponseOutcome> {
    if (!this.trusts(url)) throw new AppError('slack_response_url_failed', 'a response_url that is not Slack’s was refused');
    const body = JSON.stringify({ response_type: 'ephemeral', ...reply });
    return withRetries<ResponseOutcome>(async (attempt) => {
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body,
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
      } catch (error) {
        const failure = new AppError('slack_response_url_failed', 'Slack could not be reached at a response_url', { cause: error });
        return {
          kind: 'retry',
          last: () => {
            throw failure;
          },
        };
      }
      const text = await response.text().catch(() => '');
      const error = errorOf(text);
      if (response.ok && error === undefined) return { kind: 'done', value: { kind: 'sent' } };
      if (response.status === 404 || response.status === 410 || error === 'expired_url' || error === 'used_url') {
        return { kind: 'done', value: { kind: 'gone', error: error ?? `http_${response.status}` } };
      }
      const failure = new AppError(
        'slack_response_url_failed',
        `Slack answered a response_url with HTTP ${response.status}${error !== undefined ? ` (${error})` : ''}`,
      );
      if (response.status === 429 || response.status >= 500) {
        const afterMs = serverRequestedDelay((name) => response.headers.get(name) ?? undefined);
        this.#logger.info({ status: response.status, attempt }, 'a response_url answered with a failure; trying again');
        return {
          kind: 'retry',
          afterMs,
          last: () => {
            throw failure;
          },
        };
      }
      throw failure;
    }, this.#retry);
  }
}

/** Slack answers a response_url with `ok` in plain text, or JSON with `ok` and `error`. */
function errorOf(text: string): string | undefined {
  if (!text.trimStart().startsWith('{')) return undefined;
  try {
    const body = JSON.parse(text) as { ok?: unknown; error?: unknown } | null;
    if (body?.ok === false) return typeof body.error === 'string' && /^[a-z0-9_]{1,64}$/.test(body.error) ? body.error : 'unknown';
    return undefined;
  } catch {
    return undefined;
  }
}
