import { afterEach, describe, expect, it } from 'vitest';
import type { FakeMessage } from '../../fakes/slack-api.ts';
import { Harness, WORKSPACE } from '../helpers/harness.ts';
import { metric } from '../helpers/metrics.ts';
import { withStore } from '../helpers/seed.ts';
import { blockTexts } from '../helpers/shown.ts';

const { alice, bob, support, agents } = WORKSPACE;

/** A survey in the user's language, in Fin's order (not the keys' order), as Fin sends one. */
const FRENCH = [
  { key: 'amazing', emoji: '🤩', label: 'Génial' },
  { key: 'good', emoji: '😃', label: 'Bien' },
  { key: 'bad', emoji: '🙁', label: 'Pas terrible' },
] as const;

interface Element {
  type: string;
  action_id: string;
  value?: string;
  text?: { text: string };
  options?: { value: string; text: { text: string } }[];
}

function elements(message: FakeMessage | undefined): Element[] {
  const blocks = (message?.blocks ?? []) as { type: string; elements?: Element[] }[];
  return blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);
}

function readable(message: FakeMessage | undefined): string {
  return blockTexts(message?.blocks).join('\n');
}

describe('ratings when Fin asks for them (CSAT)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /** Alice asks; Fin answers, resolves, completes and asks for a rating (by SSE, and by webhook when configured). */
  async function rated(harness: Harness, options: readonly { key: string; emoji: string; label: string }[] = FRENCH) {
    const root = await harness.say({ user: alice, channel: support, text: `<@${harness.slack.botUserId}> how do I reset my password?` });
    const turn = await harness.fin.nextTurn();
    turn.expectCsat();
    // Fin resolves the conversation with this answer: the stream stays open through `complete` for the survey.
    await turn.connected();
    await turn.reply('<p>Use <b>Forgot password</b> on the sign-in page.</p>', { status: 'replying' });
    await turn.status('resolved');
    await turn.status('complete');
    await turn.csatRequested(options as never);
    const prompt = await harness.slack.waitFor(() =>
      harness.slack.botReplies(support, root).find((m) => elements(m).some((e) => e.action_id.startsWith('fin_csat_rate_'))),
    );
    return { root, turn, prompt };
  }

  function press(harness: Harness, prompt: FakeMessage, user: string, key: string) {
    const button = elements(prompt).find((e) => e.action_id === `fin_csat_rate_${key}`);
    if (button?.value === undefined) throw new Error(`no ${key} button`);
    return harness.press({ user, message: prompt, actionId: button.action_id, value: button.value });
  }

  /** Alice rates Good, then opens the comment form from the prompt. */
  async function ratedAndCommenting(harness: Harness, prompt: FakeMessage) {
    await press(harness, prompt, alice, 'good');
    await harness.slack.waitFor(() => elements(prompt).some((e) => e.action_id === 'fin_csat_comment'));
    const comment = elements(prompt).find((e) => e.action_id === 'fin_csat_comment');
    await harness.press({ user: alice, message: prompt, actionId: 'fin_csat_comment', value: comment?.value ?? '' });
    const form = await harness.slack.waitFor(() => {
      const view = harness.slack.lastView();
      return view?.view.callback_id === 'fin_csat_comment_submit' ? view : undefined;
    });
    return { comment, form };
  }

  it('asks once, with Fin’s emoji and labels in Fin’s order, though the request came by SSE and by webhook', async () => {
    h = await Harness.start({ webhooks: true });
    const { root, turn, prompt } = await rated(h);
    expect(elements(prompt).map((e) => e.text?.text)).toEqual(['🤩 Génial', '😃 Bien', '🙁 Pas terrible']);
    expect(readable(prompt)).toContain(`<@${alice}>`);
    // Both deliveries reached the app; one prompt stands in the thread.
    await h.slack.waitFor(() => h?.fin.webhookDeliveries.some((d) => d.event.event_name === 'csat_requested' && d.status === 200));
    await h.slack.waitFor(() => (h?.logged('duplicate Fin event').length ?? 0) > 0);
    expect(h.slack.botReplies(support, root).filter((m) => elements(m).length > 0)).toHaveLength(1);
    expect(turn.revoked).toBe(true);
  });

  it('takes the rating only from the person Fin served, sends it to Fin, and lets them change it', async () => {
    h = await Harness.start();
    const { turn, prompt } = await rated(h);
    await press(h, prompt, bob, 'good');
    await h.slack.waitFor(() => h?.slack.ephemerals.find((e) => e.user === bob && /belongs to the person who asked/.test(e.text)));
    expect(h.fin.csat(turn.conversationId)?.rating).toBeUndefined();

    await press(h, prompt, alice, 'good');
    await h.slack.waitFor(() => h?.fin.csat(turn.conversationId)?.rating === 'good');
    await h.slack.waitFor(() => readable(prompt).includes('You rated this conversation *😃 Bien*'));
    // The five buttons are gone; a comment and a change of mind remain.
    expect(elements(prompt).map((e) => e.action_id)).toEqual(['fin_csat_comment', 'fin_csat_change']);
    expect(await metric(h.url, 'fin_slack_csat_ratings_total', { rating: 'good' })).toBe(1);

    const change = elements(prompt).find((e) => e.action_id === 'fin_csat_change');
    const amazing = change?.options?.find((o) => o.value.endsWith(':amazing'));
    if (amazing === undefined) throw new Error('no option to change to');
    await h.post(h.slack.menuChoice({ user: alice, message: prompt, actionId: 'fin_csat_change', value: amazing.value }), { form: true });
    await h.slack.waitFor(() => h?.fin.csat(turn.conversationId)?.rating === 'amazing');
    await h.slack.waitFor(() => readable(prompt).includes('You rated this conversation *🤩 Génial*'));
    const calls = h.fin.callsOf('csat').map((c) => c.body);
    expect(calls).toEqual([
      { conversation_id: turn.conversationId, rating: 'good' },
      { conversation_id: turn.conversationId, rating: 'amazing' },
    ]);
    expect(h.fin.callsOf('csat').every((c) => c.headers['intercom-version'] === '2.15')).toBe(true);
  });

  it('adds one comment with the rating, which locks it, and says so', async () => {
    h = await Harness.start();
    const { turn, prompt } = await rated(h);
    const { comment, form } = await ratedAndCommenting(h, prompt);
    expect(JSON.stringify(form.view)).toContain('"multiline":true');

    const empty = await h.submitView({
      user: alice,
      viewId: form.id,
      values: { csat_comment: { comment: { type: 'plain_text_input', value: '  ' } } },
    });
    expect(empty).toMatchObject({ response_action: 'errors' });
    const sent = await h.submitView({
      user: alice,
      viewId: form.id,
      values: { csat_comment: { comment: { type: 'plain_text_input', value: 'Rapide et clair *merci*' } } },
    });
    expect(sent).toMatchObject({ response_action: 'update' });
    await h.slack.waitFor(() => h?.fin.csat(turn.conversationId)?.remark === 'Rapide et clair *merci*');
    await h.slack.waitFor(() => /Thank you/.test(JSON.stringify(h?.slack.views.get(form.id)?.view)));
    await h.slack.waitFor(() => /can no longer be changed/.test(readable(prompt)));
    expect(elements(prompt)).toEqual([]);
    expect(h.fin.callsOf('csat').at(-1)?.body).toEqual({
      conversation_id: turn.conversationId,
      rating: 'good',
      remark: 'Rapide et clair *merci*',
    });

    // A press from a stale copy of the prompt (another device) is told the rating is final; Fin is not asked.
    const calls = h.fin.callsOf('csat').length;
    await h.post(h.slack.menuChoice({ user: alice, message: prompt, actionId: 'fin_csat_change', value: `${comment?.value}:bad` }), {
      form: true,
    });
    await h.slack.waitFor(() => h?.slack.ephemerals.find((e) => e.user === alice && /final/.test(e.text)));
    expect(h.fin.callsOf('csat')).toHaveLength(calls);
  });

  it('explains Fin’s refusal in plain words when the rating window has closed, and stops offering the buttons', async () => {
    h = await Harness.start();
    const { turn, prompt } = await rated(h);
    h.fin.closeCsatWindow(turn.conversationId);
    await press(h, prompt, alice, 'bad');
    await h.slack.waitFor(() => h?.slack.ephemerals.find((e) => e.user === alice && /no longer takes a rating/.test(e.text)));
    await h.slack.waitFor(() => /time to rate this conversation has passed/.test(readable(prompt)));
    expect(elements(prompt)).toEqual([]);
    expect(h.logged('Fin refused a rating')[0]).toMatchObject({ why: 'window_closed' });
  });

  it('retries Fin’s 5xx, tells the user when it keeps failing, and takes the rating when Fin is back', async () => {
    h = await Harness.start();
    const { turn, prompt } = await rated(h);
    let refused = 0;
    h.fin.onCsat(() => {
      refused += 1;
      return { status: 503, body: { type: 'error.list', errors: [{ code: 'service_unavailable', message: 'Try later' }] } };
    });
    await press(h, prompt, alice, 'good');
    await h.slack.waitFor(() => h?.slack.ephemerals.find((e) => e.user === alice && /could not be sent to Fin just now/.test(e.text)));
    expect(refused).toBeGreaterThan(1);
    expect(elements(prompt).some((e) => e.action_id === 'fin_csat_rate_good')).toBe(true);

    h.fin.onCsat(undefined);
    await press(h, prompt, alice, 'good');
    await h.slack.waitFor(() => h?.fin.csat(turn.conversationId)?.rating === 'good');
  });

  it('keeps the survey open when Fin refuses in a way it does not document, and tells the person to try again', async () => {
    h = await Harness.start();
    const { turn, prompt } = await rated(h);
    h.fin.onCsat(() => ({ status: 422, body: { errors: { remark: 'is too long' } } }));
    await press(h, prompt, alice, 'good');
    await h.slack.waitFor(() => h?.slack.ephemerals.find((e) => e.user === alice && /try again/.test(e.text)));
    expect(elements(prompt).some((e) => e.action_id === 'fin_csat_rate_good')).toBe(true);
    h.fin.onCsat(undefined);
    await press(h, prompt, alice, 'good');
    await h.slack.waitFor(() => h?.fin.csat(turn.conversationId)?.rating === 'good');
  });

  it('keeps one prompt taking a rating: when Fin asks again, the older one says so and stops', async () => {
    h = await Harness.start();
    const { root, prompt } = await rated(h);
    await h.say({ user: alice, channel: support, text: 'one more thing', threadTs: root });
    const next = await h.fin.nextTurn();
    next.expectCsat();
    await next.connected();
    await next.reply('<p>Done.</p>', { status: 'replying' });
    await next.status('resolved');
    await next.status('complete');
    await next.csatRequested();
    await h.slack.waitFor(() => /asked again further down/.test(readable(prompt)));
    expect(elements(prompt)).toEqual([]);
    const fresh = await h.slack.waitFor(() =>
      h?.slack
        .botReplies(support, root)
        .find((m) => m.ts !== prompt.ts && elements(m).some((e) => e.action_id.startsWith('fin_csat_rate_'))),
    );
    const taking = h.slack.botReplies(support, root).filter((m) => elements(m).some((e) => e.action_id.startsWith('fin_csat_rate_')));
    expect(taking.map((m) => m.ts)).toEqual([fresh.ts]);
  });

  it('sends a comment with the rating its form showed, even if the menu changed it meanwhile', async () => {
    h = await Harness.start();
    const { turn, prompt } = await rated(h);
    const { comment, form } = await ratedAndCommenting(h, prompt);
    await h.post(h.slack.menuChoice({ user: alice, message: prompt, actionId: 'fin_csat_change', value: `${comment?.value}:amazing` }), {
      form: true,
    });
    await h.slack.waitFor(() => h?.fin.csat(turn.conversationId)?.rating === 'amazing');
    await h.submitView({
      user: alice,
      viewId: form.id,
      values: { csat_comment: { comment: { type: 'plain_text_input', value: 'It was good' } } },
    });
    await h.slack.waitFor(() => h?.fin.csat(turn.conversationId)?.remark === 'It was good');
    expect(h.fin.callsOf('csat').at(-1)?.body).toEqual({ conversation_id: turn.conversationId, rating: 'good', remark: 'It was good' });
    await h.slack.waitFor(() => readable(prompt).includes('You rated this conversation *😃 Bien*'));
  });

  it('sends a comment held when the app stopped at the next start, and locks the rating', async () => {
    h = await Harness.start();
    const { turn, prompt } = await rated(h);
    await press(h, prompt, alice, 'good');
    await h.slack.waitFor(() => h?.fin.csat(turn.conversationId)?.rating === 'good');
    await h.stopApp();
    // The form was sent and acknowledged; the app died before Fin had the comment.
    withStore(h.env.DATABASE_PATH ?? '', (store) => {
      const [survey] = store.db.prepare('SELECT id FROM csat_surveys').all() as { id: number }[];
      store.csat.holdComment(survey?.id ?? 0, { rating: 'good', remark: 'Written before the crash' }, Date.now());
    });
    await h.startApp();
    await h.slack.waitFor(() => h?.fin.csat(turn.conversationId)?.remark === 'Written before the crash');
    await h.slack.waitFor(() => /can no longer be changed/.test(readable(prompt)));
  });

  it('takes a press after a restart: the prompt’s state is in the store', async () => {
    h = await Harness.start();
    const { turn, prompt } = await rated(h);
    await h.restart();
    await press(h, prompt, alice, 'amazing');
    await h.slack.waitFor(() => h?.fin.csat(turn.conversationId)?.rating === 'amazing');
    await h.slack.waitFor(() => readable(prompt).includes('You rated this conversation *🤩 Génial*'));
  });

  it('shows the rating on the agents’ post of an escalated conversation', async () => {
    h = await Harness.start();
    const root = await h.say({ user: alice, channel: support, text: `<@${h.slack.botUserId}> I was charged twice` });
    const turn = await h.fin.nextTurn();
    await turn.connected();
    turn.expectCsat();
    await turn.status('escalated', 'Escalation rule: Billing');
    await turn.status('complete');
    await turn.csatRequested();
    const post = await h.slack.waitFor(() => h?.slack.messages.find((m) => m.channel === agents && /Billing/.test(readable(m))));
    const prompt = await h.slack.waitFor(() =>
      h?.slack.botReplies(support, root).find((m) => elements(m).some((e) => e.action_id.startsWith('fin_csat_rate_'))),
    );
    await press(h, prompt, alice, 'terrible');
    await h.slack.waitFor(() => /The customer rated the conversation \*😡 Terrible\*/.test(readable(post)));
  });
});
