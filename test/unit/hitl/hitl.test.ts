import type { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FinSimulator } from '../../../fakes/fin-simulator.ts';
import type { FakeMessage, FakeSlack } from '../../../fakes/slack-api.ts';
import { HitlCallbacks } from '../../../src/hitl/callback.ts';
import { CHECKING_NOTICE, HumanInTheLoop } from '../../../src/hitl/hitl.ts';
import { SlackDirectory } from '../../../src/slack/directory.ts';
import { ChannelMembership } from '../../../src/slack/membership.ts';
import type { Store } from '../../../src/store/index.ts';
import { shownText } from '../../helpers/shown.ts';
import {
  buildPoster,
  CHANNELS,
  type KeptLog,
  keptLog,
  memoryStore,
  PEOPLE,
  type PosterParts,
  startSlack,
  webClient,
} from '../../helpers/slack-parts.ts';
import { waitFor } from '../../helpers/wait.ts';
import { ATTRIBUTES, BAD_VALUE_ERRORS, BAD_VALUES, GOOD_SENT, GOOD_VALUES } from '../../helpers/hitl-step.ts';

const { alice, bob, carol } = PEOPLE;
const { support, agents } = CHANNELS;

const RETENTION_MS = 7 * 86_400_000;
const INBOX = 'https://app.intercom.com/a/inbox/ws1/inbox/conversation/';
const INTERCOM_ID = '215000000000001';

const FAST_RETRY = { attempts: 3, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 1_000 };

function buttonOf(message: FakeMessage | undefined): { action_id: string; value: string } | undefined {
  const blocks = (message?.blocks ?? []) as { elements?: { action_id?: string; value?: string }[] }[];
  return blocks.flatMap((b) => b.elements ?? []).find((e): e is { action_id: string; value: string } => e.action_id === 'fin_hitl_open');
}

/** What an agent reads on a post or in a view, with the links its JSON carries. */
function readable(message: { blocks?: unknown } | undefined): string {
  return `${shownText(message)}\n${JSON.stringify(message?.blocks ?? [])}`;
}

describe('HumanInTheLoop', () => {
  let slack: FakeSlack;
  let fin: FinSimulator;
  let store: Store;
  let log: KeptLog;
  let parts: PosterParts;
  let read: WebClient;
  let callbacks: HitlCallbacks;
  let hitl: HumanInTheLoop;
  /** The customer's thread in #support, bridged to Intercom conversation INTERCOM_ID. */
  let root: string;

  function build(options: { now?: () => number; inboxUrl?: string | undefined } = {}): HumanInTheLoop {
    return new HumanInTheLoop({
      store,
      poster: parts.poster,
      directory: new SlackDirectory(read, log.logger),
      callbacks,
      membership: new ChannelMembership(read, agents, log.logger),
      agentChannel: agents,
      intercomInboxUrl: 'inboxUrl' in options ? options.inboxUrl : INBOX,
      retentionMs: RETENTION_MS,
      logger: log.logger,
      ...(options.now !== undefined ? { now: options.now } : {}),
    });
  }

  beforeEach(async () => {
    slack = await startSlack();
    fin = await FinSimulator.start();
    store = memoryStore();
    log = keptLog();
    parts = buildPoster(slack, { log });
    read = webClient(slack);
    callbacks = new HitlCallbacks({ apiUrl: fin.url, token: fin.token, logger: log.logger, retry: FAST_RETRY });
    hitl = build();
    root = slack.userMessage({ user: alice, channel: support, text: 'I want a refund' }).ts;
    const now = Date.now();
    const conv = store.conversations.ensure({ teamId: slack.teamId, channelId: support, threadTs: root, channelType: 'channel' }, now);
    store.conversations.markStarted(conv.id, INTERCOM_ID, now);
    store.inbound.claim(
      { teamId: slack.teamId, channelId: support, ts: root, conversationId: conv.id, userId: alice, text: 'I want a refund' },
      now,
    );
  });
  afterEach(async () => {
    parts.close();
    await callbacks.close();
    store.db.close();
    await Promise.all([slack.close(), fin.close()]);
  });

  const agentsPosts = () => slack.messages.filter((m) => m.channel === agents && !m.deleted);
  const notification = (
    extra: { stepId?: string; callbackUrl?: string; notificationId?: string; attributes?: Record<string, unknown>[] } = {},
  ) => fin.hitlNotification({ intercomConversationId: INTERCOM_ID, attributes: ATTRIBUTES, ...extra });

  /** Intercom notifies; resolves with the agents' post once the app has acted on it. */
  async function requestPosted(
    body: Record<string, unknown> = notification(),
  ): Promise<{ post: FakeMessage; requestId: number; stepId: string }> {
    const accepted = hitl.accept(body);
    expect(accepted.kind).toBe('accepted');
    await accepted.processed;
    const post = agentsPosts().at(-1);
    if (post === undefined) throw new Error('no post in the agents’ channel');
    const stepId = String((body.data as { item: { step_id: string } }).item.step_id);
    const row = store.db.prepare('SELECT id, agent_ts FROM hitl_requests WHERE step_id = ?').get(stepId) as
      | { id: number; agent_ts: string | null }
      | undefined;
    if (row === undefined) throw new Error(`no request recorded for step ${stepId}`);
    expect(row.agent_ts).toBe(post.ts);
    return { post, requestId: row.id, stepId };
  }

  /** Bob opens the form from the post; resolves with the view's id. */
  async function formOpened(requestId: number, post: FakeMessage, userId: string = bob): Promise<string> {
    const before = slack.views.size;
    const opened = await hitl.openForm({ requestId, userId, triggerId: slack.issueTriggerId(), messageTs: post.ts });
    expect(opened).toEqual({ kind: 'opened' });
    expect(slack.views.size).toBe(before + 1);
    return slack.lastView()?.id ?? '';
  }

  async function ready(requestId: number, state: unknown = GOOD_VALUES, userId: string = bob) {
    const submission = await hitl.prepare({ requestId, userId, state });
    if (submission.kind !== 'ready') throw new Error(`not ready: ${JSON.stringify(submission)}`);
    return submission;
  }

  describe('accept(): Intercom’s webhook', () => {
    it('records a notification before it returns, then posts the request to agents and tells the thread', async () => {
      const body = notification();
      const accepted = hitl.accept(body);
      expect(accepted.kind).toBe('accepted');
      // Durable before the webhook is acknowledged.
      expect(store.intercomEvents.pending().map((e) => JSON.parse(e.payload))).toEqual([body]);
      await accepted.processed;
      expect(store.intercomEvents.pending()).toEqual([]);

      const [post] = agentsPosts();
      const text = readable(post);
      expect(text).toContain('Conversation: with @alice in #support');
      for (const label of ['Approve the refund?', 'Reason', 'Amount refunded', 'Items returned', 'Note to the customer']) {
        expect(text).toContain(label);
      }
      expect(text).toContain(slack.permalinkOf(support, root));
      expect(text).toContain(`${INBOX}${INTERCOM_ID}|Open in Intercom`);
      expect(buttonOf(post)).toBeDefined();
      expect(post?.text).toMatch(/^A Fin procedure needs input: Approve the refund\?, Reason/);
      expect(slack.botReplies(support, root).map((m) => m.text)).toEqual([CHECKING_NOTICE]);
    });

    it('keeps a thread people own quiet: the request reaches the agents, the customer is not told Fin paused', async () => {
      const conv = store.conversations.findByThread(slack.teamId, support, root);
      if (conv === undefined) throw new Error('no conversation');
      store.conversations.setOwner(conv.id, 'human', Date.now());
      await hitl.accept(notification()).processed;
      expect(agentsPosts()).toHaveLength(1);
      expect(slack.botReplies(support, root)).toEqual([]);
    });

    it('answers duplicate for a notification it has, and posts once for a step notified twice', async () => {
      const body = notification({ stepId: 'step-1' });
      const { requestId } = await requestPosted(body);
      const again = hitl.accept(body);
      expect(again.kind).toBe('duplicate');
      await again.processed;

      const sameStep = hitl.accept({ ...body, id: 'notif_other' });
      expect(sameStep.kind).toBe('accepted');
      await sameStep.processed;
      expect(log.logged('human-in-the-loop step already known')).toEqual([expect.objectContaining({ stepId: 'step-1', requestId })]);
      expect(agentsPosts()).toHaveLength(1);
      expect(slack.botReplies(support, root).map((m) => m.text)).toEqual([CHECKING_NOTICE]);
    });

    it('keys a notification without an id by its step', async () => {
      const { id: _id, ...body } = notification({ stepId: 'step-no-id' });
      const first = hitl.accept(body);
      expect(first.kind).toBe('accepted');
      await first.processed;
      expect(hitl.accept(body).kind).toBe('duplicate');
      expect(hitl.accept({ ...body, data: { item: { ...(body.data as { item: object }).item, step_id: 'step-other' } } }).kind).toBe(
        'accepted',
      );
    });

    it('ignores other topics, recording nothing', async () => {
      const other = hitl.accept({ type: 'notification_event', id: 'notif_x', topic: 'conversation.user.created', data: {} });
      expect(other.kind).toBe('ignored');
      await other.processed;
      expect(store.intercomEvents.pending()).toEqual([]);
      expect(agentsPosts()).toEqual([]);
    });

    it('finds a body it cannot read invalid, and logs its shape, never its values', () => {
      expect(hitl.accept({ no: 'topic' }).kind).toBe('invalid');
      expect(hitl.accept('not even an object').kind).toBe('invalid');
      const body = notification();
      const broken = { ...body, data: { item: { step_id: 'secret-step', callback_url: 'https://x.example/', attributes_to_collect: [] } } };
      expect(hitl.accept(broken).kind).toBe('invalid');
      const logged = log.logged('unexpected human-in-the-loop webhook').at(-1);
      expect(logged?.shape).toContain('"step_id":"string(11)"');
      expect(logged?.detail).toContain('attributes_to_collect');
      expect(JSON.stringify(logged)).not.toContain('secret-step');
      expect(store.intercomEvents.pending()).toEqual([]);
    });

    it('ignores a notification older than the retention window, and takes one just within it', async () => {
      const now = 1_800_000_000_000;
      hitl = build({ now: () => now });
      const edge = (now - RETENTION_MS) / 1000;
      const stale = hitl.accept({ ...notification(), created_at: edge - 1 });
      expect(stale.kind).toBe('stale');
      await stale.processed;
      expect(store.intercomEvents.pending()).toEqual([]);
      expect(agentsPosts()).toEqual([]);

      const within = hitl.accept({ ...notification(), created_at: edge });
      expect(within.kind).toBe('accepted');
      await within.processed;
      expect(agentsPosts()).toHaveLength(1);
    });

    it('posts the request with a later notification of its step when the first post failed', async () => {
      slack.fail('chat.postMessage', { error: 'not_in_channel', when: (args) => args.channel === agents });
      const body = notification({ stepId: 'step-retry' });
      const first = hitl.accept(body);
      await first.processed;
      expect(agentsPosts()).toEqual([]);
      expect(log.logged("could not post in the agents' channel (is the app a member of SLACK_AGENT_CHANNEL?)")).toEqual([
        expect.objectContaining({ error: 'not_in_channel', channelId: agents }),
      ]);

      const second = hitl.accept({ ...body, id: 'notif_second' });
      await second.processed;
      expect(agentsPosts()).toHaveLength(1);
      expect(buttonOf(agentsPosts()[0])).toBeDefined();
      // The thread was told once, when the request was new.
      expect(slack.botReplies(support, root).map((m) => m.text)).toEqual([CHECKING_NOTICE]);
    });

    it('still posts the request when the thread cannot be told', async () => {
      slack.fail('chat.postMessage', { error: 'is_archived', when: (args) => args.channel === support });
      await requestPosted();
      expect(slack.botReplies(support, root)).toEqual([]);
      expect(log.logged('could not tell the thread a person is checking')).toEqual([
        expect.objectContaining({ error: 'is_archived', level: 'warn' }),
      ]);
    });

    it('says a conversation Slack has no thread for was started outside Slack, naming its Intercom id', async () => {
      hitl = build({ inboxUrl: undefined });
      const { post } = await requestPosted(fin.hitlNotification({ intercomConversationId: '999', attributes: ATTRIBUTES }));
      const text = readable(post);
      expect(text).toContain('Conversation: started outside Slack');
      expect(text).toContain('Intercom conversation `999`');
      expect(text).not.toContain('Open in Intercom');
      expect(slack.botReplies(support, root)).toEqual([]);
    });
  });

  describe('requests that cannot be answered from Slack', () => {
    it('refuses a callback outside the Intercom API host: no button, and nothing is ever sent there', async () => {
      const elsewhere = await FinSimulator.start();
      try {
        const callbackUrl = `${elsewhere.url}/procedures/${INTERCOM_ID}/collect_agent_input`;
        const { post, requestId } = await requestPosted(notification({ callbackUrl }));
        expect(buttonOf(post)).toBeUndefined();
        expect(readable(post)).toContain("Its answer address is not on this app's Intercom API host");
        expect(readable(post)).toContain('Please answer it in Intercom.');
        expect(store.hitl.get(requestId)?.state).toBe('unanswerable');
        expect(await hitl.openForm({ requestId, userId: bob, triggerId: slack.issueTriggerId() })).toEqual({ kind: 'closed' });
        expect(slack.views.size).toBe(0);
        expect(elsewhere.collectCalls).toEqual([]);
      } finally {
        await elsewhere.close();
      }
    });

    it('sends to Intercom types Slack cannot collect, and more values than a form holds', async () => {
      const files = await requestPosted(
        notification({ attributes: [...ATTRIBUTES, { identifier: 'x.files', name: 'Receipt', data_type: 'files' }] }),
      );
      expect(buttonOf(files.post)).toBeUndefined();
      expect(readable(files.post)).toContain('"Receipt" (files), which cannot be given in Slack');

      const many = Array.from({ length: 120 }, (_, i) => ({ identifier: `x.${i}`, name: `Value ${i}`, data_type: 'string' }));
      const crowded = await requestPosted(notification({ attributes: many }));
      expect(buttonOf(crowded.post)).toBeUndefined();
      expect(readable(crowded.post)).toMatch(/It asks for 120 values, and a Slack form holds at most \d+\./);
      expect(store.hitl.get(crowded.requestId)?.state).toBe('unanswerable');
    });
  });

  describe('openForm(): the post’s button', () => {
    it('opens the form for a member of the agents’ channel, saying whose conversation it is', async () => {
      const { post, requestId } = await requestPosted();
      const viewId = await formOpened(requestId, post);
      const view = slack.views.get(viewId)?.view as { blocks?: unknown; private_metadata?: string };
      expect(shownText(view)).toContain('Conversation: with @alice in #support');
      expect(JSON.stringify(view.blocks)).toContain(`"url":"${slack.permalinkOf(support, root)}","text":"Open the Slack thread"`);
      expect(JSON.parse(view.private_metadata ?? '')).toEqual({ requestId });
      const inputs = (view.blocks as { type: string }[]).filter((b) => b.type === 'input');
      expect(inputs).toHaveLength(ATTRIBUTES.length);
    });

    it('opens nothing for someone outside the agents’ channel', async () => {
      const { post, requestId } = await requestPosted();
      expect(await hitl.openForm({ requestId, userId: carol, triggerId: slack.issueTriggerId(), messageTs: post.ts })).toEqual({
        kind: 'not_member',
      });
      expect(slack.views.size).toBe(0);
    });

    it('opens nothing when Slack will not say who is in the channel', async () => {
      const { post, requestId } = await requestPosted();
      slack.fail('conversations.members', { error: 'internal_error' });
      expect(await hitl.openForm({ requestId, userId: bob, triggerId: slack.issueTriggerId(), messageTs: post.ts })).toEqual({
        kind: 'membership_unknown',
      });
      expect(slack.views.size).toBe(0);
    });

    it('knows no request by an unknown id, nor from a button on another message', async () => {
      const { requestId } = await requestPosted();
      expect(await hitl.openForm({ requestId: requestId + 100, userId: bob, triggerId: slack.issueTriggerId() })).toEqual({
        kind: 'unknown',
      });
      expect(await hitl.openForm({ requestId, userId: bob, triggerId: slack.issueTriggerId(), messageTs: root })).toEqual({
        kind: 'unknown',
      });
      expect(slack.views.size).toBe(0);
    });

    it('says who answered a request already answered', async () => {
      const { post, requestId } = await requestPosted();
      await hitl.send(await ready(requestId), undefined);
      expect(await hitl.openForm({ requestId, userId: bob, triggerId: slack.issueTriggerId(), messageTs: post.ts })).toEqual({
        kind: 'closed',
        by: 'bob',
      });
      expect(slack.views.size).toBe(0);
    });

    it('passes on Slack’s refusal of a trigger id it did not issue', async () => {
      const { post, requestId } = await requestPosted();
      await expect(hitl.openForm({ requestId, userId: bob, triggerId: '1.2.nope', messageTs: post.ts })).rejects.toMatchObject({
        data: { error: 'invalid_trigger_id' },
      });
      expect(slack.views.size).toBe(0);
    });
  });

  describe('prepare() and send(): the form’s answer', () => {
    it('claims the request with good values, sends them in their JSON types, and shows who answered what', async () => {
      const { post, requestId, stepId } = await requestPosted();
      const viewId = await formOpened(requestId, post);
      const submission = await ready(requestId);
      expect(submission.values).toEqual(GOOD_SENT);
      expect(store.hitl.get(requestId)).toMatchObject({ state: 'submitting', submittedBy: bob });

      await hitl.send(submission, viewId);
      expect(fin.collectCalls).toHaveLength(1);
      expect(fin.collectCalls[0]?.conversationId).toBe(INTERCOM_ID);
      expect(fin.collectCalls[0]?.headers.authorization).toBe(`Bearer ${fin.token}`);
      expect(fin.collectCalls[0]?.body).toEqual({ step_id: stepId, attribute_values: GOOD_SENT });

      const request = store.hitl.get(requestId);
      expect(request?.state).toBe('submitted');
      expect(JSON.parse(request?.valuesJson ?? '[]')).toContainEqual({ label: 'Amount refunded', value: '12.5' });

      // The post says the values are on their way, then who answered what; its button is gone.
      const updates = slack.callsTo('chat.update').filter((c) => c.args.ts === post.ts);
      expect(updates.map((c) => shownText({ blocks: c.args.blocks }))).toEqual([
        expect.stringContaining('Being submitted by @bob…'),
        expect.stringContaining('Submitted by @bob:'),
      ]);
      const shown = shownText(slack.message(agents, post.ts));
      expect(shown).toContain('• Approve the refund? Yes');
      expect(shown).toContain('• Reason: Damaged');
      expect(shown).toContain('• Note to the customer: Sorry about that!');
      expect(buttonOf(slack.message(agents, post.ts))).toBeUndefined();
      expect(JSON.stringify(slack.views.get(viewId)?.view)).toContain('Sent to Fin');
    });

    it('reports bad values next to their inputs, claims nothing and sends nothing', async () => {
      const { requestId } = await requestPosted();
      const submission = await hitl.prepare({
        requestId,
        userId: bob,
        state: BAD_VALUES,
      });
      expect(submission).toEqual({
        kind: 'errors',
        errors: BAD_VALUE_ERRORS,
      });
      expect(store.hitl.get(requestId)).toMatchObject({ state: 'open', submittedBy: null });
      expect(fin.collectCalls).toEqual([]);
    });

    it('lets one form claim a request: a second gets who answered it', async () => {
      const { requestId } = await requestPosted();
      await ready(requestId);
      expect(await hitl.prepare({ requestId, userId: bob, state: GOOD_VALUES })).toEqual({
        kind: 'errors',
        errors: { attr_0: 'This request was already answered by bob.' },
      });
    });

    it('asks Slack afresh whether the agent is still in the channel', async () => {
      const { post, requestId } = await requestPosted();
      await formOpened(requestId, post);
      // Bob leaves the agents' channel while the form is open; the list read when it opened still has him.
      slack.addChannel({ id: agents, name: 'agents', kind: 'channel', members: [] });
      expect(await hitl.prepare({ requestId, userId: bob, state: GOOD_VALUES })).toEqual({
        kind: 'errors',
        errors: { attr_0: "Only members of the agents' channel can answer Fin's questions." },
      });
      slack.fail('conversations.members', { error: 'internal_error' });
      const unknown = await hitl.prepare({ requestId, userId: bob, state: GOOD_VALUES });
      expect(unknown).toMatchObject({ kind: 'errors', errors: { attr_0: expect.stringContaining('Slack would not confirm') } });
      expect(store.hitl.get(requestId)?.state).toBe('open');
    });

    it('says a request it does not know is no longer known', async () => {
      expect(await hitl.prepare({ requestId: 404, userId: bob, state: GOOD_VALUES })).toEqual({
        kind: 'errors',
        errors: { attr_0: 'This request is no longer known to the app.' },
      });
    });

    it('tries the callback again when Intercom fails for a moment, and the answer goes through', async () => {
      let failures = 2;
      fin.onCollect(() => (failures-- > 0 ? { status: 503, body: {} } : undefined));
      const { post, requestId } = await requestPosted();
      await hitl.send(await ready(requestId), undefined);
      expect(fin.collectCalls).toHaveLength(3);
      expect(store.hitl.get(requestId)?.state).toBe('submitted');
      expect(shownText(slack.message(agents, post.ts))).toContain('Submitted by @bob');
    });

    it('opens the request again when Intercom cannot be reached, and it can then be answered', async () => {
      let failing = true;
      fin.onCollect(() => (failing ? { status: 503, body: {} } : undefined));
      const { post, requestId } = await requestPosted();
      const viewId = await formOpened(requestId, post);
      await hitl.send(await ready(requestId), viewId);
      expect(fin.collectCalls).toHaveLength(FAST_RETRY.attempts);
      expect(store.hitl.get(requestId)).toMatchObject({ state: 'open', submittedBy: null });
      expect(shownText(slack.message(agents, post.ts))).toContain('Intercom could not be reached; the values were not sent.');
      expect(buttonOf(slack.message(agents, post.ts))).toBeDefined();
      expect(JSON.stringify(slack.views.get(viewId)?.view)).toContain('Intercom could not be reached, so nothing was sent');

      failing = false;
      await hitl.send(await ready(requestId), undefined);
      expect(store.hitl.get(requestId)?.state).toBe('submitted');
    });

    it.each([
      [404, 'expired', 'This request expired before it was answered', false, 'This request expired before your answer arrived'],
      [409, 'answered_elsewhere', 'This request was already answered (@bob tried to submit too)', false, 'Someone already answered'],
      [403, 'open', 'INTERCOM_ACCESS_TOKEN', true, "Intercom refused this app's access token"],
      [422, 'open', 'Intercom did not accept the values: reason 422.', true, 'Intercom did not accept these values (reason 422)'],
    ] as const)('shows an HTTP %i from Intercom: the request is %s', async (status, state, onPost, staysOpen, inView) => {
      fin.onCollect(() => ({ status, body: { type: 'error.list', errors: [{ code: 'x', message: `reason ${status}` }] } }));
      const { post, requestId } = await requestPosted();
      const viewId = await formOpened(requestId, post);
      await hitl.send(await ready(requestId), viewId);
      expect(fin.collectCalls).toHaveLength(1);
      expect(store.hitl.get(requestId)?.state).toBe(state);
      expect(shownText(slack.message(agents, post.ts))).toContain(onPost);
      expect(buttonOf(slack.message(agents, post.ts)) !== undefined).toBe(staysOpen);
      expect(JSON.stringify(slack.views.get(viewId)?.view)).toContain(inView);
    });

    it('never sends to a callback outside the Intercom host, even for a request recorded as open', async () => {
      const elsewhere = await FinSimulator.start();
      try {
        // Recorded when the app was configured with another Intercom host (FIN_API_URL has changed since).
        const { request } = store.hitl.open(
          {
            stepId: 'step-moved',
            intercomConversationId: INTERCOM_ID,
            conversationId: null,
            callbackUrl: `${elsewhere.url}/procedures/${INTERCOM_ID}/collect_agent_input`,
            attributesJson: JSON.stringify({
              attributes: [{ identifier: 'x.ok', label: 'OK?', kind: 'boolean', dataType: 'boolean', options: [] }],
            }),
            state: 'open',
            agentChannelId: agents,
          },
          Date.now(),
        );
        const submission = await ready(request.id, { attr_0: { value: { selected_option: { value: 'false' } } } });
        await hitl.send(submission, undefined);
        expect(elsewhere.collectCalls).toEqual([]);
        expect(fin.collectCalls).toEqual([]);
        expect(log.logged('could not send human-in-the-loop values')).toHaveLength(1);
        expect(store.hitl.get(request.id)).toMatchObject({
          state: 'open',
          note: 'Intercom could not be reached; the values were not sent.',
        });
        // The request had no post yet: sending made one, showing where it stands.
        const post = agentsPosts()[0];
        expect(shownText(post)).toContain('Intercom could not be reached');
        expect(store.hitl.get(request.id)?.agentTs).toBe(post?.ts);
      } finally {
        await elsewhere.close();
      }
    });

    it('sends the values even when the modal is gone by the time the outcome is known', async () => {
      const { requestId } = await requestPosted();
      await hitl.send(await ready(requestId), 'VGONE');
      expect(store.hitl.get(requestId)?.state).toBe('submitted');
      expect(log.logged('could not show the outcome in the modal (closed?)')).toEqual([expect.objectContaining({ error: 'not_found' })]);
    });

    it('releases a claim whose values will not be sent: open again, the post saying why', async () => {
      const { post, requestId } = await requestPosted();
      await ready(requestId);
      hitl.release(requestId, 'Slack was too slow to confirm the last answer; please send it again.');
      expect(store.hitl.get(requestId)).toMatchObject({ state: 'open', submittedBy: null });
      await waitFor(() => shownText(slack.message(agents, post.ts)).includes('Slack was too slow'), { what: 'the post to show the note' });
      expect(buttonOf(slack.message(agents, post.ts))).toBeDefined();
      expect(fin.collectCalls).toEqual([]);
    });
  });

  describe('recover(): after a restart', () => {
    it('reopens a claim never sent, acts on recorded notifications, and drops one it cannot read', async () => {
      const { post, requestId } = await requestPosted();
      store.hitl.claim(requestId, bob, Date.now());
      const waiting = notification({ stepId: 'step-recorded' });
      store.intercomEvents.record({ dedupeKey: String(waiting.id), topic: 'hitl', payload: JSON.stringify(waiting) }, Date.now());
      store.intercomEvents.record({ dedupeKey: 'notif_broken', topic: 'hitl', payload: JSON.stringify({ topic: 'x' }) }, Date.now());

      const restarted = build();
      restarted.recover();
      expect(store.hitl.get(requestId)).toMatchObject({ state: 'open', submittedBy: null });
      await waitFor(() => agentsPosts().length === 2 && store.intercomEvents.pending().length === 0, {
        what: 'the recorded notification to be posted',
      });
      await waitFor(() => shownText(slack.message(agents, post.ts)).includes('The app restarted before these values were sent'), {
        what: 'the reopened post',
      });
      expect(buttonOf(agentsPosts()[1])).toBeDefined();
    });
  });
});
