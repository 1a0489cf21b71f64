import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COMPLETE_GRACE_MS, GIVE_UP_MS, PrivateAnswers, RESPONSE_URL_LIFETIME_MS } from '../../../src/bridge/private-answers.ts';
import type { SseEnd } from '../../../src/fin/sse.ts';
import { type BridgeParts, finEvent, PEOPLE, startBridgeParts } from '../../helpers/bridge-parts.ts';
import { waitFor } from '../../helpers/wait.ts';

const { alice, bob, support } = PEOPLE;

describe('private answers (/fin)', () => {
  let parts: BridgeParts;
  let clock = Date.now();
  let followed: { id: string; url: string; onEnd: (end: SseEnd) => void }[];
  let answers: PrivateAnswers;
  const make = (options: { webhooksEnabled?: boolean } = {}) =>
    new PrivateAnswers({
      ...parts.ctx,
      ...options,
      follow: (id, url, onEnd) => followed.push({ id, url, onEnd }),
      reserveTurn: () => true,
    });
  /** A question a previous process recorded (and, unless said, Fin took), as the store holds it. */
  const recorded = (id: string, user: string = alice, options: { taken?: boolean } = {}) => {
    parts.store.asks.record(
      {
        id,
        teamId: parts.slack.teamId,
        channelId: support,
        userId: user,
        question: `Question ${id}`,
        responseUrl: parts.slack.privateReplies.issue({ channel: support, user }),
      },
      clock,
    );
    if (options.taken !== false) parts.store.asks.markAsked(id, clock);
  };

  beforeEach(async () => {
    clock = Date.now();
    parts = await startBridgeParts({ bridge: { now: () => clock } });
    followed = [];
    answers = make();
  });
  afterEach(async () => {
    answers.stop();
    await parts.ctx.idle();
    await parts.close();
  });

  /** `/fin <question>` as the command handler hands it on, its response_url issued by the fake Slack. */
  const ask = (question: string, user: string = alice) => {
    const responseUrl = parts.slack.privateReplies.issue({ channel: support, user });
    const outcome = answers.ask({ teamId: parts.slack.teamId, channelId: support, userId: user, text: question, responseUrl });
    if (outcome.kind !== 'asking') throw new Error('the question was not taken');
    parts.slack.privateReplies.acknowledged(responseUrl, { text: outcome.placeholder });
    return { id: outcome.id, responseUrl };
  };
  const privately = (user: string) => parts.slack.privateReplies.visibleTo(user).map((m) => JSON.stringify(m.blocks ?? m.text));

  it('records the question before Fin hears of it, and after a restart sends what was not sent and shows what was not shown', async () => {
    // A previous process recorded these and stopped: one before Fin had it, one after Fin answered it.
    const unsent = 'slack-ask-T0TEST-unsent';
    const unshown = 'slack-ask-T0TEST-unshown';
    recorded(unsent, alice, { taken: false });
    recorded(unshown);
    parts.store.asks.answer(unshown, { text: 'The recorded answer.', finMessageId: 'm1' }, clock);

    answers.recover();
    const turn = await parts.fin.nextTurn();
    expect(turn.call.kind).toBe('ask');
    expect(turn.call.conversationId).toBe(unsent);
    expect(turn.call.body.message?.body).toBe(`Question ${unsent}`);
    await waitFor(() => privately(alice).some((m) => m.includes('The recorded answer.')), { what: 'the recorded answer to be shown' });
    expect(parts.store.asks.get(unshown)).toMatchObject({ state: 'shown', responseUrl: null });
    await waitFor(() => followed.some((f) => f.id === unsent), { what: 'the resent question’s stream to be followed' });
    expect(followed.map((f) => f.id)).toEqual([unsent]);
  });

  it('takes Fin’s answer once: a repeat, or an answer to a question given up, changes nothing', async () => {
    const { id } = ask('Is it up?');
    await parts.fin.nextTurn();
    await waitFor(() => parts.store.asks.get(id)?.state === 'asked', { what: 'Fin to take the question' });
    const first = answers.accept(finEvent.replied(id, { id: 'm1', body: '<p>Yes.</p>', status: 'replying' }) as never, 'sse');
    const again = answers.accept(finEvent.replied(id, { id: 'm1', body: '<p>Yes.</p>', status: 'replying' }) as never, 'webhook');
    expect([first.kind, again.kind]).toEqual(['accepted', 'duplicate']);
    await first.processed;
    expect(privately(alice).filter((m) => m.includes('Yes.'))).toHaveLength(1);

    // The stream broke before an answer and no webhooks bring one: the person is told, and a late answer is dropped.
    const second = ask('And now?', bob);
    await parts.fin.nextTurn();
    await waitFor(() => followed.some((f) => f.id === second.id), { what: 'the stream to be followed' });
    followed.find((f) => f.id === second.id)?.onEnd({ reason: 'error_event', detail: 'Token expired' });
    await waitFor(() => privately(bob).some((m) => m.includes('The connection to Fin dropped')), { what: 'the person to be told' });
    const late = answers.accept(finEvent.replied(second.id, { id: 'm2', body: '<p>Late.</p>' }) as never, 'webhook');
    expect(late.kind).toBe('duplicate');
    expect(parts.store.asks.get(second.id)?.state).toBe('failed');
  });

  it('sends the answer to the direct message with the app when the private reply is past its 30 minutes or used up', async () => {
    const old = ask('An old question?');
    await parts.fin.nextTurn();
    clock += RESPONSE_URL_LIFETIME_MS + 1_000;
    await answers.accept(finEvent.replied(old.id, { id: 'm1', body: '<p>Late, but here.</p>' }) as never, 'webhook').processed;
    const dm = await waitFor(
      () => parts.slack.messages.find((m) => m.channel.startsWith('D') && m.text.includes('You asked Fin privately')),
      {
        what: 'the question in the DM',
      },
    );
    expect(dm.text).toBe(`:speech_balloon: You asked Fin privately in <#${support}>:\n> An old question?`);
    expect(parts.slack.thread(dm.channel, dm.ts).map((m) => m.text)).toEqual([dm.text, 'Late, but here.']);

    const used = ask('Another?', bob);
    await parts.fin.nextTurn();
    // Slack takes 5 messages at one response_url (the acknowledgement is not one of them).
    for (let i = 0; i < 5; i += 1) {
      const res = await fetch(used.responseUrl, { method: 'POST', body: JSON.stringify({ text: `note ${i}` }) });
      expect(res.status).toBe(200);
    }
    await answers.accept(finEvent.replied(used.id, { id: 'm2', body: '<p>Still here.</p>' }) as never, 'webhook').processed;
    await waitFor(() => parts.slack.messages.find((m) => m.channel === `D${bob.slice(1)}` && m.text.includes('Another?')), {
      what: 'the answer in Bob’s DM',
    });
    expect(parts.logged('a response_url no longer takes messages')[0]).toMatchObject({ error: 'used_url' });
  });

  it('shares only an answer that was shown, only for its asker, and says when the app may not post there', async () => {
    const { id } = ask('Shareable?');
    await parts.fin.nextTurn();
    expect(await answers.share({ askId: id, userId: alice, responseUrl: undefined })).toBe('not_answered');
    expect(await answers.share({ askId: 'slack-ask-nope', userId: alice, responseUrl: undefined })).toBe('unknown');
    await answers.accept(finEvent.replied(id, { id: 'm1', body: '<p>Yes.</p>' }) as never, 'sse').processed;
    expect(await answers.share({ askId: id, userId: bob, responseUrl: undefined })).toBe('not_yours');

    parts.slack.fail('chat.postMessage', { error: 'not_in_channel' });
    expect(await answers.share({ askId: id, userId: alice, responseUrl: undefined })).toBe('cannot_post');
    // Nothing was half done: the answer can be shared once the app is invited.
    expect(await answers.share({ askId: id, userId: alice, responseUrl: undefined })).toBe('shared');
    expect(await answers.share({ askId: id, userId: alice, responseUrl: undefined })).toBe('already');
    const root = parts.store.asks.get(id)?.sharedTs;
    const conv = parts.store.conversations.findByThread(parts.slack.teamId, support, root ?? '');
    expect(conv?.topic).toBe('Shareable?');
    expect(JSON.parse(conv?.priorHistory ?? '{}').messages.map((m: { author: string }) => m.author)).toEqual(['user', 'fin']);
  });

  it('tells the person Fin had no answer once it said it was done, even when that came while the question was still being sent', async () => {
    parts.slack.delay('users.info', 500);
    const { id } = ask('Anything at all?');
    // Fin's `complete` by webhook overtakes the app's own call (held up looking up the person).
    expect(answers.accept(finEvent.status(id, 'complete') as never, 'webhook').kind).toBe('accepted');
    clock += COMPLETE_GRACE_MS;
    await parts.fin.nextTurn();
    await waitFor(() => privately(alice).some((m) => m.includes('Fin had no answer to your question')), { what: 'the person to be told' });
    expect(parts.store.asks.get(id)).toMatchObject({ state: 'failed', failure: 'no_answer', responseUrl: null });
  });

  it('after a restart, settles what the lost timers would have: no answer after Fin’s `complete`, or none by the deadline', async () => {
    recorded('slack-ask-T0TEST-completed');
    parts.store.asks.markCompleted('slack-ask-T0TEST-completed', clock);
    recorded('slack-ask-T0TEST-waiting', bob);
    clock += COMPLETE_GRACE_MS;
    answers = make({ webhooksEnabled: true });
    answers.recover();
    await waitFor(() => privately(alice).some((m) => m.includes('Fin had no answer')), { what: 'the completed question to be settled' });
    expect(parts.store.asks.get('slack-ask-T0TEST-waiting')?.state).toBe('asked');

    answers.stop();
    clock += GIVE_UP_MS;
    answers = make({ webhooksEnabled: true });
    answers.recover();
    await waitFor(() => privately(bob).some((m) => m.includes("Fin didn't answer your question in time")), {
      what: 'the question given up',
    });
    // Fin answers after all: the person gets it, in their direct message.
    await answers.accept(finEvent.replied('slack-ask-T0TEST-waiting', { id: 'm9', body: '<p>Sorry, here it is.</p>' }) as never, 'webhook')
      .processed;
    const dm = await waitFor(() => parts.slack.messages.find((m) => m.channel === `D${bob.slice(1)}` && m.text.includes('You asked Fin')), {
      what: 'the late answer in the DM',
    });
    expect(parts.slack.thread(dm.channel, dm.ts).map((m) => m.text)).toEqual([dm.text, 'Sorry, here it is.']);
  });

  it('finishes a share cut short after its thread began, at the next start, posting nothing twice', async () => {
    const { id } = ask('Half shared?');
    await parts.fin.nextTurn();
    await answers.accept(finEvent.replied(id, { id: 'm1', body: '<p>Yes, half.</p>' }) as never, 'sse').processed;
    parts.slack.fail('chat.postMessage', { error: 'internal_error', when: (args) => args.thread_ts !== undefined });
    await expect(answers.share({ askId: id, userId: alice, responseUrl: undefined })).rejects.toThrow();
    const root = parts.store.asks.get(id)?.sharedTs ?? '';
    expect(parts.slack.thread(support, root).map((m) => m.text)).toHaveLength(1);
    // The conversation already knows what was said: a reply now would reach Fin with it.
    const conv = parts.store.conversations.findByThread(parts.slack.teamId, support, root);
    expect(JSON.parse(conv?.priorHistory ?? '{}').messages).toHaveLength(2);

    answers.stop();
    answers = make();
    answers.recover();
    await waitFor(() => parts.slack.thread(support, root).length === 2, { what: 'the answer to be posted in the thread' });
    expect(parts.slack.thread(support, root).map((m) => m.text)).toEqual([
      ':speech_balloon: <@UALICE> asked Fin:\n> Half shared?',
      'Yes, half.',
    ]);
    expect(await answers.share({ askId: id, userId: alice, responseUrl: undefined })).toBe('already');
    answers.recover();
    await parts.ctx.idle();
    expect(parts.slack.thread(support, root)).toHaveLength(2);
  });
});
