import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FinSimulator } from '../../fakes/fin-simulator.ts';
import { FakeSlack } from '../../fakes/slack-api.ts';
import { deliverToApp } from '../../fakes/slack-signing.ts';
import { type ChildApp, runApp } from '../helpers/child-app.ts';
import { freePort } from '../helpers/net.ts';

const SIGNING_SECRET = 'crash-test-signing-secret';
const WEBHOOK_SECRET = 'crash-test-webhook-secret';

describe('a crash (kill -9) of the app process', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('loses no acknowledged webhook: the event is acted on after the restart, once', async () => {
    const slack = await FakeSlack.start();
    const fin = await FinSimulator.start();
    const dir = mkdtempSync(join(tmpdir(), 'fin-slack-crash-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => slack.close(), () => fin.close());
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = {
      SLACK_BOT_TOKEN: slack.token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      SLACK_AGENT_CHANNEL: 'CAGENTS',
      FIN_API_TOKEN: fin.token,
      FIN_API_URL: fin.url,
      FIN_WEBHOOK_SECRET: WEBHOOK_SECRET,
      PORT: String(port),
      DATABASE_PATH: join(dir, 'fin.sqlite'),
    };
    const start = async () => {
      const app = runApp(env, dir);
      cleanups.push(() => {
        if (app.child.exitCode === null) app.child.kill('SIGKILL');
      });
      await app.healthy(port);
      return app;
    };
    let app: ChildApp = await start();

    const { ts: root, envelopes } = slack.userMessage({ user: 'UALICE', channel: 'CSUPPORT', text: `<@${slack.botUserId}> where is my order?` });
    for (const envelope of envelopes) expect((await deliverToApp(`${url}/slack/events`, SIGNING_SECRET, envelope)).status).toBe(200);
    const turn = await fin.nextTurn();
    const placeholder = await slack.waitFor(() => slack.botReplies('CSUPPORT', root)[0]);

    // Slack holds the edit that would show the answer, so the process dies with the event acknowledged but not shown.
    slack.delay('chat.update', 60_000);
    const event = JSON.stringify({
      event_name: 'fin_replied',
      conversation_id: turn.conversationId,
      message: { id: 'm-crash', author: 'fin', body: '<p>It ships <b>tomorrow</b>.</p>' },
      status: 'awaiting_user_reply',
    });
    const signature = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(event).digest('hex')}`;
    const ack = await fetch(`${url}/fin/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-fin-agent-api-webhook-signature': signature },
      body: event,
    });
    expect(ack.status).toBe(200);
    await slack.waitFor(() => slack.callsTo('chat.update').length > 0);
    app.child.kill('SIGKILL');
    await app.exit;
    expect(placeholder.text).toMatch(/thinking/);

    slack.delay('chat.update', 0);
    app = await start();
    await slack.waitFor(() => placeholder.text === 'It ships *tomorrow*.', 10_000).catch((e: unknown) => { console.log('CHILD OUTPUT', app.output()); throw e; });
    expect(slack.botReplies('CSUPPORT', root).map((m) => m.text)).toEqual(['It ships *tomorrow*.']);

    // Intercom retrying the same delivery after the restart changes nothing.
    expect(
      (
        await fetch(`${url}/fin/webhooks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-fin-agent-api-webhook-signature': signature },
          body: event,
        })
      ).status,
    ).toBe(200);
    app.child.kill('SIGTERM');
    expect(await app.exit).toBe(0);
    expect(slack.botReplies('CSUPPORT', root)).toHaveLength(1);
  });
});
