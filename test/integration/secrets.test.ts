import { afterEach, describe, expect, it } from 'vitest';
import { SECRET_VARIABLES } from '../../src/config/load.ts';
import { envSchema } from '../../src/config/schema.ts';
import { CLIENT_SECRET, Harness, SIGNING_SECRET, WEBHOOK_SECRET, WORKSPACE } from '../helpers/harness.ts';
import { METRICS_TOKEN } from '../helpers/metrics.ts';

const { alice, support } = WORKSPACE;
const ACCESS_TOKEN = 'intercom-app-access-token-42';

describe('secrets never reach the logs', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('treats every configured token and secret as a secret', () => {
    const named = Object.keys(envSchema.shape).filter((name) => /TOKEN|SECRET/.test(name));
    expect([...SECRET_VARIABLES].sort()).toEqual(named.sort());
  });

  it('keeps every secret and the stream token out of the logs, at trace level, through turns, failures and webhooks', async () => {
    h = await Harness.start({
      webhooks: true,
      hitl: true,
      env: { LOG_LEVEL: 'trace', INTERCOM_ACCESS_TOKEN: ACCESS_TOKEN },
      fin: { accessToken: ACCESS_TOKEN },
    });
    const harness = h;
    // A streamed turn: the stream URL carries its own token.
    const root = await harness.say({ user: alice, channel: support, text: `<@${harness.slack.botUserId}> hello` });
    const turn = await harness.fin.nextTurn();
    await turn.answer('<p>Hi.</p>');
    await harness.slack.waitFor(() => harness.slack.botReplies(support, root)[0]?.text === 'Hi.');
    // Fin refuses the next call and, carelessly, echoes the key back in its error message.
    harness.fin.onTurn(() => ({
      status: 401,
      body: {
        type: 'error.list',
        request_id: 'r-1',
        errors: [{ code: 'unauthorized', message: `Access Token Invalid: ${harness.fin.token}` }],
      },
    }));
    await harness.say({ user: alice, channel: support, text: 'and another thing', threadTs: root });
    await harness.slack.waitFor(() => /warning/.test(harness.slack.botReplies(support, root).at(-1)?.text ?? ''));
    // Forged and broken webhooks are logged as refused.
    await harness.webhook({ event_name: 'fin_replied', conversation_id: turn.conversationId }, { signature: `sha256=${'0'.repeat(64)}` });
    await harness.intercomWebhook({ topic: 'x', secret: CLIENT_SECRET }, { signature: 'sha1=00' });

    expect(harness.logged(/fin call failed/)[0]).toMatchObject({ requestId: 'r-1' }); // the failure is logged…
    // Someone guesses at /metrics with a token close to the real one.
    await fetch(`${harness.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}x` } });
    const logs = harness.logs.join('\n');
    for (const secret of [
      harness.slack.token,
      SIGNING_SECRET,
      harness.fin.token,
      WEBHOOK_SECRET,
      CLIENT_SECRET,
      ACCESS_TOKEN,
      turn.token,
      METRICS_TOKEN,
    ]) {
      expect(logs).not.toContain(secret); // …without any secret in it
    }
    expect(logs).toContain('[redacted]');
  });

  it('keeps the Socket Mode app token out of the logs', async () => {
    h = await Harness.start({ socketMode: true, env: { LOG_LEVEL: 'trace' } });
    const harness = h;
    const root = await harness.say({ user: alice, channel: support, text: `<@${harness.slack.botUserId}> hi` });
    await (await harness.fin.nextTurn()).answer('<p>Hello.</p>');
    await harness.slack.waitFor(() => harness.slack.botReplies(support, root)[0]?.text === 'Hello.');
    expect(harness.logs.join('\n')).not.toContain(harness.env.SLACK_APP_TOKEN);
  });

  it('keeps message bodies and emails out of the logs at debug level, Bolt’s own lines included', async () => {
    h = await Harness.start({ webhooks: true, env: { LOG_LEVEL: 'debug' } });
    const harness = h;
    const root = await harness.say({ user: alice, channel: support, text: `<@${harness.slack.botUserId}> my question is zebra-quokka` });
    const turn = await harness.fin.nextTurn();
    expect(turn.call.body.user?.email).toBe('alice@example.com'); // Fin gets the email…
    await turn.answer('<p>The answer is narwhal-axolotl.</p>');
    await harness.slack.waitFor(() => harness.slack.botReplies(support, root)[0]?.text === 'The answer is narwhal-axolotl.');
    await harness.say({ user: alice, channel: support, text: 'and a follow-up: okapi-pangolin', threadTs: root });
    await (await harness.fin.nextTurn()).answer('<p>Noted.</p>');
    await harness.slack.waitFor(() => harness.slack.botReplies(support, root)[1]?.text === 'Noted.');
    expect(harness.logs.some((line) => JSON.parse(line).level === 'debug')).toBe(true); // debug was on…
    const logs = harness.logs.join('\n');
    for (const personal of ['alice@example.com', 'zebra-quokka', 'okapi-pangolin', 'narwhal-axolotl']) expect(logs).not.toContain(personal); // …the logs never had it
  });
});
