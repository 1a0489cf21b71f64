import { afterEach, describe, expect, it } from 'vitest';
import { Harness, WORKSPACE } from '../helpers/harness.ts';
import { procedureCapability } from '../helpers/fin-parts.ts';

const { alice, support, dm } = WORKSPACE;

describe('running Fin Procedures from Slack', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('runs the channel’s procedure for a new thread there, then continues with replies', async () => {
    h = await Harness.start({ env: { FIN_CHANNEL_PROCEDURES: `${support}:proc-refunds, CTHER:proc-other` } });
    const root = await h.say({ user: alice, channel: support, text: `<@${h.slack.botUserId}> refund order 987` });
    const run = await h.fin.nextTurn();
    expect(run.call.kind).toBe('procedure');
    expect(run.call.path).toBe('/fin/procedures/proc-refunds/run');
    expect(run.call.headers['intercom-version']).toBe('Preview');
    expect(run.call.body.message?.body).toBe('refund order 987');
    expect(run.call.body.conversation_metadata?.history).toBeUndefined();
    await run.answer('<p>Which item?</p>');
    await h.slack.waitFor(() => h?.slack.botReplies(support, root)[0]?.text === 'Which item?');

    await h.say({ user: alice, channel: support, text: 'the blue mug', threadTs: root });
    const reply = await h.fin.nextTurn();
    expect(reply.call.kind).toBe('reply');
    expect(reply.call.body.conversation_id).toBe(run.conversationId);
  });

  it('uses a plain /fin/start in channels without a procedure', async () => {
    h = await Harness.start({ env: { FIN_CHANNEL_PROCEDURES: `${support}:proc-refunds` } });
    await h.say({ user: alice, channel: dm, text: 'hello' });
    expect((await h.fin.nextTurn()).call.kind).toBe('start');
  });

  it('starts a thread running the given procedure with /fin-procedure', async () => {
    h = await Harness.start();
    // The harness throws unless the app answered 200.
    await h.slash({ user: alice, channel: support, text: 'proc-7   I want a refund for order 987' });
    const run = await h.fin.nextTurn();
    expect(run.call.path).toBe('/fin/procedures/proc-7/run');
    expect(run.call.body.user?.id).toBe(alice);
    expect(run.call.body.message?.body).toBe('I want a refund for order 987');
    const root = h.slack.messages.find((m) => m.channel === support && m.threadTs === undefined && m.botId === h?.slack.botId);
    expect(root?.text).toContain(`<@${alice}> asked Fin to run the procedure \`proc-7\``);
    expect(root?.text).toContain('> I want a refund for order 987');
    await run.answer('<p>Sure, let me look.</p>');
    await h.slack.waitFor(() => h?.slack.botReplies(support, root?.ts ?? '').some((m) => m.text === 'Sure, let me look.'));

    await h.say({ user: alice, channel: support, text: 'thanks', threadTs: root?.ts ?? '' });
    const reply = await h.fin.nextTurn();
    expect(reply.call.kind).toBe('reply');
    expect(reply.call.body.conversation_id).toBe(run.conversationId);
  });

  it('runs a procedure without a message when none is given', async () => {
    h = await Harness.start();
    await h.slash({ user: alice, channel: support, text: 'proc-8' });
    const run = await h.fin.nextTurn();
    expect(run.call.path).toBe('/fin/procedures/proc-8/run');
    expect(run.call.body.message).toBeUndefined();
  });

  it('asks to be invited where it cannot post', async () => {
    h = await Harness.start();
    h.slack.fail('chat.postMessage', { error: 'not_in_channel' });
    await h.slash({ user: alice, channel: support, text: 'proc-9 hi' });
    await h.slack.waitFor(() => h?.slack.responses.find((r) => /Invite the app/.test(String(r.text))));
    expect(h.fin.calls).toHaveLength(0);
  });

  it.each([
    ['Procedure not found', 'Fin has no procedure `proc-x`'],
    ['Procedure is not live', 'is not live yet'],
    ['Procedure does not have an API trigger', 'needs an API trigger'],
    ['No Fin profile is configured to handle this conversation. Configure a Fin profile and retry.', 'No Fin profile is set up'],
  ])('tells the user clearly when Fin answers "%s"', async (reason, shown) => {
    h = await Harness.start();
    h.fin.onTurn(() => ({
      status: 400,
      body: { type: 'error.list', request_id: 'r1', errors: [{ code: 'parameter_invalid', message: reason }] },
    }));
    await h.slash({ user: alice, channel: support, text: 'proc-x please' });
    const root = await h.slack.waitFor(() =>
      h?.slack.messages.find((m) => m.channel === support && m.threadTs === undefined && m.botId === h?.slack.botId),
    );
    const notice = await h.slack.waitFor(() => h?.slack.botReplies(support, root.ts).find((m) => /:warning:/.test(m.text)));
    expect(notice.text).toContain(shown);
    expect(h.logged(/fin call failed/)[0]).toMatchObject({ finMessage: reason, requestId: 'r1' });
  });

  describe('procedures by name (Fin lists what each person may run)', () => {
    const LISTED = [
      procedureCapability('101', 'Reset password', 'Set a new password for your account.'),
      procedureCapability('102', 'Reset password for a team'),
      procedureCapability('201', 'Refund an order', 'Orders under 30 days.'),
      { type: 'reply', description: 'Continue a conversation with Fin.', endpoint: '/fin/reply', method: 'POST' },
    ];

    it('opens a form listing the person’s procedures, searchable by name, and runs the one chosen', async () => {
      h = await Harness.start();
      h.fin.setCapabilities(alice, LISTED);
      await h.slash({ user: alice, channel: support, text: '' });
      const form = await h.slack.waitFor(() => {
        const view = h?.slack.lastView();
        return (JSON.stringify(view?.view) ?? '').includes('Refund an order') ? view : undefined;
      });
      const menu = JSON.stringify(form.view);
      expect(menu).toContain('"type":"static_select"');
      expect(menu).toContain('Set a new password for your account.');
      expect(menu).not.toContain('Continue a conversation');
      expect(h.fin.callsOf('capabilities')[0]?.body.user).toMatchObject({ id: alice, email: 'alice@example.com' });
      expect(h.fin.callsOf('capabilities')[0]?.headers['intercom-version']).toBe('Preview');
      await h.submitView({
        user: alice,
        viewId: form.id,
        values: {
          procedure: {
            procedure: { type: 'static_select', selected_option: { value: '201', text: { type: 'plain_text', text: 'Refund an order' } } },
          },
          message: { message: { type: 'plain_text_input', value: 'order 987' } },
        },
      });
      const run = await h.fin.nextTurn();
      expect(run.call.path).toBe('/fin/procedures/201/run');
      expect(run.call.body.message?.body).toBe('order 987');
    });

    it('runs a procedure named in the command, or an unambiguous start of its name; says which fit when several do', async () => {
      h = await Harness.start();
      h.fin.setCapabilities(alice, LISTED);
      await h.slash({ user: alice, channel: support, text: 'refund an order I was charged twice' });
      const run = await h.fin.nextTurn();
      expect(run.call.path).toBe('/fin/procedures/201/run');
      expect(run.call.body.message?.body).toBe('I was charged twice');
      // The thread says which procedure in words.
      expect(h.slack.messages.find((m) => m.channel === support && m.threadTs === undefined && m.botId === h?.slack.botId)?.text).toContain(
        '“Refund an order”',
      );
      await h.slash({ user: alice, channel: support, text: 'reset pass' });
      await h.slack.waitFor(() =>
        h?.slack.responses.find((r) => /fits several procedures: “Reset password”, “Reset password for a team”/.test(String(r.text))),
      );
      await h.slash({ user: alice, channel: support, text: 'cancel my plan' });
      await h.slack.waitFor(() =>
        h?.slack.responses.find((r) => /No procedure you can run is called “cancel my plan”/.test(String(r.text))),
      );
      // Fin was asked once: the list is kept for a few minutes.
      expect(h.fin.callsOf('capabilities')).toHaveLength(1);
      expect(h.fin.calls).toHaveLength(1);
    });

    const many = (n: number, name: (i: number) => string = (i) => `Procedure number ${i} for the team`) =>
      Array.from({ length: n }, (_, i) => ({
        type: 'procedure',
        id: `proc-${i}`,
        name: name(i),
        description: `What procedure number ${i} does, in a sentence of a reasonable length.`,
        endpoint: `/fin/procedures/proc-${i}/run`,
        method: 'POST',
      }));
    const formShowing = (pattern: RegExp) =>
      h?.slack.waitFor(() => {
        const view = h?.slack.lastView();
        return pattern.test(JSON.stringify(view?.view) ?? '') ? view : undefined;
      });

    it('reads the command as the person typed it: a name with “&” matches, and the thread shows it once escaped', async () => {
      h = await Harness.start();
      h.fin.setCapabilities(alice, [
        { ...(LISTED[0] as object), id: '301', name: 'Returns & refunds', endpoint: '/fin/procedures/301/run' },
      ] as never);
      // Slack escapes &, < and > in a command's text.
      await h.slash({ user: alice, channel: support, text: 'returns &amp; refunds my order 5 &lt; 6' });
      const run = await h.fin.nextTurn();
      expect(run.call.path).toBe('/fin/procedures/301/run');
      expect(run.call.body.message?.body).toBe('my order 5 < 6');
      const root = h.slack.messages.find((m) => m.channel === support && m.threadTs === undefined && m.botId === h?.slack.botId);
      expect(root?.text).toContain('“Returns &amp; refunds”');
      expect(root?.text).toContain('> my order 5 &lt; 6');
    });

    it('lists 100 of a person’s 1,200 procedures in a form Slack takes, says so, and runs any of them by name', async () => {
      h = await Harness.start();
      h.fin.setCapabilities(alice, many(1_200));
      await h.slash({ user: alice, channel: support, text: '' });
      const form = await formShowing(/This list shows 100 of the 1,200 procedures you can run/);
      const menu = JSON.stringify(form?.view);
      expect(menu).toContain('/fin-procedure <name> [message]');
      expect(menu).not.toContain('option_groups');
      expect(menu.match(/"value":"proc-/g)).toHaveLength(100);
      await h.slash({ user: alice, channel: support, text: 'procedure number 1150 for the team please' });
      expect((await h.fin.nextTurn()).call.path).toBe('/fin/procedures/proc-1150/run');
    });

    it('replaces the loading form with an error when Slack will not take the list, and logs when it takes neither', async () => {
      h = await Harness.start();
      h.fin.setCapabilities(alice, LISTED);
      h.slack.fail('views.update', { error: 'internal_error' });
      await h.slash({ user: alice, channel: support, text: '' });
      const form = await formShowing(/could not show the procedures you can run/);
      expect(JSON.stringify(form?.view)).not.toContain('Finding the procedures');
      expect(h.logged(/could not show the procedures in the form/)[0]).toMatchObject({ error: 'internal_error' });

      h.slack.fail('views.update', { error: 'internal_error', times: 2 });
      await h.slash({ user: alice, channel: support, text: '' });
      await h.slack.waitFor(() => h?.logged(/could not replace the procedure form’s loading message/)[0]);
    });

    it('tells the person in a direct message when the form’s procedure cannot start where the app is not invited', async () => {
      h = await Harness.start();
      h.fin.setCapabilities(alice, LISTED);
      await h.slash({ user: alice, channel: support, text: '' });
      const form = await formShowing(/Refund an order/);
      h.slack.fail('chat.postMessage', { error: 'not_in_channel', when: (args) => args.channel === support });
      h.slack.fail('chat.postEphemeral', { error: 'not_in_channel', when: (args) => args.channel === support });
      await h.submitView({
        user: alice,
        viewId: form?.id ?? '',
        values: {
          procedure: {
            procedure: { type: 'static_select', selected_option: { value: '201', text: { type: 'plain_text', text: 'Refund an order' } } },
          },
        },
      });
      const told = await h.slack.waitFor(() => h?.slack.messages.find((m) => m.channel !== support && /Invite the app/.test(m.text)));
      expect(told.channel).toBe(dm);
      expect(told.text).toContain('where you typed `/fin-procedure`');
      expect(h.fin.calls).toHaveLength(0);
    });

    it('refuses a submission that names no workspace, rather than starting a conversation without one', async () => {
      h = await Harness.start();
      h.fin.setCapabilities(alice, LISTED);
      await h.slash({ user: alice, channel: support, text: '' });
      const form = await formShowing(/Refund an order/);
      const { payload } = h.slack.viewSubmission({
        user: alice,
        viewId: form?.id ?? '',
        values: {
          procedure: {
            procedure: { type: 'static_select', selected_option: { value: '201', text: { type: 'plain_text', text: 'Refund an order' } } },
          },
        },
      });
      const body = JSON.parse(payload ?? '{}') as { team?: unknown; user: Record<string, unknown> };
      body.team = null;
      delete body.user.team_id;
      const res = await h.post({ payload: JSON.stringify(body) }, { form: true });
      expect(res.status).toBe(200);
      const answer = (await res.json()) as { response_action?: string; errors?: Record<string, string> };
      expect(answer.response_action).toBe('errors');
      expect(answer.errors?.procedure).toMatch(/could not tell which workspace/);
      expect(h.logged(/names no workspace/)).toHaveLength(1);
      // Nothing started: no thread, no turn.
      expect(h.slack.messages.filter((m) => m.botId === h?.slack.botId)).toHaveLength(0);
      expect(h.fin.calls).toHaveLength(0);
    });

    it('escapes procedure names in replies, and names at most ten of those an ambiguous name fits', async () => {
      h = await Harness.start();
      const odd = 'Refund <!channel> *now* & <https://evil.example|bank>';
      h.fin.setCapabilities(alice, [
        { type: 'procedure', id: 'odd', name: odd, description: '', endpoint: '/fin/procedures/odd/run', method: 'POST' },
        ...many(13, (i) => `Reset account ${i}`),
      ]);
      await h.slash({ user: alice, channel: support, text: 'reset' });
      const several = String((await h.slack.waitFor(() => h?.slack.responses.find((r) => /fits several/.test(String(r.text))))).text);
      expect(several).toContain('fits several procedures: “Reset account 0”, “Reset account 1”');
      expect(several).toContain('“Reset account 9” and 3 more. Type more of the name');
      expect(several).not.toContain('Reset account 10');

      await h.slash({ user: alice, channel: support, text: 'cancel my plan' });
      const none = String(
        (await h.slack.waitFor(() => h?.slack.responses.find((r) => /No procedure you can run/.test(String(r.text))))).text,
      );
      expect(none).toContain('Procedures you can run: “Refund &lt;!channel&gt; ');
      expect(none).toContain('&amp; &lt;https://evil.example|bank&gt;”');
      expect(none).not.toContain('<!channel>');
      expect(none).not.toContain('*now*');
      expect(none).toContain('“Reset account 8” and 4 more.');
    });

    it('offers none when Fin will not list them (the feature off), and still runs a procedure by id', async () => {
      h = await Harness.start();
      h.fin.setFeatureEnabled('capabilities', false);
      await h.slash({ user: alice, channel: support, text: '' });
      await h.slack.waitFor(() => /no procedures to offer you/.test(JSON.stringify(h?.slack.lastView()?.view) ?? ''));
      await h.slash({ user: alice, channel: support, text: 'proc-5 hello' });
      expect((await h.fin.nextTurn()).call.path).toBe('/fin/procedures/proc-5/run');
    });
  });

  it('acknowledges the command at once even when Slack is slow to take the thread it starts', async () => {
    h = await Harness.start();
    h.slack.delay('chat.postMessage', 4_000);
    await h.slash({ user: alice, channel: support, text: 'proc-1 hello' });
    // The acknowledgement went out before the slow post was even answered.
    expect(h.slack.messages.filter((m) => m.channel === support)).toHaveLength(0);
    h.slack.delay('chat.postMessage', 0); // only the first post is slow
    const run = await h.fin.nextTurn(8_000);
    expect(run.call.path).toBe('/fin/procedures/proc-1/run');
  });
});
