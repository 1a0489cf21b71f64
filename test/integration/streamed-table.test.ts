import { afterEach, describe, expect, it } from 'vitest';
import { TYPING_SUFFIX } from '../../src/bridge/copy.ts';
import { Harness, WORKSPACE } from '../helpers/harness.ts';

const { alice, support, dm } = WORKSPACE;

const PLANS =
  '<p>Our plans:</p><table><thead><tr><th>Plan</th><th>Seats</th><th>Price / month</th></tr></thead>' +
  '<tbody><tr><td>Starter</td><td>1</td><td>$0</td></tr><tr><td>Pro</td><td>10</td><td>$49</td></tr></tbody></table>' +
  '<p>Which one suits you?</p>';

describe('a table while Fin’s answer streams', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('shows each row on a line, its cells separated, in the edits of the placeholder', async () => {
    h = await Harness.start();
    const harness = h;
    const root = await harness.say({ user: alice, channel: support, text: `<@${harness.slack.botUserId}> what are your plans?` });
    const turn = await harness.fin.nextTurn();
    // Chunks far enough apart that each is shown by an edit of its own.
    await turn.answer(PLANS, { chunkDelayMs: 250 });
    const answer = await harness.slack.waitFor(() => harness.slack.botReplies(support, root).find((m) => m.text.startsWith('Our plans:')));
    await harness.slack.waitFor(() => !answer.text.endsWith(TYPING_SUFFIX) && answer);
    const interim = harness.slack
      .callsTo('chat.update')
      .filter((c) => c.args.ts === answer.ts && String(c.args.text).endsWith(TYPING_SUFFIX))
      .map((c) => String(c.args.text));
    const table = interim.filter((text) => text.includes('Seats'));
    expect(table.length).toBeGreaterThan(0);
    for (const text of table) {
      expect(text).not.toMatch(/PlanSeats|SeatsPrice|Starter1|1\$0/);
      expect(text).toContain('Plan | Seats');
    }
    expect(interim.some((text) => text.includes('Plan | Seats | Price / month\nStarter | 1'))).toBe(true);
  });

  it('appends the cells separated with native streaming', async () => {
    h = await Harness.start({ env: { SLACK_STREAMING: 'native' } });
    const harness = h;
    const root = await harness.say({ user: alice, channel: dm, text: 'what are your plans?' });
    const turn = await harness.fin.nextTurn();
    await turn.answer(PLANS, { chunkDelayMs: 120 });
    const answer = await harness.slack.waitFor(() =>
      harness.slack.botReplies(dm, root).find((m) => m.streamParts !== undefined && m.streaming === false),
    );
    const streamed = answer.streamParts?.join('') ?? '';
    expect(streamed).toContain('Plan \\| Seats \\| Price / month\nStarter \\| 1 \\| $0\n');
    expect(harness.logged(/native stream handed over to edits/)).toEqual([]);
  });
});
