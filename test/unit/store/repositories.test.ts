import { beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/store/db.ts';
import { conversationIdFor } from '../../../src/store/conversations.ts';
import { createStore, type Store } from '../../../src/store/index.ts';

let store: Store;
beforeEach(() => {
  store = createStore(openDatabase(':memory:'));
});

const thread = { teamId: 'T1', channelId: 'C1', threadTs: '100.000001', channelType: 'channel' as const };
const message = (ts: string, userId = 'UA') => ({
  teamId: 'T1',
  channelId: 'C1',
  ts,
  conversationId: conversationIdFor('T1', 'C1', '100.000001'),
  userId,
  text: `text ${ts}`,
});

describe('conversations', () => {
  it('maps a thread to one deterministic conversation, created once', async () => {
    const a = store.conversations.ensure(thread, 1);
    const b = store.conversations.ensure(thread, 2);
    expect(a.id).toBe('slack-T1-C1-100.000001');
    expect(b).toEqual(a);
    expect(store.conversations.findByThread('T1', 'C1', '100.000001')?.id).toBe(a.id);
  });

  it('keeps Intercom’s id once known', async () => {
    const c = store.conversations.ensure(thread, 1);
    store.conversations.markStarted(c.id, '2154', 2);
    store.conversations.markStarted(c.id, undefined, 3);
    expect(store.conversations.get(c.id)).toMatchObject({ finStarted: true, intercomConversationId: '2154' });
  });
});

describe('the inbox', () => {
  it('records a message once and queues messages in Slack order', async () => {
    store.conversations.ensure(thread, 1);
    expect(store.inbound.claim(message('100.000003'), 1)).toBe(true);
    expect(store.inbound.claim(message('100.000002'), 1)).toBe(true);
    expect(store.inbound.claim(message('100.000003'), 2)).toBe(false);
    expect(store.inbound.queued(message('x').conversationId).map((m) => m.ts)).toEqual(['100.000002', '100.000003']);
  });

  it('takes messages out of the queue when a turn carries them', async () => {
    const conv = store.conversations.ensure(thread, 1);
    store.inbound.claim(message('100.000002'), 1);
    const turn = store.turns.create({ conversationId: conv.id, kind: 'start', userId: 'UA', messageTimestamp: 't' }, 1);
    store.inbound.assign(turn.id, store.inbound.queued(conv.id));
    expect(store.inbound.queued(conv.id)).toEqual([]);
    expect(store.inbound.ofTurn(turn.id).map((m) => m.ts)).toEqual(['100.000002']);
    expect(store.inbound.conversationsWithQueue()).toEqual([]);
  });
});

describe('turns', () => {
  it('allows one unfinished turn per conversation', async () => {
    const conv = store.conversations.ensure(thread, 1);
    store.turns.create({ conversationId: conv.id, kind: 'start', userId: 'UA', messageTimestamp: 't' }, 1);
    expect(() => store.turns.create({ conversationId: conv.id, kind: 'reply', userId: 'UA', messageTimestamp: 't2' }, 2)).toThrow(/UNIQUE/);
  });

  it('moves pending → open → overdue and ends once', async () => {
    const conv = store.conversations.ensure(thread, 1);
    const turn = store.turns.create({ conversationId: conv.id, kind: 'start', userId: 'UA', messageTimestamp: 't' }, 1);
    expect(store.turns.markOverdue(turn.id)).toBe(false);
    store.turns.markOpen(turn.id);
    expect(store.turns.markOverdue(turn.id)).toBe(true);
    expect(store.turns.active(conv.id)?.state).toBe('overdue');
    expect(store.turns.end(turn.id, 'done', 'fin', 2)).toBe(true);
    expect(store.turns.end(turn.id, 'failed', 'late', 3)).toBe(false);
    expect(store.turns.active(conv.id)).toBeUndefined();
    expect(store.turns.get(turn.id)?.state).toBe('done');
  });
});

describe('posted messages', () => {
  it('finds a turn’s waiting placeholder and lets a final reply claim its stream', async () => {
    const conv = store.conversations.ensure(thread, 1);
    const turn = store.turns.create({ conversationId: conv.id, kind: 'start', userId: 'UA', messageTimestamp: 't' }, 1);
    store.posted.add({ channelId: 'C1', ts: '200.1', conversationId: conv.id, turnId: turn.id, kind: 'placeholder', state: 'waiting' }, 1);
    expect(store.posted.waitingPlaceholder(conv.id)?.ts).toBe('200.1');
    expect(store.posted.unfinishedOfTurn(turn.id).map((m) => m.ts)).toEqual(['200.1']);
    store.posted.finalize('C1', '200.1', { finMessageId: 'm1', streamId: 's1' });
    expect(store.posted.byStream(conv.id, 's1')).toMatchObject({ state: 'final', finMessageId: 'm1' });
    expect(store.posted.waitingPlaceholder(conv.id)).toBeUndefined();
    expect(store.posted.unfinishedOfTurn(turn.id)).toEqual([]);
  });

  it('keeps the streamed text of a streaming message', async () => {
    const conv = store.conversations.ensure(thread, 1);
    store.posted.add({ channelId: 'C1', ts: '200.2', conversationId: conv.id, turnId: null, kind: 'placeholder', state: 'waiting' }, 1);
    store.posted.bindStream('C1', '200.2', 's2');
    store.posted.setStreamedText('C1', '200.2', 'so far');
    expect(store.posted.byStream(conv.id, 's2')).toMatchObject({ state: 'streaming', streamedText: 'so far' });
  });

  it('scopes a stream id to its conversation: the same id elsewhere is another stream', async () => {
    const a = store.conversations.ensure(thread, 1);
    const b = store.conversations.ensure({ ...thread, threadTs: '999.9' }, 1);
    store.posted.add({ channelId: 'C1', ts: '300.1', conversationId: a.id, turnId: null, kind: 'placeholder', state: 'waiting' }, 1);
    store.posted.add({ channelId: 'C1', ts: '300.2', conversationId: b.id, turnId: null, kind: 'placeholder', state: 'waiting' }, 1);
    store.posted.bindStream('C1', '300.1', 'same');
    store.posted.bindStream('C1', '300.2', 'same');
    expect(store.posted.byStream(a.id, 'same')?.ts).toBe('300.1');
    expect(store.posted.byStream(b.id, 'same')?.ts).toBe('300.2');
  });
});

describe('processed events', () => {
  const day = 24 * 60 * 60_000;

  it('records a Fin event once, keeps it pending until done, then only its key, for as long as its conversation', async () => {
    const conv = store.conversations.ensure(thread, 0);
    const e = { dedupeKey: 'reply:1', conversationId: conv.id, source: 'sse' as const, payload: '{"secret":"answer"}' };
    expect(store.finEvents.record(e, 10)).toBe(true);
    expect(store.finEvents.record({ ...e, source: 'webhook' }, 11)).toBe(false);
    expect(store.finEvents.pending().map((p) => p.dedupeKey)).toEqual(['reply:1']);
    store.finEvents.markDone('reply:1', 12);
    expect(store.finEvents.pending()).toEqual([]);
    expect(store.db.prepare('SELECT payload FROM fin_events').pluck().get()).toBe('');
    // The conversation goes on: however old, the key is still there.
    store.conversations.touch(conv.id, 40 * day);
    await store.prune(60 * day, 30 * day);
    expect(store.finEvents.record(e, 60 * day)).toBe(false);
    // Idle past the window, the conversation goes, and its keys with it.
    await store.prune(71 * day, 30 * day);
    expect(store.conversations.get(conv.id)).toBeUndefined();
    expect(store.finEvents.record(e, 71 * day)).toBe(true);
  });

  it('forgets a conversation’s rating prompts and requests for a person with it, once it is idle past the window', async () => {
    const conv = store.conversations.ensure(thread, 0);
    const survey = store.csat.ensure(
      {
        conversationId: conv.id,
        dedupeKey: 'csat:1',
        userId: 'U1',
        options: [{ key: 'good', emoji: '😃', label: 'Great' }],
        channelId: 'C1',
        threadTs: thread.threadTs,
      },
      0,
    );
    expect(
      store.csat.ensure({ conversationId: conv.id, dedupeKey: 'csat:1', userId: 'U2', options: [], channelId: 'C1', threadTs: '1' }, 1).id,
    ).toBe(survey.id);
    store.csat.rated(survey.id, 'good', 2);
    store.personRequests.claim({ conversationId: conv.id, userId: 'U1', via: 'reaction', reaction: 'sos', messageTs: thread.threadTs }, 3);
    await store.prune(20 * day, 30 * day);
    expect(store.csat.get(survey.id)?.rating).toBe('good');
    await store.prune(31 * day, 30 * day);
    expect(store.csat.get(survey.id)).toBeUndefined();
    expect(store.personRequests.get(conv.id)).toBeUndefined();
    expect(store.conversations.get(conv.id)).toBeUndefined();
  });

  it('claims a Slack event id once, remembers it for well over Slack’s 24 hours of retries, then forgets it', async () => {
    const hour = 60 * 60_000;
    expect(store.slackEvents.claim('Ev1', 10)).toBe(true);
    expect(store.slackEvents.claim('Ev1', 11)).toBe(false);
    await store.prune(10 + 47 * hour, 30 * day);
    expect(store.slackEvents.claim('Ev1', 12)).toBe(false);
    await store.prune(10 + 49 * hour, 30 * day);
    expect(store.slackEvents.claim('Ev1', 13)).toBe(true);
  });
});

describe('retention', () => {
  const day = 24 * 60 * 60_000;
  const retention = 30 * day;

  /** A conversation with one finished turn, a posted answer, an event and an escalation, all at `at`. */
  function finishedConversation(threadTs: string, at: number) {
    const t = { ...thread, threadTs };
    const conv = store.conversations.ensure(t, at);
    const msg = { ...message(`${threadTs}1`), conversationId: conv.id };
    store.inbound.claim(msg, at);
    const turn = store.turns.create({ conversationId: conv.id, kind: 'start', userId: 'UA', messageTimestamp: 't' }, at);
    store.inbound.assign(turn.id, store.inbound.queued(conv.id));
    store.posted.add({ channelId: 'C1', ts: `${threadTs}9`, conversationId: conv.id, turnId: turn.id, kind: 'reply', state: 'final' }, at);
    store.finEvents.record({ dedupeKey: `reply:${threadTs}`, conversationId: conv.id, source: 'webhook', payload: '{}' }, at);
    store.escalations.open({ conversationId: conv.id, reason: null, agentChannelId: 'CAG' }, at);
    store.turns.end(turn.id, 'done', 'fin_replied', at);
    return { conv, turn };
  }

  it('deletes conversations idle past the window with everything that belongs to them, and keeps the others', async () => {
    const old = finishedConversation('100.000001', 0);
    const recent = finishedConversation('200.000001', 20 * day);
    for (const { conv } of [old, recent]) {
      const escalation = store.escalations.active(conv.id);
      store.escalations.handBack(escalation?.id ?? 0, 'UAGENT', 0);
    }
    const report = await store.prune(35 * day, retention);
    expect(report.conversations).toBe(1);
    expect(store.conversations.get(old.conv.id)).toBeUndefined();
    expect(store.turns.get(old.turn.id)).toBeUndefined();
    expect(store.conversations.get(recent.conv.id)).toBeDefined();
    const left = (table: string) => store.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get();
    for (const table of ['inbound_messages', 'posted_messages', 'fin_events', 'escalations', 'turns']) expect(left(table)).toBe(1);
  });

  it('keeps a conversation whose turn is in progress within the window; one older than the window does not hold it', async () => {
    const conv = store.conversations.ensure(thread, 0);
    store.turns.create({ conversationId: conv.id, kind: 'start', userId: 'UA', messageTimestamp: 't' }, 20 * day);
    await store.prune(35 * day, retention);
    expect(store.conversations.get(conv.id)).toBeDefined();
    // Fin does not answer a turn a month on: an overdue turn left open does not keep the conversation forever.
    await store.prune(51 * day, retention);
    expect(store.conversations.get(conv.id)).toBeUndefined();
  });

  it('empties a conversation people own but keeps it and its escalation, so the thread stays with people', async () => {
    const { conv } = finishedConversation('100.000001', 0);
    store.conversations.noteTopic(conv.id, 'my card was charged twice');
    store.conversations.setPriorHistory(conv.id, '{"afterTs":"1.1","messages":[]}', 0);
    const escalation = store.escalations.active(conv.id);
    await store.prune(35 * day, retention);
    // What people wrote goes with the rest: the row keeps ids and who owns the thread, not their words.
    expect(store.conversations.get(conv.id)).toMatchObject({ topic: null, priorHistory: null });
    expect(store.escalations.active(conv.id)?.id).toBe(escalation?.id);
    for (const table of ['inbound_messages', 'posted_messages', 'fin_events', 'turns']) {
      expect(store.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get()).toBe(0);
    }
    // Handed back and idle again for the window: then it goes.
    store.escalations.handBack(escalation?.id ?? 0, 'UAGENT', 36 * day);
    await store.prune(70 * day, retention);
    expect(store.conversations.get(conv.id)).toBeUndefined();
  });

  it('forgets a turn’s request once Fin has it, and its messages’ text once it ended, but for the latest message', async () => {
    const conv = store.conversations.ensure(thread, 0);
    store.inbound.claim(message('100.000002'), 0);
    store.inbound.claim(message('100.000003'), 0);
    const turn = store.turns.create({ conversationId: conv.id, kind: 'start', userId: 'UA', messageTimestamp: 't' }, 0);
    store.inbound.assign(turn.id, store.inbound.queued(conv.id));
    store.turns.setRequest(turn.id, '{"user":{"email":"a@example.com"}}', 'start', ['F1']);
    expect(store.turns.get(turn.id)).toMatchObject({ requestJson: expect.stringContaining('email'), attachedFileIds: ['F1'] });
    store.turns.markOpen(turn.id);
    expect(store.turns.get(turn.id)?.requestJson).toBeNull();
    store.turns.end(turn.id, 'done', 'fin_replied', 1);
    expect(store.inbound.ofTurn(turn.id).map((m) => m.text)).toEqual(['', 'text 100.000003']);
    expect(store.inbound.latest(conv.id)?.text).toBe('text 100.000003');
  });

  it('deletes turns that ended before the window in a conversation still going, keeping the one with the latest message', async () => {
    const { conv, turn: first } = finishedConversation('100.000001', 0);
    store.inbound.claim({ ...message('100.0000015'), conversationId: conv.id }, 10 * day);
    const second = store.turns.create({ conversationId: conv.id, kind: 'reply', userId: 'UA', messageTimestamp: 't2' }, 10 * day);
    store.inbound.assign(second.id, store.inbound.queued(conv.id));
    store.turns.end(second.id, 'done', 'fin_replied', 10 * day);
    store.conversations.touch(conv.id, 40 * day);
    const report = await store.prune(45 * day, retention);
    expect(report.turns).toBe(1);
    expect(store.turns.get(first.id)).toBeUndefined();
    expect(store.turns.get(second.id)).toBeDefined();
    expect(store.inbound.latest(conv.id)?.ts).toBe('100.0000015');
  });
});

describe('private questions', () => {
  const ask = {
    id: 'slack-ask-T1-1',
    teamId: 'T1',
    channelId: 'C1',
    userId: 'UA',
    question: 'Why?',
    responseUrl: 'https://hooks.slack.com/x',
  };

  it('takes the first answer only, and one given up for want of an answer still takes a late one', () => {
    store.asks.record(ask, 1);
    expect(store.asks.markAsked(ask.id, 2)).toBe(true);
    expect(store.asks.markCompleted(ask.id, 3)).toBe(true);
    expect(store.asks.markCompleted(ask.id, 4)).toBe(false);
    expect(store.asks.fail(ask.id, 'no_answer', 5)).toBe(true);
    expect(store.asks.get(ask.id)).toMatchObject({ state: 'failed', responseUrl: null, completedAt: 3 });
    expect(store.asks.answer(ask.id, { text: 'Late.', finMessageId: 'm1' }, 6)).toBe(true);
    expect(store.asks.answer(ask.id, { text: 'Again.', finMessageId: 'm2' }, 7)).toBe(false);
    expect(store.asks.get(ask.id)).toMatchObject({ state: 'answered', answer: 'Late.', answeredAt: 6 });
    // A question given up for another reason (Fin refused it) takes none.
    store.asks.record({ ...ask, id: 'slack-ask-T1-2' }, 1);
    store.asks.fail('slack-ask-T1-2', 'feature_off', 2);
    expect(store.asks.answer('slack-ask-T1-2', { text: 'No.', finMessageId: 'm3' }, 3)).toBe(false);
  });

  it('lets one share at a time take a shown answer, and takes over a share whose process died', () => {
    store.asks.record(ask, 1);
    store.asks.answer(ask.id, { text: 'Yes.', finMessageId: 'm1' }, 2);
    expect(store.asks.claimShare(ask.id, 3, 0)).toBe(false); // not shown yet
    store.asks.markShown(ask.id, 3);
    expect(store.asks.claimShare(ask.id, 10, 0)).toBe(true);
    expect(store.asks.claimShare(ask.id, 11, 0)).toBe(false); // a second click while the first shares
    expect(store.asks.claimShare(ask.id, 100, 50)).toBe(true); // the first began before 50: it died
    store.asks.shared(ask.id, '200.000001', 101);
    expect(store.asks.claimShare(ask.id, 1_000, 999)).toBe(false);
    expect(store.asks.unfinishedShares().map((a) => a.id)).toEqual([ask.id]);
  });
});
