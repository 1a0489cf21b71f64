import type { ServerResponse } from 'node:http';
import type { Metrics } from '../ops/metrics.ts';
import { sendJson } from './http.ts';

export type WebhookAnswerBody = { readonly error: string } | { readonly ok: true; readonly outcome: string };

/**
 * Answers a webhook delivery and counts it by outcome (the error code or the accepted outcome), so every answer a
 * sender gets shows on `/metrics`.
 */
export function webhookAnswerer(metrics: Metrics, source: 'fin' | 'intercom') {
  return (res: ServerResponse, status: number, body: WebhookAnswerBody): void => {
    metrics.webhookEvents.inc({ source, outcome: 'error' in body ? body.error : body.outcome });
    sendJson(res, status, body);
  };
}
