import { errorCode } from '../core/errors.ts';
import type { FinReplyChunk } from '../fin/schemas.ts';
import { escapeMarkdown } from '../format/markdown-escape.ts';
import type { Conversation } from '../store/conversations.ts';
import type { PostedMessage } from '../store/posted.ts';
import type { Turn } from '../store/turns.ts';
import type { BridgeContext } from './context.ts';
import { type DeliveryDeps, deliverFinalText } from '../slack/delivery.ts';
import { streamedText, streamingText } from './copy.ts';
import type { LiveStream } from '../stream/live-message.ts';
import { NativeMessage, wholeWords } from '../stream/native-message.ts';
import { streamedTableText } from '../stream/streamed-text.ts';

export interface ShowMeta {
  readonly kind: 'reply' | 'notice';
  readonly turnId: number | null;
  readonly finMessageId?: string;
  readonly streamId?: string | undefined;
  /**
   * Names an app notice for good, so it is delivered once however often it is asked for (a turn resumed after a
   * restart). A reply is named by `finMessageId`.
   */
  readonly key?: string;
}

/** How a turn's unfinished messages are left when it stops without (or before) its final answer. */
export type Settlement =
  /** Fin is done: streamed text stays without the typing marker; a placeholder that got nothing goes away. */
  | { readonly kind: 'done' }
  /** A notice is added (overdue, failure); `final` says whether a late answer may still replace the message. */
  | { readonly kind: 'notice'; readonly text: string; readonly final: boolean };

/** What the thread's view needs: the store, Slack, the clock and log, and how a streaming message is made. */
export type ThreadViewDeps = DeliveryDeps &
  Pick<BridgeContext, 'metrics' | 'liveMessage' | 'nativeStreamMaxMs' | 'streaming' | 'streamIntervalMs' | 'thinking'>;

/**
 * What a thread shows of Fin: the placeholder and reply parts the app posted, streamed text edited into them, and
 * final answers and notices. The store is the record of every message; live streams are held in memory.
 */
export class ThreadView {
  readonly #ctx: ThreadViewDeps;
  readonly #live = new Map<string, LiveStream | NativeMessage>();
  /** Messages whose stream this run of the app started (or already stopped), so they need no stop after a restart. */
  readonly #ownStreams = new Set<string>();

  constructor(ctx: ThreadViewDeps) {
    this.#ctx = ctx;
  }

  /** The turn's placeholder while it still waits for Fin's first words. */
  waitingPlaceholder(turnId: number): PostedMessage | undefined {
    return this.#ctx.store.posted.unfinishedOfTurn(turnId).find((m) => m.kind === 'placeholder' && m.state === 'waiting');
  }

  /** Offers a chunk to its stream's live message, if one is streaming; false if there is none (yet or any more). */
  offerLive(conversationId: string, streamId: string, index: number, text: string): boolean {
    const live = this.#live.get(liveKey(conversationId, streamId));
    if (live === undefined) return false;
    live.offer(index, streamedTableText(text));
    return true;
  }

  /**
   * Streams a chunk of the active turn. Its stream is bound to the turn's placeholder, or, for a further reply part,
   * to a message of its own. Chunks of a stream that is finished or belongs to an earlier turn are dropped.
   */
  async streamChunk(conv: Conversation, turn: Turn, chunk: FinReplyChunk): Promise<void> {
    const { store, poster } = this.#ctx;
    // Text is arriving: the thread shows it, so Slack's thinking indicator goes.
    this.#ctx.thinking.stop(conv.channelId, conv.threadTs);
    // What the thread shows of the chunk (and keeps, to show it again after a restart): a table's cells kept apart.
    const event = { ...chunk, chunk_text: streamedTableText(chunk.chunk_text) };
    const key = liveKey(conv.id, event.stream_id);
    const existing = this.#live.get(key);
    if (existing !== undefined) {
      existing.offer(event.chunk_index, event.chunk_text);
      return;
    }
    const bound = store.posted.byStream(conv.id, event.stream_id);
    if (bound !== undefined && (bound.state === 'final' || bound.turnId !== turn.id)) return;
    let target: { channelId: string; ts: string } | undefined = bound;
    let shown: { index: number; text: string } | undefined;
    if (target === undefined) {
      const placeholder = this.waitingPlaceholder(turn.id);
      if (await this.#streamNatively(conv, turn, event, placeholder)) return;
      if (placeholder !== undefined) {
        store.posted.bindStream(placeholder.channelId, placeholder.ts, event.stream_id);
        target = placeholder;
      } else {
        try {
          const ts = await poster.post(conv.channelId, conv.threadTs, streamingText(event.chunk_text));
          store.transaction(() => {
            store.posted.add(
              {
                channelId: conv.channelId,
                ts,
                conversationId: conv.id,
                turnId: turn.id,
                kind: 'reply',
                state: 'streaming',
                streamId: event.stream_id,
              },
              this.#ctx.now(),
            );
            store.posted.setStreamedText(conv.channelId, ts, event.chunk_text);
          });
          target = { channelId: conv.channelId, ts };
          shown = { index: event.chunk_index, text: event.chunk_text };
        } catch (error) {
          this.#ctx.log.warn({ conversationId: conv.id, error: errorCode(error) }, 'could not post a streaming reply part');
          return;
        }
      }
    }
    const live = this.#edited(target.channelId, target.ts, shown);
    this.#ownStreams.add(target.ts);
    this.#live.set(key, live);
    live.offer(event.chunk_index, event.chunk_text);
  }

  /**
   * A message left streaming by an earlier run of the app may still be a native stream, which Slack will not let be
   * edited: in native mode it is stopped first (Slack's refusal, if it was not one, is harmless).
   */
  async #stopOrphanStream(message: PostedMessage): Promise<void> {
    if (this.#ctx.streaming !== 'native' || message.state !== 'streaming' || this.#ownStreams.has(message.ts)) return;
    this.#ownStreams.add(message.ts);
    await this.#ctx.poster.stopStream(message.channelId, message.ts);
  }

  /** A message that shows the stream by edits (`chat.update`), paced as the app's live messages are. */
  #edited(channelId: string, ts: string, shown?: { index: number; text: string }): LiveStream {
    const { store, poster } = this.#ctx;
    return this.#ctx.liveMessage({
      edit: (text) => poster.interim(channelId, ts, text),
      render: streamingText,
      now: this.#ctx.now,
      onShown: (text) => store.posted.setStreamedText(channelId, ts, text),
      ...(shown !== undefined ? { shown } : {}),
    });
  }

  /**
   * In native mode, starts the stream as a message of its own through Slack's streaming methods; the placeholder it
   * replaces is removed. False when the message should stream by edits instead (edit mode, native streaming refused
   * or its budget spent), with nothing changed.
   */
  async #streamNatively(conv: Conversation, turn: Turn, event: FinReplyChunk, placeholder: PostedMessage | undefined): Promise<boolean> {
    const { store, poster } = this.#ctx;
    if (this.#ctx.streaming !== 'native' || event.chunk_text.trim() === '') return false;
    const markdown = escapeMarkdown(wholeWords(event.chunk_text));
    const ts = await poster.startStream({
      channelId: conv.channelId,
      threadTs: conv.threadTs,
      teamId: conv.teamId,
      userId: turn.userId,
      markdown,
    });
    if (ts === undefined) return false;
    const channelId = conv.channelId;
    store.transaction(() => {
      store.posted.add(
        { channelId, ts, conversationId: conv.id, turnId: turn.id, kind: 'reply', state: 'streaming', streamId: event.stream_id },
        this.#ctx.now(),
      );
      store.posted.setStreamedText(channelId, ts, event.chunk_text);
    });
    // The placeholder is marked done only once it is gone: if the app dies first, the turn's end still removes it.
    if (placeholder !== undefined) {
      await poster.remove(placeholder.channelId, placeholder.ts);
      store.posted.finalize(placeholder.channelId, placeholder.ts);
    }
    const log = this.#ctx.log;
    const live = new NativeMessage({
      started: { index: event.chunk_index, text: event.chunk_text, markdown },
      append: (delta) => poster.appendStream(channelId, ts, delta),
      stop: () => poster.stopStream(channelId, ts),
      fallback: (shown) => this.#edited(channelId, ts, shown),
      lane: poster.appendLane(),
      intervalMs: this.#ctx.streamIntervalMs,
      ...(this.#ctx.nativeStreamMaxMs !== undefined ? { maxStreamMs: this.#ctx.nativeStreamMaxMs } : {}),
      now: this.#ctx.now,
      onShown: (text) => store.posted.setStreamedText(channelId, ts, text),
      onFallback: (reason) => log.info({ conversationId: conv.id, reason }, 'native stream handed over to edits'),
    });
    this.#ownStreams.add(ts);
    this.#live.set(liveKey(conv.id, event.stream_id), live);
    return true;
  }

  /** Stops a stream's edits and waits for the one in flight: its final reply is about to replace them. */
  async endStream(conversationId: string, streamId: string): Promise<void> {
    const key = liveKey(conversationId, streamId);
    const live = this.#live.get(key);
    if (live === undefined) return;
    this.#live.delete(key);
    await live.close();
  }

  /**
   * Shows a final text (an answer or a notice): it replaces `target`, or is posted as new messages in the thread. Each
   * message is recorded as it lands. A reply's delivery is recorded before its first part goes out and resumed if it
   * was interrupted (a Slack error, a crash): the parts already in Slack are not posted again, and the rest go where
   * the first attempt was sending them, whatever `target` says now.
   */
  async show(conv: Conversation, target: PostedMessage | undefined, text: string, meta: ShowMeta): Promise<void> {
    this.#ctx.thinking.stop(conv.channelId, conv.threadTs);
    const { store } = this.#ctx;
    const key = meta.finMessageId === undefined ? meta.key : `reply:${conv.id}:${meta.finMessageId}`;
    let replacedTs: string | undefined;
    const outcome = await deliverFinalText(
      this.#ctx,
      { key, conversationId: conv.id, channelId: conv.channelId, threadTs: conv.threadTs, targetTs: target?.ts, text },
      {
        beforeFirst: async (targetTs) => {
          const replacing = targetTs === undefined ? undefined : store.posted.get(conv.channelId, targetTs);
          if (replacing !== undefined) await this.#stopOrphanStream(replacing);
        },
        landed: (index, ts, targetTs) => {
          replacedTs = targetTs;
          this.#recordPart(conv, meta, { index, ts, targetTs });
        },
      },
    );
    if (replacedTs !== undefined) this.#ownStreams.delete(replacedTs);
    if (outcome === 'delivered' && meta.kind === 'reply') this.#ctx.metrics.repliesDelivered.inc();
  }

  /** What a message of a final text now shows: the replaced target, or a new message, recorded with its progress. */
  #recordPart(conv: Conversation, meta: ShowMeta, part: { index: number; ts: string; targetTs: string | undefined }): void {
    const { store } = this.#ctx;
    const first = part.index === 0;
    // A stream id may be held by one message only; a reply repeating a claimed stream does not claim it again.
    const streamId =
      first && meta.streamId !== undefined && store.posted.byStream(conv.id, meta.streamId) === undefined ? meta.streamId : undefined;
    if (first && part.ts === part.targetTs) {
      store.posted.finalize(conv.channelId, part.ts, {
        kind: meta.kind,
        finMessageId: meta.finMessageId ?? null,
        streamId: streamId ?? null,
      });
      return;
    }
    if (first && part.targetTs !== undefined) {
      // The target was gone (someone deleted it): it stops waiting, and the answer is a new message.
      store.posted.finalize(conv.channelId, part.targetTs);
    }
    if (store.posted.get(conv.channelId, part.ts) !== undefined) {
      // Already recorded (a message an interrupted attempt posted and recorded): it now shows this part, final.
      store.posted.finalize(conv.channelId, part.ts, { kind: meta.kind });
      return;
    }
    store.posted.add(
      {
        channelId: conv.channelId,
        ts: part.ts,
        conversationId: conv.id,
        turnId: meta.turnId,
        kind: meta.kind,
        state: 'final',
        streamId: first ? (streamId ?? null) : null,
        finMessageId: first ? (meta.finMessageId ?? null) : null,
      },
      this.#ctx.now(),
    );
  }

  /**
   * Leaves the turn's unfinished messages in a sensible state. Works from the store, so messages streamed before a
   * restart are settled too, with the text they showed.
   */
  async settle(conv: Conversation, turnId: number, how: Settlement): Promise<void> {
    const { store, poster } = this.#ctx;
    this.#ctx.thinking.stop(conv.channelId, conv.threadTs);
    for (const message of store.posted.unfinishedOfTurn(turnId)) {
      const key = message.streamId === null ? undefined : liveKey(conv.id, message.streamId);
      const live = key === undefined ? undefined : this.#live.get(key);
      if (live !== undefined && key !== undefined) {
        this.#live.delete(key);
        await live.close();
      }
      if (live === undefined) await this.#stopOrphanStream(message);
      const streamed = live?.latestText ?? message.streamedText ?? undefined;
      try {
        if (live?.gone) {
          store.posted.finalize(message.channelId, message.ts);
        } else if (how.kind === 'done') {
          if (message.state === 'waiting') {
            await poster.remove(message.channelId, message.ts);
            store.posted.finalize(message.channelId, message.ts);
          } else if (streamed !== undefined) {
            // It stays `streaming`: a final reply arriving late (by webhook) still replaces it.
            await poster.update(message.channelId, message.ts, streamedText(streamed));
          }
        } else {
          const text = streamed === undefined ? how.text : `${streamedText(streamed)}\n\n${how.text}`;
          await poster.update(message.channelId, message.ts, text);
          if (how.final) store.posted.finalize(message.channelId, message.ts, { kind: 'notice' });
        }
      } catch (error) {
        this.#ctx.log.warn({ conversationId: conv.id, error: errorCode(error) }, 'could not settle a message');
      }
      // Forgotten either way: a message left streaming gets at most one needless (harmless) stop later.
      this.#ownStreams.delete(message.ts);
    }
  }

  async closeAll(): Promise<void> {
    const lives = [...this.#live.values()];
    this.#live.clear();
    await Promise.all(lives.map((live) => live.close()));
  }
}

/** Live streams are keyed by conversation and stream id: a stream id is only unique within its conversation. */
function liveKey(conversationId: string, streamId: string): string {
  return `${conversationId}\u0000${streamId}`;
}
