import type { IntercomEventOutcome } from '../hitl/hitl.ts';
import type { Logger } from '../core/log.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { RouteHandler } from './http.ts';
import { PayloadTooLargeError, readRawBody, refuseOversized } from './raw-body.ts';
import { webhookAnswerer } from './webhook-answer.ts';
import { isValidHubSignature } from './signatures.ts';
import { WEBHOOK_BODY_LIMIT } from './fin-webhook-route.ts';

/**
 * `POST /intercom/webhooks`: Intercom app (Developer Hub) webhooks, for human-in-the-loop steps of Fin Procedures.
 * `X-Hub-Signature` is checked over the raw body before anything is parsed; a verified notification is recorded
 * before the 2xx goes out and acted on afterwards.
 */
export function intercomWebhookRoute(deps: {
  clientSecret: string | undefined;
  accept: (body: unknown) => { outcome: IntercomEventOutcome };
  logger: Logger;
  metrics: Metrics;
}): RouteHandler {
  const log = deps.logger.child({ component: 'intercom-webhook' });
  const answer = webhookAnswerer(deps.metrics, 'intercom');
  return async (req, res) => {
    if (deps.clientSecret === undefined) {
      req.resume();
      log.warn('refused an Intercom webhook: INTERCOM_CLIENT_SECRET is not set');
      answer(res, 401, { error: 'webhooks_not_configured' });
      return;
    }
    let raw: Buffer;
    try {
      raw = await readRawBody(req, WEBHOOK_BODY_LIMIT);
    } catch (error) {
      if (error instanceof PayloadTooLargeError) {
        deps.metrics.webhookEvents.inc({ source: 'intercom', outcome: 'payload_too_large' });
        refuseOversized(req, res);
        return;
      }
      throw error;
    }
    const signature = req.headers['x-hub-signature'];
    if (!isValidHubSignature(deps.clientSecret, raw, Array.isArray(signature) ? signature[0] : signature)) {
      log.warn({ signed: signature !== undefined, bytes: raw.length }, 'refused an Intercom webhook with a missing or wrong signature');
      answer(res, 401, { error: 'invalid_signature' });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      answer(res, 400, { error: 'invalid_json' });
      return;
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      answer(res, 400, { error: 'not_a_notification' });
      return;
    }
    const { outcome } = deps.accept(body);
    if (outcome === 'invalid') answer(res, 400, { error: 'invalid_notification' });
    else answer(res, 200, { ok: true, outcome });
  };
}
