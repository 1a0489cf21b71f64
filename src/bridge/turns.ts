import { errorCode, FinApiError } from '../core/errors.ts';
import { SlidingWindowLimiter } from '../core/sliding-window.ts';
import { TtlCache } from '../core/ttl-cache.ts';
import type { Logger } from '../core/log.ts';
import { isSessionExists } from '../fin/client.ts';
import type { FinTurnRequest, FinTurnResponse } from '../fin/schemas.ts';
import type { SseEnd } from '../fin/sse.ts';
import { CHANNEL_UNAVAILABLE } from '../slack/errors.ts';
import { channelTypeFromId, type IncomingUserMessage } from '../slack/incoming.ts';
import { slackToPlainText } from '../slack/plain-text.ts';
import { slackTsToIso } from '../slack/timestamps.ts';
import type { Conversation } from '../store/conversations.ts';
import type { InboundMessage } from '../store/inbound.ts';
import type { Turn } from '../store/turns.ts';
import type { BridgeContext } from './context.ts';
import {
  EMPTY_MESSAGE_PROMPT,
  finErrorText,
  longMessageNotice,
  PLACEHOLDER,
  procedureErrorText,
  STREAM_LOST_TEXT,
  TIMED_OUT_NOTICE,
  UNEXPECTED_ERROR_TEXT,
  cannotPostText,
  userLimitText,
} from './copy.ts';
import {
  buildTurnRequest,
  MAX_BODY_CHARS,
  mayBeCut,
  type RequestDeps,
  recordable,
  turnBody,
  type TurnBody,
  withAttachments,
} from './requests.ts';
import type { ThreadView } from './thread-view.ts';

export type SlackMessageOutcome =
  | 'accepted'
  | 'duplicate'
  | 'ignored_unbridged'
  | 'ignored_human_owned'
  | 'prompted_empty'
  | 'rate_limited';

/** The window of the per-person limit on turns (`userTurnsPerMinute`). */
const USER_LIMIT_WINDOW_MS = 60_000;

/** What the turn-taking needs: the store, Fin, Slack, what a request is built from, and its own limits. */
export type TurnsDeps = RequestDeps &
  Pick<
    BridgeContext,
    | 'store'
    | 'fin'
    | 'poster'
    | 'log'
    | 'now'
    | 'metrics'
    | 'inOrderDetached'
    | 'channelProcedures'
    | 'userTurnsPerMinute'
    | 'replyTimeoutMs'
    | 'webhooksEnabled'
    | 'ownMessages'
    | 'thinking'
  >;

/**
 * The procedure a direct message names by its whole text (a suggested prompt offers procedures by name), among those
 * Fin lists for the person; the bridge wires it to the procedure catalog, and waits for Fin only briefly.
 */
export type ProcedureNamed = (userId: string, text: string) => Promise<string | undefined>;

/** A procedure's name is short: a longer first message is a question, and the catalog is not consulted for it. */
const NAME_LENGTH_MAX = 200;

/** Where a turn's reply stream is opened: the event pipeline, which the bridge puts in reach of the turn-taking. */
export interface StreamOpener {
  openStream(conversationId: string, turnId: number, url: string): void;
}

/**
 * Turn-taking. A person's messages land in a durable inbox; one turn at a time they go to Fin (start for a new
 * thread, reply after), and the next turn waits until Fin says it is done. A turn past the reply timeout becomes
 * overdue: the user is told, Fin is still not interrupted, and the user's next message takes over.
 */
export class Turns {
  readonly #ctx: TurnsDeps;
  readonly #view: ThreadView;
  readonly #streams: StreamOpener;
  readonly #timers = new Map<number, NodeJS.Timeout>();
  /** Turns each person started lately: one person cannot take the whole workspace's share of Slack and Fin. */
  readonly #userTurns: SlidingWindowLimiter;
  /** Prompts each person got for mentions with nothing in them. */
  readonly #prompts = new SlidingWindowLimiter({ limit: 3, windowMs: USER_LIMIT_WINDOW_MS });
  /** Conversations whose next turn was counted already (`reserveTurn`). */
  readonly #reserved = new Set<string>();
  /** Conversations whose next turn waits for its author's next free slot. */
  readonly #waitingForSlot = new Map<string, NodeJS.Timeout>();
  /** People told about the limit within the window, so a flood of refused questions gets one notice, not many. */
  readonly #toldAboutLimit = new TtlCache<string, true>({ ttlMs: USER_LIMIT_WINDOW_MS, maxEntries: 10_000 });
  readonly #procedureNamed: ProcedureNamed;
  #stopped = false;

  constructor(ctx: TurnsDeps, view: ThreadView, streams: StreamOpener, procedureNamed: ProcedureNamed = async () => undefined) {
    this.#ctx = ctx;
    this.#view = view;
    this.#streams = streams;
    this.#procedureNamed = procedureNamed;
    this.#userTurns = new SlidingWindowLimiter({ limit: ctx.userTurnsPerMinute, windowMs: USER_LIMIT_WINDOW_MS });
  }

  /**
   * Takes a person's message. Synchronous up to the point where it is durably recorded (with the Slack event id
   * that brought it, in the same transaction), so Slack is acknowledged only for messages that cannot be lost.
   */
  accept(m: IncomingUserMessage, eventId: string | undefined): SlackMessageOutcome {
    const { store } = this.#ctx;
    const now = this.#ctx.now();
    const known = store.conversations.findByThread(m.teamId, m.channelId, m.threadTs);
    if (m.needsBridgedThread && known === undefined) return 'ignored_unbridged';
    // After an escalation the thread belongs to people: the app stays quiet there until it is handed back. The thread
    // is alive all the same: the retention window runs from its last message, whoever answers it.
    if (known?.owner === 'human') {
      store.conversations.touch(known.id, now);
      return 'ignored_human_owned';
    }
    if (!m.hasFiles && slackToPlainText(m.text, { botUserId: this.#ctx.botUserId }) === '') {
      // Nothing to ask Fin; one friendly prompt per message, however often Slack delivers it, and a few a minute at
      // most for one person (each is a post in a public thread).
      if (!store.slackEvents.claim(`empty:${m.teamId}:${m.channelId}:${m.ts}`, now)) return 'duplicate';
      if (!this.#prompts.tryTake(m.userId, now)) return 'rate_limited';
      void this.#ctx.poster
        .post(m.channelId, m.threadTs, EMPTY_MESSAGE_PROMPT)
        .catch((error) => this.#ctx.log.warn({ channelId: m.channelId, error: errorCode(error) }, 'could not post the prompt'));
      return 'prompted_empty';
    }
    const limitedKey = `limited:${m.teamId}:${m.channelId}:${m.ts}`;
    const accepted = store.transaction((): Conversation | 'duplicate' | 'rate_limited' => {
      if (eventId !== undefined && !store.slackEvents.claim(eventId, now)) return 'duplicate';
      if (store.inbound.has(m.teamId, m.channelId, m.ts) || store.slackEvents.has(limitedKey)) return 'duplicate';
      // A message that would start a turn now is refused at once when its author is at the limit (turns are counted
      // when they start: one written while Fin is answering waits for the next turn, and for a free slot then).
      const current = known === undefined ? undefined : store.turns.active(known.id);
      const busy = current !== undefined && current.state !== 'overdue';
      if (!busy && this.#userTurns.waitMs(m.userId, now) > 0) {
        // Remembered like an event id, so the twin event and Slack's retries find it refused already.
        store.slackEvents.claim(limitedKey, now);
        return 'rate_limited';
      }
      const conv = store.conversations.ensure(m, now);
      store.conversations.touch(conv.id, now);
      store.conversations.noteTopic(conv.id, slackToPlainText(m.text, { botUserId: this.#ctx.botUserId }));
      const fresh = store.inbound.claim(
        { teamId: m.teamId, channelId: m.channelId, ts: m.ts, conversationId: conv.id, userId: m.userId, text: m.text, files: m.files },
        now,
      );
      if (!fresh) return 'duplicate';
      const active = store.turns.active(conv.id);
      // The user was told Fin is slow and wrote again: that turn is given up so this message is not stuck behind it.
      if (active?.state === 'overdue') store.turns.end(active.id, 'abandoned', 'user_wrote_again', now);
      return conv;
    });
    if (accepted === 'rate_limited') {
      this.#tellAboutLimit(m);
      return 'rate_limited';
    }
    if (accepted === 'duplicate') return 'duplicate';
    this.pump(accepted.id);
    return 'accepted';
  }

  /** Once per window, the person hears (privately, in the thread) why Fin did not take their question. */
  #tellAboutLimit(m: IncomingUserMessage): void {
    this.#ctx.log.warn(
      { userId: m.userId, channelId: m.channelId, limit: this.#ctx.userTurnsPerMinute },
      'a person is over the limit of questions a minute',
    );
    if (this.#toldAboutLimit.get(m.userId) !== undefined) return;
    this.#toldAboutLimit.set(m.userId, true);
    void this.#ctx.poster
      .ephemeral(m.channelId, m.userId, userLimitText(this.#ctx.userTurnsPerMinute), m.threadTs)
      .catch((error: unknown) =>
        this.#ctx.log.info({ channelId: m.channelId, error: errorCode(error) }, 'could not tell a person about the limit'),
      );
  }

  /**
   * A thread the app started to run a Fin Procedure (`/fin-procedure`): its root message, posted by the app for the
   * person who asked, is that person's message, and the thread's first turn runs the procedure (counted already, by
   * `reserveTurn`).
   */
  startProcedure(input: {
    teamId: string;
    channelId: string;
    rootTs: string;
    userId: string;
    procedureId: string;
    text: string;
    topic?: string | undefined;
  }): void {
    this.startOnBehalf({ ...input, threadTs: input.rootTs, messageTs: input.rootTs, topic: input.topic ?? input.text });
  }

  /**
   * A message the app posted in a thread for a person (their procedure's root, their question about a message): it is
   * that person's message to Fin, in the thread's conversation (started by it, when the thread had none). The turn was
   * counted already (`reserveTurn`).
   */
  startOnBehalf(input: {
    teamId: string;
    channelId: string;
    threadTs: string;
    messageTs: string;
    userId: string;
    text: string;
    procedureId?: string | undefined;
    /** What the conversation is about, when it starts here (the question; a procedure's name). */
    topic?: string | undefined;
  }): void {
    const { store } = this.#ctx;
    const now = this.#ctx.now();
    const conv = store.transaction(() => {
      const created = store.conversations.ensure(
        { teamId: input.teamId, channelId: input.channelId, threadTs: input.threadTs, channelType: channelTypeFromId(input.channelId) },
        now,
      );
      if (input.procedureId !== undefined) store.conversations.setProcedure(created.id, input.procedureId, now);
      if (input.topic !== undefined) store.conversations.noteTopic(created.id, input.topic);
      store.inbound.claim(
        {
          teamId: input.teamId,
          channelId: input.channelId,
          ts: input.messageTs,
          conversationId: created.id,
          userId: input.userId,
          text: input.text,
        },
        now,
      );
      return created;
    });
    this.#reserved.add(conv.id);
    this.pump(conv.id);
  }

  /** Sends the conversation's queued messages as its next turn, once Fin is free. */
  pump(conversationId: string): void {
    this.#ctx.inOrderDetached(conversationId, 'starting the next turn', () => this.#dispatchNext(conversationId));
  }

  /** Fin is done with the conversation's turn: its messages are settled and queued messages may go. */
  async end(conv: Conversation, reason: string): Promise<void> {
    const turn = this.#ctx.store.turns.active(conv.id);
    if (turn === undefined || turn.state === 'pending') return;
    await this.#view.settle(conv, turn.id, { kind: 'done' });
    this.#finish(conv.id, turn, 'done', reason);
  }

  /**
   * A stream ended. Normal once its turn is over; before that, and with no webhooks to bring the rest, the answer is
   * lost: the user is told at once rather than after the timeout. Runs in conversation order, after the stream's events.
   */
  async streamEnded(conversationId: string, turnId: number, end: SseEnd): Promise<void> {
    const { store } = this.#ctx;
    const turn = store.turns.active(conversationId);
    if (end.reason === 'closed' || turn?.id !== turnId) return;
    const log = this.#ctx.log.child({ conversationId, turnId });
    if (this.#ctx.webhooksEnabled) {
      log.info({ reason: end.reason, detail: end.detail }, 'fin stream ended early; webhooks will bring the rest');
      return;
    }
    log.warn({ reason: end.reason, detail: end.detail }, 'fin stream ended before the answer, and no webhooks are configured');
    const conv = store.conversations.get(conversationId);
    if (conv === undefined) return;
    await this.#view.settle(conv, turnId, { kind: 'notice', text: STREAM_LOST_TEXT, final: true });
    this.#finish(conversationId, turn, 'failed', `stream_${end.reason}`);
  }

  /**
   * Picks up where a previous process stopped. Turns whose call to Fin may not have happened are sent again (same
   * request and timestamp, so Fin deduplicates); open turns wait for webhooks, or, with none, are lost; queued
   * messages are sent.
   */
  recover(): void {
    const { store } = this.#ctx;
    for (const turn of store.turns.allActive()) {
      if (turn.state === 'pending') {
        this.#ctx.inOrderDetached(turn.conversationId, 'resuming a turn', () => this.#run(turn.conversationId, turn, { recovering: true }));
      } else if (turn.state === 'open') {
        if (this.#ctx.webhooksEnabled) this.#armTimeout(turn);
        else
          this.#ctx.inOrderDetached(turn.conversationId, 'ending a turn left open by a restart', () =>
            this.streamEnded(turn.conversationId, turn.id, { reason: 'ended', detail: 'restart' }),
          );
      }
    }
    for (const conversationId of store.inbound.conversationsWithQueue()) this.pump(conversationId);
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of [...this.#timers.values(), ...this.#waitingForSlot.values()]) clearTimeout(timer);
    this.#timers.clear();
    this.#waitingForSlot.clear();
  }

  /**
   * Takes one of `userId`'s turns of the minute now, for a turn about to be started outside a thread's queue (a
   * procedure, whose root message is posted first): false when they have none left. The conversation's first turn
   * then does not count again (`startProcedure`).
   */
  reserveTurn(userId: string): boolean {
    return this.#userTurns.tryTake(userId, this.#ctx.now());
  }

  async #dispatchNext(conversationId: string): Promise<void> {
    const { store } = this.#ctx;
    if (this.#stopped) return;
    const conv = store.conversations.get(conversationId);
    if (conv === undefined || conv.owner === 'human' || store.turns.active(conversationId) !== undefined) return;
    const queued = store.inbound.queued(conversationId);
    const first = queued[0];
    if (first === undefined) return;
    // One turn speaks for one person: consecutive messages of the same author are joined.
    const batch: InboundMessage[] = [];
    for (const m of queued) {
      if (m.userId !== first.userId) break;
      batch.push(m);
    }
    const last = batch[batch.length - 1] ?? first;
    // Every turn counts against its author's limit, however its messages arrived; over it, they wait (recorded) for a
    // free slot rather than going to Fin now.
    if (!this.#reserved.delete(conversationId) && !this.#userTurns.tryTake(first.userId, this.#ctx.now())) {
      this.#waitForSlot(conversationId, first.userId);
      return;
    }
    const kind = conv.finStarted ? 'reply' : 'start';
    // A thread's first turn runs its procedure: the one it was started with, or the one of its channel.
    // A direct message whose whole text names one of the person's procedures (a suggested prompt offers them so) runs it.
    const given = kind === 'start' ? (conv.procedureId ?? this.#ctx.channelProcedures.get(conv.channelId)) : undefined;
    const plain = slackToPlainText(first.text, { botUserId: this.#ctx.botUserId });
    const named =
      kind === 'start' && given === undefined && conv.channelType === 'im' && batch.length === 1 && plain.length <= NAME_LENGTH_MAX
        ? await this.#procedureNamed(first.userId, plain)
        : undefined;
    const procedureId = kind === 'start' ? (given ?? named ?? null) : null;
    const turn = store.transaction(() => {
      const created = store.turns.create(
        { conversationId, kind, userId: first.userId, messageTimestamp: slackTsToIso(last.ts), procedureId },
        this.#ctx.now(),
      );
      store.inbound.assign(created.id, batch);
      return created;
    });
    await this.#run(conversationId, turn);
  }

  #waitForSlot(conversationId: string, userId: string): void {
    if (this.#waitingForSlot.has(conversationId)) return;
    const wait = Math.max(1, this.#userTurns.waitMs(userId, this.#ctx.now()));
    this.#ctx.log.info({ conversationId, userId, waitMs: wait }, 'the next turn waits: its author is at the limit of turns a minute');
    const timer = setTimeout(() => {
      this.#waitingForSlot.delete(conversationId);
      this.pump(conversationId);
    }, wait);
    timer.unref();
    this.#waitingForSlot.set(conversationId, timer);
  }

  /** Placeholder, request, call to Fin, stream. Also resumes a turn recorded before a restart. */
  async #run(conversationId: string, recorded: Turn, options: { recovering?: boolean } = {}): Promise<void> {
    const { store } = this.#ctx;
    const conv = store.conversations.get(conversationId);
    if (conv === undefined || this.#stopped) return;
    const log = this.#ctx.log.child({ conversationId, turnId: recorded.id });
    if (conv.owner === 'human') {
      // Escalated while this turn waited (recorded before a crash, say): people have the thread, Fin is not asked.
      store.turns.end(recorded.id, 'abandoned', 'escalated', this.#ctx.now());
      return;
    }
    try {
      // The body of a message long enough to be cut is worked out before the placeholder: the notice that Fin only
      // read part of it then comes before the answer, whichever way the answer streams.
      let body: TurnBody | undefined;
      if (recorded.placeholderTs === null) {
        const messages = store.inbound.ofTurn(recorded.id);
        if (recorded.requestJson === null && mayBeCut(messages)) {
          body = await turnBody(this.#ctx, recorded, messages);
          if (body.cut) await this.#tellCut(conv, recorded.id, log);
        }
        // A process that died right after posting the placeholder left it in the thread, unrecorded: it is reused.
        const adopted = options.recovering === true && (await this.#adoptPlaceholder(conv, recorded, log));
        if (!adopted && !(await this.#postPlaceholder(conv, recorded, log))) return;
      }
      const turn = store.turns.get(recorded.id) ?? recorded;
      let request: FinTurnRequest;
      if (turn.requestJson !== null) {
        const again = JSON.parse(turn.requestJson) as FinTurnRequest;
        request = await withAttachments(this.#ctx, again, turn.attachedFileIds, store.inbound.ofTurn(turn.id));
      } else {
        const built = await buildTurnRequest(this.#ctx, conv, turn, store.inbound.ofTurn(turn.id), body);
        request = built.request;
        // Recorded first: after a crash the same request (same timestamp, same files) is resent, never rebuilt. The
        // files' contents stay out of the database: they are downloaded again for a resend.
        store.turns.setRequest(turn.id, JSON.stringify(recordable(request)), turn.kind, built.attachedFileIds);
        // Not worked out before the placeholder (a restart after it was posted, or a message that grew past the cap
        // only by the names it mentions): told now, unless it was told before the restart.
        if (built.cut && body === undefined) await this.#tellCut(conv, turn.id, log);
        if (built.notice !== undefined) {
          await this.#view
            .show(conv, undefined, built.notice, { kind: 'notice', turnId: turn.id })
            .catch((error: unknown) => log.warn({ error: errorCode(error) }, 'could not post the notice about the message'));
        }
      }
      const started = this.#ctx.now();
      const response = await this.#callFin(conv, turn, request, log);
      store.transaction(() => {
        store.turns.markOpen(turn.id);
        store.conversations.markStarted(conversationId, response.intercom_conversation_id ?? undefined, this.#ctx.now());
        if (response.status !== undefined) store.conversations.setStatus(conversationId, response.status, this.#ctx.now());
      });
      const url = streamUrl(response.sse_subscription_url);
      log.info(
        { kind: turn.kind, status: response.status, ms: this.#ctx.now() - started, stream: url !== undefined },
        'fin accepted the turn',
      );
      if (response.errors !== undefined) log.info({ attributeErrors: response.errors }, 'Fin rejected some attributes');
      this.#armTimeout(turn);
      if (url !== undefined) this.#streams.openStream(conversationId, turn.id, url);
      else await this.streamEnded(conversationId, turn.id, { reason: 'http_error', detail: 'no stream URL in the response' });
    } catch (error) {
      await this.#fail(conv, recorded.id, error, log);
    }
  }

  /**
   * Tells the user Fin only read the first `MAX_BODY_CHARS` characters of their message. Delivered once per turn
   * (keyed like a final answer): a turn resumed after a restart, even one that died just after Slack posted the notice
   * and before the app heard so, does not post it again.
   */
  async #tellCut(conv: Conversation, turnId: number, log: Logger): Promise<void> {
    await this.#view
      .show(conv, undefined, longMessageNotice(MAX_BODY_CHARS), { kind: 'notice', turnId, key: `notice:${conv.id}:${turnId}:cut` })
      .catch((error: unknown) => log.warn({ error: errorCode(error) }, 'could not post the notice that the message was cut'));
  }

  /**
   * Finds placeholders the app posted for this turn before a restart without recording them (Slack had posted it, the
   * process died before hearing so): the newest becomes the turn's placeholder, any others are deleted. False when
   * there is none (or Slack will not show the thread), and a new one is posted.
   */
  async #adoptPlaceholder(conv: Conversation, turn: Turn, log: Logger): Promise<boolean> {
    const { store, poster } = this.#ctx;
    // Slack's clock and this one may differ a little; a placeholder cannot be much older than its turn.
    const oldest = ((turn.createdAt - 60_000) / 1000).toFixed(6);
    const mine = await this.#ctx.ownMessages(conv.channelId, conv.threadTs, oldest);
    const orphans = (mine ?? []).filter((m) => m.text === PLACEHOLDER && store.posted.get(conv.channelId, m.ts) === undefined);
    const keep = orphans.at(-1);
    if (keep === undefined) return false;
    store.transaction(() => {
      store.turns.setPlaceholder(turn.id, keep.ts);
      store.posted.add(
        { channelId: conv.channelId, ts: keep.ts, conversationId: conv.id, turnId: turn.id, kind: 'placeholder', state: 'waiting' },
        this.#ctx.now(),
      );
    });
    for (const extra of orphans.slice(0, -1)) await poster.remove(conv.channelId, extra.ts);
    log.info({ ts: keep.ts, removed: orphans.length - 1 }, 'reusing the placeholder posted before the restart');
    return true;
  }

  /** Returns false when the app cannot write in the channel at all (then Fin is not asked either). */
  async #postPlaceholder(conv: Conversation, turn: Turn, log: Logger): Promise<boolean> {
    const { store, poster } = this.#ctx;
    try {
      const ts = await poster.post(conv.channelId, conv.threadTs, PLACEHOLDER);
      this.#ctx.thinking.start(conv.channelId, conv.threadTs);
      store.transaction(() => {
        store.turns.setPlaceholder(turn.id, ts);
        store.posted.add(
          { channelId: conv.channelId, ts, conversationId: conv.id, turnId: turn.id, kind: 'placeholder', state: 'waiting' },
          this.#ctx.now(),
        );
      });
      return true;
    } catch (error) {
      const code = errorCode(error);
      if (CHANNEL_UNAVAILABLE.has(code)) {
        log.error({ channelId: conv.channelId, error: code }, 'cannot post in this channel; not asking Fin');
        this.#finish(conv.id, turn, 'failed', `slack_${code}`);
        // Silence would look like Fin ignoring them: the person hears why, where they are or in a direct message.
        const told = await poster.tellPrivately(
          turn.userId,
          { channelId: conv.channelId, threadTs: conv.threadTs },
          cannotPostText(conv.channelId, conv.channelType),
        );
        log.info({ told: told ?? 'nowhere' }, 'told the person the app cannot post there');
        return false;
      }
      log.warn({ error: code }, 'could not post the placeholder; asking Fin anyway');
      return true;
    }
  }

  /**
   * /fin/start (or the procedure run) for a new thread. If Fin already has the conversation (an earlier attempt or
   * process got through but its answer was lost), the same message goes as a reply with the same timestamp, which
   * Fin deduplicates.
   */
  async #callFin(conv: Conversation, turn: Turn, request: FinTurnRequest, log: Logger): Promise<FinTurnResponse> {
    const { fin, store } = this.#ctx;
    if (turn.kind === 'reply') return fin.reply(request);
    try {
      return turn.procedureId === null ? await fin.start(request) : await fin.runProcedure(turn.procedureId, request);
    } catch (error) {
      if (!isSessionExists(error)) throw error;
      log.info('Fin already has this conversation; sending the message as a reply');
      store.transaction(() => {
        store.conversations.markStarted(conv.id, undefined, this.#ctx.now());
        store.turns.setKind(turn.id, 'reply');
      });
      return fin.reply(request);
    }
  }

  async #fail(conv: Conversation, turnId: number, error: unknown, log: Logger): Promise<void> {
    const turn = this.#ctx.store.turns.get(turnId);
    if (turn === undefined) return;
    if (error instanceof FinApiError) {
      log.error(
        { failure: error.failure, status: error.status, requestId: error.requestId, finCode: error.finCode, finMessage: error.finMessage },
        `fin call failed: ${error.message}`,
      );
    } else {
      log.error({ err: error }, 'turn failed unexpectedly');
    }
    const text =
      error instanceof FinApiError
        ? ((turn.procedureId !== null ? procedureErrorText(error, turn.procedureId) : undefined) ?? finErrorText(error))
        : UNEXPECTED_ERROR_TEXT;
    try {
      if (this.#view.waitingPlaceholder(turnId) !== undefined) {
        await this.#view.settle(conv, turnId, { kind: 'notice', text, final: true });
      } else {
        await this.#view.show(conv, undefined, text, { kind: 'notice', turnId });
      }
    } catch (postError) {
      log.error({ error: errorCode(postError) }, 'could not tell the user about the failure');
    }
    this.#finish(conv.id, turn, 'failed', error instanceof FinApiError ? error.code : 'unexpected');
  }

  #finish(conversationId: string, turn: Turn, state: 'done' | 'failed', reason: string): void {
    this.#ctx.store.turns.end(turn.id, state, reason, this.#ctx.now());
    const timer = this.#timers.get(turn.id);
    if (timer !== undefined) clearTimeout(timer);
    this.#timers.delete(turn.id);
    this.pump(conversationId);
  }

  #armTimeout(turn: Turn): void {
    if (this.#stopped || this.#timers.has(turn.id)) return;
    const delay = Math.max(0, turn.createdAt + this.#ctx.replyTimeoutMs - this.#ctx.now());
    const timer = setTimeout(() => {
      this.#timers.delete(turn.id);
      this.#ctx.inOrderDetached(turn.conversationId, 'telling the thread Fin is slow', () => this.#onTimeout(turn.conversationId, turn.id));
    }, delay);
    this.#timers.set(turn.id, timer);
  }

  /** Fin went quiet: the user is told, and the turn stays Fin's (a late answer still lands in its messages). */
  async #onTimeout(conversationId: string, turnId: number): Promise<void> {
    const { store } = this.#ctx;
    const conv = store.conversations.get(conversationId);
    const turn = store.turns.active(conversationId);
    if (conv === undefined || turn?.id !== turnId || !store.turns.markOverdue(turnId)) return;
    this.#ctx.log.warn({ conversationId, turnId }, 'no final reply from Fin in time; the turn is overdue');
    this.#ctx.metrics.turnsTimedOut.inc();
    await this.#view.settle(conv, turnId, { kind: 'notice', text: TIMED_OUT_NOTICE, final: false });
  }
}

/** The stream URL exactly as Fin returned it, if it is one the app may open. */
function streamUrl(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' || url.protocol === 'http:' ? raw : undefined;
  } catch {
    return undefined;
  }
}
