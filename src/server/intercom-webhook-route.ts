import type { IntercomEventOutcome } from '../hitl/hitl.ts';
import type { Logger } from '../core/log.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { RouteHandler } from './http.ts';
import { isValidHubSignature } from './signatures.ts';
import { readSignedWebhook } from './signed-webhook.ts';
import { webhookAnswerer } from './webhook-answer.ts';

/**
 * `POST /intercom/webhooks`: Intercom app (Developer Hub) webhooks, for human-in-the-loop steps of Fin Procedures.
 * `X-Hub-Signature` is checked over the raw body before anything is parsed; a verified notification is recorded
 * before the 2xx goes out and acted on afterwards.
 */
export function intercomWebhookRoute(deps: {
  clientSecret: string | undefined;
  accept: (body: unknown) => { kind: IntercomEventOutcome };
  logger: Logger;
  metrics: Metrics;
}): RouteHandler {
  const log = deps.logger.child({ component: 'intercom-webhook' });
  const answer = webhookAnswerer(deps.metrics, 'intercom');
  return async (req, res) => {
    const secret = deps.clientSecret;
    const read = await readSignedWebhook(req, res, {
      source: 'intercom',
      what: 'Intercom webhook',
      secretVariable: 'INTERCOM_CLIENT_SECRET',
      configured: secret !== undefined,
      verify: (raw, header) => (secret !== undefined && isValidHubSignature(secret, raw, header('x-hub-signature')) ? 'hub' : undefined),
      signatureHeader: 'x-hub-signature',
      notAnObject: 'not_a_notification',
      log,
      metrics: deps.metrics,
      answer,
    });
    if (read === undefined) return;
    const { body } = read;
    const { kind: outcome } = deps.accept(body);
    if (outcome === 'invalid') answer(res, 400, { error: 'invalid_notification' });
    else answer(res, 200, { ok: true, outcome });
  };
}
