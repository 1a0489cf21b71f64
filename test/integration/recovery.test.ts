import { afterEach, describe, expect, it } from 'vitest';
import { PLACEHOLDER } from '../../src/bridge/copy.ts';
import { slackTsToIso } from '../../src/slack/timestamps.ts';
import { Harness, WORKSPACE } from '../helpers/harness.ts';
import { withStore } from '../helpers/seed.ts';

const { alice, support } = WORKSPACE;

describe('after a restart', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /** The state a process leaves when it dies after recording a turn and posting its placeholder. */
  function seedPendingTurn(harness: Harness, text: string) {
    const { ts: root } = harness.slack.userMessage({ user: alice, channel: support, text });
    const placeholder = harness.slack.appMessage({ channel: support, threadTs: root, text: PLACEHOLDER });
    const now = Date.now();
    const conversationId = withStore(harness.env.DATABASE_PATH ?? '', (store) =>
      store.transaction(() => {
        const conv = store.conversations.ensure(
          { teamId: harness.slack.teamId, channelId: support, threadTs: root, channelType: 'channel' },
          now,
        );
        store.inbound.claim(
          { teamId: harness.slack.teamId, channelId: support, ts: root, conversationId: conv.id, userId: alice, text },
          now,
        );
        const turn = store.turns.create(
          { conversationId: conv.id, kind: 'start', userId: alice, messageTimestamp: slackTsToIso(root) },
          now,
        );
        store.inbound.assign(turn.id, store.inbound.queued(conv.id));
        store.turns.setPlaceholder(turn.id, placeholder.ts);
        store.posted.add(
          { channelId: support, ts: placeholder.ts, conversationId: conv.id, turnId: turn.id, kind: 'placeholder', state: 'waiting' },
          now,
        );
        return conv.id;
      }),
    );
    return { root, placeholder, conversationId };
  }

  it('resends a turn Fin may not have received; if Fin already has the conversation, as a reply with the same timestamp', async () => {
    h = await Harness.start();
    await h.stopApp();
    const { root, placeholder, conversationId } = seedPendingTurn(h, `<@${h.slack.botUserId}> the crashed question`);
    // The dead process's /fin/start got through before it died.
    h.fin.knowConversation(conversationId);
    await h.startApp();

    const turn = await h.fin.nextTurn();
    expect(turn.call.kind).toBe('reply');
    expect(turn.call.body.message).toMatchObject({ body: 'the crashed question', timestamp: slackTsToIso(root) });
    await turn.answer('<p>Recovered.</p>');
    await h.slack.waitFor(() => placeholder.text === 'Recovered.');
    expect(h.fin.calls.map((c) => c.kind)).toEqual(['start', 'reply']);

    // The thread goes on as usual.
    await h.say({ user: alice, channel: support, text: 'and then?', threadTs: root });
    expect((await h.fin.nextTurn()).call.kind).toBe('reply');
  });

  it('resends a turn that never reached Fin as the start it was', async () => {
    h = await Harness.start();
    await h.stopApp();
    const { placeholder } = seedPendingTurn(h, `<@${h.slack.botUserId}> never sent`);
    await h.startApp();
    const turn = await h.fin.nextTurn();
    expect(turn.call.kind).toBe('start');
    await turn.answer('<p>Now answered.</p>');
    await h.slack.waitFor(() => placeholder.text === 'Now answered.');
  });

  it('acts on a Fin reply that was recorded but not shown when the process stopped', async () => {
    h = await Harness.start();
    const root = await h.say({ user: alice, channel: support, text: `<@${h.slack.botUserId}> question` });
    const turn = await h.fin.nextTurn();
    const placeholder = await h.slack.waitFor(() => h?.slack.botReplies(support, root)[0]);
    await h.stopApp();
    const reply = {
      event_name: 'fin_replied',
      conversation_id: turn.conversationId,
      message: { id: 'm-recorded', author: 'fin', body: '<p>Recorded before the crash.</p>' },
      status: 'awaiting_user_reply',
    };
    withStore(h.env.DATABASE_PATH ?? '', (store) =>
      store.finEvents.record(
        { dedupeKey: 'reply:m-recorded', conversationId: turn.conversationId, source: 'sse', payload: JSON.stringify(reply) },
        Date.now(),
      ),
    );
    await h.startApp();
    await h.slack.waitFor(() => placeholder.text === 'Recorded before the crash.');
  });

  it('settles a reply that was streaming when the process stopped: text kept, no typing marker, the user told', async () => {
    h = await Harness.start();
    const root = await h.say({ user: alice, channel: support, text: `<@${h.slack.botUserId}> long question` });
    const turn = await h.fin.nextTurn();
    await turn.connected();
    const placeholder = await h.slack.waitFor(() => h?.slack.botReplies(support, root)[0]);
    await turn.chunk('s1', 0, 'Partial answer');
    await h.slack.waitFor(() => placeholder.text === 'Partial answer :writing_hand:');
    await h.say({ user: alice, channel: support, text: 'queued meanwhile', threadTs: root });
    await h.stopApp();

    // No webhooks are configured, and the stream's token died with the process: this answer cannot arrive.
    await h.startApp();
    await h.slack.waitFor(() => placeholder.text.startsWith('Partial answer\n\n:warning: The connection to Fin dropped'));
    expect(placeholder.text).not.toContain(':writing_hand:');
    const next = await h.fin.nextTurn();
    expect(next.call.body.message?.body).toBe('queued meanwhile');
  });
});
