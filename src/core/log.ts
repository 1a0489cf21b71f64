import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import { type Logger, pino } from 'pino';

export type { Logger };

export interface LogDestination {
  write(line: string): void;
}

/**
 * Structured JSON logs. Secrets are scrubbed from every line as a last line of defence: code never logs them on
 * purpose, but a third-party error message or a URL with a token must not leak either.
 */
export function createLogger(options: { level: string; secrets: readonly (string | undefined)[]; destination?: LogDestination }): Logger {
  // A secret can reach a line JSON-escaped (inside a logged string), so both forms are scrubbed.
  const secrets = [
    ...new Set(
      options.secrets
        .filter((s): s is string => typeof s === 'string' && s.length >= 6)
        .flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]),
    ),
  ];
  const out = options.destination ?? process.stdout;
  const scrubbed: LogDestination = {
    write(line: string) {
      out.write(scrubSecrets(line, secrets));
    },
  };
  return pino(
    {
      level: options.level,
      base: { app: 'fin-slack' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    scrubbed,
  );
}

export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let result = redactUrlTokens(text);
  for (const secret of secrets) {
    if (result.includes(secret)) result = result.split(secret).join('[redacted]');
  }
  return result;
}

/** Fin's SSE URLs carry a JWT in `accessToken`; anything that looks like a token parameter is hidden. */
export function redactUrlTokens(text: string): string {
  return text.replace(/([?&](?:accessToken|access_token|token)=)[^&\s"']+/gi, '$1[redacted]');
}

/**
 * Bolt logs through this adapter so its lines share our format and scrubbing. Its debug lines (and the Web API
 * client's) carry whole requests and answers, with people's messages and emails in them: they are logged at `trace`,
 * so `debug` stays free of message bodies and emails.
 */
export function boltLogger(logger: Logger): BoltLogger {
  const child = logger.child({ component: 'bolt' });
  let level = LogLevel.INFO;
  const text = (msg: unknown[]) => msg.map((m) => (typeof m === 'string' ? m : String(m))).join(' ');
  return {
    debug: (...msg) => child.trace(text(msg)),
    info: (...msg) => child.info(text(msg)),
    warn: (...msg) => child.warn(text(msg)),
    error: (...msg) => child.error(text(msg)),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
