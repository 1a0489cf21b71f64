import type { IntercomEventOutcome } from '../hitl/hitl.ts';
import type { Logger } from '../core/log.ts';
import { type RouteHandler, sendJson } from './http.ts';
import { PayloadTooLargeError, readRawBody, refuseOversized } from './raw-body.ts';
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
}): RouteHandler {
  const log = deps.logger.child({ component: 'intercom-webhook' });
  return async (req, res) => {
    if (deps.clientSecret === undefined) {
      req.resume();
      log.warn('refused an Intercom webhook: INTERCOM_CLIENT_SECRET is not set');
      sendJson(res, 401, { error: 'webhooks_not_configured' });
      return;
    }
    let raw: Buffer;
    try {
      raw = await readRawBody(req, WEBHOOK_BODY_LIMIT);
    } catch (error) {
      if (error instanceof PayloadTooLargeError) {
        refuseOversized(req, res);
        return;
      }
      throw error;
    }
    const signature = req.headers['x-hub-signature'];
    if (!isValidHubSignature(deps.clientSecret, raw, Array.isArray(signature) ? signature[0] : signature)) {
      log.warn({ signed: signature !== undefined, bytes: raw.length }, 'refused an Intercom webhook with a missing or wrong signature');
      sendJson(res, 401, { error: 'invalid_signature' });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      sendJson(res, 400, { error: 'invalid_json' });
      return;
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      sendJson(res, 400, { error: 'not_a_notification' });
      return;
    }
    const { outcome } = deps.accept(body);
    sendJson(res, outcome === 'invalid' ? 400 : 200, outcome === 'invalid' ? { error: 'invalid_notification' } : { ok: true, outcome });
  };
}
