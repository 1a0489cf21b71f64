import type { Config } from './load.ts';

/**
 * What an operator reads on stderr when the app cannot start, next to the fatal JSON log line (which keeps the stack
 * for whoever needs it). Expected failures, a configuration the outside world refuses, are one plain message naming
 * what to change: Slack refusing or not answering the bot token check (placeholder tokens end here), a port in use
 * or not allowed, a database file that cannot be created or opened. Anything else is a bug: its message, pointing at
 * the log line for the stack.
 */
export interface StartupFailure {
  readonly expected: boolean;
  /** Lines for stderr, without a stack trace. */
  readonly text: string;
}

const SANDBOX_HINT = 'To try fin-slack without a Slack workspace or an Intercom account, run `npm run sandbox`.';

interface ErrorFields {
  readonly code?: unknown;
  readonly syscall?: unknown;
  readonly port?: unknown;
  readonly message?: unknown;
  readonly cause?: unknown;
  readonly data?: { readonly error?: unknown };
}

function fields(error: unknown): ErrorFields {
  return typeof error === 'object' && error !== null ? (error as ErrorFields) : {};
}

/** The innermost cause's message (`getaddrinfo ENOTFOUND slack.com`): what actually went wrong on the network. */
function rootCause(error: unknown): string | undefined {
  let current = fields(error).cause;
  let message: string | undefined;
  for (let depth = 0; current !== undefined && depth < 10; depth += 1) {
    const m = fields(current).message;
    if (typeof m === 'string' && m !== '') message = m;
    current = fields(current).cause;
  }
  return message;
}

function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

export function describeStartupFailure(error: unknown, config: Config): StartupFailure {
  const { code, syscall, port, message } = fields(error);
  const text = typeof message === 'string' && message !== '' ? message : String(error);
  const lines = (...body: string[]) => [`fin-slack could not start: ${body[0]}`, ...body.slice(1)].join('\n');

  if (code === 'slack_auth_failed') {
    const cause = text.startsWith('Slack could not be reached') ? rootCause(error) : undefined;
    return { expected: true, text: lines(sentence(cause === undefined ? text : `${text} (${cause})`), SANDBOX_HINT) };
  }
  // Socket Mode: with the bot token accepted, the only Slack call left in start-up is apps.connections.open.
  if (config.slack.mode === 'socket' && code === 'slack_webapi_platform_error') {
    const slackError = typeof fields(error).data?.error === 'string' ? String(fields(error).data?.error) : 'refused';
    return {
      expected: true,
      text: lines(
        `Slack refused SLACK_APP_TOKEN (${slackError}); check the app-level token (connections:write) and that Socket Mode is on.`,
        SANDBOX_HINT,
      ),
    };
  }
  if (syscall === 'listen' && typeof port === 'number') {
    const variable =
      config.metrics.port !== undefined && port === config.metrics.port && port !== config.http.port ? 'METRICS_PORT' : 'PORT';
    const why =
      code === 'EADDRINUSE'
        ? `port ${port} (${variable}) is already in use; stop what listens there, or set ${variable} to a free port.`
        : code === 'EACCES'
          ? `port ${port} (${variable}) needs privileges this user does not have; use a port above 1023, or a proxy in front.`
          : `it cannot listen on port ${port} (${variable}): ${sentence(text)}`;
    return { expected: true, text: lines(why) };
  }
  // Only the database touches files during start-up: its folder and file (DATABASE_PATH is not a secret).
  const fileError = typeof code === 'string' && /^E[A-Z]+$/.test(code) && ['mkdir', 'open', 'chmod'].includes(String(syscall));
  if (fileError || (typeof code === 'string' && code.startsWith('SQLITE_'))) {
    return {
      expected: true,
      text: lines(`the database (DATABASE_PATH=${config.store.path}) could not be created or opened: ${sentence(text)}`),
    };
  }
  return {
    expected: false,
    text: lines(`${sentence(text)} This is unexpected: the "fin-slack could not start" log line on stdout has its stack trace.`),
  };
}
