import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../core/log.ts';
import type { Metrics } from '../ops/metrics.ts';
import { PayloadTooLargeError, readRawBody, refuseOversized } from './raw-body.ts';
import type { WebhookAnswerBody } from './webhook-answer.ts';

/** Webhook bodies are small JSON objects; anything this large is not one. */
export const WEBHOOK_BODY_LIMIT = 256 * 1024;

export interface SignedWebhookOptions<S extends string> {
  readonly source: 'fin' | 'intercom';
  /** How the log names the sender ("Fin webhook"). */
  readonly what: string;
  /** The variable whose secret signs these webhooks; undefined secret means the route is not configured. */
  readonly secretVariable: string;
  readonly configured: boolean;
  /** Which of the sender's signatures matches the raw body, or undefined when none does. */
  readonly verify: (raw: Buffer, header: (name: string) => string | undefined) => S | undefined;
  /** The header the log says was present or not when the signature is refused. */
  readonly signatureHeader: string;
  /** The error answered for JSON that is not an object. */
  readonly notAnObject: string;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly answer: (res: ServerResponse, status: number, body: WebhookAnswerBody) => void;
}

/**
 * The front every webhook route shares: refused when its secret is not configured, the raw body read within the
 * limit, the signature checked over the raw bytes before anything is parsed, then a JSON object parsed. Each refusal
 * is answered (and counted) here; the route gets the object and which signature matched, or undefined when the request
 * has been answered.
 */
export async function readSignedWebhook<S extends string>(
  req: IncomingMessage,
  res: ServerResponse,
  o: SignedWebhookOptions<S>,
): Promise<{ readonly body: Record<string, unknown>; readonly signedBy: S } | undefined> {
  if (!o.configured) {
    req.resume();
    o.log.warn(`refused a ${o.what}: ${o.secretVariable} is not set`);
    o.answer(res, 401, { error: 'webhooks_not_configured' });
    return undefined;
  }
  let raw: Buffer;
  try {
    raw = await readRawBody(req, WEBHOOK_BODY_LIMIT);
  } catch (error) {
    if (!(error instanceof PayloadTooLargeError)) throw error;
    o.log.warn({ limit: error.limit }, `refused an oversized ${o.what}`);
    o.metrics.webhookEvents.inc({ source: o.source, outcome: 'payload_too_large' });
    refuseOversized(req, res);
    return undefined;
  }
  const header = (name: string) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const signedBy = o.verify(raw, header);
  if (signedBy === undefined) {
    o.log.warn(
      { signed: header(o.signatureHeader) !== undefined, bytes: raw.length },
      `refused a ${o.what} with a missing or wrong signature`,
    );
    o.answer(res, 401, { error: 'invalid_signature' });
    return undefined;
  }
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    o.log.warn({ bytes: raw.length }, `refused a signed ${o.what} that is not JSON`);
    o.answer(res, 400, { error: 'invalid_json' });
    return undefined;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    o.answer(res, 400, { error: o.notAnObject });
    return undefined;
  }
  return { body: body as Record<string, unknown>, signedBy };
}
