/**
 * What became of one interim write (an edit or an append) of a streaming message: it landed, Slack asked to wait
 * (`retryAfterMs`), the message is gone (deleted, or past editing), or it failed for another reason (`code`).
 */
export type InterimResult =
  | { readonly kind: 'ok' }
  | { readonly kind: 'rate_limited'; readonly retryAfterMs: number }
  | { readonly kind: 'gone' }
  | { readonly kind: 'failed'; readonly code: string };
