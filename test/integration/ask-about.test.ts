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
    await harness.post(harness.slack.messageShortcut({ user, message, callbackId: 'fin_ask_about' }), { form: true });
    const form = await harness.slack.waitFor(() => {
      const view = harness.slack.lastView();
      return view?.view.callback_id === 'fin_ask_about_submit' ? view : undefined;
    });
    return harness.submitView({ user, viewId: form.id, values: { question: { question: { type: 'plain_text_input', value: question } } } });
  }

  it('answers the question in the message’s thread, with the message given to Fin as history', async () => {
    h = await Harness.start();
    const note = await h.say({ user: bob, channel: support, text: 'The deploy failed with error E42' });
    expect(await askAbout(h, note, alice, '   ')).toMatchObject({ response_action: 'errors' });
    await askAbout(h, note, alice, 'What does E42 mean?');
    const turn = await h.fin.nextTurn();
    expect(turn.call.path).toBe('/fin/start');
    expect(turn.call.body.message?.body).toBe('What does E42 mean?');
    expect(turn.call.body.user?.id).toBe(alice);
    // Who wrote it, and what: Fin reads the message as the thread's history.
    expect(turn.call.body.conversation_metadata?.history?.map((m) => m.body)).toContain('bob: The deploy failed with error E42');
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
    expect(next.call.body.message?.body).toBe('Can you check it again?');
    await next.status('escalated', 'Escalation requested by user');
    await h.slack.waitFor(() => h?.slack.botReplies(support, root).find((m) => /support team/.test(m.text)));
    await askAbout(h, root, bob, 'Anything else?');
    await h.slack.waitFor(() => h?.slack.ephemerals.find((e) => e.user === bob && /with our support team now/.test(e.text)));
    expect(h.fin.calls).toHaveLength(2);
  });
});
