import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Fin's `X-Fin-Agent-API-Webhook-Signature`: hex HMAC-SHA256 of the raw body, keyed with the signing secret from
 * the Fin Agent API settings, with an optional `sha256=` prefix. Intercom does not say whether the key is the
 * secret's text or its hex-decoded bytes, so both are tried (as production bridges do). Constant time throughout.
 */
export function isValidFinSignature(secret: string, rawBody: Buffer, header: string | undefined): boolean {
  const given = parseHexSignature(header, 'sha256', 64);
  if (given === undefined) return false;
  const keys = [Buffer.from(secret, 'utf8')];
  if (/^(?:[0-9a-f]{2})+$/i.test(secret)) keys.push(Buffer.from(secret, 'hex'));
  return keys.some((key) => timingSafeEqual(createHmac('sha256', key).update(rawBody).digest(), given));
}

/**
 * Intercom app webhooks' `X-Hub-Signature`: `sha1=` + hex HMAC-SHA1 of the raw body, keyed with the app's client
 * secret. Constant time.
 */
export function isValidHubSignature(secret: string, rawBody: Buffer, header: string | undefined): boolean {
  const given = parseHexSignature(header, 'sha1', 40);
  if (given === undefined) return false;
  return timingSafeEqual(createHmac('sha1', secret).update(rawBody).digest(), given);
}

/** `prefix=<hex>` or `<hex>` of the expected length, as bytes; undefined when it is neither. */
function parseHexSignature(header: string | undefined, prefix: string, hexLength: number): Buffer | undefined {
  if (header === undefined) return undefined;
  const value = header
    .trim()
    .replace(new RegExp(`^${prefix}=`, 'i'), '')
    .toLowerCase();
  if (value.length !== hexLength || !/^[0-9a-f]+$/.test(value)) return undefined;
  return Buffer.from(value, 'hex');
}
