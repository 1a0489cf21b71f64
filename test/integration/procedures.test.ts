import { afterEach, describe, expect, it } from 'vitest';
import { Harness, WORKSPACE } from '../helpers/harness.ts';

const { alice, support, dm } = WORKSPACE;

describe('running Fin Procedures from Slack', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('runs the channel’s procedure for a new thread there, then continues with replies', async () => {
    h = await Harness.start({ env: { FIN_CHANNEL_PROCEDURES: `${support}:proc-refunds, CTHER:proc-other` } });
    const root = await h.say({ user: alice, channel: support, text: `<@${h.slack.botUserId}> refund order 987` });
    const run = await h.fin.nextTurn();
    expect(run.call.kind).toBe('procedure');
    expect(run.call.path).toBe('/fin/procedures/proc-refunds/run');
    expect(run.call.headers['intercom-version']).toBe('Preview');
    expect(run.call.body.message?.body).toBe('refund order 987');
    expect(run.call.body.conversation_metadata?.history).toBeUndefined();
    await run.answer('<p>Which item?</p>');
    await h.slack.waitFor(() => h?.slack.botReplies(support, root)[0]?.text === 'Which item?');

    await h.say({ user: alice, channel: support, text: 'the blue mug', threadTs: root });
    const reply = await h.fin.nextTurn();
    expect(reply.call.kind).toBe('reply');
    expect(reply.call.body.conversation_id).toBe(run.conversationId);
  });

  it('uses a plain /fin/start in channels without a procedure', async () => {
    h = await Harness.start({ env: { FIN_CHANNEL_PROCEDURES: `${support}:proc-refunds` } });
    await h.say({ user: alice, channel: dm, text: 'hello' });
    expect((await h.fin.nextTurn()).call.kind).toBe('start');
  });

  it('starts a thread running the given procedure with /fin-procedure', async () => {
    h = await Harness.start();
    expect((await h.slash({ user: alice, channel: support, text: 'proc-7   I want a refund for order 987' })).status).toBe(200);
    const run = await h.fin.nextTurn();
    expect(run.call.path).toBe('/fin/procedures/proc-7/run');
    expect(run.call.body.user?.id).toBe(alice);
    expect(run.call.body.message?.body).toBe('I want a refund for order 987');
    const root = h.slack.messages.find((m) => m.channel === support && m.threadTs === undefined && m.botId === h?.slack.botId);
    expect(root?.text).toContain(`<@${alice}> asked Fin to run the procedure \`proc-7\``);
    expect(root?.text).toContain('> I want a refund for order 987');
    await run.answer('<p>Sure, let me look.</p>');
    await h.slack.waitFor(() => h?.slack.botReplies(support, root?.ts ?? '').some((m) => m.text === 'Sure, let me look.'));

    await h.say({ user: alice, channel: support, text: 'thanks', threadTs: root?.ts ?? '' });
    const reply = await h.fin.nextTurn();
    expect(reply.call.kind).toBe('reply');
    expect(reply.call.body.conversation_id).toBe(run.conversationId);
  });

  it('runs a procedure without a message when none is given', async () => {
    h = await Harness.start();
    await h.slash({ user: alice, channel: support, text: 'proc-8' });
    const run = await h.fin.nextTurn();
    expect(run.call.path).toBe('/fin/procedures/proc-8/run');
    expect(run.call.body.message).toBeUndefined();
  });

  it('explains the command when the procedure id is missing, and asks to be invited where it cannot post', async () => {
    h = await Harness.start();
    // A mistyped command is answered in the acknowledgement itself, privately.
    const usage = (await (await h.slash({ user: alice, channel: support, text: '   ' })).json()) as Record<string, unknown>;
    expect(usage).toMatchObject({ response_type: 'ephemeral' });
    expect(String(usage.text)).toMatch(/Usage: `\/fin-procedure <procedure id> \[message\]`/);
    h.slack.fail('chat.postMessage', { error: 'not_in_channel' });
    await h.slash({ user: alice, channel: support, text: 'proc-9 hi' });
    await h.slack.waitFor(() => h?.slack.responses.find((r) => /Invite the app/.test(String(r.text))));
    expect(h.fin.calls).toHaveLength(0);
  });

  it.each([
    ['Procedure not found', 'Fin has no procedure `proc-x`'],
    ['Procedure is not live', 'is not live yet'],
    ['Procedure does not have an API trigger', 'needs an API trigger'],
    ['No Fin profile is configured to handle this conversation. Configure a Fin profile and retry.', 'No Fin profile is set up'],
  ])('tells the user clearly when Fin answers "%s"', async (reason, shown) => {
    h = await Harness.start();
    h.fin.onTurn(() => ({
      status: 400,
      body: { type: 'error.list', request_id: 'r1', errors: [{ code: 'parameter_invalid', message: reason }] },
    }));
    await h.slash({ user: alice, channel: support, text: 'proc-x please' });
    const root = await h.slack.waitFor(() =>
      h?.slack.messages.find((m) => m.channel === support && m.threadTs === undefined && m.botId === h?.slack.botId),
    );
    const notice = await h.slack.waitFor(() => h?.slack.botReplies(support, root.ts).find((m) => /:warning:/.test(m.text)));
    expect(notice.text).toContain(shown);
    expect(h.logged(/fin call failed/)[0]).toMatchObject({ finMessage: reason, requestId: 'r1' });
  });

  it('acknowledges the command at once even when Slack is slow to take the thread it starts', async () => {
    h = await Harness.start();
    h.slack.delay('chat.postMessage', 4_000);
    const res = await h.slash({ user: alice, channel: support, text: 'proc-1 hello' });
    expect(res.status).toBe(200);
    // The acknowledgement went out before the slow post was even answered.
    expect(h.slack.messages.filter((m) => m.channel === support)).toHaveLength(0);
    h.slack.delay('chat.postMessage', 0); // only the first post is slow
    const run = await h.fin.nextTurn(8_000);
    expect(run.call.path).toBe('/fin/procedures/proc-1/run');
  });
});
