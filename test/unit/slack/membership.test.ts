import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeSlack } from '../../../fakes/slack-api.ts';
import { createLogger } from '../../../src/core/log.ts';
import { ChannelMembership } from '../../../src/slack/membership.ts';

describe('ChannelMembership', () => {
  let slack: FakeSlack;
  let membership: ChannelMembership;
  beforeEach(async () => {
    slack = await FakeSlack.start({ channels: [{ id: 'CAGENTS', name: 'agents', kind: 'channel', members: ['UBOB'] }] });
    const client = new WebClient(slack.token, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    membership = new ChannelMembership(client, 'CAGENTS', createLogger({ level: 'silent', secrets: [] }));
  });
  afterEach(async () => {
    await slack.close();
  });

  it('answers from a recent read for a quick check, and asks Slack afresh for one that acts', async () => {
    expect(await membership.check('UBOB', { fresh: false })).toBe('member');
    slack.addChannel({ id: 'CAGENTS', name: 'agents', kind: 'channel', members: [] });
    expect(await membership.check('UBOB', { fresh: false })).toBe('member');
    expect(await membership.check('UBOB', { fresh: true })).toBe('not_member');
    expect(slack.callsTo('conversations.members')).toHaveLength(2);
  });

  it('shares reads among checks made while one is under way, and answers a fresh check only from a read begun after it', async () => {
    // Slack reads the list at once but its answer takes a while to arrive.
    slack.holdAnswer('conversations.members', 200);
    const first = membership.check('UBOB', { fresh: true });
    await slack.waitFor(() => slack.callsTo('conversations.members').length === 1);
    // Bob leaves while the first read is under way: checks asked now wait for a read that starts after it.
    slack.addChannel({ id: 'CAGENTS', name: 'agents', kind: 'channel', members: [] });
    const later = await Promise.all(Array.from({ length: 10 }, () => membership.check('UBOB', { fresh: true })));
    expect(await first).toBe('member');
    expect(later).toEqual(Array(10).fill('not_member'));
    expect(slack.callsTo('conversations.members')).toHaveLength(2);
  });

  it('says it does not know when Slack will not tell', async () => {
    slack.fail('conversations.members', { error: 'internal_error' });
    expect(await membership.check('UBOB', { fresh: true })).toBe('membership_unknown');
  });
});
