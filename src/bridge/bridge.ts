import { FinApiError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { FinClient } from '../fin/client.ts';
import { dedupeKeyOf, parseFinEvent } from '../fin/events.ts';
import type { FinEvent, FinReplied, FinReplyChunk, FinStatusUpdated, FinTurnRequest } from '../fin/schemas.ts';
import type { SseSubscription } from '../fin/sse.ts';
import { escapeMrkdwn } from '../format/escape.ts';
import { htmlToMrkdwn } from '../format/html-to-mrkdwn.ts';
import type { SlackDirectory } from '../slack/directory.ts';
import { CHANNEL_UNAVAILABLE, errorCode } from '../slack/errors.ts';
import type { IncomingUserMessage } from '../slack/incoming.ts';
import { slackToPlainText } from '../slack/plain-text.ts';
import type { SlackPoster } from '../slack/poster.ts';
import { slackTsToIso } from '../slack/timestamps.ts';
import type { Conversation } from '../store/conversations.ts';
import type { FinEventSource } from '../store/fin-events.ts';
import type { Store } from '../store/index.ts';
import type { InboundMessage } from '../store/inbound.ts';
import type { PostedMessage } from '../store/posted.ts';
import type { Turn, TurnState } from '../store/turns.ts';
import {
  EMPTY_MESSAGE_PROMPT,
  ESCALATED_NOTICE,
  finErrorText,
  PLACEHOLDER,
  streamingText,
  TIMED_OUT_NOTICE,
  UNEXPECTED_ERROR_TEXT,
} from './copy.ts';
import { LiveMessage } from './live-message.ts';
import { buildTurnRequest, type RequestDeps } from './requests.ts';
import { KeyedSerial } from './serial.ts';

export interface BridgeOptions {
  readonly store: Store;
  readonly fin: FinClient;
  readonly poster: SlackPoster;
  readonly directory: SlackDirectory;
  readonly history: RequestDeps['history'];
  readonly subscribe: (url: string, onData: (data: unknown) => void) => SseSubscription;
  readonly botUserId: string;
  readonly logger: Logger;
  readonly streamIntervalMs: number;
  readonly replyTimeoutMs: number;
  readonly now?: () => number;
}

export type SlackMessageOutcome = 'accepted' | 'duplicate' | 'ignored_unbridged' | 'prompted_empty';

export type FinEventOutcome = 'accepted' | 'duplicate' | 'ignored' | 'invalid' | 'unknown_conversation';

export interface FinEventAcceptance {
  readonly outcome: FinEventOutcome;
  /** Settles when the event has been acted on (immediately for events that are not). Never rejects. */
  readonly processed: Promise<void>;
}

interface LiveEntry {
  readonly conversationId: string;
  readonly channelId: string;
  readonly ts: string;
  readonly live: LiveMessage;
}

const DONE = Promise.resolve();

/**
 * Slack threads ⇄ Fin conversations. User messages land in a durable inbox and are sent to Fin one turn at a
 * time; every Fin event, whether it came by SSE or by webhook, goes through `acceptFinEvent`, which records it
 * once and applies it in order per conversation. That makes duplicates and late events harmless.
 */
export class Bridge {
  readonly #o: BridgeOptions;
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #serial = new KeyedSerial();
  readonly #streams = new Map<string, SseSubscription>();
  readonly #live = new Map<string, LiveEntry>();
  readonly #timeouts = new Map<number, NodeJS.Timeout>();
  #stopped = false;

  constructor(options: BridgeOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#log = options.logger.child({ component: 'bridge' });
  }

  /**
   * Takes a person's message. Synchronous up to the point where it is durably recorded, so Slack is acknowledged
   * only for messages that cannot be lost; Fin is called afterwards.
   */
  handleSlackMessage(m: IncomingUserMessage): SlackMessageOutcome {
    const { store } = this.#o;
    const now = this.#now();
    if (m.needsBridgedThread && store.conversations.findByThread(m.teamId, m.channelId, m.threadTs) === undefined) {
      return 'ignored_unbridged';
    }
    const empty = !m.hasFiles && slackToPlainText(m.text, { botUserId: this.#o.botUserId }) === '';
    if (empty) {
      // Nothing to ask Fin; one friendly prompt per message, even if Slack delivers it twice.
      if (!store.slackEvents.claim(`empty:${m.teamId}:${m.channelId}:${m.ts}`, now)) return 'duplicate';
      void this.#o.poster
        .post(m.channelId, m.threadTs, EMPTY_MESSAGE_PROMPT)
        .catch((error) => this.#log.warn({ channelId: m.channelId, error: errorCode(error) }, 'could not post the prompt'));
      return 'prompted_empty';
    }
    const claimed = store.transaction(() => {
      const conv = store.conversations.ensure(m, now);
      return store.inbound.claim(
        { teamId: m.teamId, channelId: m.channelId, ts: m.ts, conversationId: conv.id, userId: m.userId, text: m.text },
        now,
      )
        ? conv
        : undefined;
    });
    if (claimed === undefined) return 'duplicate';
    this.#pump(claimed.id);
    return 'accepted';
  }

  /**
   * Takes one Fin event from SSE or a webhook. Final replies and statuses are recorded (the dedupe step) before
   * this returns, so a webhook can be acknowledged as soon as it does; acting on them happens in `processed`.
   */
  acceptFinEvent(raw: unknown, source: FinEventSource): FinEventAcceptance {
    const parsed = parseFinEvent(raw);
    if (!parsed.ok) {
      if (parsed.reason === 'unknown_event') {
        this.#log.info({ source, eventName: parsed.eventName }, 'ignoring an unknown Fin event');
        return { outcome: 'ignored', processed: DONE };
      }
      this.#log.warn({ source, detail: parsed.detail }, 'ignoring a malformed Fin event');
      return { outcome: 'invalid', processed: DONE };
    }
    const event = parsed.event;
    const conv = this.#o.store.conversations.get(event.conversation_id);
    if (conv === undefined) {
      this.#log.warn(
        { source, eventName: event.event_name, conversationId: event.conversation_id },
        'Fin event for a conversation this app does not know',
      );
      return { outcome: 'unknown_conversation', processed: DONE };
    }
    if (event.event_name === 'fin_reply_chunk') {
      return { outcome: 'accepted', processed: this.#inOrder(conv.id, () => this.#onChunk(conv.id, event)) };
    }
    const dedupeKey = dedupeKeyOf(event) ?? '';
    const fresh = this.#o.store.finEvents.record(
      { dedupeKey, conversationId: conv.id, source, payload: JSON.stringify(event) },
      this.#now(),
    );
    if (!fresh) {
      this.#log.debug({ source, dedupeKey }, 'duplicate Fin event');
      return { outcome: 'duplicate', processed: DONE };
    }
    return { outcome: 'accepted', processed: this.#processRecorded(dedupeKey, event) };
  }

  /**
   * Picks up where a previous process stopped: turns whose call to Fin may not have happened are sent again (same
   * request, same timestamp, so Fin deduplicates), open turns get their timeout back, recorded events that were
   * not acted on are, and queued messages are sent.
   */
  recover(): void {
    const { store } = this.#o;
    for (const turn of store.turns.allActive()) {
      if (turn.state === 'pending') {
        this.#inOrder(turn.conversationId, () => this.#runTurn(turn.conversationId, turn));
      } else {
        this.#armTimeout(turn);
      }
    }
    for (const stored of store.finEvents.pending()) {
      const parsed = parseFinEvent(JSON.parse(stored.payload));
      if (parsed.ok) void this.#processRecorded(stored.dedupeKey, parsed.event);
      else store.finEvents.markDone(stored.dedupeKey, this.#now());
    }
    for (const conversationId of store.inbound.conversationsWithQueue()) this.#pump(conversationId);
  }

  /** Resolves once no work is queued or running. */
  idle(): Promise<void> {
    return this.#serial.idle();
  }

  /** Stops taking work, closes streams and waits (bounded by the caller) for work in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timeouts.values()) clearTimeout(timer);
    this.#timeouts.clear();
    for (const stream of this.#streams.values()) stream.close();
    this.#streams.clear();
    await Promise.all([...this.#live.values()].map((e) => e.live.close()));
    await this.#serial.idle();
  }

  // ── turns ────────────────────────────────────────────────────────────────────────────────────────────────

  #pump(conversationId: string): void {
    this.#inOrder(conversationId, () => this.#dispatchNext(conversationId));
  }

  /** Sends the queued messages as the next turn, unless Fin is still busy with the current one. */
  async #dispatchNext(conversationId: string): Promise<void> {
    const { store } = this.#o;
    if (this.#stopped) return;
    const conv = store.conversations.get(conversationId);
    if (conv === undefined || store.turns.active(conversationId) !== undefined) return;
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
    const turn = store.transaction(() => {
      const created = store.turns.create(
        {
          conversationId,
          kind: conv.finStarted ? 'reply' : 'start',
          userId: first.userId,
          messageTimestamp: slackTsToIso(last.ts),
        },
        this.#now(),
      );
      store.inbound.assign(created.id, batch);
      return created;
    });
    await this.#runTurn(conversationId, turn);
  }

  /** Placeholder, request, call to Fin, stream. Also resumes a turn recorded before a restart. */
  async #runTurn(conversationId: string, recorded: Turn): Promise<void> {
    const { store, poster } = this.#o;
    const conv = store.conversations.get(conversationId);
    if (conv === undefined || this.#stopped) return;
    const log = this.#log.child({ conversationId, turnId: recorded.id });
    let turn = recorded;
    try {
      if (turn.placeholderTs === null) {
        try {
          const ts = await poster.post(conv.channelId, conv.threadTs, PLACEHOLDER);
          store.transaction(() => {
            store.turns.setPlaceholder(turn.id, ts);
            store.posted.add(
              { channelId: conv.channelId, ts, conversationId, turnId: turn.id, kind: 'placeholder', state: 'waiting' },
              this.#now(),
            );
          });
        } catch (error) {
          const code = errorCode(error);
          if (CHANNEL_UNAVAILABLE.has(code)) {
            log.error({ channelId: conv.channelId, error: code }, 'cannot post in this channel; not asking Fin');
            this.#finish(conv, turn, 'failed', `slack_${code}`);
            return;
          }
          log.warn({ error: code }, 'could not post the placeholder; asking Fin anyway');
        }
        turn = store.turns.get(turn.id) ?? turn;
      }
      let request: FinTurnRequest;
      if (turn.requestJson !== null) {
        request = JSON.parse(turn.requestJson) as FinTurnRequest;
      } else {
        request = await buildTurnRequest(
          { directory: this.#o.directory, history: this.#o.history, botUserId: this.#o.botUserId },
          conv,
          turn,
          store.inbound.ofTurn(turn.id),
        );
        store.turns.setRequest(turn.id, JSON.stringify(request));
      }
      const started = this.#now();
      const { response, alreadyStarted } =
        turn.kind === 'start' ? await this.#o.fin.start(request) : await this.#o.fin.reply(request);
      store.transaction(() => {
        store.turns.markOpen(turn.id);
        store.conversations.markStarted(conversationId, response.intercom_conversation_id ?? undefined, this.#now());
        if (response.status !== undefined) store.conversations.setStatus(conversationId, response.status, this.#now());
      });
      log.info(
        { kind: turn.kind, status: response.status, ms: this.#now() - started, sse: response.sse_subscription_url !== undefined, alreadyStarted },
        'fin accepted the turn',
      );
      if (response.errors !== undefined) log.info({ attributeErrors: response.errors }, 'Fin rejected some attributes');
      this.#armTimeout(store.turns.get(turn.id) ?? turn);
      if (response.sse_subscription_url !== undefined) this.#openStream(conversationId, response.sse_subscription_url);
    } catch (error) {
      await this.#failTurn(conv, turn.id, error, log);
    }
  }

  async #failTurn(conv: Conversation, turnId: number, error: unknown, log: Logger): Promise<void> {
    const { store, poster } = this.#o;
    const turn = store.turns.get(turnId);
    if (turn === undefined) return;
    if (error instanceof FinApiError) {
      log.error(
        { failure: error.failure, status: error.status, requestId: error.requestId, finCode: error.finCode, finMessage: error.finMessage },
        `fin call failed: ${error.message}`,
      );
    } else {
      log.error({ err: error }, 'turn failed unexpectedly');
    }
    const text = error instanceof FinApiError ? finErrorText(error) : UNEXPECTED_ERROR_TEXT;
    const placeholder = turn.placeholderTs;
    try {
      const tss = await poster.deliver({ channelId: conv.channelId, threadTs: conv.threadTs, ts: placeholder ?? undefined }, text);
      if (placeholder !== null) store.posted.finalize(conv.channelId, placeholder, null);
      this.#recordPosted(conv, turn.id, tss, placeholder, 'notice', null);
    } catch (postError) {
      log.error({ error: errorCode(postError) }, 'could not tell the user about the failure');
    }
    this.#finish(conv, turn, 'failed', error instanceof FinApiError ? error.code : 'unexpected');
  }

  /** Ends the turn in the store, stops its clock and lets queued messages go. */
  #finish(conv: Conversation, turn: Turn, state: Exclude<TurnState, 'pending' | 'open'>, reason: string): void {
    this.#o.store.turns.end(turn.id, state, reason, this.#now());
    const timer = this.#timeouts.get(turn.id);
    if (timer !== undefined) clearTimeout(timer);
    this.#timeouts.delete(turn.id);
    this.#pump(conv.id);
  }

  #armTimeout(turn: Turn): void {
    if (this.#stopped || this.#timeouts.has(turn.id)) return;
    const delay = Math.max(0, turn.createdAt + this.#o.replyTimeoutMs - this.#now());
    const timer = setTimeout(() => {
      this.#timeouts.delete(turn.id);
      this.#inOrder(turn.conversationId, () => this.#onTimeout(turn.conversationId, turn.id));
    }, delay);
    this.#timeouts.set(turn.id, timer);
  }

  /** Fin went quiet: the user is told, the turn ends so new messages can go, and a late answer still lands. */
  async #onTimeout(conversationId: string, turnId: number): Promise<void> {
    const { store, poster } = this.#o;
    const conv = store.conversations.get(conversationId);
    const turn = store.turns.active(conversationId);
    if (conv === undefined || turn === undefined || turn.id !== turnId) return;
    this.#log.warn({ conversationId, turnId }, 'no final reply from Fin in time');
    const placeholder = store.posted.waitingPlaceholder(conversationId);
    const streaming = await this.#settleStreams(conversationId);
    try {
      if (placeholder?.turnId === turnId) {
        // It stays `waiting`: a reply that arrives later replaces the notice.
        await poster.update(placeholder.channelId, placeholder.ts, TIMED_OUT_NOTICE);
      } else {
        for (const entry of streaming) {
          const shown = entry.live.latestText;
          const text = shown === undefined ? TIMED_OUT_NOTICE : `${escapeMrkdwn(shown)}\n\n${TIMED_OUT_NOTICE}`;
          if (!entry.live.gone) await poster.deliver({ channelId: entry.channelId, threadTs: conv.threadTs, ts: entry.ts }, text);
        }
      }
    } catch (error) {
      this.#log.warn({ conversationId, error: errorCode(error) }, 'could not show the timeout notice');
    }
    // The stream stays open: its token expires on its own, and an answer that comes late should still land.
    this.#finish(conv, turn, 'timed_out', 'no_final_reply');
  }

  /** Ends the conversation's open turn (if any) because Fin is done with it. */
  async #endTurn(conv: Conversation, reason: string): Promise<void> {
    const { store, poster } = this.#o;
    const turn = store.turns.active(conv.id);
    if (turn === undefined) return;
    const streaming = await this.#settleStreams(conv.id);
    // Streamed text without its final reply stays visible, minus the typing marker; a late final still replaces it.
    for (const entry of streaming) {
      const shown = entry.live.latestText;
      if (shown !== undefined && !entry.live.gone) {
        await poster.interim(entry.channelId, entry.ts, escapeMrkdwn(shown));
      }
    }
    // A placeholder that never got any words of Fin's would otherwise say "thinking" forever.
    const placeholder = store.posted.waitingPlaceholder(conv.id);
    if (placeholder !== undefined && placeholder.turnId === turn.id) {
      await poster.remove(placeholder.channelId, placeholder.ts);
      store.posted.finalize(placeholder.channelId, placeholder.ts, null);
    }
    this.#finish(conv, turn, 'done', reason);
  }

  /** Stops the conversation's live streams, returning them so the caller can leave them in a sensible state. */
  async #settleStreams(conversationId: string): Promise<LiveEntry[]> {
    const entries = [...this.#live.entries()].filter(([, e]) => e.conversationId === conversationId);
    for (const [streamId] of entries) this.#live.delete(streamId);
    await Promise.all(entries.map(([, e]) => e.live.close()));
    return entries.map(([, e]) => e);
  }

  // ── Fin events ───────────────────────────────────────────────────────────────────────────────────────────

  #openStream(conversationId: string, url: string): void {
    if (this.#stopped) return;
    // A newer URL supersedes the previous one: its token belongs to the new turn.
    this.#streams.get(conversationId)?.close();
    const subscription = this.#o.subscribe(url, (data) => {
      this.acceptFinEvent(data, 'sse');
    });
    this.#streams.set(conversationId, subscription);
    void subscription.done.then((end) => {
      if (this.#streams.get(conversationId) === subscription) this.#streams.delete(conversationId);
      this.#log.debug({ conversationId, reason: end.reason, detail: end.detail }, 'fin stream ended');
    });
  }

  #processRecorded(dedupeKey: string, event: FinEvent): Promise<void> {
    return this.#inOrder(event.conversation_id, async () => {
      if (event.event_name === 'fin_replied') await this.#onReplied(event);
      else if (event.event_name === 'fin_status_updated') await this.#onStatus(event);
      this.#o.store.finEvents.markDone(dedupeKey, this.#now());
    });
  }

  async #onChunk(conversationId: string, event: FinReplyChunk): Promise<void> {
    const { store, poster } = this.#o;
    const existing = this.#live.get(event.stream_id);
    if (existing !== undefined) {
      existing.live.offer(event.chunk_index, event.chunk_text);
      return;
    }
    const bound = store.posted.byStream(event.stream_id);
    // The final reply already replaced this stream: a late chunk must not overwrite it.
    if (bound?.state === 'final') return;
    const conv = store.conversations.get(conversationId);
    if (conv === undefined) return;
    let target: { channelId: string; ts: string } | undefined = bound;
    let shownIndex: number | undefined;
    if (target === undefined) {
      const turn = store.turns.active(conversationId);
      if (turn === undefined) return;
      const placeholder = store.posted.waitingPlaceholder(conversationId);
      if (placeholder !== undefined && placeholder.turnId === turn.id) {
        store.posted.bindStream(placeholder.channelId, placeholder.ts, event.stream_id);
        target = placeholder;
      } else {
        // A further part of the reply streams in: it gets a message of its own, below the first.
        try {
          const ts = await poster.post(conv.channelId, conv.threadTs, streamingText(event.chunk_text));
          store.posted.add(
            { channelId: conv.channelId, ts, conversationId, turnId: turn.id, kind: 'reply', state: 'streaming', streamId: event.stream_id },
            this.#now(),
          );
          target = { channelId: conv.channelId, ts };
          shownIndex = event.chunk_index;
        } catch (error) {
          this.#log.warn({ conversationId, error: errorCode(error) }, 'could not post a streaming reply part');
          return;
        }
      }
    }
    const { channelId, ts } = target;
    const live = new LiveMessage({
      edit: (text) => poster.interim(channelId, ts, text),
      render: streamingText,
      intervalMs: this.#o.streamIntervalMs,
      now: this.#now,
      ...(shownIndex !== undefined ? { shown: { index: shownIndex, text: event.chunk_text } } : {}),
    });
    this.#live.set(event.stream_id, { conversationId, channelId, ts, live });
    live.offer(event.chunk_index, event.chunk_text);
  }

  async #onReplied(event: FinReplied): Promise<void> {
    const { store, poster } = this.#o;
    const conv = store.conversations.get(event.conversation_id);
    if (conv === undefined) return;
    let target: PostedMessage | undefined;
    if (event.stream_id) {
      const entry = this.#live.get(event.stream_id);
      if (entry !== undefined) {
        this.#live.delete(event.stream_id);
        await entry.live.close();
      }
      const bound = store.posted.byStream(event.stream_id);
      if (bound !== undefined && bound.state !== 'final') target = bound;
    }
    // The first part of a turn replaces the placeholder; later parts are new messages.
    target ??= store.posted.waitingPlaceholder(conv.id);
    const mrkdwn = htmlToMrkdwn(event.message.body);
    if (mrkdwn === '') {
      this.#log.warn({ conversationId: conv.id, messageId: event.message.id }, 'Fin sent a reply with no text');
    } else {
      const tss = await poster.deliver({ channelId: conv.channelId, threadTs: conv.threadTs, ts: target?.ts }, mrkdwn);
      store.transaction(() => {
        if (target !== undefined) store.posted.finalize(target.channelId, target.ts, event.message.id);
        this.#recordPosted(conv, target?.turnId ?? null, tss, target?.ts ?? null, 'reply', event.message.id);
      });
      this.#log.info({ conversationId: conv.id, messageId: event.message.id, parts: tss.length }, 'fin reply delivered');
    }
    // Stable API versions mark every reply `awaiting_user_reply`: each reply is then the end of the turn.
    if (event.status === 'awaiting_user_reply') await this.#endTurn(conv, 'fin_replied');
  }

  async #onStatus(event: FinStatusUpdated): Promise<void> {
    const { store } = this.#o;
    const conv = store.conversations.get(event.conversation_id);
    if (conv === undefined) return;
    store.conversations.setStatus(conv.id, event.status, this.#now());
    switch (event.status) {
      case 'awaiting_user_reply':
      case 'resolved':
      case 'complete':
        await this.#endTurn(conv, event.status);
        return;
      case 'escalated':
        await this.#onEscalated(conv, event);
        return;
      case 'thinking':
      case 'replying':
        return;
      default:
        this.#log.info({ conversationId: conv.id, status: event.status }, 'ignoring an unknown Fin status');
    }
  }

  async #onEscalated(conv: Conversation, event: FinStatusUpdated): Promise<void> {
    const { store, poster } = this.#o;
    this.#log.info({ conversationId: conv.id, reason: event.reason }, 'Fin escalated the conversation');
    const placeholder = store.posted.waitingPlaceholder(conv.id);
    const turn = store.turns.active(conv.id);
    const target = placeholder !== undefined && placeholder.turnId === turn?.id ? placeholder : undefined;
    try {
      const tss = await poster.deliver({ channelId: conv.channelId, threadTs: conv.threadTs, ts: target?.ts }, ESCALATED_NOTICE);
      store.transaction(() => {
        if (target !== undefined) store.posted.finalize(target.channelId, target.ts, null);
        this.#recordPosted(conv, turn?.id ?? null, tss, target?.ts ?? null, 'notice', null);
      });
    } catch (error) {
      this.#log.error({ conversationId: conv.id, error: errorCode(error) }, 'could not post the escalation notice');
    }
    await this.#endTurn(conv, 'escalated');
  }

  /** Records the messages a delivery posted (all but the one it replaced). */
  #recordPosted(
    conv: Conversation,
    turnId: number | null,
    tss: readonly string[],
    replaced: string | null,
    kind: 'reply' | 'notice',
    finMessageId: string | null,
  ): void {
    for (const ts of tss) {
      if (ts === replaced) continue;
      this.#o.store.posted.add(
        { channelId: conv.channelId, ts, conversationId: conv.id, turnId, kind, state: 'final', finMessageId },
        this.#now(),
      );
    }
  }

  /** Queues work for one conversation; a failure is logged here because nothing upstream can act on it. */
  #inOrder(conversationId: string, task: () => Promise<void>): Promise<void> {
    return this.#serial.run(conversationId, task).catch((error: unknown) => {
      this.#log.error({ conversationId, err: error }, 'conversation task failed');
    });
  }
}
