import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.ts';
import { describeStartupFailure } from '../../../src/config/startup-failure.ts';
import { AppError } from '../../../src/core/errors.ts';

const config = loadConfig({
  SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
  SLACK_SIGNING_SECRET: 'signing-secret',
  SLACK_AGENT_CHANNEL: 'C0AGENTS',
  FIN_API_TOKEN: 'fin-token',
  PORT: '8080',
  METRICS_PORT: '9090',
  DATABASE_PATH: '/var/lib/fin/fin.sqlite',
});

/** A listen error as Node raises it. */
function listenError(code: string, port: number): Error {
  return Object.assign(new Error(`listen ${code}: address already in use :::${port}`), { code, syscall: 'listen', port });
}

describe('describeStartupFailure', () => {
  it('passes on what Slack said about the bot token, with the sandbox as the way to try the app', () => {
    const error = new AppError(
      'slack_auth_failed',
      'Slack refused SLACK_BOT_TOKEN (invalid_auth); check the bot token and that the app is installed',
    );
    expect(describeStartupFailure(error, config)).toEqual({
      expected: true,
      text: [
        'fin-slack could not start: Slack refused SLACK_BOT_TOKEN (invalid_auth); check the bot token and that the app is installed.',
        'To try fin-slack without a Slack workspace or an Intercom account, run `npm run sandbox`.',
      ].join('\n'),
    });
  });

  it('says what the network answered when Slack could not be reached', () => {
    const cause = new Error('A request error occurred: fetch failed', {
      cause: new TypeError('fetch failed', { cause: new Error('getaddrinfo ENOTFOUND slack.com') }),
    });
    const error = new AppError(
      'slack_auth_failed',
      'Slack could not be reached at https://slack.com/api/ (slack_webapi_request_error); check SLACK_API_URL and the network',
      { cause },
    );
    expect(describeStartupFailure(error, config).text.split('\n')[0]).toBe(
      'fin-slack could not start: Slack could not be reached at https://slack.com/api/ (slack_webapi_request_error); check SLACK_API_URL and the network (getaddrinfo ENOTFOUND slack.com).',
    );
  });

  it('names the port and its variable when a port is taken or not allowed', () => {
    expect(describeStartupFailure(listenError('EADDRINUSE', 8080), config)).toEqual({
      expected: true,
      text: 'fin-slack could not start: port 8080 (PORT) is already in use; stop what listens there, or set PORT to a free port.',
    });
    expect(describeStartupFailure(listenError('EADDRINUSE', 9090), config).text).toContain('port 9090 (METRICS_PORT) is already in use');
    expect(describeStartupFailure(listenError('EACCES', 8080), config).text).toContain('port 8080 (PORT) needs privileges');
  });

  it('names the database file when it cannot be created or opened', () => {
    const notADatabase = Object.assign(new Error('file is not a database'), { code: 'SQLITE_NOTADB' });
    expect(describeStartupFailure(notADatabase, config)).toEqual({
      expected: true,
      text: 'fin-slack could not start: the database (DATABASE_PATH=/var/lib/fin/fin.sqlite) could not be created or opened: file is not a database.',
    });
    const denied = Object.assign(new Error("EACCES: permission denied, mkdir '/var/lib/fin'"), { code: 'EACCES', syscall: 'mkdir' });
    expect(describeStartupFailure(denied, config).expected).toBe(true);
  });

  it('names a refused app-level token in Socket Mode', () => {
    const socket = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_APP_TOKEN: 'xapp-1',
      SLACK_AGENT_CHANNEL: 'C0AGENTS',
      FIN_API_TOKEN: 'fin-token',
    });
    const refused = Object.assign(new Error('An API error occurred: invalid_auth'), {
      code: 'slack_webapi_platform_error',
      data: { ok: false, error: 'invalid_auth' },
    });
    expect(describeStartupFailure(refused, socket).text.split('\n')[0]).toBe(
      'fin-slack could not start: Slack refused SLACK_APP_TOKEN (invalid_auth); check the app-level token (connections:write) and that Socket Mode is on.',
    );
  });

  it('gives anything else as unexpected, by its message, pointing at the log line for the stack', () => {
    const failure = describeStartupFailure(new TypeError('Cannot read properties of undefined'), config);
    expect(failure.expected).toBe(false);
    expect(failure.text).toBe(
      'fin-slack could not start: Cannot read properties of undefined. This is unexpected: the "fin-slack could not start" log line on stdout has its stack trace.',
    );
  });
});
