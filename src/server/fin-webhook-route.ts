import type { FinEventAcceptance } from '../bridge/bridge.ts';
import type { Logger } from '../core/log.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { RouteHandler } from './http.ts';
import { isValidFinSignature, isValidHubSignature } from './signatures.ts';
import { readSignedWebhook } from './signed-webhook.ts';
import { webhookAnswerer } from './webhook-answer.ts';

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
    const secret = deps.secret;
    const clientSecret = deps.clientSecret;
    const read = await readSignedWebhook(req, res, {
      source: 'fin',
      what: 'Fin webhook',
      secretVariable: 'FIN_WEBHOOK_SECRET',
      configured: secret !== undefined,
      verify: (raw, header) => {
        if (secret !== undefined && isValidFinSignature(secret, raw, header('x-fin-agent-api-webhook-signature'))) return 'fin';
        if (clientSecret !== undefined && isValidHubSignature(clientSecret, raw, header('x-hub-signature'))) return 'client';
        return undefined;
      },
      signatureHeader: 'x-fin-agent-api-webhook-signature',
      notAnObject: 'not_an_event',
      log,
      metrics: deps.metrics,
      answer,
    });
    if (read === undefined) return;
    const { body, signedBy } = read;
    // Only the settings page's test ping comes signed with the client secret; never an event.
    if (signedBy === 'client' && 'event_name' in body) {
      log.warn('refused a Fin event signed with the app client secret instead of the webhook signing secret');
      answer(res, 401, { error: 'invalid_signature' });
      return;
    }
    if (!('event_name' in body)) {
      // The settings page's "send test" ping: nothing to do, and it must see a success.
      log.info('Fin webhook test ping received');
      answer(res, 200, { ok: true, outcome: 'ping' });
      return;
    }
    const { kind: outcome } = deps.accept(body);
    if (outcome === 'invalid') answer(res, 400, { error: 'invalid_event' });
    else answer(res, 200, { ok: true, outcome });
  };
}
