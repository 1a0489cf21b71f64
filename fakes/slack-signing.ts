import { createHmac } from 'node:crypto';

/** Slack's request signature: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}` keyed with the signing secret. */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface DeliveryOptions {
  /** Seconds since the epoch to sign with; now by default. */
  readonly timestamp?: number;
  /** Sets `X-Slack-Retry-Num` (and a reason), as Slack does when it redelivers. */
  readonly retryNum?: number;
  /** Sign with this secret instead (to forge a request). */
  readonly secret?: string;
  /** A form body (interactivity, slash commands) instead of JSON. */
  readonly form?: boolean;
}

/** POSTs a payload to the app exactly as Slack would: signed, timestamped, JSON or form encoded. */
export async function deliverToApp(url: string, secret: string, payload: unknown, options: DeliveryOptions = {}): Promise<Response> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const body = options.form ? new URLSearchParams(payload as Record<string, string>).toString() : JSON.stringify(payload);
  const headers: Record<string, string> = {
    'content-type': options.form ? 'application/x-www-form-urlencoded' : 'application/json',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': slackSignature(options.secret ?? secret, timestamp, body),
  };
  if (options.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(options.retryNum);
    headers['x-slack-retry-reason'] = 'http_timeout';
  }
  return fetch(url, { method: 'POST', headers, body });
}
