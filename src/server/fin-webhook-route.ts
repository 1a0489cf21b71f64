import type { FinEventAcceptance } from '../bridge/bridge.ts';
import type { Logger } from '../core/log.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { RouteHandler } from './http.ts';
import { PayloadTooLargeError, readRawBody, refuseOversized } from './raw-body.ts';
import { webhookAnswerer } from './webhook-answer.ts';
import { isValidFinSignature, isValidHubSignature } from './signatures.ts';

/** Fin's events are small JSON objects; anything this large is not one. */
export const WEBHOOK_BODY_LIMIT = 256 * 1024;

/**
 * `POST /fin/webhooks`: Fin's durable event channel. The signature is checked over the raw body before anything is
 * parsed; a verified event is recorded by the bridge before the 2xx goes out, and acted on afterwards, so an
 * acknowledged event survives a crash. Errors are answered so that Intercom stops retrying what can never succeed.
 */
export function finWebhookRoute(deps: {
  secret: string | undefined;
  /** The Intercom app's client secret: the settings page's test ping is signed with it (X-Hub-Signature). */
  clientSecret?: string | undefined;
  accept: (event: unknown) => FinEventAcceptance;
  logger: Logger;
  metrics: Metrics;
}): RouteHandler {
  const log = deps.logger.child({ component: 'fin-webhook' });
  const answer = webhookAnswerer(deps.metrics, 'fin');
  return async (req, res) => {
    if (deps.secret === undefined) {
      req.resume();
      log.warn('refused a Fin webhook: FIN_WEBHOOK_SECRET is not set');
      answer(res, 401, { error: 'webhooks_not_configured' });
      return;
    }
    let raw: Buffer;
    try {
      raw = await readRawBody(req, WEBHOOK_BODY_LIMIT);
    } catch (error) {
      if (error instanceof PayloadTooLargeError) {
        log.warn({ limit: error.limit }, 'refused an oversized Fin webhook');
        deps.metrics.webhookEvents.inc({ source: 'fin', outcome: 'payload_too_large' });
        refuseOversized(req, res);
        return;
      }
      throw error;
    }
    const header = (name: string) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const finSigned = isValidFinSignature(deps.secret, raw, header('x-fin-agent-api-webhook-signature'));
    const hubSigned =
      !finSigned && deps.clientSecret !== undefined && isValidHubSignature(deps.clientSecret, raw, header('x-hub-signature'));
    if (!finSigned && !hubSigned) {
      log.warn(
        { signed: header('x-fin-agent-api-webhook-signature') !== undefined, bytes: raw.length },
        'refused a Fin webhook with a missing or wrong signature',
      );
      answer(res, 401, { error: 'invalid_signature' });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      log.warn({ bytes: raw.length }, 'refused a signed Fin webhook that is not JSON');
      answer(res, 400, { error: 'invalid_json' });
      return;
    }
    // Only the settings page's test ping comes signed with the client secret; never an event.
    if (hubSigned && typeof body === 'object' && body !== null && 'event_name' in body) {
      log.warn('refused a Fin event signed with the app client secret instead of the webhook signing secret');
      answer(res, 401, { error: 'invalid_signature' });
      return;
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      answer(res, 400, { error: 'not_an_event' });
      return;
    }
    if (!('event_name' in body)) {
      // The settings page's "send test" ping: nothing to do, and it must see a success.
      log.info('Fin webhook test ping received');
      answer(res, 200, { ok: true, outcome: 'ping' });
      return;
    }
    const { outcome } = deps.accept(body);
    if (outcome === 'invalid') answer(res, 400, { error: 'invalid_event' });
    else answer(res, 200, { ok: true, outcome });
  };
}
