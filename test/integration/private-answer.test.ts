import { afterEach, describe, expect, it } from 'vitest';
import type { PrivateMessage } from '../../fakes/response-urls.ts';
import { Harness, WORKSPACE } from '../helpers/harness.ts';

const { alice, bob, support, dm } = WORKSPACE;

/** Every text a private message shows: its blocks' texts (sections, context elements, buttons), or its text alone. */
function shownText(message: PrivateMessage | undefined): string {
  if (message === undefined) return '';
  if (message.blocks === undefined) return message.text;
  return (
    JSON.stringify(message.blocks)
      .match(/"text":"((?:[^"\\]|\\.)*)"/g)
      ?.map((m) => JSON.parse(m.slice(7)) as string)
      .join('\n') ?? ''
  );
}

describe('/fin: a private answer', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /** Someone types `/fin <question>`; resolves with what the app acknowledged it with. */
  const ask = (harness: Harness, user: string, text: string) => harness.slash({ command: '/fin', user, channel: support, text });

  /** The newest private message `user` sees in the support channel, once it shows `words`. */
  const privatelyShown = (harness: Harness, user: string, words: string, timeoutMs?: number) =>
    harness.slack.waitFor(() => {
      const latest = harness.slack.privateReplies.visibleTo(user, support).at(-1);
      return shownText(latest).includes(words) ? latest : undefined;
    }, timeoutMs);

  it('shows the question as being asked, then replaces it with Fin’s answer, which only the asker sees', async () => {
    h = await Harness.start();
    const ack = await ask(h, alice, 'How do I reset my password?');
    expect(ack).toMatchObject({ response_type: 'ephemeral' });
    expect(String(ack.text)).toContain('You asked Fin privately');
    expect(String(ack.text)).toContain('> How do I reset my password?');
    expect(h.slack.privateReplies.visibleTo(alice, support)).toHaveLength(1);

    const turn = await h.fin.nextTurn();
    expect(turn.call.path).toBe('/fin/ask');
    expect(turn.call.headers['intercom-version']).toBe('Preview');
    expect(turn.call.conversationId).toMatch(/^slack-ask-T/);
    expect(turn.call.body.message?.body).toBe('How do I reset my password?');
    expect(turn.call.body.user?.id).toBe(alice);
    await turn.answer('<p>Use <b>Forgot password</b> on the sign-in page.</p>');

    const answer = await privatelyShown(h, alice, 'Use *Forgot password* on the sign-in page.');
    // Slack keeps a command's acknowledgement: it stays above the answer as the question's record.
    expect(h.slack.privateReplies.visibleTo(alice, support).map((m) => m.text)).toEqual([
      String(ack.text),
      "Fin's private answer to your question",
    ]);
    expect(shownText(answer)).toContain('You asked Fin: “How do I reset my password?”');
    expect(shownText(answer)).toContain('Share in channel');
    expect(shownText(answer)).toContain('Only you can see this');
    // Nobody else sees anything, and nothing was posted in the channel.
    expect(h.slack.privateReplies.visibleTo(bob)).toEqual([]);
    expect(h.slack.messages.filter((m) => m.channel === support)).toEqual([]);
    // The response_url is a capability: no log line carries it, at any level.
    expect(h.logs.filter((line) => line.includes('/respond/'))).toEqual([]);
  });

  it('shares the answer as a thread once, which then goes on with Fin, the question and answer as its history', async () => {
    h = await Harness.start();
    await ask(h, alice, 'What is the refund window?');
    const turn = await h.fin.nextTurn();
    await turn.answer('<p>Refunds are possible within <b>30 days</b>.</p>');
    const answer = await privatelyShown(h, alice, 'Refunds are possible within *30 days*.');

    // Only the asker may share it.
    await h.post(h.slack.privatePress({ user: bob, message: answer, actionId: 'fin_ask_share', value: turn.call.conversationId }), {
      form: true,
    });
    await privatelyShown(h, bob, 'Only the person who asked can share this answer.');
    expect(h.slack.messages.filter((m) => m.channel === support)).toEqual([]);

    // A double click shares it once.
    const press = () =>
      h?.post(h.slack.privatePress({ user: alice, message: answer, actionId: 'fin_ask_share', value: turn.call.conversationId }), {
        form: true,
      });
    await Promise.all([press(), press()]);
    const root = await h.slack.waitFor(() =>
      h?.slack.messages.find((m) => m.channel === support && m.threadTs === undefined && m.text.includes('asked Fin')),
    );
    expect(root.text).toBe(`:speech_balloon: <@${alice}> asked Fin:\n> What is the refund window?`);
    await h.slack.waitFor(() => h?.slack.botReplies(support, root.ts).find((m) => m.text === 'Refunds are possible within *30 days*.'));
    // The private answer is gone (the thread is where it lives now); the second click was told it is shared already.
    await privatelyShown(h, alice, 'This answer is already shared in the channel.');
    expect(answer.deleted).toBe(true);
    expect(h.slack.messages.filter((m) => m.channel === support && m.threadTs === undefined)).toHaveLength(1);

    // Anyone may go on in the thread, without mentioning the app: Fin starts a conversation that knows what was said.
    await h.say({ user: bob, channel: support, text: 'Does that include sale items?', threadTs: root.ts });
    const next = await h.fin.nextTurn();
    expect(next.call.path).toBe('/fin/start');
    expect(next.call.body.message?.body).toBe('Does that include sale items?');
    expect(next.call.body.conversation_metadata?.history).toEqual([
      expect.objectContaining({ author: 'user', body: 'What is the refund window?' }),
      expect.objectContaining({ author: 'fin', body: 'Refunds are possible within *30 days*.' }),
    ]);
    await next.answer('<p>Yes, sale items too.</p>');
    await h.slack.waitFor(() => h?.slack.botReplies(support, root.ts).find((m) => m.text === 'Yes, sale items too.'));
  });

  it('shows Fin’s answer once though it came by SSE and by webhook, and a dismissed answer goes away', async () => {
    h = await Harness.start({ webhooks: true });
    await ask(h, alice, 'Where is my invoice?');
    const turn = await h.fin.nextTurn();
    await turn.answer('<p>Under <i>Billing</i>.</p>');
    const answer = await privatelyShown(h, alice, 'Under _Billing_.');
    await h.slack.waitFor(() => h?.logged('duplicate answer to a private question').length);
    expect(h.slack.responses.filter((r) => JSON.stringify(r.blocks ?? '').includes('Under _Billing_.'))).toHaveLength(1);

    await h.post(h.slack.privatePress({ user: alice, message: answer, actionId: 'fin_ask_dismiss', value: turn.call.conversationId }), {
      form: true,
    });
    await h.slack.waitFor(() => answer.deleted);
  });

  it('says how to use it when typed alone, and why there is no answer: the feature off (403), or Fin with none', async () => {
    h = await Harness.start();
    const usage = await ask(h, alice, '   ');
    expect(String(usage.text)).toContain('Type `/fin` and your question');

    h.fin.setFeatureEnabled('ask', false);
    await ask(h, alice, 'Anything?');
    await privatelyShown(h, alice, "Private answers (`/fin`) aren't turned on for this workspace's Fin.");
    expect(h.fin.calls).toEqual([]);

    h.fin.setFeatureEnabled('ask', true);
    await ask(h, bob, 'What is the meaning of life?');
    const turn = await h.fin.nextTurn();
    await turn.connected();
    await turn.status('complete');
    // After a short grace for an answer still on its way by another channel.
    await privatelyShown(h, bob, 'Fin had no answer to your question', 10_000);
  });

  it('tells the person when Fin is slow, and brings the answer to their DM with Fin when it comes', async () => {
    h = await Harness.start({ env: { FIN_REPLY_TIMEOUT_MS: '1000' } });
    await ask(h, alice, 'Can you check my order?');
    const turn = await h.fin.nextTurn();
    await privatelyShown(h, alice, 'Its answer will come to your direct message with Fin');
    await turn.answer('<p>Your order shipped.</p>');
    const root = await h.slack.waitFor(() => h?.slack.messages.find((m) => m.channel === dm && m.text.includes('You asked Fin privately')));
    expect(root.text).toBe(`:speech_balloon: You asked Fin privately in <#${support}>:\n> Can you check my order?`);
    await h.slack.waitFor(() => h?.slack.botReplies(dm, root.ts).find((m) => m.text === 'Your order shipped.'));
    // Nothing more privately: a private reply may be gone by now, the DM is where the answer stays.
    expect(shownText(h.slack.privateReplies.visibleTo(alice, support).at(-1))).toContain('taking longer than usual');
  });

  it('asks Fin the question as plain text, and shows it as the person typed it', async () => {
    h = await Harness.start();
    // Slack escapes &, < and > in a command's text.
    const ack = await ask(h, alice, 'Is 3 &lt; 5 &amp; true?');
    expect(String(ack.text)).toContain('> Is 3 &lt; 5 &amp; true?');
    const turn = await h.fin.nextTurn();
    expect(turn.call.body.message?.body).toBe('Is 3 < 5 & true?');
  });
});
