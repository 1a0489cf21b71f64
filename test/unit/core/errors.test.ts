import { ErrorCode } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import { AppError, errorCode, FinApiError } from '../../../src/core/errors.ts';
import { IntercomUnreachableError } from '../../../src/fin/http.ts';
import { PayloadTooLargeError } from '../../../src/server/raw-body.ts';

describe('errorCode', () => {
  it('reads one code from any error', () => {
    expect(errorCode(new AppError('slack_auth_failed', 'refused'))).toBe('slack_auth_failed');
    expect(errorCode(new FinApiError('unreachable', 'down'))).toBe('fin_unreachable');
    expect(errorCode(new IntercomUnreachableError('/fin/start', 'ECONNREFUSED'))).toBe('intercom_unreachable');
    expect(errorCode(new PayloadTooLargeError(1024))).toBe('payload_too_large');
    expect(errorCode(Object.assign(new Error('x'), { code: ErrorCode.PlatformError, data: { error: 'not_in_channel' } }))).toBe(
      'not_in_channel',
    );
    expect(errorCode(Object.assign(new Error('x'), { code: ErrorCode.RateLimitedError, retryAfter: 3 }))).toBe('ratelimited');
    expect(errorCode(Object.assign(new Error('x'), { code: 'SQLITE_BUSY' }))).toBe('SQLITE_BUSY');
    expect(errorCode(new TypeError('x'))).toBe('TypeError');
    expect(errorCode('a string')).toBe('unknown');
    expect(errorCode(null)).toBe('unknown');
  });
});
