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
  it('maps a thread to one deterministic conversation, created once', () => {
    const a = store.conversations.ensure(thread, 1);
    const b = store.conversations.ensure(thread, 2);
    expect(a.id).toBe('slack-T1-C1-100.000001');
    expect(b).toEqual(a);
    expect(store.conversations.findByThread('T1', 'C1', '100.000001')?.id).toBe(a.id);
  });

  it('keeps Intercom’s id once known', () => {
    const c = store.conversations.ensure(thread, 1);
    store.conversations.markStarted(c.id, '2154', 2);
    store.conversations.markStarted(c.id, undefined, 3);
    expect(store.conversations.get(c.id)).toMatchObject({ finStarted: true, intercomConversationId: '2154' });
  });
});

describe('the inbox', () => {
  it('records a message once and queues messages in Slack order', () => {
    store.conversations.ensure(thread, 1);
    expect(store.inbound.claim(message('100.000003'), 1)).toBe(true);
    expect(store.inbound.claim(message('100.000002'), 1)).toBe(true);
    expect(store.inbound.claim(message('100.000003'), 2)).toBe(false);
    expect(store.inbound.queued(message('x').conversationId).map((m) => m.ts)).toEqual(['100.000002', '100.000003']);
  });

  it('takes messages out of the queue when a turn carries them', () => {
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
  it('allows one unfinished turn per conversation', () => {
    const conv = store.conversations.ensure(thread, 1);
    store.turns.create({ conversationId: conv.id, kind: 'start', userId: 'UA', messageTimestamp: 't' }, 1);
    expect(() => store.turns.create({ conversationId: conv.id, kind: 'reply', userId: 'UA', messageTimestamp: 't2' }, 2)).toThrow(
      /UNIQUE/,
    );
  });

  it('moves pending → open → overdue and ends once', () => {
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
  it('finds a turn’s waiting placeholder and lets a final reply claim its stream', () => {
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

  it('keeps the streamed text of a streaming message', () => {
    const conv = store.conversations.ensure(thread, 1);
    store.posted.add({ channelId: 'C1', ts: '200.2', conversationId: conv.id, turnId: null, kind: 'placeholder', state: 'waiting' }, 1);
    store.posted.bindStream('C1', '200.2', 's2');
    store.posted.setStreamedText('C1', '200.2', 'so far');
    expect(store.posted.byStream(conv.id, 's2')).toMatchObject({ state: 'streaming', streamedText: 'so far' });
  });

  it('scopes a stream id to its conversation: the same id elsewhere is another stream', () => {
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
  it('records a Fin event once, keeps it pending until done, and prunes done ones by age', () => {
    const e = { dedupeKey: 'reply:1', conversationId: 'c', source: 'sse' as const, payload: '{}' };
    expect(store.finEvents.record(e, 10)).toBe(true);
    expect(store.finEvents.record({ ...e, source: 'webhook' }, 11)).toBe(false);
    expect(store.finEvents.pending().map((p) => p.dedupeKey)).toEqual(['reply:1']);
    store.finEvents.markDone('reply:1', 12);
    expect(store.finEvents.pending()).toEqual([]);
    expect(store.finEvents.prune(11)).toBe(1);
    expect(store.finEvents.record(e, 13)).toBe(true);
  });

  it('claims a Slack event id once, remembers it for well over Slack’s 24 hours of retries, then forgets it', () => {
    const hour = 60 * 60_000;
    expect(store.slackEvents.claim('Ev1', 10)).toBe(true);
    expect(store.slackEvents.claim('Ev1', 11)).toBe(false);
    store.pruneProcessed(10 + 47 * hour);
    expect(store.slackEvents.claim('Ev1', 12)).toBe(false);
    store.pruneProcessed(10 + 49 * hour);
    expect(store.slackEvents.claim('Ev1', 13)).toBe(true);
  });
});
