import { afterEach, describe, expect, it } from 'vitest';
import { MAX_NAME_LOOKUPS } from '../../src/slack/directory.ts';
import { Harness, WORKSPACE } from '../helpers/harness.ts';
import { metric } from '../helpers/metrics.ts';
import { expectStill, waitFor } from '../helpers/wait.ts';

const { alice, bob, support } = WORKSPACE;

describe('one person cannot hold up everyone else', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const mention = (harness: Harness, text: string) => `<@${harness.slack.botUserId}> ${text}`;

  it("answers someone else at once while a message mentioning thousands of people meets Slack's users.info limit", async () => {
    // users.info is Tier 4 for the whole workspace; here Slack allows a burst of 5, then one every 2 seconds.
    h = await Harness.start({ slack: { limits: { usersInfo: { perMinute: 30, burst: 5 } } } });
    const harness = h;
    const people = Array.from({ length: 3_000 }, (_, i) => `<@U${String(i).padStart(6, '0')}>`).join(' ');
    const storm = await harness.say({ user: alice, channel: support, text: mention(harness, `ping ${people}`) });
    const stormTurn = await harness.fin.nextTurn();

    // Meanwhile Bob writes to the app in a DM: his placeholder must not wait behind the storm's lookups.
    const question = await harness.say({ user: bob, channel: 'DBOB', text: 'where is my invoice?' });
    await harness.slack.waitFor(() => harness.slack.botReplies('DBOB', question)[0]);
    const bobTurn = await harness.fin.nextTurn();
    await bobTurn.answer('<p>In <b>Billing</b>.</p>');
    await harness.slack.waitFor(() => harness.slack.botReplies('DBOB', question)[0]?.text === 'In *Billing*.');

    // The storm went to Fin with its people left as ids beyond the few looked up.
    const body = stormTurn.call.body.message?.body ?? '';
    expect(body.startsWith('ping @')).toBe(true);
    expect(body).toContain('@U000500 @U000501');
    const lookups = harness.slack.callsTo('users.info').length;
    expect(lookups).toBeLessThanOrEqual(MAX_NAME_LOOKUPS + 2);
    await stormTurn.answer('<p>Noted.</p>');
    await harness.slack.waitFor(() => harness.slack.botReplies(support, storm).some((m) => m.text === 'Noted.'));
  });

  it('looks each name up once, and none while Slack says to wait', async () => {
    h = await Harness.start();
    const harness = h;
    harness.fin.onTurn((turn) => turn.answer('<p>OK.</p>'));
    const first = await harness.say({ user: alice, channel: support, text: mention(harness, `ask <@${bob}>`) });
    await harness.slack.waitFor(() => harness.slack.botReplies(support, first)[0]?.text === 'OK.');
    const second = await harness.say({ user: alice, channel: support, text: mention(harness, `and <@${bob}> again`) });
    await harness.slack.waitFor(() => harness.slack.botReplies(support, second)[0]?.text === 'OK.');
    expect(harness.slack.callsTo('users.info').filter((c) => c.args.user === bob)).toHaveLength(1);
    expect(harness.fin.calls[1]?.body.message?.body).toBe('and @bob again');

    // Slack rate-limits a lookup: for its Retry-After, names are left out and no lookup is made at all.
    harness.slack.fail('users.info', { error: 'ratelimited', retryAfterSeconds: 30 });
    const third = await harness.say({ user: alice, channel: support, text: mention(harness, 'ask <@UCAROL> and <@UDAVE>') });
    await harness.slack.waitFor(() => harness.slack.botReplies(support, third)[0]?.text === 'OK.');
    const fourth = await harness.say({ user: alice, channel: support, text: mention(harness, 'and <@UERIN>') });
    await harness.slack.waitFor(() => harness.slack.botReplies(support, fourth)[0]?.text === 'OK.');
    expect(harness.slack.callsTo('users.info').filter((c) => c.args.user === 'UERIN')).toHaveLength(0);
    expect(harness.fin.calls[3]?.body.message?.body).toBe('and @UERIN');
  });

  it('refuses questions beyond FIN_USER_TURNS_PER_MIN, telling the person once, without asking Fin', async () => {
    h = await Harness.start({ env: { FIN_USER_TURNS_PER_MIN: '2' } });
    const harness = h;
    const roots: string[] = [];
    for (const text of ['one', 'two', 'three', 'four'])
      roots.push(await harness.say({ user: alice, channel: support, text: mention(harness, text) }));
    await harness.fin.nextTurn();
    await harness.fin.nextTurn();
    await waitFor(() => harness.slack.ephemerals.length > 0, { what: 'the notice about the limit' });
    expect(harness.slack.ephemerals).toEqual([
      { channel: support, user: alice, text: expect.stringMatching(/faster than Fin can keep up \(2 new questions a minute/) },
    ]);
    expect(harness.slack.callsTo('chat.postEphemeral')[0]?.args.thread_ts).toBe(roots[2]);
    expect(await metric(harness.url, 'fin_slack_slack_events_total', { outcome: 'rate_limited' })).toBe(2);
    expect(harness.slack.botReplies(support, roots[2] ?? '')).toHaveLength(0);

    // Another person is not affected.
    await harness.say({ user: bob, channel: support, text: mention(harness, 'mine') });
    await harness.fin.nextTurn();
    expect(harness.fin.calls.map((c) => c.body.message?.body)).toEqual(['one', 'two', 'mine']);
    expect(harness.slack.ephemerals).toHaveLength(1);
  });

  it('counts follow-ups too: one written while Fin answers waits for a free slot before it goes to Fin', async () => {
    h = await Harness.start({ env: { FIN_USER_TURNS_PER_MIN: '2' } });
    const harness = h;
    const first = await harness.say({ user: alice, channel: support, text: mention(harness, 'one') });
    const one = await harness.fin.nextTurn();
    await harness.say({ user: alice, channel: support, text: mention(harness, 'two') });
    await harness.fin.nextTurn();
    // Written while Fin answers "one": when Fin is done, Alice has used her two turns of the minute.
    await harness.say({ user: alice, channel: support, text: 'more detail', threadTs: first });
    await one.answer('<p>Done.</p>');
    await expectStill(
      () =>
        waitFor(() => harness.logged('the next turn waits: its author is at the limit of turns a minute').length > 0, { what: 'the wait' }),
      () => expect(harness.fin.calls.map((c) => c.body.message?.body)).toEqual(['one', 'two']),
    );
  });

  it('refuses /fin-procedure beyond the limit before posting anything', async () => {
    h = await Harness.start({ env: { FIN_USER_TURNS_PER_MIN: '1', FIN_API_VERSION: 'Preview' } });
    const harness = h;
    await harness.say({ user: alice, channel: support, text: mention(harness, 'one') });
    await harness.fin.nextTurn();
    const posts = harness.slack.callsTo('chat.postMessage').length;
    await harness.slash({ user: alice, channel: support, text: 'refund-1 please' });
    await harness.slack.waitFor(() => harness.slack.responses.find((r) => /faster than Fin can keep up/.test(String(r.text))));
    expect(harness.slack.callsTo('chat.postMessage')).toHaveLength(posts);
    expect(harness.fin.calls).toHaveLength(1);
  });

  it('prompts a person who mentions the app with nothing else a few times a minute, not more', async () => {
    h = await Harness.start();
    const harness = h;
    for (let i = 0; i < 6; i += 1) await harness.say({ user: alice, channel: support, text: mention(harness, '') });
    await waitFor(() => harness.slack.callsTo('chat.postMessage').length >= 3, { what: 'the prompts' });
    await expectStill(
      () =>
        waitFor(async () => (await metric(harness.url, 'fin_slack_slack_events_total', { outcome: 'rate_limited' })) === 3, {
          what: 'the rest to be refused',
        }),
      () => expect(harness.slack.callsTo('chat.postMessage')).toHaveLength(3),
    );
  });
});
