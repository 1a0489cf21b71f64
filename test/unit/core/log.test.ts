import { describe, expect, it } from 'vitest';
import { createLogger, redactUrlTokens } from '../../../src/core/log.ts';

describe('logging', () => {
  it('scrubs configured secrets from every line, wherever they appear', () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      secrets: ['xoxb-very-secret', undefined, 'fin-token-123'],
      destination: { write: (l) => void lines.push(l) },
    });
    logger.info({ header: 'Bearer fin-token-123', nested: { t: 'xoxb-very-secret' } }, 'call with xoxb-very-secret');
    logger.error({ err: new Error('token fin-token-123 refused') }, 'failed');
    const out = lines.join('');
    expect(out).not.toContain('xoxb-very-secret');
    expect(out).not.toContain('fin-token-123');
    expect(out).toContain('[redacted]');
  });

  it('hides tokens carried in URLs', () => {
    expect(redactUrlTokens('https://rt.example/event-stream?channels=a&accessToken=eyJabc.def&rewind=2m')).toBe(
      'https://rt.example/event-stream?channels=a&accessToken=[redacted]&rewind=2m',
    );
  });
});
