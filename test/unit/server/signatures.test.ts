import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isValidFinSignature } from '../../../src/server/signatures.ts';

const body = Buffer.from('{"event_name":"fin_replied"}');
const sign = (key: string | Buffer) => createHmac('sha256', key).update(body).digest('hex');

describe('isValidFinSignature', () => {
  it('accepts the hex HMAC-SHA256 of the raw body, with or without sha256=, in any case', () => {
    const hex = sign('secret-text');
    for (const header of [hex, `sha256=${hex}`, `SHA256=${hex.toUpperCase()}`, `  ${hex}  `]) {
      expect(isValidFinSignature('secret-text', body, header)).toBe(true);
    }
  });

  it('also accepts a secret given as hex and used as bytes', () => {
    const secret = 'a1b2c3d4e5f60718';
    expect(isValidFinSignature(secret, body, sign(Buffer.from(secret, 'hex')))).toBe(true);
    expect(isValidFinSignature(secret, body, sign(secret))).toBe(true);
  });

  it('refuses a missing, malformed, truncated or wrong signature, and any change to the body', () => {
    const hex = sign('secret-text');
    for (const header of [undefined, '', 'sha256=', `sha1=${hex}`, hex.slice(0, 40), `${hex}00`, 'z'.repeat(64), sign('other')]) {
      expect(isValidFinSignature('secret-text', body, header)).toBe(false);
    }
    expect(isValidFinSignature('secret-text', Buffer.from(`${body.toString()} `), hex)).toBe(false);
  });
});
