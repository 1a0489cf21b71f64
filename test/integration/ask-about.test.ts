import { afterEach, describe, expect, it } from 'vitest';
import { Harness, WORKSPACE } from '../helpers/harness.ts';

const { alice, bob, support } = WORKSPACE;

describe('“Ask Fin about this” on a message', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function askAbout(harness: Harness, messageTs: string, user: string, question: string) {
    const message = harness.slack.message(support, messageTs);
    if (message === undefined) throw new Error('no message');
    const before = harness.slack.lastView()?.id;
    await harness.post(harness.slack.messageShortcut({ user, message, callbackId: 'fin_ask_about' }), { form: true });
    // The form this shortcut opens (opened after Slack's acknowledgement), not one an earlier question left.
    const form = await harness.slack.waitFor(() => {
      const view = harness.slack.lastView();
      return view?.view.callback_id === 'fin_ask_about_submit' && view.id !== before ? view : undefined;
    });
    return harness.submitView({ user, viewId: form.id, values: { question: { question: { type: 'plain_text_input', value: question } } } });
  }

  it('answers the question in the message’s thread, the message (who wrote it, and what) given to Fin with it', async () => {
    h = await Harness.start();
    const note = await h.say({ user: bob, channel: support, text: 'The deploy failed with error E42' });
    expect(await askAbout(h, note, alice, '   ')).toMatchObject({ response_action: 'errors' });
    await askAbout(h, note, alice, 'What does E42 mean?');
    const turn = await h.fin.nextTurn();
    expect(turn.call.path).toBe('/fin/start');
    // Who wrote it, and what, comes with the question: Fin knows what "this" is.
    expect(turn.call.body.message?.body).toBe('About this message from @bob:\n> The deploy failed with error E42\n\nWhat does E42 mean?');
    expect(turn.call.body.user?.id).toBe(alice);
    const asked = h.slack.botReplies(support, note)[0];
    expect(asked?.text).toContain(`<@${alice}> asked Fin about <${h.slack.permalinkOf(support, note)}|this message>`);
    expect(asked?.text).toContain('> What does E42 mean?');
    await turn.answer('<p>E42 means the build timed out.</p>');
    await h.slack.waitFor(() => h?.slack.botReplies(support, note).find((m) => m.text === 'E42 means the build timed out.'));
  });

  it('continues the thread’s conversation when Fin is already in it, and tells the person when the team has the thread', async () => {
    h = await Harness.start();
    const root = await h.say({ user: alice, channel: support, text: `<@${h.slack.botUserId}> my invoice is wrong` });
    const first = await h.fin.nextTurn();
    await first.answer('<p>Which invoice?</p>');
    await h.slack.waitFor(() => h?.slack.botReplies(support, root).find((m) => m.text === 'Which invoice?'));
    await askAbout(h, root, alice, 'Can you check it again?');
    const next = await h.fin.nextTurn();
    expect(next.call.path).toBe('/fin/reply');
    expect(next.call.body.message?.body).toBe('About this message from @alice:\n> my invoice is wrong\n\nCan you check it again?');
    await next.status('escalated', 'Escalation requested by user');
    await h.slack.waitFor(() => h?.slack.botReplies(support, root).find((m) => /support team/.test(m.text)));
    await askAbout(h, root, bob, 'Anything else?');
    await h.slack.waitFor(() => h?.slack.ephemerals.find((e) => e.user === bob && /with our support team now/.test(e.text)));
    expect(h.fin.calls).toHaveLength(2);
  });

  it('gives Fin the message however far back in its thread it is', async () => {
    h = await Harness.start();
    const root = await h.say({ user: bob, channel: support, text: 'Build 812 failed with E42' });
    for (let i = 1; i <= 11; i += 1) await h.say({ user: bob, channel: support, text: `retry ${i} failed too`, threadTs: root });
    await askAbout(h, root, alice, 'What does this error mean?');
    const turn = await h.fin.nextTurn();
    // The thread's history holds only its last 10 messages: the root is not among them, the question carries it.
    expect(turn.call.body.conversation_metadata?.history?.map((m) => m.body)).not.toContain('bob: Build 812 failed with E42');
    expect(turn.call.body.message?.body).toBe('About this message from @bob:\n> Build 812 failed with E42\n\nWhat does this error mean?');
    await turn.answer('<p>E42 is a timeout.</p>');

    // A long message is shortened to fit the form Slack allows (the fake refuses a larger one, as Slack does).
    const long = await h.say({ user: bob, channel: support, text: `Log: ${'x'.repeat(5_000)} END` });
    await askAbout(h, long, alice, 'Why so long?');
    const next = await h.fin.nextTurn();
    expect(next.call.body.message?.body).toMatch(/^About this message from @bob:\n> Log: x+…\n\nWhy so long\?$/);
  });
});
