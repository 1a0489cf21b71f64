import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { intercomIdFor } from '../../fakes/fin-simulator.ts';
import type { FakeMessage } from '../../fakes/slack-api.ts';
import { CLIENT_SECRET, Harness, WORKSPACE } from '../helpers/harness.ts';
import { withStore } from '../helpers/seed.ts';
import { shownText } from '../helpers/shown.ts';
import { ATTRIBUTES, BAD_VALUE_ERRORS, BAD_VALUES, GOOD_SENT, GOOD_VALUES } from '../helpers/hitl-step.ts';

const { alice, bob, support, agents } = WORKSPACE;

function blocksOf(message: FakeMessage | undefined): { type: string; elements?: { action_id?: string; value?: string }[] }[] {
  return (message?.blocks ?? []) as { type: string; elements?: { action_id?: string; value?: string }[] }[];
}
/** What an agent reads, with the structure (links, ids) the JSON shows as well. */
function readable(message: FakeMessage | undefined): string {
  return `${shownText(message)}\n${JSON.stringify(message?.blocks ?? [])}`;
}
function button(message: FakeMessage | undefined): { action_id: string; value: string } | undefined {
  return blocksOf(message)
    .flatMap((b) => b.elements ?? [])
    .find((e): e is { action_id: string; value: string } => e.action_id === 'fin_hitl_open');
}

describe('human-in-the-loop steps', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /** A Slack thread whose Fin conversation Intercom knows by its own id. */
  async function bridgedThread(harness: Harness) {
    const root = await harness.say({ user: alice, channel: support, text: `<@${harness.slack.botUserId}> I want a refund` });
    const turn = await harness.fin.nextTurn();
    await turn.answer('<p>Let me check with the team.</p>');
    await harness.slack.waitFor(() => harness.slack.botReplies(support, root)[0]?.text === 'Let me check with the team.');
    return { root, intercomId: intercomIdFor(turn.conversationId), conversationId: turn.conversationId };
  }

  async function requestPosted(harness: Harness, attributes = ATTRIBUTES, extra: Record<string, unknown> = {}) {
    const thread = await bridgedThread(harness);
    const notification = harness.fin.hitlNotification({ intercomConversationId: thread.intercomId, attributes, ...extra });
    expect((await harness.intercomWebhook(notification)).status).toBe(200);
    const post = await harness.slack.waitFor(() =>
      harness.slack.messages.find((m) => m.channel === agents && /procedure needs/.test(m.text)),
    );
    return { ...thread, notification, post };
  }

  async function openForm(harness: Harness, post: FakeMessage, user = bob) {
    const b = button(post);
    if (b === undefined) throw new Error('no button on the post');
    const before = harness.slack.views.size;
    await harness.press({ user, message: post, actionId: b.action_id, value: b.value });
    await harness.slack.waitFor(() => harness.slack.views.size > before);
    const view = harness.slack.lastView();
    if (view === undefined) throw new Error('no modal');
    return view;
  }

  describe('the webhook (POST /intercom/webhooks)', () => {
    it('answers HEAD, refuses unsigned, forged and unconfigured requests, and 400s malformed ones', async () => {
      h = await Harness.start({ hitl: true });
      const body = h.fin.hitlNotification({ intercomConversationId: '1', attributes: ATTRIBUTES });
      expect((await fetch(`${h.url}/intercom/webhooks`, { method: 'HEAD' })).status).toBe(200);
      expect((await h.intercomWebhook(body, { signature: null })).status).toBe(401);
      expect((await h.intercomWebhook(body, { signature: `sha1=${'0'.repeat(40)}` })).status).toBe(401);
      const sha256 = createHmac('sha256', CLIENT_SECRET).update(JSON.stringify(body)).digest('hex');
      expect((await h.intercomWebhook(body, { signature: `sha256=${sha256}` })).status).toBe(401);
      expect((await h.intercomWebhook(undefined, { raw: '{oops' })).status).toBe(400);
      const broken = { ...body, data: { item: { step_id: 's', attributes_to_collect: [] } } };
      expect((await h.intercomWebhook(broken)).status).toBe(400);
      // Logged by its shape, never its values (they may be a customer's).
      const logged = h.logged('unexpected human-in-the-loop webhook')[0];
      expect(logged?.shape).toContain('"step_id":"string(1)"');
      expect(JSON.stringify(logged)).not.toContain('"s"');
      const other = await h.intercomWebhook({ type: 'notification_event', id: 'notif_x', topic: 'conversation.user.created', data: {} });
      expect(await other.json()).toMatchObject({ outcome: 'ignored' });
      expect(h.slack.messages.filter((m) => m.channel === agents)).toHaveLength(0);
    });

    it('refuses everything when INTERCOM_CLIENT_SECRET is not set', async () => {
      h = await Harness.start();
      const body = h.fin.hitlNotification({ intercomConversationId: '1', attributes: ATTRIBUTES });
      expect((await h.intercomWebhook(body)).status).toBe(401);
    });

    it('posts one request per step, however often Intercom notifies', async () => {
      h = await Harness.start({ hitl: true });
      const { notification } = await requestPosted(h);
      const again = await h.intercomWebhook(notification);
      expect(await again.json()).toMatchObject({ outcome: 'duplicate' });
      const sameStepNewId = { ...notification, id: 'notif_other' };
      expect((await h.intercomWebhook(sameStepNewId)).status).toBe(200);
      await h.slack.waitFor(() => h?.logged('human-in-the-loop step already known').length);
      expect(h.slack.messages.filter((m) => m.channel === agents && /procedure needs/.test(m.text))).toHaveLength(1);
    });
  });

  it('tells agents what is asked, for which conversation, with links, and tells the user a person is checking', async () => {
    h = await Harness.start({ hitl: true, env: { INTERCOM_WORKSPACE_ID: 'ws1' } });
    const { root, intercomId, post } = await requestPosted(h);
    const text = readable(post);
    for (const label of ['Approve the refund?', 'Reason', 'Amount refunded', 'Items returned', 'Note to the customer'])
      expect(text).toContain(label);
    expect(text).toContain('Conversation: with @alice in #support');
    expect(text).toContain(h.slack.permalinkOf(support, root));
    expect(text).toContain(`https://app.intercom.com/a/inbox/ws1/inbox/conversation/${intercomId}|Open in Intercom`);
    expect(button(post)).toBeDefined();
    await h.slack.waitFor(() => h?.slack.botReplies(support, root).some((m) => /person from our team is checking/.test(m.text)));
  });

  it('acknowledges the button at once and opens the form right after', async () => {
    h = await Harness.start({ hitl: true });
    const { post } = await requestPosted(h);
    const b = button(post);
    if (b === undefined) throw new Error('no button on the post');
    h.slack.delay('views.open', 1_500);
    expect((await h.press({ user: bob, message: post, actionId: b.action_id, value: b.value })).status).toBe(200);
    expect(h.slack.views.size).toBe(0); // Slack had its answer before the form was open
    await h.slack.waitFor(() => h?.slack.views.size === 1);
  });

  it('builds the form from the attributes: one required input per attribute, of the right kind', async () => {
    h = await Harness.start({ hitl: true });
    const { post } = await requestPosted(h);
    const { view } = await openForm(h, post);
    const inputs = (view.blocks as { type: string; optional?: boolean; element: Record<string, unknown> }[]).filter(
      (b) => b.type === 'input',
    );
    expect(inputs.map((b) => b.element.type)).toEqual([
      'radio_buttons',
      'static_select',
      'number_input',
      'number_input',
      'plain_text_input',
      'datepicker',
      'datetimepicker',
    ]);
    expect(inputs.every((b) => b.optional === false)).toBe(true);
    expect(inputs[2]?.element.is_decimal_allowed).toBe(true);
    expect(inputs[3]?.element.is_decimal_allowed).toBe(false);
    // Option ids go back to Intercom; archived options are not offered.
    expect(((inputs[1]?.element.options ?? []) as { value: string }[]).map((o) => o.value)).toEqual(['opt-damaged', 'opt-late']);
    expect(JSON.parse(String(view.private_metadata))).toEqual({ requestId: expect.any(Number) });
  });

  it('says in the form whose conversation it is, with a link to the thread', async () => {
    h = await Harness.start({ hitl: true, env: { INTERCOM_WORKSPACE_ID: 'ws1' } });
    const { root, post } = await requestPosted(h);
    const { view } = await openForm(h, post);
    const shown = shownText(view as { blocks?: unknown });
    expect(shown).toContain('Conversation: with @alice in #support');
    expect(shown).toContain('Open the Slack thread');
    expect(JSON.stringify(view.blocks)).toContain(
      `{"type":"link","url":"${h.slack.permalinkOf(support, root)}","text":"Open the Slack thread"}`,
    );
  });

  it('shows submitted values as written, dates in each reader’s time zone, and no doubled punctuation', async () => {
    h = await Harness.start({ hitl: true });
    const { post } = await requestPosted(h);
    const { id } = await openForm(h, post);
    await h.submitView({
      user: bob,
      viewId: id,
      values: { ...GOOD_VALUES, attr_4: { value: { type: 'plain_text_input', value: 'Sorry about the broken *item* _thanks_' } } },
    });
    await h.slack.waitFor(() => readable(post).includes('Submitted by @bob'));
    const shown = shownText(post);
    expect(shown).toContain('• Approve the refund? Yes');
    expect(shown).toContain('• Note to the customer: Sorry about the broken *item* _thanks_');
    expect(shown).toContain('• Ship the replacement on: Tue, 1 Dec 2026');
    expect(JSON.stringify(post.blocks)).toContain('{"type":"date","timestamp":1798000000,"format":"{date_short_pretty} at {time}"');
    expect(JSON.stringify(post.blocks)).not.toContain(new Date(1_798_000_000_000).toISOString());
  });

  it('reports bad values next to their inputs and sends nothing', async () => {
    h = await Harness.start({ hitl: true });
    const { post } = await requestPosted(h);
    const { id } = await openForm(h, post);
    const answer = await h.submitView({
      user: bob,
      viewId: id,
      values: BAD_VALUES,
    });
    expect(answer).toEqual({
      response_action: 'errors',
      errors: BAD_VALUE_ERRORS,
    });
    expect(h.fin.collectCalls).toHaveLength(0);
  });

  it('sends good values to the callback in the JSON type of each attribute, and records who answered', async () => {
    h = await Harness.start({ hitl: true });
    const { post, intercomId, notification } = await requestPosted(h);
    const staleButton = button(post);
    const { id } = await openForm(h, post);
    // A second form, opened before the first is sent (another tab, another agent).
    const { id: otherId } = await openForm(h, post);
    const answer = await h.submitView({ user: bob, viewId: id, values: GOOD_VALUES });
    expect(answer).toMatchObject({ response_action: 'update' });
    const call = await h.slack.waitFor(() => h?.fin.collectCalls[0]);
    expect(call.conversationId).toBe(intercomId);
    expect(call.headers.authorization).toBe(`Bearer ${h.fin.token}`);
    expect(call.headers['intercom-version']).toBe('Preview');
    const item = (notification.data as { item: { step_id: string } }).item;
    expect(call.body).toEqual({
      step_id: item.step_id,
      attribute_values: GOOD_SENT,
    });
    await h.slack.waitFor(() => readable(post).includes('Submitted by @bob'));
    expect(readable(post)).toContain('Damaged');
    expect(button(post)).toBeUndefined();
    await h.slack.waitFor(() => JSON.stringify(h?.slack.views.get(id)?.view).includes('Sent to Fin'));

    // Nobody can answer it again from Slack: not with the other form, not with a button still on someone's screen.
    const second = await h.submitView({ user: bob, viewId: otherId, values: GOOD_VALUES });
    expect(JSON.stringify(second)).toContain('already answered by bob');
    if (staleButton === undefined) throw new Error('no button');
    await h.press({ user: bob, message: post, actionId: staleButton.action_id, value: staleButton.value });
    await h.slack.waitFor(() => h?.slack.ephemerals.find((e) => /already answered by bob/.test(e.text)));
    expect(h.fin.collectCalls).toHaveLength(1);
  });

  it('uses INTERCOM_ACCESS_TOKEN for the callback when it is set', async () => {
    h = await Harness.start({
      hitl: true,
      env: { INTERCOM_ACCESS_TOKEN: 'intercom-app-token' },
      fin: { accessToken: 'intercom-app-token' },
    });
    const { post } = await requestPosted(h);
    const { id } = await openForm(h, post);
    await h.submitView({ user: bob, viewId: id, values: GOOD_VALUES });
    const call = await h.slack.waitFor(() => h?.fin.collectCalls[0]);
    expect(call.headers.authorization).toBe('Bearer intercom-app-token');
  });

  it.each([
    [404, 'expired', 'This request expired', false],
    [409, 'answered elsewhere', 'already answered', false],
    [403, 'a configuration problem', 'INTERCOM_ACCESS_TOKEN', true],
  ] as const)('shows a %i from Intercom as %s', async (status, _what, text, staysOpen) => {
    h = await Harness.start({ hitl: true });
    h.fin.onCollect(() => ({ status, body: { type: 'error.list', errors: [{ code: 'x', message: `reason ${status}` }] } }));
    const { post } = await requestPosted(h);
    const { id } = await openForm(h, post);
    await h.submitView({ user: bob, viewId: id, values: GOOD_VALUES });
    await h.slack.waitFor(() => readable(post).includes(text));
    expect(button(post) !== undefined).toBe(staysOpen);
    await h.slack.waitFor(() => !JSON.stringify(h?.slack.views.get(id)?.view).includes('Sending'));
  });

  it('keeps the request open when Intercom cannot be reached, so it can be answered again', async () => {
    h = await Harness.start({ hitl: true });
    let failing = true;
    h.fin.onCollect(() => (failing ? { status: 503, body: {} } : undefined));
    const { post } = await requestPosted(h);
    const first = await openForm(h, post);
    await h.submitView({ user: bob, viewId: first.id, values: GOOD_VALUES });
    await h.slack.waitFor(() => JSON.stringify(h?.slack.views.get(first.id)?.view).includes('could not be reached'));
    expect(h.fin.collectCalls.length).toBeGreaterThan(1); // retried before giving up
    expect(button(post)).toBeDefined();

    failing = false;
    const second = await openForm(h, post);
    await h.submitView({ user: bob, viewId: second.id, values: GOOD_VALUES });
    await h.slack.waitFor(() => readable(post).includes('Submitted by @bob'));
  });

  it('refuses a callback address outside the Intercom API host: no button, nothing sent', async () => {
    h = await Harness.start({ hitl: true });
    const { post } = await requestPosted(h, ATTRIBUTES, { callbackUrl: 'https://attacker.example/procedures/1/collect_agent_input' });
    expect(button(post)).toBeUndefined();
    expect(readable(post)).toContain('answer it in Intercom');
    expect(h.fin.collectCalls).toHaveLength(0);
  });

  it('sends agents to Intercom for types Slack cannot collect', async () => {
    h = await Harness.start({ hitl: true });
    const { post } = await requestPosted(h, [...ATTRIBUTES, { identifier: 'x.files', name: 'Receipt', data_type: 'files' }]);
    expect(button(post)).toBeUndefined();
    expect(readable(post)).toContain('\\"Receipt\\" (files)');
  });

  it('lets only members of the agents’ channel open the form', async () => {
    h = await Harness.start({ hitl: true });
    const { post } = await requestPosted(h);
    const b = button(post);
    if (b === undefined) throw new Error('no button');
    await h.press({ user: alice, message: post, actionId: b.action_id, value: b.value });
    await h.slack.waitFor(() => h?.slack.ephemerals.find((e) => e.user === alice && /Only members/.test(e.text)));
    expect(h.slack.views.size).toBe(0);
  });

  it('checks membership afresh when the form is sent, not from the list read when it opened', async () => {
    h = await Harness.start({ hitl: true });
    const { post } = await requestPosted(h);
    const { id } = await openForm(h, post);
    // Bob leaves the agents' channel while the form is open.
    h.slack.addChannel({ id: agents, name: 'agents', kind: 'channel', members: [] });
    const answer = await h.submitView({ user: bob, viewId: id, values: GOOD_VALUES });
    expect(answer).toEqual({
      response_action: 'errors',
      errors: { attr_0: "Only members of the agents' channel can answer Fin's questions." },
    });
    expect(h.fin.collectCalls).toHaveLength(0);
    expect(button(post)).toBeDefined();
  });

  it('posts one request, with one button, when two notifications of the same step arrive together', async () => {
    h = await Harness.start({ hitl: true });
    const harness = h;
    const { intercomId } = await bridgedThread(harness);
    const notification = harness.fin.hitlNotification({ intercomConversationId: intercomId, attributes: ATTRIBUTES, stepId: 'step-twice' });
    const answers = await Promise.all([
      harness.intercomWebhook({ ...notification, id: 'notif_a' }),
      harness.intercomWebhook({ ...notification, id: 'notif_b' }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    await harness.slack.waitFor(() => harness.logged('human-in-the-loop step already known').length > 0);
    const posts = harness.slack.messages.filter((m) => m.channel === agents && /procedure needs/.test(m.text));
    expect(posts).toHaveLength(1);
  });

  it('escapes labels in the text Slack shows in notifications', async () => {
    h = await Harness.start({ hitl: true });
    const { post } = await requestPosted(h, [{ identifier: 'x.approve', name: '<!channel> Approve *now*?', data_type: 'boolean' }]);
    expect(post.text).not.toContain('<!channel>');
    expect(post.text).toContain('&lt;!channel&gt;');
  });

  it('sends the values even when Slack takes longer than the form’s window to update the agents’ post', async () => {
    h = await Harness.start({ hitl: true });
    const harness = h;
    const { post } = await requestPosted(harness);
    const { id } = await openForm(harness, post);
    harness.slack.delay('chat.update', 2_500);
    const answer = await harness.submitView({ user: bob, viewId: id, values: GOOD_VALUES });
    expect(JSON.stringify(answer)).toContain('Sending');
    await harness.slack.waitFor(() => harness.fin.collectCalls[0]);
    await harness.slack.waitFor(() => readable(post).includes('Submitted by @bob'), 10_000);
    expect(harness.fin.collectCalls).toHaveLength(1);
  });

  it('reopens, at the next start, a request claimed by an agent whose values were never sent', async () => {
    h = await Harness.start({ hitl: true });
    const harness = h;
    const { post } = await requestPosted(harness);
    const requestId = Number(button(post)?.value);
    await harness.stopApp();
    // The process died between claiming the request for Bob and sending his values.
    withStore(harness.env.DATABASE_PATH ?? '', (store) => store.hitl.claim(requestId, bob, Date.now()));
    await harness.startApp();
    await harness.slack.waitFor(() => readable(post).includes('restarted before these values were sent'));
    expect(button(post)).toBeDefined();
    const { id } = await openForm(harness, post);
    await harness.submitView({ user: bob, viewId: id, values: GOOD_VALUES });
    await harness.slack.waitFor(() => readable(post).includes('Submitted by @bob'));
  });

  it('ignores a notification older than the retention window', async () => {
    h = await Harness.start({ hitl: true, env: { DATA_RETENTION_DAYS: '7' } });
    const { intercomId } = await bridgedThread(h);
    const old = {
      ...h.fin.hitlNotification({ intercomConversationId: intercomId, attributes: ATTRIBUTES }),
      created_at: Math.floor(Date.now() / 1000) - 8 * 86_400,
    };
    const res = await h.intercomWebhook(old);
    expect(await res.json()).toMatchObject({ ok: true, outcome: 'stale' });
    expect(h.slack.messages.filter((m) => m.channel === agents)).toHaveLength(0);
  });
});
