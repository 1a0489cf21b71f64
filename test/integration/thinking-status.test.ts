import { afterEach, describe, expect, it } from 'vitest';
import { PLACEHOLDER } from '../../src/bridge/copy.ts';
import { Harness, WORKSPACE } from '../helpers/harness.ts';

const { alice, support, dm } = WORKSPACE;

describe('Slack’s own thinking indicator while Fin works', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('shows it with a few loading lines while Fin thinks, and clears it when text arrives; the answer is still one message', async () => {
    h = await Harness.start();
    const root = await h.say({ user: alice, channel: support, text: `<@${h.slack.botUserId}> how do I reset my password?` });
    const turn = await h.fin.nextTurn();
    const shown = await h.slack.waitFor(() => h?.slack.statuses.get(`${support}:${root}`));
    expect(shown.status).toBe('is thinking…');
    expect(shown.loadingMessages.length).toBeGreaterThan(0);
    expect(shown.loadingMessages.length).toBeLessThanOrEqual(10);
    const placeholder = h.slack.botReplies(support, root)[0];
    expect(placeholder?.text).toBe(PLACEHOLDER);
    await turn.answer('<p>Use <b>Forgot password</b> on the sign-in page.</p>');
    await h.slack.waitFor(() => !h?.slack.statuses.has(`${support}:${root}`));
    await h.slack.waitFor(() => placeholder?.text === 'Use *Forgot password* on the sign-in page.');
    expect(h.slack.botReplies(support, root)).toHaveLength(1);
  });

  it('sets it again before Slack’s two-minute expiry on a long turn, and clears it when the turn gives up', async () => {
    h = await Harness.start({ thinkingRefreshMs: 200, env: { FIN_REPLY_TIMEOUT_MS: '1500' } });
    const root = await h.say({ user: alice, channel: dm, text: 'a slow question' });
    await h.fin.nextTurn();
    await h.slack.waitFor(() => h?.slack.callsTo('assistant.threads.setStatus').length === 3);
    // The turn is given up waiting (the person is told): the indicator does not outlive it.
    await h.slack.waitFor(() => h?.slack.callsTo('assistant.threads.setStatus').some((c) => c.args.status === ''));
    expect(h.slack.statuses.has(`${dm}:${root}`)).toBe(false);
  });

  it('clears it after Slack has taken the set, even when Slack is slow to take it and the answer comes first', async () => {
    h = await Harness.start();
    // Slack takes its time over setting the indicator; Fin answers at once.
    h.slack.delay('assistant.threads.setStatus', 400, (args) => args.status !== '');
    const root = await h.say({ user: alice, channel: support, text: `<@${h.slack.botUserId}> a quick one` });
    await (await h.fin.nextTurn()).answer('<p>Quick answer.</p>');
    await h.slack.waitFor(() => h?.slack.botReplies(support, root).find((m) => m.text === 'Quick answer.'));
    const calls = () => h?.slack.callsTo('assistant.threads.setStatus') ?? [];
    await h.slack.waitFor(() => calls().length === 2 && calls().every((c) => c.doneAt !== undefined));
    const [set, clear] = calls();
    expect([set?.args.status, clear?.args.status]).toEqual(['is thinking…', '']);
    // The clear went out only once Slack had answered the set, so it is the one Slack acted on last.
    expect(clear?.at).toBeGreaterThanOrEqual(set?.doneAt ?? Number.POSITIVE_INFINITY);
    expect(h.slack.statuses.has(`${support}:${root}`)).toBe(false);
  });

  it.each([
    { what: 'a 5xx from Slack', failure: { error: 'service_unavailable', status: 503 }, code: 'slack_webapi_http_error' },
    { what: 'invalid_thread_ts on one thread', failure: { error: 'invalid_thread_ts' }, code: 'invalid_thread_ts' },
  ])('takes $what as that call’s failure, not the channel’s refusal: the next thread there shows it', async ({ failure, code }) => {
    h = await Harness.start();
    h.slack.fail('assistant.threads.setStatus', failure);
    const first = await h.say({ user: alice, channel: support, text: `<@${h.slack.botUserId}> one` });
    await (await h.fin.nextTurn()).answer('<p>First answer.</p>');
    await h.slack.waitFor(() => h?.slack.botReplies(support, first).find((m) => m.text === 'First answer.'));
    expect(h.logged(/thinking indicator/)[0]).toMatchObject({ error: code });
    const second = await h.say({ user: alice, channel: support, text: `<@${h.slack.botUserId}> two` });
    const turn = await h.fin.nextTurn();
    const shown = await h.slack.waitFor(() => h?.slack.statuses.get(`${support}:${second}`));
    expect(shown.status).toBe('is thinking…');
    await turn.answer('<p>Second answer.</p>');
    await h.slack.waitFor(() => !h?.slack.statuses.has(`${support}:${second}`));
  });

  it('leaves the placeholder alone to do the job where Slack refuses the indicator, and stops asking there', async () => {
    h = await Harness.start();
    h.slack.fail('assistant.threads.setStatus', { error: 'channel_type_not_supported' });
    const first = await h.say({ user: alice, channel: support, text: `<@${h.slack.botUserId}> one` });
    await (await h.fin.nextTurn()).answer('<p>First answer.</p>');
    await h.slack.waitFor(() => h?.slack.botReplies(support, first).find((m) => m.text === 'First answer.'));
    const second = await h.say({ user: alice, channel: support, text: `<@${h.slack.botUserId}> two` });
    await (await h.fin.nextTurn()).answer('<p>Second answer.</p>');
    await h.slack.waitFor(() => h?.slack.botReplies(support, second).find((m) => m.text === 'Second answer.'));
    expect(h.slack.callsTo('assistant.threads.setStatus')).toHaveLength(1);
    expect(h.logged(/thinking indicator/)[0]).toMatchObject({ error: 'channel_type_not_supported' });
  });
});
