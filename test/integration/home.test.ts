import { afterEach, describe, expect, it } from 'vitest';
import { Harness, WORKSPACE } from '../helpers/harness.ts';
import { blockTexts } from '../helpers/shown.ts';
import { procedureCapability } from '../helpers/fin-parts.ts';

const { alice, support, dm } = WORKSPACE;

const REFUND = procedureCapability('201', 'Refund an order', 'Orders under *30* days.');

describe('the App Home tab', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  function openHome(harness: Harness) {
    return harness.deliver(
      harness.slack.envelope({ type: 'app_home_opened', user: alice, channel: dm, tab: 'home', event_ts: `${Date.now() / 1000}` }),
    );
  }

  it('shows what Fin can do for the person, their conversations with links and where each stands, and how to reach a person', async () => {
    h = await Harness.start({ env: { FIN_HOME_TEXT: 'Welcome to *Acme* support.\\nWe answer within a day.' } });
    h.fin.setCapabilities(alice, [REFUND]);
    const root = await h.say({ user: alice, channel: support, text: `<@${h.slack.botUserId}> where is my parcel?` });
    await (await h.fin.nextTurn()).answer('<p>On its way.</p>');
    await h.slack.waitFor(() => h?.slack.botReplies(support, root).find((m) => m.text === 'On its way.'));
    // A later message does not rename the conversation: it is listed by its first words.
    await h.say({ user: alice, channel: support, text: 'thanks!', threadTs: root });
    await (await h.fin.nextTurn()).answer('<p>You are welcome.</p>');
    await h.slack.waitFor(() => h?.slack.botReplies(support, root).find((m) => m.text === 'You are welcome.'));
    await openHome(h);
    const view = await h.slack.waitFor(() => h?.slack.homeViews.get(alice));
    const text = blockTexts(view.blocks).join('\n');
    expect(text).toContain('Welcome to *Acme* support.\nWe answer within a day.');
    expect(text).toContain('*Refund an order*');
    // Fin's description is shown as written, not as formatting.
    expect(text).not.toContain('*30*');
    expect(text).toContain(`<https://fake.slack.com/archives/${support}/p${root.replace('.', '')}|where is my parcel?>`);
    expect(text).toContain('Answered');
    expect(text).toContain(`in <#${support}>`);
    expect(text).toContain(':raising_hand:');
    expect(JSON.stringify(view.blocks)).toContain('"action_id":"fin_home_run"');
  });

  it('starts a DM thread running the procedure its Run button names, once however often it is pressed, and says where it went', async () => {
    h = await Harness.start();
    h.fin.setCapabilities(alice, [REFUND]);
    await openHome(h);
    const view = await h.slack.waitFor(() => h?.slack.homeViews.get(alice));
    const payload = {
      type: 'block_actions',
      user: { id: alice, team_id: h.slack.teamId },
      team: { id: h.slack.teamId },
      trigger_id: h.slack.issueTriggerId(),
      view: { id: 'VHOME', type: 'home', blocks: view.blocks },
      actions: [{ type: 'button', action_id: 'fin_home_run', block_id: 'b', value: '201', action_ts: `${Date.now() / 1000}` }],
    };
    await h.post({ payload: JSON.stringify(payload) }, { form: true });
    // A second press before the tab changed (or a double click) is the same wish.
    await h.post({ payload: JSON.stringify({ ...payload, trigger_id: h.slack.issueTriggerId() }) }, { form: true });
    const run = await h.fin.nextTurn();
    expect(run.call.path).toBe('/fin/procedures/201/run');
    // The tab says where the procedure went, and lists its thread by the procedure's name (it began with no words).
    const told = await h.slack.waitFor(() => {
      const text = blockTexts(h?.slack.homeViews.get(alice)?.blocks).join('\n');
      return text.includes('started in') ? text : undefined;
    });
    expect(told).toContain(
      `:white_check_mark: “Refund an order” started in <https://fake.slack.com/archives/${dm}|your Messages with Fin>`,
    );
    expect(told).toContain('Refund an order> ·');
    await h.slack.waitFor(() => h?.logged('a repeated Run on the Home tab; the procedure started already').length);
    const roots = h.slack.messages.filter((m) => m.channel === dm && m.threadTs === undefined && m.botId === h?.slack.botId);
    expect(roots).toHaveLength(1);
    const rootPost = h.slack.messages.find((m) => m.channel === dm && m.threadTs === undefined && m.botId === h?.slack.botId);
    // In the person's own DM with Fin, they are its only reader.
    expect(rootPost?.text).toBe(':gear: You asked Fin to run the procedure “Refund an order”.');
  });

  it('publishes again only when something changed, and says so when the person has no conversation or procedure yet', async () => {
    h = await Harness.start();
    await openHome(h);
    const first = await h.slack.waitFor(() => h?.slack.homeViews.get(alice));
    expect(blockTexts(first.blocks).join('\n')).toContain('None yet');
    await openHome(h);
    await h.say({ user: alice, channel: dm, text: 'hello' });
    await h.fin.nextTurn();
    await openHome(h);
    await h.slack.waitFor(() => blockTexts(h?.slack.homeViews.get(alice)?.blocks).join('\n').includes('hello'));
    expect(h.slack.callsTo('views.publish')).toHaveLength(2);
  });

  it('says when Fin could not answer a conversation, rather than that it answered', async () => {
    h = await Harness.start();
    h.fin.onTurn(() => ({ status: 400, body: { type: 'error.list', errors: [{ code: 'parameter_invalid', message: 'Bad request' }] } }));
    await h.say({ user: alice, channel: dm, text: 'Why is this failing?' });
    await h.slack.waitFor(() => h?.slack.messages.find((m) => m.channel === dm && /could not accept/.test(m.text)));
    await openHome(h);
    const text = await h.slack.waitFor(() => {
      const shown = blockTexts(h?.slack.homeViews.get(alice)?.blocks).join('\n');
      return shown.includes('Why is this failing?') ? shown : undefined;
    });
    expect(text).toContain("Fin couldn't answer");
    expect(text).not.toContain('Answered');
  });
});
