import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeSlack } from '../../../fakes/slack-api.ts';
import { createLogger } from '../../../src/core/log.ts';
import { ThinkingStatus } from '../../../src/slack/thinking-status.ts';

const HOUR = 60 * 60_000;

describe('ThinkingStatus', () => {
  let slack: FakeSlack;
  let thinking: ThinkingStatus;
  let clock: number;
  let lines: Record<string, unknown>[];

  beforeEach(async () => {
    slack = await FakeSlack.start();
    // The interim client's policy (no retries, rate limits refused), with a timeout short enough to run into.
    const client = new WebClient(slack.token, {
      slackApiUrl: slack.apiUrl,
      timeout: 500,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
    });
    // This test's lines only: a call of an earlier test still under way logs into that test's list.
    const own: Record<string, unknown>[] = [];
    lines = own;
    const logger = createLogger({ level: 'info', secrets: [], destination: { write: (l) => void own.push(JSON.parse(l)) } });
    clock = Date.now();
    thinking = new ThinkingStatus({ client, logger, now: () => clock });
  });
  afterEach(async () => {
    thinking.close();
    await slack.close();
  });

  const statusesSent = (channel: string, threadTs: string) =>
    slack
      .callsTo('assistant.threads.setStatus')
      .filter((c) => c.args.channel_id === channel && c.args.thread_ts === threadTs)
      .map((c) => c.args.status);
  const failures = () => lines.filter((l) => /thinking indicator/.test(String(l.msg)));

  it('sends one thread’s calls one after another, and drops a set that a stop overtook before it went out', async () => {
    // Slack is slow to take a set: whatever the app asks meanwhile waits its turn behind it.
    slack.delay('assistant.threads.setStatus', 200, (args) => args.status !== '');
    thinking.start('CSUPPORT', '1.000');
    await slack.waitFor(() => statusesSent('CSUPPORT', '1.000').length === 1);
    // Text arrives while Slack still holds the set: the clear waits for Slack's answer to it.
    thinking.stop('CSUPPORT', '1.000');
    // A quick second turn in the thread, over before its set could go out: neither it nor a clear for it is sent.
    thinking.start('CSUPPORT', '1.000');
    thinking.stop('CSUPPORT', '1.000');
    // A third turn: its set goes out only after everything queued before it.
    thinking.start('CSUPPORT', '1.000');
    const settled = () => slack.callsTo('assistant.threads.setStatus').every((c) => c.doneAt !== undefined);
    await slack.waitFor(() => slack.statuses.has('CSUPPORT:1.000') && statusesSent('CSUPPORT', '1.000').length > 1 && settled());
    expect(statusesSent('CSUPPORT', '1.000')).toEqual(['is thinking…', '', 'is thinking…']);
    thinking.stop('CSUPPORT', '1.000');
    await slack.waitFor(() => !slack.statuses.has('CSUPPORT:1.000'));
    expect(statusesSent('CSUPPORT', '1.000')).toEqual(['is thinking…', '', 'is thinking…', '']);
  });

  it('asks Slack nothing for a turn over before its set went out', async () => {
    // Sets take Slack a while: any call sent for the first turn arrives well before the second turn's set is answered.
    slack.delay('assistant.threads.setStatus', 200, (args) => args.status !== '');
    thinking.start('DALICE', '1.000');
    thinking.stop('DALICE', '1.000');
    thinking.start('DALICE', '1.000');
    const settled = () => slack.callsTo('assistant.threads.setStatus').every((c) => c.doneAt !== undefined);
    await slack.waitFor(() => slack.statuses.has('DALICE:1.000') && settled());
    expect(statusesSent('DALICE', '1.000')).toEqual(['is thinking…']);
  });

  it('takes a timeout in a DM as that call’s failure: the person’s next turn shows the indicator', async () => {
    let first = true;
    slack.delay('assistant.threads.setStatus', 1_000, () => {
      const hold = first;
      first = false;
      return hold;
    });
    thinking.start('DALICE', '1.000');
    await slack.waitFor(() => failures().length === 1);
    expect(failures()[0]).toMatchObject({ channelId: 'DALICE', error: 'slack_webapi_request_error' });
    thinking.stop('DALICE', '1.000');
    thinking.start('DALICE', '2.000');
    const shown = await slack.waitFor(() => slack.statuses.get('DALICE:2.000'));
    expect(shown.status).toBe('is thinking…');
  });

  it('remembers that a channel refuses the indicator for an hour, then asks again', async () => {
    slack.fail('assistant.threads.setStatus', { error: 'not_in_channel' });
    thinking.start('CSUPPORT', '1.000');
    await slack.waitFor(() => failures().length === 1);
    expect(failures()[0]).toMatchObject({ channelId: 'CSUPPORT', error: 'not_in_channel' });
    thinking.stop('CSUPPORT', '1.000');
    thinking.start('CSUPPORT', '2.000');
    // Another channel is unaffected; by the time its call has landed, one for the refusing channel would have too.
    thinking.start('DALICE', '3.000');
    await slack.waitFor(() => slack.statuses.has('DALICE:3.000'));
    expect(statusesSent('CSUPPORT', '2.000')).toEqual([]);
    thinking.stop('CSUPPORT', '2.000');
    // The app is invited meanwhile; an hour on, Slack is asked again.
    clock += HOUR;
    thinking.start('CSUPPORT', '4.000');
    await slack.waitFor(() => slack.statuses.has('CSUPPORT:4.000'));
  });

  it('stops asking anywhere for an hour when the app lacks a scope, then asks again', async () => {
    slack.fail('assistant.threads.setStatus', { error: 'missing_scope' });
    thinking.start('CSUPPORT', '1.000');
    await slack.waitFor(() => failures().length === 1);
    thinking.stop('CSUPPORT', '1.000');
    thinking.start('DALICE', '2.000');
    thinking.stop('DALICE', '2.000');
    clock += HOUR - 1;
    thinking.start('DALICE', '3.000');
    thinking.stop('DALICE', '3.000');
    // The scope is added; once the hour is out the indicator shows again.
    clock += 1;
    thinking.start('DALICE', '4.000');
    await slack.waitFor(() => slack.statuses.has('DALICE:4.000'));
    // Nothing was asked in between (a call for those turns would have landed before this one).
    expect(slack.callsTo('assistant.threads.setStatus')).toHaveLength(2);
  });
});
