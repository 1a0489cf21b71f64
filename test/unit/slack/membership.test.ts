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

  it('shares one read among checks made while it is under way', async () => {
    slack.delay('conversations.members', 200);
    const answers = await Promise.all(Array.from({ length: 10 }, () => membership.check('UBOB', { fresh: true })));
    expect(answers).toEqual(Array(10).fill('member'));
    expect(slack.callsTo('conversations.members')).toHaveLength(1);
  });

  it('says it does not know when Slack will not tell', async () => {
    slack.fail('conversations.members', { error: 'internal_error' });
    expect(await membership.check('UBOB', { fresh: true })).toBe('unknown');
  });
});
