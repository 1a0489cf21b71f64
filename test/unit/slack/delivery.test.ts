import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeSlack } from '../../../fakes/slack-api.ts';
import { deliverFinalText, type DeliveryDeps } from '../../../src/slack/delivery.ts';
import { createLogger } from '../../../src/core/log.ts';
import { unpacedPoster } from '../../helpers/slack-parts.ts';
import { openDatabase } from '../../../src/store/db.ts';
import { createStore, type Store } from '../../../src/store/index.ts';

/** The durable delivery against the fake Slack on loopback and an in-memory store. */
describe('deliverFinalText', () => {
  let slack: FakeSlack;
  let store: Store;
  let deps: DeliveryDeps;
  const thread = { channelId: 'C1', threadTs: '1700000000.000001' };

  beforeEach(async () => {
    slack = await FakeSlack.start({ channels: [{ id: 'C1', name: 'support', kind: 'channel' }] });
    store = createStore(openDatabase(':memory:'));
    store.conversations.ensure({ teamId: 'T', channelId: 'C1', threadTs: thread.threadTs, channelType: 'channel' }, 0);
    const client = new WebClient(slack.token, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    const logger = createLogger({ level: 'silent', secrets: [] });
    deps = {
      store,
      // Updates straight through the client, unpaced: the delivery is under test, not the budget.
      poster: unpacedPoster(client, logger),
      ownMessages: async (channelId, threadTs, oldest) =>
        slack
          .thread(channelId, threadTs)
          .filter((m) => m.botId !== undefined && Number(m.ts) > Number(oldest))
          .map((m) => ({ ts: m.ts, text: m.text })),
      now: () => 0,
      log: logger,
    };
  });
  afterEach(async () => {
    await slack.close();
  });

  const long = Array.from({ length: 4 }, (_, i) => `Part ${i + 1} ${'word '.repeat(600)}`.trim()).join('\n\n');
  const text = { key: 'reply:c:m1', conversationId: 'slack-T-C1-1700000000.000001', ...thread, targetTs: undefined, text: long };
  const parts = () => slack.botReplies(thread.channelId, thread.threadTs).map((m) => /^Part (\d)/.exec(m.text)?.[1]);

  it('delivers a keyed text once, however often it is asked to', async () => {
    const landed: number[] = [];
    expect(await deliverFinalText(deps, text, { landed: (i) => landed.push(i) })).toBe('delivered');
    expect(await deliverFinalText(deps, text, { landed: (i) => landed.push(i) })).toBe('already_delivered');
    expect(parts()).toEqual(['1', '2', '3', '4']);
    expect(landed).toEqual([0, 1, 2, 3]);
    expect(store.deliveries.get(text.key)?.parts).toEqual([]); // the text itself is forgotten
  });

  it('resumes after the parts that landed when Slack failed, and counts a part Slack posted without answering', async () => {
    slack.fail('chat.postMessage', { error: 'internal_error', when: (args) => String(args.text).startsWith('Part 3') });
    await expect(deliverFinalText(deps, text, { landed: () => {} })).rejects.toThrow();
    expect(parts()).toEqual(['1', '2']);
    // As if an attempt had posted part 3 and died before hearing Slack's answer.
    slack.appMessage({ channel: thread.channelId, threadTs: thread.threadTs, text: long.split('\n\n')[2] ?? '' });
    const landed: number[] = [];
    expect(await deliverFinalText(deps, text, { landed: (i) => landed.push(i) })).toBe('delivered');
    expect(parts()).toEqual(['1', '2', '3', '4']);
    expect(landed).toEqual([2, 3]);
  });

  it('never takes an older message of the app for a part, however alike', async () => {
    const line = 'Is there anything else I can help with?';
    const conversationId = 'slack-T-C1-1700000000.000001';
    // Said before in the thread, and recorded as the app's.
    const earlier = slack.appMessage({ channel: thread.channelId, threadTs: thread.threadTs, text: line });
    store.posted.add({ channelId: thread.channelId, ts: earlier.ts, conversationId, turnId: null, kind: 'reply', state: 'final' }, 0);
    // Said before too, long before this delivery (Slack's clock well behind the app's), and not recorded.
    slack.appMessage({ channel: thread.channelId, threadTs: thread.threadTs, text: line });
    deps = { ...deps, now: () => Date.now() + 5 * 60_000 };
    slack.fail('chat.postMessage', { error: 'internal_error' });
    const again = { key: 'reply:c:m2', conversationId, ...thread, targetTs: undefined, text: line };
    await expect(deliverFinalText(deps, again, { landed: () => {} })).rejects.toThrow();
    const landed: string[] = [];
    expect(await deliverFinalText(deps, again, { landed: (_i, ts) => landed.push(ts) })).toBe('delivered');
    expect(slack.botReplies(thread.channelId, thread.threadTs).filter((m) => m.text === line)).toHaveLength(3);
    expect(landed).toHaveLength(1);
  });

  it('recognises a part Slack stored with its links and spacing written differently', async () => {
    const withLink = 'Part 1 see <https://example.com/a|the guide>  for more';
    slack.fail('chat.postMessage', { error: 'internal_error' });
    const keyed = { key: 'reply:c:m3', conversationId: 'slack-T-C1-1700000000.000001', ...thread, targetTs: undefined, text: withLink };
    await expect(deliverFinalText(deps, keyed, { landed: () => {} })).rejects.toThrow();
    slack.appMessage({ channel: thread.channelId, threadTs: thread.threadTs, text: 'Part 1 see the guide for more' });
    expect(await deliverFinalText(deps, keyed, { landed: () => {} })).toBe('delivered');
    expect(slack.callsTo('chat.postMessage').filter((c) => c.ok)).toHaveLength(0);
  });
});
