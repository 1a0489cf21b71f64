import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSlack } from '../../fakes/slack-api.ts';
import { runApp } from '../helpers/child-app.ts';
import { freePort } from '../helpers/net.ts';

const ENV_EXAMPLE = resolve(import.meta.dirname, '../../.env.example');
/** A line of a stack trace, as Node prints them. */
const STACK_LINE = /^\s+at /m;

/**
 * Start-up failures an operator causes (placeholder tokens, a port in use, a bad variable): the process, run as
 * `npm start` runs it, says on stderr what to fix in plain words, without a stack trace, and exits 1. The JSON log
 * (stdout) keeps its fatal line.
 */
describe('a start that cannot succeed', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function folder(): string {
    const dir = mkdtempSync(join(tmpdir(), 'fin-slack-start-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  /** `.env.example` as an admin fills it in a hurry: placeholders in the required slots, the rest as shipped. */
  function placeholderEnv(dir: string, overrides: Record<string, string>): void {
    const filled: Record<string, string> = {
      SLACK_BOT_TOKEN: 'xoxb-your-bot-token',
      SLACK_SIGNING_SECRET: 'your-signing-secret',
      SLACK_AGENT_CHANNEL: 'C0123456789',
      FIN_API_TOKEN: 'your-fin-api-key',
      ...overrides,
    };
    const text = readFileSync(ENV_EXAMPLE, 'utf8').replace(/^([A-Z_]+)=.*$/gm, (line, name: string) =>
      filled[name] === undefined ? line : `${name}=${filled[name]}`,
    );
    writeFileSync(join(dir, '.env'), text);
  }

  it('with .env.example copied as is: names the four required variables once each, plainly, and exits 1', async () => {
    const dir = folder();
    copyFileSync(ENV_EXAMPLE, join(dir, '.env'));
    const run = runApp({}, dir);
    expect(await run.closed).toBe(1);
    const stderr = run.stderr();
    for (const name of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_AGENT_CHANNEL', 'FIN_API_TOKEN']) {
      expect([name, stderr.match(new RegExp(`\\b${name}\\b`, 'g'))?.length]).toEqual([name, 1]);
    }
    expect(stderr).toMatch(/^fin-slack cannot start: the configuration is invalid\.\n/);
    expect(stderr).not.toMatch(STACK_LINE);
  });

  it('with placeholder tokens Slack refuses: one plain message on stderr, the fatal log line on stdout, exit 1', async () => {
    const slack = await FakeSlack.start();
    cleanups.push(() => slack.close());
    const dir = folder();
    placeholderEnv(dir, { SLACK_API_URL: slack.apiUrl });
    const run = runApp({}, dir);
    expect(await run.closed).toBe(1);
    expect(run.stderr()).toBe(
      [
        'fin-slack could not start: Slack refused SLACK_BOT_TOKEN (invalid_auth); check the bot token and that the app is installed.',
        'To try fin-slack without a Slack workspace or an Intercom account, run `npm run sandbox`.',
        '',
      ].join('\n'),
    );
    const fatal = run
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: string; msg: string })
      .filter((line) => line.level === 'fatal');
    expect(fatal.map((line) => line.msg)).toEqual(['fin-slack could not start']);
    expect(run.output()).not.toContain('xoxb-your-bot-token');
    // Slack is asked first: nothing was written.
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('when Slack cannot be reached: says where it tried and why, without a stack trace, and exits 1', async () => {
    const dir = folder();
    const closed = await freePort();
    placeholderEnv(dir, { SLACK_API_URL: `http://127.0.0.1:${closed}/api/` });
    const run = runApp({}, dir);
    cleanups.push(() => {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
    });
    expect(await run.closed).toBe(1);
    expect(run.stderr()).toContain(
      `fin-slack could not start: Slack could not be reached at http://127.0.0.1:${closed}/api/ (slack_webapi_request_error); check SLACK_API_URL and the network (connect ECONNREFUSED 127.0.0.1:${closed}).`,
    );
    expect(run.stderr()).not.toMatch(STACK_LINE);
  });

  it('when PORT is in use: names the port and the variable, without a stack trace, and exits 1', async () => {
    const slack = await FakeSlack.start();
    const blocker: Server = createServer();
    const port = await new Promise<number>((res) => blocker.listen(0, () => res((blocker.address() as { port: number }).port)));
    cleanups.push(
      () => slack.close(),
      () => new Promise<void>((res) => blocker.close(() => res())),
    );
    const dir = folder();
    const run = runApp(
      {
        SLACK_BOT_TOKEN: slack.token,
        SLACK_SIGNING_SECRET: 'startup-test-secret',
        SLACK_API_URL: slack.apiUrl,
        SLACK_AGENT_CHANNEL: 'CAGENTS',
        FIN_API_TOKEN: 'fin-api-token',
        PORT: String(port),
        DATABASE_PATH: join(dir, 'fin.sqlite'),
      },
      dir,
    );
    cleanups.push(() => {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
    });
    expect(await run.closed).toBe(1);
    expect(run.stderr()).toBe(
      `fin-slack could not start: port ${port} (PORT) is already in use; stop what listens there, or set PORT to a free port.\n`,
    );
  });
});
