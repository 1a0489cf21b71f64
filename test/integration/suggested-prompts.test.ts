import { afterEach, describe, expect, it } from 'vitest';
import { Harness, WORKSPACE } from '../helpers/harness.ts';
import { procedureCapability } from '../helpers/fin-parts.ts';

const { alice, dm } = WORKSPACE;

const REFUND = procedureCapability('201', 'Refund an order');
const RESET = procedureCapability('101', 'Reset password');

describe('suggested prompts when someone opens their direct message with Fin', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  function opened(harness: Harness, tab: 'messages' | 'home' = 'messages') {
    return harness.deliver(
      harness.slack.envelope({ type: 'app_home_opened', user: alice, channel: dm, tab, event_ts: `${Date.now() / 1000}` }),
    );
  }

  it('offers the configured prompts, then the person’s procedures by name, as an agent app (no thread named)', async () => {
    h = await Harness.start({ env: { FIN_SUGGESTED_PROMPTS: 'Reset my password|How do I reset my password?; What are your plans?' } });
    h.fin.setCapabilities(alice, [REFUND]);
    expect((await opened(h)).status).toBe(200);
    const shown = await h.slack.waitFor(() => h?.slack.suggestedPrompts.get(dm));
    expect(shown.prompts).toEqual([
      { title: 'Reset my password', message: 'How do I reset my password?' },
      { title: 'What are your plans?', message: 'What are your plans?' },
      { title: 'Refund an order', message: 'Refund an order' },
    ]);
    expect(h.slack.callsTo('assistant.threads.setSuggestedPrompts')[0]?.args.thread_ts).toBeUndefined();
  });

  it('offers four at most, and nothing on the Home tab', async () => {
    h = await Harness.start({ env: { FIN_SUGGESTED_PROMPTS: 'One;Two;Three' } });
    h.fin.setCapabilities(alice, [REFUND, RESET]);
    await opened(h, 'home');
    await opened(h);
    const shown = await h.slack.waitFor(() => h?.slack.suggestedPrompts.get(dm));
    expect(shown.prompts.map((p) => p.title)).toEqual(['One', 'Two', 'Three', 'Refund an order']);
    expect(h.slack.callsTo('assistant.threads.setSuggestedPrompts')).toHaveLength(1);
  });

  it('runs the procedure a chosen prompt names, and answers any other prompt as typed', async () => {
    h = await Harness.start({ env: { FIN_SUGGESTED_PROMPTS: 'Reset my password|How do I reset my password?' } });
    h.fin.setCapabilities(alice, [REFUND]);
    await opened(h);
    await h.slack.waitFor(() => h?.slack.suggestedPrompts.get(dm));
    // Picking a prompt sends its message as the person's own, in a new thread.
    await h.say({ user: alice, channel: dm, text: 'Refund an order' });
    const run = await h.fin.nextTurn();
    expect(run.call.path).toBe('/fin/procedures/201/run');
    await h.say({ user: alice, channel: dm, text: 'How do I reset my password?' });
    const asked = await h.fin.nextTurn();
    expect(asked.call.path).toBe('/fin/start');
    expect(asked.call.body.message?.body).toBe('How do I reset my password?');
  });

  it('runs a chosen procedure prompt after a restart too, and a question without waiting long for a slow Fin', async () => {
    h = await Harness.start();
    h.fin.setCapabilities(alice, [REFUND]);
    await opened(h);
    await h.slack.waitFor(() => h?.slack.suggestedPrompts.get(dm));
    // The app restarts (a deploy): the chip is still there, and clicking it still runs the procedure.
    await h.restart();
    await h.say({ user: alice, channel: dm, text: 'Refund an order' });
    const run = await h.fin.nextTurn();
    expect(run.call.path).toBe('/fin/procedures/201/run');
    await run.answer('<p>Which order?</p>');

    // Fin is slow to list procedures: a first message that names none still goes to Fin, after a short wait at most.
    h.fin.onCapabilities(() => ({ status: 200, body: { version: 'Preview', capabilities: [REFUND] }, delayMs: 4_000 }));
    await h.restart();
    await h.say({ user: alice, channel: dm, text: 'Where is my parcel?' });
    const asked = await h.fin.nextTurn(8_000);
    expect(asked.call.path).toBe('/fin/start');
  });

  it('asks Fin nothing about procedures when an admin turned that off (Intercom creates a user for each person asked about)', async () => {
    h = await Harness.start({ env: { FIN_OFFER_PROCEDURES: 'off', FIN_SUGGESTED_PROMPTS: 'What are your plans?' } });
    h.fin.setCapabilities(alice, [REFUND]);
    await opened(h);
    const shown = await h.slack.waitFor(() => h?.slack.suggestedPrompts.get(dm));
    expect(shown.prompts.map((p) => p.title)).toEqual(['What are your plans?']);
    await h.say({ user: alice, channel: dm, text: 'Refund an order' });
    const asked = await h.fin.nextTurn();
    expect(asked.call.path).toBe('/fin/start');
    expect(h.fin.callsOf('capabilities')).toEqual([]);
  });
});
