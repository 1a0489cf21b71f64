import { errorCode } from '../core/errors.ts';
import { KeyedSerial } from '../core/keyed-serial.ts';
import type { Logger } from '../core/log.ts';
import type { SlackDirectory } from '../slack/directory.ts';
import { type ChannelMembership, membershipRefusal } from '../slack/membership.ts';
import { showAgentsPost } from '../slack/agents-post.ts';
import type { SlackPoster } from '../slack/poster.ts';
import type { Store } from '../store/index.ts';
import type { HitlRequest } from '../store/hitl.ts';
import type { HitlCallbacks } from './callback.ts';
import { hitlModal, MAX_FORM_INPUTS, messageModal } from './modal.ts';
import { type HitlAttribute, type HitlNotification, parseIntercomWebhook } from './notification.ts';
import { type HitlView, hitlFormContext, hitlPost } from './post.ts';
import { type JsonValue, readValues } from './values.ts';

export interface HitlOptions {
  readonly store: Store;
  readonly poster: SlackPoster;
  readonly directory: SlackDirectory;
  readonly callbacks: HitlCallbacks;
  readonly membership: ChannelMembership;
  readonly agentChannel: string;
  readonly intercomInboxUrl: string | undefined;
  /** Notifications older than this are ignored (their records may have been pruned). */
  readonly retentionMs: number;
  readonly logger: Logger;
  readonly now?: () => number;
}

export type IntercomEventOutcome = 'accepted' | 'duplicate' | 'ignored' | 'invalid' | 'stale';
export type OpenOutcome = 'opened' | 'closed' | 'not_member' | 'membership_unknown' | 'unknown';
export type Submission =
  | { readonly kind: 'errors'; readonly errors: Readonly<Record<string, string>> }
  | {
      readonly kind: 'ready';
      readonly request: HitlRequest;
      readonly values: readonly { identifier: string; value: JsonValue }[];
      readonly shown: readonly { label: string; value: string }[];
    };

/** Said in the user's thread while a person answers the procedure's question. */
export const CHECKING_NOTICE = ':mag: A person from our team is checking something for Fin. Fin will continue here shortly.';

const DONE = Promise.resolve();
/** How long the form waits for the thread's link: Slack's trigger id expires 3 seconds after the button press. */
const FORM_LINK_WAIT_MS = 800;

/**
 * Human-in-the-loop steps of Fin Procedures. Intercom's webhook becomes a request with a post in the agents'
 * channel; an agent opens the form, fills it in, and the values go back to Intercom's callback. A request is
 * answered once: the store decides who submits, and the post shows the outcome.
 */
export class HumanInTheLoop {
  readonly #o: HitlOptions;
  readonly #now: () => number;
  readonly #log: Logger;
  /** Notifications of one step are acted on one at a time: two sent together must not both post. */
  readonly #steps = new KeyedSerial();
  /** Updates of one request's post, one at a time. */
  readonly #posts = new KeyedSerial();

  constructor(options: HitlOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#log = options.logger.child({ component: 'hitl' });
  }

  /**
   * Takes one Intercom app webhook. A HITL notification is durably recorded before this returns (so the webhook can
   * be acknowledged), deduplicated by notification id; acting on it happens in `processed`.
   */
  accept(body: unknown): { kind: IntercomEventOutcome; processed: Promise<void> } {
    const parsed = parseIntercomWebhook(body);
    if (!parsed.ok) {
      if (parsed.reason === 'not_hitl') {
        this.#log.info({ topic: parsed.topic, notificationId: parsed.notificationId }, 'ignoring an Intercom webhook topic');
        return { kind: 'ignored', processed: DONE };
      }
      // The payload's shape is not published: an unexpected one is logged by its shape (field names and types, never
      // values, which may be a customer's), for the operator to see.
      this.#log.warn(
        { detail: parsed.detail, shape: JSON.stringify(shapeOf(body)).slice(0, 4_000) },
        'unexpected human-in-the-loop webhook',
      );
      return { kind: 'invalid', processed: DONE };
    }
    const n = parsed.notification;
    if (n.createdAtMs !== undefined && n.createdAtMs < this.#now() - this.#o.retentionMs) {
      // Its record may be long pruned: acting on it could post a request for a step that ended long ago.
      this.#log.info(
        { stepId: n.stepId, createdAtMs: n.createdAtMs },
        'ignoring a human-in-the-loop notification older than the retention window',
      );
      return { kind: 'stale', processed: DONE };
    }
    const dedupeKey = n.notificationId ?? `step:${n.stepId}`;
    if (!this.#o.store.intercomEvents.record({ dedupeKey, topic: 'hitl', payload: JSON.stringify(body) }, this.#now())) {
      this.#log.debug({ dedupeKey }, 'duplicate Intercom webhook');
      return { kind: 'duplicate', processed: DONE };
    }
    return { kind: 'accepted', processed: this.#process(dedupeKey, n) };
  }

  /**
   * Picks up where a previous process stopped: a request claimed for an agent whose values were never sent (the
   * process died in between) is open again, and notifications recorded but not acted on are acted on.
   */
  recover(): void {
    for (const stranded of this.#o.store.hitl.submitting()) {
      this.#log.warn({ requestId: stranded.id }, 'a human-in-the-loop answer was claimed but the app stopped before sending it; reopening');
      this.release(stranded.id, 'The app restarted before these values were sent to Fin; please send them again.');
    }
    for (const stored of this.#o.store.intercomEvents.pending()) {
      const parsed = parseIntercomWebhook(JSON.parse(stored.payload));
      if (parsed.ok) void this.#process(stored.dedupeKey, parsed.notification);
      else this.#o.store.intercomEvents.markDone(stored.dedupeKey, this.#now());
    }
  }

  /**
   * The "Provide the values" button: opens the form for a member of the agents' channel. Membership may come from a
   * list read in the last minute here; the submission checks it afresh.
   */
  async openForm(input: {
    requestId: number;
    userId: string;
    triggerId: string;
    messageTs?: string | undefined;
  }): Promise<{ kind: OpenOutcome; by?: string }> {
    const request = this.#o.store.hitl.get(input.requestId);
    // The button must be on this request's own post: one whose request is gone never opens a newer request's form.
    if (request === undefined || (input.messageTs !== undefined && request.agentTs !== input.messageTs)) return { kind: 'unknown' };
    if (request.state !== 'open') return { kind: 'closed', ...(request.submittedBy ? { by: await this.#name(request.submittedBy) } : {}) };
    // The thread's link is asked for while membership is checked: both must fit in the trigger id's few seconds.
    const context = this.#formContext(request);
    const membership = await this.#o.membership.check(input.userId, { fresh: false });
    if (membership !== 'member') return { kind: membership };
    await this.#o.poster.openView(input.triggerId, hitlModal(request.id, attributesOf(request), hitlFormContext(await context)));
    return { kind: 'opened' };
  }

  /**
   * Checks a submitted form (membership asked of Slack afresh, then every value) and, when it is good, claims the
   * request for this agent. Nothing else: it answers Slack's `view_submission`, which allows 3 seconds, so the post's
   * update and sending the values are `send`'s, afterwards. A caller that gives up waiting must `release` a claim
   * this still makes.
   */
  async prepare(input: { requestId: number; userId: string; state: unknown }): Promise<Submission> {
    const request = this.#o.store.hitl.get(input.requestId);
    const firstBlock = 'attr_0';
    if (request === undefined) return { kind: 'errors', errors: { [firstBlock]: 'This request is no longer known to the app.' } };
    const membership = await this.#o.membership.check(input.userId, { fresh: true });
    if (membership !== 'member') {
      return { kind: 'errors', errors: { [firstBlock]: membershipRefusal(membership, "answer Fin's questions") } };
    }
    const read = readValues(attributesOf(request), input.state);
    if (!read.ok) return { kind: 'errors', errors: read.errors };
    if (!this.#o.store.hitl.claim(request.id, input.userId, this.#now())) {
      const current = this.#o.store.hitl.get(request.id);
      const by = current?.submittedBy ? ` by ${await this.#name(current.submittedBy)}` : '';
      return { kind: 'errors', errors: { [firstBlock]: `This request was already answered${by}.` } };
    }
    const claimed = this.#o.store.hitl.get(request.id) ?? request;
    return { kind: 'ready', request: claimed, values: read.values, shown: read.shown };
  }

  /** A claim whose values will not be sent (the form's answer came too late, the app stopped): the request is open again. */
  release(requestId: number, note: string): void {
    this.#o.store.hitl.reopen(requestId, note, this.#now());
    void this.#showPost(requestId);
  }

  /**
   * Sends claimed values to Intercom, then records and shows the outcome (on the post and in the agent's modal). The
   * post says the values are on their way first. However it ends, the request does not stay claimed: if the values
   * could not be sent, it is open again.
   */
  async send(submission: Extract<Submission, { kind: 'ready' }>, viewId: string | undefined): Promise<void> {
    try {
      await this.#showPost(submission.request.id);
      await this.#send(submission, viewId);
    } finally {
      if (this.#o.store.hitl.get(submission.request.id)?.state === 'submitting') {
        this.release(submission.request.id, 'The values could not be sent because of an error in the app; please try again.');
      }
    }
  }

  async #send(submission: Extract<Submission, { kind: 'ready' }>, viewId: string | undefined): Promise<void> {
    const { request, values, shown } = submission;
    const { store } = this.#o;
    let outcome: Awaited<ReturnType<HitlCallbacks['submit']>>;
    try {
      outcome = await this.#o.callbacks.submit(request.callbackUrl, request.stepId, values);
    } catch (error) {
      this.#log.error({ requestId: request.id, err: error }, 'could not send human-in-the-loop values');
      outcome = { kind: 'unreachable', detail: 'unexpected error' };
    }
    const now = this.#now();
    let result: { title: string; text: string };
    switch (outcome.kind) {
      case 'submitted':
        store.hitl.settle(request.id, 'submitted', JSON.stringify(shown), null, now);
        result = { title: 'Sent to Fin', text: "Thanks: Fin's procedure continues with your answer." };
        break;
      case 'expired':
        store.hitl.settle(request.id, 'expired', null, null, now);
        result = { title: 'Request expired', text: "This request expired before your answer arrived; Fin's procedure has moved on." };
        break;
      case 'answered_elsewhere':
        store.hitl.settle(request.id, 'answered_elsewhere', null, outcome.detail ?? null, now);
        result = {
          title: 'Already answered',
          text: 'Someone already answered this request, in Intercom or in Slack. Nothing more was sent.',
        };
        break;
      case 'unauthorized':
        store.hitl.reopen(
          request.id,
          `Intercom refused the app's access token (HTTP ${outcome.status}): an admin needs to check INTERCOM_ACCESS_TOKEN.`,
          now,
        );
        result = {
          title: 'Not sent',
          text: "Intercom refused this app's access token, so nothing was sent. Please ask your Slack admin to check the app's Intercom token; the request stays open.",
        };
        break;
      case 'rejected':
        store.hitl.reopen(request.id, `Intercom did not accept the values${outcome.detail ? `: ${outcome.detail}` : ''}.`, now);
        result = {
          title: 'Not accepted',
          text: `Intercom did not accept these values${outcome.detail ? ` (${outcome.detail})` : ''}. Please check them and try again.`,
        };
        break;
      case 'unreachable':
        store.hitl.reopen(request.id, 'Intercom could not be reached; the values were not sent.', now);
        result = {
          title: 'Not sent',
          text: 'Intercom could not be reached, so nothing was sent. Please try again in a moment; the request stays open.',
        };
        break;
    }
    this.#log.info({ requestId: request.id, outcome: outcome.kind }, 'human-in-the-loop values sent');
    await this.#showPost(request.id);
    if (viewId !== undefined) {
      await this.#o.poster.updateView(viewId, messageModal(result.title, result.text)).catch((error: unknown) => {
        this.#log.info({ error: errorCode(error) }, 'could not show the outcome in the modal (closed?)');
      });
    }
  }

  /** Never rejects: a failure (the store, say) is logged here, and the notification stays pending for the next start. */
  #process(dedupeKey: string, n: HitlNotification): Promise<void> {
    return this.#steps
      .run(n.stepId, () => this.#act(dedupeKey, n))
      .catch((error: unknown) => {
        this.#log.error({ dedupeKey, err: error }, 'could not act on a human-in-the-loop notification');
      });
  }

  async #act(dedupeKey: string, n: HitlNotification): Promise<void> {
    const { store, poster } = this.#o;
    try {
      const conv = n.intercomConversationId === undefined ? undefined : store.conversations.findByIntercomId(n.intercomConversationId);
      const unanswerable = unanswerableReason(n, this.#o.callbacks);
      if (unanswerable !== undefined)
        this.#log.warn({ stepId: n.stepId, reason: unanswerable }, 'a human-in-the-loop request cannot be answered from Slack');
      const { request, created } = store.hitl.open(
        {
          stepId: n.stepId,
          intercomConversationId: n.intercomConversationId ?? null,
          conversationId: conv?.id ?? null,
          callbackUrl: n.callbackUrl,
          attributesJson: JSON.stringify({ attributes: n.attributes, unanswerable }),
          state: unanswerable === undefined ? 'open' : 'unanswerable',
          agentChannelId: this.#o.agentChannel,
        },
        this.#now(),
      );
      if (!created) this.#log.debug({ stepId: n.stepId, requestId: request.id }, 'human-in-the-loop step already known');
      if (created || request.agentTs === null) {
        await this.#showPost(request.id);
        // A thread people own stays quiet (the agents see the request in their channel); otherwise the customer learns why Fin paused.
        if (created && conv !== undefined && conv.owner === 'fin') {
          await poster.post(conv.channelId, conv.threadTs, CHECKING_NOTICE).catch((error: unknown) => {
            this.#log.warn({ conversationId: conv.id, error: errorCode(error) }, 'could not tell the thread a person is checking');
          });
        }
      }
      store.intercomEvents.markDone(dedupeKey, this.#now());
    } catch (error) {
      this.#log.error(
        { stepId: n.stepId, err: error },
        'could not act on a human-in-the-loop request; it will be retried at the next start',
      );
    }
  }

  /**
   * Posts the request in the agents' channel, or brings the post up to date. Updates of one post go one at a time and
   * each shows the request as it is when its turn comes, so a slow early update never lands over a later state.
   */
  /** Never rejects: the post shows what the store keeps, so a failure is logged and the next change shows it again. */
  #showPost(requestId: number): Promise<void> {
    return this.#posts
      .run(String(requestId), async () => {
        const request = this.#o.store.hitl.get(requestId);
        if (request !== undefined) await this.#renderPost(request);
      })
      .catch((error: unknown) => {
        this.#log.error({ requestId, err: error }, 'could not show a human-in-the-loop post');
      });
  }

  async #renderPost(request: HitlRequest): Promise<void> {
    await showAgentsPost(
      { poster: this.#o.poster, log: this.#log },
      { channelId: request.agentChannelId, ts: request.agentTs, context: { requestId: request.id } },
      async () => hitlPost(await this.#view(request)),
      (ts) => this.#o.store.hitl.setAgentPost(request.id, ts, this.#now()),
    );
  }

  async #view(request: HitlRequest): Promise<HitlView> {
    const { store, poster } = this.#o;
    const conv = request.conversationId === null ? undefined : store.conversations.get(request.conversationId);
    const asker = conv === undefined ? undefined : store.inbound.latest(conv.id)?.userId;
    const [askerName, threadUrl, submittedBy] = await Promise.all([
      asker === undefined ? Promise.resolve(undefined) : this.#name(asker),
      conv === undefined ? Promise.resolve(undefined) : poster.permalink(conv.channelId, conv.threadTs),
      request.submittedBy === null ? Promise.resolve(undefined) : this.#name(request.submittedBy),
    ]);
    return {
      requestId: request.id,
      state: request.state,
      attributes: attributesOf(request),
      thread:
        conv === undefined
          ? undefined
          : { askerId: asker, askerName, channelId: conv.channelId, channelType: conv.channelType, url: threadUrl },
      intercom: this.#intercomOf(request),
      submittedBy: request.submittedBy === null || submittedBy === undefined ? undefined : { id: request.submittedBy, name: submittedBy },
      shownValues: request.valuesJson === null ? undefined : (JSON.parse(request.valuesJson) as HitlView['shownValues']),
      note: request.note ?? undefined,
      unanswerable: unanswerableOf(request),
    };
  }

  /**
   * The form's context, within the few seconds a trigger id lives: the customer and channel are ids the store has;
   * only the thread's link is asked of Slack, and the form opens without it rather than late.
   */
  async #formContext(request: HitlRequest): Promise<Pick<HitlView, 'thread' | 'intercom'>> {
    const { store, poster } = this.#o;
    const conv = request.conversationId === null ? undefined : store.conversations.get(request.conversationId);
    if (conv === undefined) return { thread: undefined, intercom: this.#intercomOf(request) };
    let timer: NodeJS.Timeout | undefined;
    const url = await Promise.race([
      // `permalink` logs and answers undefined when Slack gives none.
      poster.permalink(conv.channelId, conv.threadTs),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), FORM_LINK_WAIT_MS);
      }),
    ]).finally(() => clearTimeout(timer));
    const asker = store.inbound.latest(conv.id)?.userId;
    return {
      thread: { askerId: asker, askerName: undefined, channelId: conv.channelId, channelType: conv.channelType, url },
      intercom: this.#intercomOf(request),
    };
  }

  #intercomOf(request: HitlRequest): HitlView['intercom'] {
    const id = request.intercomConversationId ?? undefined;
    return { id, url: id !== undefined && this.#o.intercomInboxUrl !== undefined ? `${this.#o.intercomInboxUrl}${id}` : undefined };
  }

  async #name(userId: string): Promise<string> {
    return (await this.#o.directory.user(userId)).name ?? userId;
  }
}

function unanswerableReason(n: HitlNotification, callbacks: HitlCallbacks): string | undefined {
  if (!callbacks.allows(n.callbackUrl)) {
    return "Its answer address is not on this app's Intercom API host, so the app will not send anything to it.";
  }
  if (n.attributes.length > MAX_FORM_INPUTS) {
    return `It asks for ${n.attributes.length} values, and a Slack form holds at most ${MAX_FORM_INPUTS}.`;
  }
  const unsupported = n.attributes.filter((a) => a.kind === 'unsupported');
  if (unsupported.length > 0) {
    return `It asks for ${unsupported.map((a) => `"${a.label}" (${a.dataType})`).join(', ')}, which cannot be given in Slack.`;
  }
  return undefined;
}

function attributesOf(request: HitlRequest): readonly HitlAttribute[] {
  return (JSON.parse(request.attributesJson) as { attributes: HitlAttribute[] }).attributes;
}

function unanswerableOf(request: HitlRequest): string | undefined {
  return (JSON.parse(request.attributesJson) as { unanswerable?: string }).unanswerable;
}

/** A value's shape for the log: field names and types, array lengths, string lengths; never a value itself. */
function shapeOf(value: unknown, depth = 0): unknown {
  if (Array.isArray(value))
    return depth > 4 ? `array(${value.length})` : [`array(${value.length})`, ...value.slice(0, 1).map((v) => shapeOf(v, depth + 1))];
  if (value !== null && typeof value === 'object') {
    if (depth > 4) return 'object';
    return Object.fromEntries(
      Object.entries(value)
        .slice(0, 50)
        .map(([k, v]) => [k, shapeOf(v, depth + 1)]),
    );
  }
  return typeof value === 'string' ? `string(${value.length})` : value === null ? 'null' : typeof value;
}
