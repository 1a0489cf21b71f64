import { backoffDelay, type RetryPolicy } from '../core/backoff.ts';
import { errorCode } from '../core/errors.ts';
import { dedupeKeyOf, eventTime, parseFinEvent } from '../fin/events.ts';
import type { FinCsatRequested, FinEvent, FinReplied, FinReplyChunk, FinStatusUpdated } from '../fin/schemas.ts';
import type { SseEnd, SseSubscription } from '../fin/sse.ts';
import { htmlToMrkdwn } from '../format/html-to-mrkdwn.ts';
import { compareTs } from '../slack/timestamps.ts';
import { TtlCache } from '../core/ttl-cache.ts';
import { saysHandOff } from '../handoff/hand-off-words.ts';
import type { Conversation } from '../store/conversations.ts';
import type { HandOff } from '../handoff/handoff.ts';
import type { FinEventSource } from '../store/fin-events.ts';
import type { PostedMessage } from '../store/posted.ts';
import type { BridgeContext } from './context.ts';
import { ESCALATED_NOTICE, ESCALATED_REACTION } from './copy.ts';
import type { ThreadView } from './thread-view.ts';

/** `stale`: older than the retention window, so possibly a replay of something the app no longer remembers. */
export type FinEventOutcome = 'accepted' | 'duplicate' | 'ignored' | 'invalid' | 'unknown_conversation' | 'stale';

export interface FinEventAcceptance {
  readonly kind: FinEventOutcome;
  /** Settles when the event has been acted on (at once for events that are not). Never rejects. */
  readonly processed: Promise<void>;
}

const DONE = Promise.resolve();
/**
 * Acting on a recorded event (a final answer, say) is tried again for as long as the process lives, spaced out (2 s,
 * 8 s, 32 s, 128 s, then every 5 minutes, with jitter), and again at the next start: a final answer is never given
 * up. The retry is scheduled, not awaited, so the conversation's other work is not held up meanwhile.
 */
const EVENT_RETRY: RetryPolicy = {
  attempts: Number.POSITIVE_INFINITY,
  baseDelayMs: 2_000,
  maxDelayMs: 5 * 60_000,
  maxRetryAfterMs: 0,
  factor: 4,
};

/** What the event pipeline needs of the bridge's shared parts. */
export type FinEventsDeps = Pick<
  BridgeContext,
  'store' | 'poster' | 'log' | 'now' | 'inOrder' | 'inOrderDetached' | 'subscribe' | 'retentionMs' | 'eventRetryBaseMs'
>;

/**
 * What Fin's events tell the turn-taking: Fin is done with a turn, or a turn's stream ended. The bridge wires these to
 * `Turns`, so the pipeline and the turn-taking know each other only through it.
 */
export interface TurnSignals {
  end(conv: Conversation, reason: string): Promise<void>;
  streamEnded(conversationId: string, turnId: number, end: SseEnd): Promise<void>;
}

/** Where a request for a rating goes (the bridge wires `Ratings`): one prompt per request, however often it arrives. */
export interface RatingRequests {
  requested(conv: Conversation, event: FinCsatRequested, dedupeKey: string): Promise<void>;
}

/**
 * Where events about a private question go (the bridge wires `PrivateAnswers`): it has no thread, so no conversation
 * row, and dedupes by its own state (the first answer recorded wins).
 */
export interface PrivateQuestionEvents {
  owns(conversationId: string): boolean;
  accept(event: FinEvent, source: FinEventSource): FinEventAcceptance;
}

/**
 * The one pipeline for Fin's events, whichever way they came (SSE now, webhooks too). Final replies and statuses
 * are recorded once, by a key both channels share, before anything else happens; then every event is applied in
 * order per conversation. A duplicate, or a late chunk, therefore never shows twice.
 */
export class FinEvents {
  readonly #ctx: FinEventsDeps;
  readonly #retry: RetryPolicy;
  readonly #view: ThreadView;
  readonly #handOff: HandOff;
  readonly #turns: TurnSignals;
  readonly #ratings: RatingRequests;
  readonly #questions: PrivateQuestionEvents;
  readonly #streams = new Map<string, SseSubscription>();
  /** Streams of no turn (an escalation the user asked for), beside the turn's: Fin reports on the stream it returned. */
  readonly #followed = new Map<string, SseSubscription>();
  /**
   * Per conversation, Fin's latest reply when it told the customer a person will take over. Fin's text is not kept once
   * shown, so this is remembered for a while in memory; after a restart the escalation notice is posted instead.
   */
  readonly #handOffReplies = new TtlCache<string, string>({ ttlMs: 10 * 60_000, maxEntries: 10_000 });
  #stopped = false;

  constructor(
    ctx: FinEventsDeps,
    view: ThreadView,
    handOff: HandOff,
    turns: TurnSignals,
    ratings: RatingRequests,
    questions: PrivateQuestionEvents,
  ) {
    this.#ctx = ctx;
    const base = ctx.eventRetryBaseMs;
    this.#retry = base === undefined ? EVENT_RETRY : { ...EVENT_RETRY, baseDelayMs: base, maxDelayMs: base };
    this.#view = view;
    this.#handOff = handOff;
    this.#turns = turns;
    this.#ratings = ratings;
    this.#questions = questions;
  }

  /**
   * Takes one event. Replies and statuses are durably recorded before this returns, so a webhook can be
   * acknowledged as soon as it does; acting on them happens in `processed`. `stream` is the conversation whose SSE
   * stream carried the event: a stream only speaks for its own conversation.
   */
  accept(raw: unknown, source: FinEventSource, stream?: { readonly conversationId: string }): FinEventAcceptance {
    const log = this.#ctx.log;
    const parsed = parseFinEvent(raw);
    if (!parsed.ok) {
      if (parsed.reason === 'unknown_event') {
        log.info({ source, eventName: parsed.eventName }, 'ignoring an unknown Fin event');
        return { kind: 'ignored', processed: DONE };
      }
      log.warn({ source, detail: parsed.detail }, 'ignoring a malformed Fin event');
      return { kind: 'invalid', processed: DONE };
    }
    const event = parsed.event;
    if (stream !== undefined && event.conversation_id !== stream.conversationId) {
      log.warn(
        { source, eventName: event.event_name, conversationId: stream.conversationId, claimed: event.conversation_id },
        "dropping an event that names another conversation than its stream's",
      );
      return { kind: 'ignored', processed: DONE };
    }
    // Most events are chunks of a message already streaming: they go straight to it, without the store or the queue
    // (the message ignores stale chunks itself, and is closed before anything final is written to it).
    if (
      event.event_name === 'fin_reply_chunk' &&
      this.#view.offerLive(event.conversation_id, event.stream_id, event.chunk_index, event.chunk_text)
    ) {
      return { kind: 'accepted', processed: DONE };
    }
    const at = eventTime(event);
    if (at !== undefined && at < this.#ctx.now() - this.#ctx.retentionMs) {
      // The app may have forgotten the conversation's answered replies by now: acting on it could repeat one.
      log.info(
        { source, eventName: event.event_name, conversationId: event.conversation_id, at },
        'ignoring a Fin event older than the retention window',
      );
      return { kind: 'stale', processed: DONE };
    }
    const conv = this.#ctx.store.conversations.get(event.conversation_id);
    if (conv === undefined && this.#questions.owns(event.conversation_id)) return this.#questions.accept(event, source);
    if (conv === undefined) {
      log.warn(
        { source, eventName: event.event_name, conversationId: event.conversation_id },
        'Fin event for a conversation this app does not know',
      );
      return { kind: 'unknown_conversation', processed: DONE };
    }
    if (event.event_name === 'fin_reply_chunk') {
      const processed = this.#ctx
        .inOrder(conv.id, () => this.#onChunk(conv.id, event))
        .catch((error: unknown) => {
          this.#ctx.log.error({ conversationId: conv.id, task: 'showing a streamed chunk', err: error }, 'conversation task failed');
        });
      return { kind: 'accepted', processed };
    }
    const dedupeKey = dedupeKeyOf(event);
    const { store } = this.#ctx;
    const now = this.#ctx.now();
    const recorded = store.transaction(() => {
      if (!store.finEvents.record({ dedupeKey, conversationId: conv.id, source, payload: JSON.stringify(event) }, now)) return false;
      store.conversations.touch(conv.id, now);
      return true;
    });
    if (!recorded) {
      log.debug({ source, dedupeKey }, 'duplicate Fin event');
      return { kind: 'duplicate', processed: DONE };
    }
    return { kind: 'accepted', processed: this.#process(dedupeKey, event) };
  }

  /**
   * Follows a stream that belongs to no turn (an escalation the user asked for, a private question) beside any turn's
   * own: Fin reports on the stream its answer named, and the pipeline drops what arrives twice. `onEnd` hears when it
   * stops, after the events it carried were taken.
   */
  follow(conversationId: string, url: string, onEnd?: (end: SseEnd) => void): void {
    if (this.#stopped) return;
    this.#followed.get(conversationId)?.close();
    const subscription = this.#ctx.subscribe(url, (data) => {
      this.accept(data, 'sse', { conversationId });
    });
    this.#followed.set(conversationId, subscription);
    void subscription.done.then((end) => {
      if (this.#followed.get(conversationId) === subscription) this.#followed.delete(conversationId);
      this.#ctx.log.debug({ conversationId, reason: end.reason, detail: end.detail }, 'followed fin stream ended');
      onEnd?.(end);
    });
  }

  /** Opens the turn's stream; a newer URL supersedes the previous one (its token belongs to the new turn). */
  openStream(conversationId: string, turnId: number, url: string): void {
    if (this.#stopped) return;
    this.#streams.get(conversationId)?.close();
    const subscription = this.#ctx.subscribe(url, (data) => {
      this.accept(data, 'sse', { conversationId });
    });
    this.#streams.set(conversationId, subscription);
    void subscription.done.then((end) => {
      if (this.#streams.get(conversationId) === subscription) this.#streams.delete(conversationId);
      this.#ctx.log.debug({ conversationId, turnId, reason: end.reason, detail: end.detail }, 'fin stream ended');
      this.#ctx.inOrderDetached(conversationId, 'ending a turn whose stream ended', () =>
        this.#turns.streamEnded(conversationId, turnId, end),
      );
    });
  }

  /** Acts on events recorded before a restart but not acted on. */
  recover(): void {
    for (const stored of this.#ctx.store.finEvents.pending()) {
      const parsed = parseFinEvent(JSON.parse(stored.payload));
      if (parsed.ok && parsed.event.event_name !== 'fin_reply_chunk') void this.#process(stored.dedupeKey, parsed.event);
      else this.#ctx.store.finEvents.markDone(stored.dedupeKey, this.#ctx.now());
    }
  }

  stop(): void {
    this.#stopped = true;
    for (const stream of [...this.#streams.values(), ...this.#followed.values()]) stream.close();
    this.#streams.clear();
    this.#followed.clear();
  }

  /**
   * Acts on a recorded event, once: it stays pending until acted on, and a task finding it no longer pending (the
   * same event queued by recovery and by its arrival, say) does nothing. A failure (Slack down) is tried again
   * (`EVENT_RETRY`) for as long as the process lives, and at the next start.
   */
  #process(dedupeKey: string, event: Exclude<FinEvent, FinReplyChunk>, attempt = 1): Promise<void> {
    const task = this.#ctx.inOrder(event.conversation_id, async () => {
      if (this.#stopped || !this.#ctx.store.finEvents.isPending(dedupeKey)) return;
      try {
        if (event.event_name === 'fin_replied') await this.#onReplied(event);
        else if (event.event_name === 'csat_requested') await this.#onCsatRequested(event, dedupeKey);
        else await this.#onStatus(event);
        this.#ctx.store.finEvents.markDone(dedupeKey, this.#ctx.now());
      } catch (error) {
        const retry = attempt < this.#retry.attempts && !this.#stopped;
        this.#ctx.log.error(
          { conversationId: event.conversation_id, dedupeKey, attempt, retry, err: error },
          'could not act on a Fin event',
        );
        if (retry) {
          const timer = setTimeout(() => void this.#process(dedupeKey, event, attempt + 1), backoffDelay(attempt - 1, this.#retry));
          timer.unref();
        }
      }
    });
    // Acting on the event failed even to record its failure (the store itself): it stays pending for the next start.
    return task.catch((error: unknown) => {
      this.#ctx.log.error({ conversationId: event.conversation_id, dedupeKey, err: error }, 'could not act on a Fin event');
    });
  }

  async #onChunk(conversationId: string, event: FinReplyChunk): Promise<void> {
    const { store } = this.#ctx;
    const conv = store.conversations.get(conversationId);
    const turn = store.turns.active(conversationId);
    // Progress is shown only while Fin is answering: a chunk after its turn ended is stale.
    if (conv === undefined || turn === undefined || turn.state === 'pending') return;
    await this.#view.streamChunk(conv, turn, event);
  }

  async #onReplied(event: FinReplied): Promise<void> {
    const { store } = this.#ctx;
    const conv = store.conversations.get(event.conversation_id);
    if (conv === undefined) return;
    const streamed = event.stream_id ? store.posted.byStream(conv.id, event.stream_id) : undefined;
    // An answer the customer was already reading as it streamed is finished where it began, escalation or not.
    if (conv.owner === 'human' && (streamed === undefined || streamed.state === 'final')) {
      // The thread belongs to people now: Fin's words go to the agents, not to the customer.
      await this.#handOff.heldReply(conv, event.message.id, htmlToMrkdwn(event.message.body));
      return;
    }
    let target: PostedMessage | undefined;
    if (event.stream_id) {
      await this.#view.endStream(conv.id, event.stream_id);
      const bound = store.posted.byStream(conv.id, event.stream_id);
      if (bound !== undefined && bound.state !== 'final') target = bound;
    }
    const active = store.turns.active(conv.id);
    // The first part of a turn replaces its placeholder; later parts are new messages. With no turn running, a late
    // answer replaces the notice of a turn that was given up waiting for it.
    target ??= active !== undefined ? this.#view.waitingPlaceholder(active.id) : store.posted.waitingPlaceholder(conv.id);
    // A streamed reply's final event may come without its stream id: it still replaces the text that streamed.
    if (target === undefined && !event.stream_id && active !== undefined) {
      target = store.posted.unfinishedOfTurn(active.id).find((m) => m.state === 'streaming');
      if (target?.streamId) await this.#view.endStream(conv.id, target.streamId);
    }
    const mrkdwn = htmlToMrkdwn(event.message.body);
    if (saysHandOff(mrkdwn)) this.#handOffReplies.set(conv.id, event.message.id);
    else this.#handOffReplies.delete(conv.id);
    if (mrkdwn === '') {
      this.#ctx.log.warn({ conversationId: conv.id, messageId: event.message.id }, 'Fin sent a reply with no text');
    } else {
      await this.#view.show(conv, target, mrkdwn, {
        kind: 'reply',
        turnId: target?.turnId ?? active?.id ?? null,
        finMessageId: event.message.id,
        streamId: event.stream_id ?? undefined,
      });
      this.#ctx.log.info({ conversationId: conv.id, messageId: event.message.id }, 'fin reply delivered');
    }
    // Stable API versions mark every reply `awaiting_user_reply`: each reply is then the end of the turn.
    if (event.status === 'awaiting_user_reply') await this.#turns.end(conv, 'fin_replied');
  }

  async #onCsatRequested(event: FinCsatRequested, dedupeKey: string): Promise<void> {
    const conv = this.#ctx.store.conversations.get(event.conversation_id);
    if (conv !== undefined) await this.#ratings.requested(conv, event, dedupeKey);
  }

  async #onStatus(event: FinStatusUpdated): Promise<void> {
    const { store } = this.#ctx;
    const conv = store.conversations.get(event.conversation_id);
    if (conv === undefined) return;
    store.conversations.setStatus(conv.id, event.status, this.#ctx.now());
    switch (event.status) {
      case 'awaiting_user_reply':
        await this.#turns.end(conv, event.status);
        return;
      case 'resolved':
      case 'complete':
        await this.#turns.end(conv, event.status);
        await this.#handOff.statusChanged(conv, event.status);
        return;
      case 'escalated':
        await this.#onEscalated(conv, event);
        return;
      case 'thinking':
      case 'replying':
        return;
      default:
        this.#ctx.log.info({ conversationId: conv.id, status: event.status }, 'ignoring an unknown Fin status');
    }
  }

  /**
   * Fin's latest reply, when it reads as Fin handing the conversation to people and the customer has not written since
   * (stable API versions end the turn with that reply, before the escalation arrives).
   */
  #handOffReply(conversationId: string): PostedMessage | undefined {
    const { store } = this.#ctx;
    const latest = store.posted.latestFinal(conversationId);
    if (latest === undefined || latest.kind !== 'reply' || latest.finMessageId === null) return undefined;
    if (this.#handOffReplies.get(conversationId) !== latest.finMessageId) return undefined;
    const asked = store.inbound.latest(conversationId);
    return asked !== undefined && compareTs(asked.ts, latest.ts) > 0 ? undefined : latest;
  }

  async #onEscalated(conv: Conversation, event: FinStatusUpdated): Promise<void> {
    this.#ctx.log.info({ conversationId: conv.id, reason: event.reason }, 'Fin escalated the conversation');
    const active = this.#ctx.store.turns.active(conv.id);
    const target = active === undefined ? undefined : this.#view.waitingPlaceholder(active.id);
    // A thread already with people was told so already; a repeated escalation only updates the agents' post.
    const alreadyHuman = this.#ctx.store.conversations.get(conv.id)?.owner === 'human';
    try {
      // When Fin's last reply already tells the customer a person will follow up, that reply gets a mark instead of a
      // second notice. Anything else (an answer followed by an escalation rule, a customer who wrote since, a mark
      // Slack would not add) leaves the customer to be told by the notice.
      const handOffReply = alreadyHuman ? undefined : this.#handOffReply(conv.id);
      const marked =
        handOffReply !== undefined && (await this.#ctx.poster.react(handOffReply.channelId, handOffReply.ts, ESCALATED_REACTION));
      if (!alreadyHuman && !marked) await this.#view.show(conv, target, ESCALATED_NOTICE, { kind: 'notice', turnId: active?.id ?? null });
    } catch (error) {
      this.#ctx.log.error({ conversationId: conv.id, error: errorCode(error) }, 'could not post the escalation notice');
    }
    await this.#turns.end(conv, 'escalated');
    await this.#handOff.escalated(conv, event.reason ?? null);
  }
}
