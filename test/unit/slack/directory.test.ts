import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeSlack } from '../../../fakes/slack-api.ts';
import { createLogger } from '../../../src/core/log.ts';
import { MAX_NAME_LOOKUPS, NAME_LOOKUPS_PER_MINUTE, SlackDirectory } from '../../../src/slack/directory.ts';

describe('SlackDirectory', () => {
  let slack: FakeSlack;
  let now = 0;
  let directory: SlackDirectory;
  beforeEach(async () => {
    slack = await FakeSlack.start({ users: Array.from({ length: 100 }, (_, i) => ({ id: `U${i}`, name: `person${i}` })) });
    const client = new WebClient(slack.token, { slackApiUrl: slack.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
    now = 1_000_000;
    directory = new SlackDirectory(client, createLogger({ level: 'silent', secrets: [] }), () => now);
  });
  afterEach(async () => {
    await slack.close();
  });
  const ids = (from: number, count: number) => Array.from({ length: count }, (_, i) => `U${from + i}`);

  it('looks up at most MAX_NAME_LOOKUPS new names per call, the first ones given, and remembers them', async () => {
    const names = await directory.userNames(ids(0, 30));
    expect(names.size).toBe(MAX_NAME_LOOKUPS);
    expect(names.get('U0')).toBe('person0');
    expect(names.has('U29')).toBe(false);
    expect(slack.callsTo('users.info')).toHaveLength(MAX_NAME_LOOKUPS);
    // Cached names cost nothing and do not count against the cap.
    now += 60_000;
    const again = await directory.userNames(ids(0, 40));
    expect(again.size).toBe(40);
    expect(slack.callsTo('users.info')).toHaveLength(40);
  });

  it('shares a workspace budget for name lookups: beyond it, names are left out until it refills', async () => {
    await directory.userNames(ids(0, 20));
    expect((await directory.userNames(ids(20, 20))).size).toBe(0);
    expect(slack.callsTo('users.info')).toHaveLength(20);
    now += (10 * 60_000) / NAME_LOOKUPS_PER_MINUTE;
    expect((await directory.userNames(ids(20, 20))).size).toBe(10);
    // The asker's own lookup is not a name lookup of this kind: it always goes.
    expect((await directory.user('U99')).name).toBe('person99');
  });

  it('makes no lookup at all while Slack says to wait after a 429', async () => {
    slack.fail('users.info', { error: 'ratelimited', retryAfterSeconds: 30 });
    expect(await directory.user('U1')).toEqual({});
    expect(await directory.user('U2')).toEqual({});
    expect(slack.callsTo('users.info')).toHaveLength(1);
    now += 31_000;
    expect((await directory.user('U2')).name).toBe('person2');
  });
});
