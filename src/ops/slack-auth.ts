/**
 * Slack errors that mean the bot token no longer works: revoked, the app uninstalled, the workspace or account
 * deactivated. Nothing the app does will succeed until an admin acts, so they are a health problem, not a glitch.
 */
export const DEAD_TOKEN_ERRORS: ReadonlySet<string> = new Set([
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'token_expired',
  'account_inactive',
  'team_disabled',
]);

/** One refusal can be a blip on Slack's side; this many in a row, with no success between, cannot. */
const CONSECUTIVE_TO_FAIL = 3;

/**
 * Whether Slack still accepts the bot token, judged from the answers to the app's own Web API calls (the app also
 * asks `auth.test` now and then, so a dead token shows even when nothing happens): repeated refusals for a dead token
 * make the app unhealthy, and any successful call makes it healthy again.
 */
export class SlackAuthHealth {
  #consecutive = 0;
  #lastError: string | undefined;

  /**
   * One Web API answer: `ok`, or the Slack error code it carried. `auth.test` is a question about the token itself,
   * so its answer settles the matter at once.
   */
  record(answer: { ok: true } | { ok: false; error: string }, method?: string): void {
    if (answer.ok) {
      this.#consecutive = 0;
      this.#lastError = undefined;
    } else if (DEAD_TOKEN_ERRORS.has(answer.error)) {
      this.#consecutive = method === 'auth.test' ? CONSECUTIVE_TO_FAIL : this.#consecutive + 1;
      this.#lastError = answer.error;
    }
  }

  /** The dead-token error Slack keeps answering, or undefined while the token works (as far as is known). */
  get problem(): string | undefined {
    return this.#consecutive >= CONSECUTIVE_TO_FAIL ? this.#lastError : undefined;
  }
}
