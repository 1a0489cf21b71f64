import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeEndpoints } from '../../fakes/app-env.ts';
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

  /** Fake Slack and Fin, a data folder, and a way to (re)start the app as a child process against them. */
  async function world(extraEnv: Record<string, string> = {}) {
    const slack = await FakeSlack.start();
    const fin = await FinSimulator.start();
    const dir = mkdtempSync(join(tmpdir(), 'fin-slack-crash-'));
    cleanups.push(
      () => rmSync(dir, { recursive: true, force: true }),
      () => slack.close(),
      () => fin.close(),
    );
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = {
      ...fakeEndpoints(slack, fin),
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_AGENT_CHANNEL: 'CAGENTS',
      FIN_WEBHOOK_SECRET: WEBHOOK_SECRET,
      PORT: String(port),
      DATABASE_PATH: join(dir, 'fin.sqlite'),
      ...extraEnv,
    };
    fin.setWebhook({ url: `${url}/fin/webhooks`, secret: WEBHOOK_SECRET });
    const start = async (): Promise<ChildApp> => {
      const app = runApp(env, dir);
      cleanups.push(() => {
        if (app.child.exitCode === null) app.child.kill('SIGKILL');
      });
      await app.healthy(port);
      return app;
    };
    const kill = async (app: ChildApp) => {
      app.child.kill('SIGKILL');
      await app.exit;
    };
    /** A person writes; every event Slack raises for it is delivered and acknowledged. */
    const say = async (input: { text: string; threadTs?: string }) => {
      const { ts, envelopes } = slack.userMessage({ user: 'UALICE', channel: 'CSUPPORT', ...input });
      for (const envelope of envelopes) expect((await deliverToApp(`${url}/slack/events`, SIGNING_SECRET, envelope)).status).toBe(200);
      return ts;
    };
    return { slack, fin, url, start, kill, say };
  }

  it('loses no acknowledged webhook: the event is acted on after the restart, once', async () => {
    const { slack, fin, url, start, kill, say } = await world();
    let app = await start();
    const root = await say({ text: `<@${slack.botUserId}> where is my order?` });
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
    await kill(app);
    expect(placeholder.text).toMatch(/thinking/);

    slack.delay('chat.update', 0);
    app = await start();
    await slack.waitFor(() => placeholder.text === 'It ships *tomorrow*.', 10_000);
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

  it('stops a native stream left open by the crash before showing the answer in it', async () => {
    const { slack, fin, start, kill, say } = await world({ SLACK_STREAMING: 'native' });
    const app = await start();
    const root = await say({ text: `<@${slack.botUserId}> where is my order?` });
    const turn = await fin.nextTurn();
    await turn.connected();
    await turn.chunk('s1', 0, 'Your order ');
    const stream = await slack.waitFor(() => slack.botReplies('CSUPPORT', root).find((m) => m.streaming === true));
    // An append means the app has recorded the stream (and removed the placeholder): then it dies.
    await turn.chunk('s1', 1, 'Your order ships ');
    await slack.waitFor(() => slack.callsTo('chat.appendStream').some((c) => c.ok));
    await kill(app);

    const restarted = await start();
    // Fin's final reply comes by webhook, signed as Fin signs it.
    await fin.sendWebhook({
      event_name: 'fin_replied',
      conversation_id: turn.conversationId,
      message: { id: 'm-native', author: 'fin', body: '<p>It ships <b>tomorrow</b>.</p>' },
      status: 'awaiting_user_reply',
      stream_id: 's1',
    });
    expect(fin.webhookDeliveries.at(-1)?.status).toBe(200);
    await slack.waitFor(() => stream.text === 'It ships *tomorrow*.', 10_000);
    const own = slack.calls.filter((c) => c.args.ts === stream.ts).map((c) => `${c.method}:${c.ok}`);
    expect(own.slice(-2)).toEqual(['chat.stopStream:true', 'chat.update:true']);
    expect(slack.botReplies('CSUPPORT', root).map((m) => m.text)).toEqual(['It ships *tomorrow*.']);
    restarted.child.kill('SIGTERM');
    expect(await restarted.exit).toBe(0);
  });

  it('loses no acknowledged message: killed before Fin was asked, it reaches Fin once after the restart', async () => {
    const { slack, fin, start, kill, say } = await world();
    const app = await start();
    // Slack holds the placeholder, so the process dies with the message acknowledged and Fin not yet asked.
    slack.delay('chat.postMessage', 60_000);
    const root = await say({ text: `<@${slack.botUserId}> can I change my plan?` });
    await slack.waitFor(() => slack.callsTo('chat.postMessage').length > 0);
    await kill(app);
    expect(fin.calls).toHaveLength(0);

    slack.delay('chat.postMessage', 0);
    const restarted = await start();
    const turn = await fin.nextTurn(10_000);
    expect(turn.call.kind).toBe('start');
    expect(turn.call.body.message?.body).toBe('can I change my plan?');
    await turn.answer('<p>Yes, from <b>Settings</b>.</p>');
    await slack.waitFor(() => slack.botReplies('CSUPPORT', root).some((m) => m.text === 'Yes, from *Settings*.'), 10_000);
    restarted.child.kill('SIGTERM');
    expect(await restarted.exit).toBe(0);
    expect(fin.calls).toHaveLength(1);
    expect(slack.botReplies('CSUPPORT', root).map((m) => m.text)).toEqual(['Yes, from *Settings*.']);
  });

  it('loses no queued message: one written while Fin was answering goes to Fin once Fin is done, after the restart', async () => {
    const { slack, fin, start, kill, say } = await world();
    const app = await start();
    const root = await say({ text: `<@${slack.botUserId}> where is my refund?` });
    const turn = await fin.nextTurn();
    await turn.connected();
    await say({ text: 'it was order 1234', threadTs: root });
    await kill(app);

    const restarted = await start();
    // Fin finishes the turn it was on; the answer arrives by webhook, then the queued message goes as a reply.
    await turn.webhookOnly({
      event_name: 'fin_replied',
      message: { id: 'm-1', author: 'fin', body: '<p>Which order?</p>' },
      status: 'awaiting_user_reply',
    });
    const next = await fin.nextTurn(10_000);
    expect(next.call.kind).toBe('reply');
    expect(next.call.body.message?.body).toBe('it was order 1234');
    await next.answer('<p>Refunded.</p>');
    await slack.waitFor(() => slack.botReplies('CSUPPORT', root).some((m) => m.text === 'Refunded.'), 10_000);
    restarted.child.kill('SIGTERM');
    expect(await restarted.exit).toBe(0);
    expect(fin.calls.map((c) => c.body.message?.body)).toEqual(['where is my refund?', 'it was order 1234']);
    expect(slack.botReplies('CSUPPORT', root).map((m) => m.text)).toEqual(['Which order?', 'Refunded.']);
  });

  it('resumes a long answer after the part it had delivered when it was killed, never posting a part twice', async () => {
    const { slack, fin, start, kill, say } = await world();
    const app = await start();
    const root = await say({ text: `<@${slack.botUserId}> tell me everything` });
    const turn = await fin.nextTurn();
    await turn.connected();
    // Slack posts part 6 but its answer never reaches the app: the process dies with parts 1–6 in the thread, having
    // recorded only 1–5.
    slack.holdAnswer('chat.postMessage', 60_000, (args) => String(args.text).startsWith('Part 6 '));
    const paragraphs = Array.from({ length: 10 }, (_, i) => `<p>Part ${i + 1} ${'lorem ipsum '.repeat(250)}</p>`);
    await turn.webhookOnly({
      event_name: 'fin_replied',
      message: { id: 'm-long', author: 'fin', body: paragraphs.join('') },
      status: 'awaiting_user_reply',
    });
    await slack.waitFor(() => slack.callsTo('chat.postMessage').some((c) => String(c.args.text).startsWith('Part 6 ')), 10_000);
    await kill(app);
    const parts = () => slack.botReplies('CSUPPORT', root).map((m) => /^Part (\d+) /.exec(m.text)?.[1]);
    expect(parts()).toEqual(['1', '2', '3', '4', '5', '6']);

    slack.holdAnswer('chat.postMessage', 0);
    const restarted = await start();
    await slack.waitFor(() => parts().includes('10'), 15_000);
    restarted.child.kill('SIGTERM');
    expect(await restarted.exit).toBe(0);
    expect(parts()).toEqual(Array.from({ length: 10 }, (_, i) => String(i + 1)));
  });

  it('posts the notice that a long message was cut once, before the answer, when it died just after Slack posted it', async () => {
    const { slack, fin, start, kill, say } = await world();
    const app = await start();
    // Slack posts the notice but its answer never reaches the app: the process dies with the notice in the thread,
    // not knowing it is there.
    const cut = /Fin only read its first 10,000 characters/;
    slack.holdAnswer('chat.postMessage', 60_000, (args) => cut.test(String(args.text)));
    const root = await say({ text: `<@${slack.botUserId}> ${'All my logs. '.repeat(1_000)}THE END` });
    await slack.waitFor(() => slack.botReplies('CSUPPORT', root).some((m) => cut.test(m.text)));
    await kill(app);
    expect(fin.calls).toHaveLength(0);

    slack.holdAnswer('chat.postMessage', 0);
    const restarted = await start();
    const turn = await fin.nextTurn(10_000);
    expect(turn.call.body.message?.body?.endsWith('…')).toBe(true);
    await turn.answer('<p>Those logs show a <b>timeout</b>.</p>');
    await slack.waitFor(() => slack.botReplies('CSUPPORT', root).some((m) => m.text === 'Those logs show a *timeout*.'), 10_000);
    restarted.child.kill('SIGTERM');
    expect(await restarted.exit).toBe(0);
    const texts = slack.botReplies('CSUPPORT', root).map((m) => m.text);
    expect(texts).toHaveLength(2);
    expect(texts[0]).toMatch(cut);
    expect(texts[1]).toBe('Those logs show a *timeout*.');
    expect(fin.calls).toHaveLength(1);
  });

  it('reuses the placeholder Slack had posted when the app died before hearing so, leaving no "thinking" behind', async () => {
    const { slack, fin, start, kill, say } = await world();
    const app = await start();
    // Slack posts the placeholder but its answer never reaches the app: the process dies first.
    slack.holdAnswer('chat.postMessage', 60_000);
    const root = await say({ text: `<@${slack.botUserId}> is my order late?` });
    await slack.waitFor(() => slack.botReplies('CSUPPORT', root).some((m) => /thinking/.test(m.text)));
    await kill(app);
    expect(fin.calls).toHaveLength(0);

    slack.holdAnswer('chat.postMessage', 0);
    const restarted = await start();
    const turn = await fin.nextTurn(10_000);
    await turn.answer('<p>It arrives <b>today</b>.</p>');
    await slack.waitFor(() => slack.botReplies('CSUPPORT', root).some((m) => m.text === 'It arrives *today*.'), 10_000);
    restarted.child.kill('SIGTERM');
    expect(await restarted.exit).toBe(0);
    expect(slack.botReplies('CSUPPORT', root).map((m) => m.text)).toEqual(['It arrives *today*.']);
    expect(fin.calls).toHaveLength(1);
  });
});
