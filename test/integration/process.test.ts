import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FinSimulator } from '../../fakes/fin-simulator.ts';
import { FakeSlack } from '../../fakes/slack-api.ts';
import { runApp } from '../helpers/child-app.ts';
import { freePort } from '../helpers/net.ts';
import { deliverToApp } from '../../fakes/slack-signing.ts';

describe('the app as a process', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('stops at once with one message naming every missing or invalid variable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fin-slack-proc-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const run = runApp({ SLACK_BOT_TOKEN: 'not-a-bot-token', PORT: 'eighty' }, dir);
    expect(await run.exit).toBe(1);
    const out = run.output();
    for (const name of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_AGENT_CHANNEL', 'FIN_API_TOKEN', 'PORT']) {
      expect(out).toContain(name);
    }
    expect(out).toContain('cannot start');
    expect(out).toContain('npm run sandbox'); // the way to try it without any of these
    expect(out).not.toContain('not-a-bot-token');
    expect(out).not.toMatch(/at .*\.ts:\d+/); // a message for an operator, not a stack trace
  });

  it('stops with a clear message when Slack refuses the bot token', async () => {
    const slack = await FakeSlack.start();
    const dir = mkdtempSync(join(tmpdir(), 'fin-slack-proc-'));
    cleanups.push(
      () => rmSync(dir, { recursive: true, force: true }),
      () => slack.close(),
    );
    const run = runApp(
      {
        SLACK_BOT_TOKEN: 'xoxb-revoked-token',
        SLACK_SIGNING_SECRET: 'signing-secret',
        SLACK_API_URL: slack.apiUrl,
        SLACK_AGENT_CHANNEL: 'CAGENTS',
        FIN_API_TOKEN: 'fin-api-token',
        PORT: '0',
        DATABASE_PATH: join(dir, 'fin.sqlite'),
      },
      dir,
    );
    expect(await run.exit).toBe(1);
    expect(run.output()).toContain('Slack refused SLACK_BOT_TOKEN (invalid_auth)');
    expect(run.output()).not.toContain('xoxb-revoked-token');
  });

  it('stops with a clear message when Slack cannot be reached, instead of retrying for half an hour', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fin-slack-proc-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const closed = await freePort();
    const run = runApp(
      {
        SLACK_BOT_TOKEN: 'xoxb-token',
        SLACK_SIGNING_SECRET: 'signing-secret',
        SLACK_API_URL: `http://127.0.0.1:${closed}/api/`,
        SLACK_AGENT_CHANNEL: 'CAGENTS',
        FIN_API_TOKEN: 'fin-api-token',
        PORT: '0',
        DATABASE_PATH: join(dir, 'fin.sqlite'),
      },
      dir,
    );
    cleanups.push(() => {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
    });
    expect(await run.exit).toBe(1);
    expect(run.output()).toContain('Slack could not be reached');
  });

  it('serves /healthz with a good configuration and shuts down cleanly on SIGTERM', async () => {
    const slack = await FakeSlack.start();
    const fin = await FinSimulator.start();
    const dir = mkdtempSync(join(tmpdir(), 'fin-slack-proc-'));
    cleanups.push(
      () => rmSync(dir, { recursive: true, force: true }),
      () => slack.close(),
      () => fin.close(),
    );
    const port = await freePort();
    const run = runApp(
      {
        SLACK_BOT_TOKEN: slack.token,
        SLACK_SIGNING_SECRET: 'process-test-secret',
        SLACK_API_URL: slack.apiUrl,
        SLACK_AGENT_CHANNEL: 'CAGENTS',
        FIN_API_TOKEN: fin.token,
        FIN_API_URL: fin.url,
        PORT: String(port),
        DATABASE_PATH: join(dir, 'nested', 'fin.sqlite'),
      },
      dir,
    );
    cleanups.push(() => {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
    });
    await run.healthy(port);
    expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toMatchObject({ status: 'ok' });
    expect(run.output()).not.toContain(slack.token);
    expect(run.output()).not.toContain(fin.token);

    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'on %s with a reply streaming, closes the stream and the database, exits 0, and the turn completes after the restart',
    async (signal) => {
      const slack = await FakeSlack.start();
      const fin = await FinSimulator.start();
      const dir = mkdtempSync(join(tmpdir(), 'fin-slack-proc-'));
      cleanups.push(
        () => rmSync(dir, { recursive: true, force: true }),
        () => slack.close(),
        () => fin.close(),
      );
      const port = await freePort();
      const secret = 'process-test-webhook-secret';
      const env = {
        SLACK_BOT_TOKEN: slack.token,
        SLACK_SIGNING_SECRET: 'process-test-secret',
        SLACK_API_URL: slack.apiUrl,
        SLACK_AGENT_CHANNEL: 'CAGENTS',
        FIN_API_TOKEN: fin.token,
        FIN_API_URL: fin.url,
        FIN_WEBHOOK_SECRET: secret,
        PORT: String(port),
        DATABASE_PATH: join(dir, 'fin.sqlite'),
      };
      fin.setWebhook({ url: `http://127.0.0.1:${port}/fin/webhooks`, secret });
      const start = async () => {
        const run = runApp(env, dir);
        cleanups.push(() => {
          if (run.child.exitCode === null) run.child.kill('SIGKILL');
        });
        await run.healthy(port);
        return run;
      };
      const run = await start();
      const { ts: root, envelopes } = slack.userMessage({ user: 'UALICE', channel: 'CSUPPORT', text: `<@${slack.botUserId}> hello` });
      for (const envelope of envelopes) await deliverToApp(`http://127.0.0.1:${port}/slack/events`, 'process-test-secret', envelope);
      const turn = await fin.nextTurn();
      await turn.connected();
      await turn.chunk('s1', 0, 'Half an ans');
      const placeholder = await slack.waitFor(() => slack.botReplies('CSUPPORT', root).find((m) => m.text.startsWith('Half an ans')));

      run.child.kill(signal);
      // 0, not the 1 of the 10-second deadline: everything closed in time.
      expect(await run.exit).toBe(0);
      await slack.waitFor(() => turn.connectionsClosed());
      // The last connection closed the database properly: its write-ahead log was folded in and removed.
      expect(existsSync(join(dir, 'fin.sqlite-wal'))).toBe(false);

      const restarted = await start();
      await turn.webhookOnly({
        event_name: 'fin_replied',
        message: { id: 'm-1', author: 'fin', body: '<p>Half an answer, now whole.</p>' },
        stream_id: 's1',
        status: 'awaiting_user_reply',
      });
      await slack.waitFor(() => placeholder.text === 'Half an answer, now whole.', 10_000);
      expect(slack.botReplies('CSUPPORT', root).map((m) => m.text)).toEqual(['Half an answer, now whole.']);
      restarted.child.kill('SIGTERM');
      expect(await restarted.exit).toBe(0);
    },
  );
});
