import type { HomeView, KnownBlock, View } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { type RetryPolicy, withRetries } from '../core/backoff.ts';
import { errorCode, AppError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { splitMrkdwn } from '../format/split.ts';
import { truncate } from '../format/truncate.ts';
import type { DeliveryPart } from '../store/deliveries.ts';
import type { ChannelPacer } from '../stream/channel-pacer.ts';
import { MESSAGE_GONE } from './errors.ts';
import { MESSAGE_LIMIT, METHOD_TIERS, RATE_TIERS, SLACK_LIMITS } from './limits.ts';
import { rateLimitedRetryAfter } from '../stream/rate-limited.ts';
import type { InterimResult } from '../stream/writer.ts';
import { TokenBucket } from '../stream/token-bucket.ts';
import { type EditLane, UpdateScheduler } from '../stream/update-scheduler.ts';

/**
 * Longest text the app puts in one message. `chat.update` starts failing with `msg_too_long` near 4,000
 * characters, so finals are cut well below that and continue in further thread messages.
 */

/** Errors that mean this workspace or token cannot stream natively at all (plan, GovSlack, an old token type). */
const NATIVE_UNAVAILABLE = new Set([
  'feature_not_enabled',
  'unknown_method',
  'method_deprecated',
  'not_allowed_token_type',
  'missing_scope',
]);

/**
 * Native streaming's own limits: `chat.startStream` is Tier 2 (about 20 a minute) and `chat.appendStream` Tier 4
 * (about 100 a minute), both per workspace, apart from `chat.update`'s Tier 3. A message that finds no start left
 * streams by edits instead.
 */
export class NativeStreaming {
  available = true;
  readonly starts = new TokenBucket(RATE_TIERS[METHOD_TIERS['chat.startStream']], 5, Date.now());
  // Appends have no finals to keep tokens for: a stream's end is `chat.stopStream`, then a `chat.update`. The app
  // keeps a tenth of the tier for margin.
  readonly appends = new UpdateScheduler({ ratePerMinute: RATE_TIERS[METHOD_TIERS['chat.appendStream']] * 0.9, burst: 15, reserve: 0 });

  close(): void {
    this.appends.close();
  }
}

/** What a refused interim write means; the streaming message that made it acts on a 429 (its cadence, its lane). */
function interimFailure(error: unknown): InterimResult {
  const retryAfter = rateLimitedRetryAfter(error);
  if (retryAfter !== undefined) return { kind: 'rate_limited', retryAfterMs: retryAfter * 1000 };
  const code = errorCode(error);
  return MESSAGE_GONE.has(code) ? { kind: 'gone' } : { kind: 'failed', code };
}

/** One `chat.update`: a text, with blocks for a post. */
export interface UpdateArgs {
  readonly channel: string;
  readonly ts: string;
  readonly text: string;
  readonly blocks?: KnownBlock[];
}

/**
 * How the poster's updates (`chat.update`) reach Slack and when it may post a new message. The app's own is
 * `budgetedWrites`; the benchmark gives naive ones, to compare against on the same code.
 */
export interface SlackWrites {
  /** Resolves when a new message may be posted in `channelId`. */
  beforePost(channelId: string): Promise<void>;
  /** Sends an interim edit of a streaming message (the next one carries newer text); throws Slack's error. */
  interim(args: UpdateArgs): Promise<unknown>;
  /** Sends an update that must land (an answer, a notice, a post's new state); throws Slack's error. */
  final(args: UpdateArgs): Promise<unknown>;
}

/**
 * The app's writes. Every update goes through the workspace's update budget (`UpdateScheduler`): interim edits when
 * it grants them (the live message asks), finals at once. Both use clients that refuse rate-limited calls instead of
 * pausing, because the Web API client pauses its whole queue on a 429 and the budget, not the client, decides what
 * waits. New messages wait for their channel's pace (`ChannelPacer`).
 */
export function budgetedWrites(options: {
  updates: UpdateScheduler;
  pacer: ChannelPacer;
  /** Refuses rate-limited calls and does not retry: the next edit carries newer text. */
  interimClient: WebClient;
  /** Refuses rate-limited calls like the interim client, but retries network errors and 5xx: finals must land. */
  finalClient: WebClient;
}): SlackWrites {
  const { updates, pacer, interimClient, finalClient } = options;
  return {
    beforePost: (channelId) => pacer.slot(channelId),
    interim: (args) => interimClient.chat.update(args),
    final: (args) => updates.final(() => finalClient.chat.update(args)),
  };
}

/** Stopping a stream is tried again when Slack answers 429, waiting what it asks (at most 30 s a time). */
const STOP_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 0, maxDelayMs: 0, maxRetryAfterMs: Number.POSITIVE_INFINITY };

/** Below this a part is not cut further: a `msg_too_long` then is not about length. */
const MIN_PART = 400;

export interface DeliveryTarget {
  readonly channelId: string;
  readonly threadTs: string;
  /** A message of ours to replace (the placeholder); absent means post new messages. */
  readonly ts?: string | undefined;
}

/** A final text cut into messages, and how far its delivery got. */
export interface PartsDelivery extends DeliveryTarget {
  readonly parts: readonly DeliveryPart[];
  /** Parts already in Slack: delivery carries on with the next one. */
  readonly delivered: number;
}

/** What a delivery reports as it goes, so its progress can be recorded part by part. */
export interface DeliveryProgress {
  /** Part `index` is in Slack as message `ts` (the target, for the first part when it replaced it). */
  landed(index: number, ts: string): void;
  /** Slack refused part `index` as too long: these smaller parts take its place. */
  resplit(index: number, parts: readonly DeliveryPart[]): void;
  /**
   * A message already in Slack that is part `index` (posted by an attempt that died before hearing Slack's answer),
   * if the caller knows one: it counts as delivered instead of being posted again.
   */
  existing?(index: number, text: string): string | undefined;
}

/** A final text cut into messages that fit. */
export function cutIntoParts(mrkdwn: string, limit = MESSAGE_LIMIT): DeliveryPart[] {
  return splitMrkdwn(mrkdwn, limit).map((text) => ({ text, limit }));
}

/**
 * Writes to Slack. The main client retries (posts must arrive). Updates, and when a new message may go, are the
 * writes' (`SlackWrites`; the app's are `budgetedWrites`).
 */
export class SlackPoster {
  readonly #client: WebClient;
  readonly #read: WebClient;
  readonly #interim: WebClient;
  readonly #final: WebClient;
  readonly #logger: Logger;
  readonly #writes: SlackWrites;
  readonly #native: NativeStreaming | undefined;

  constructor(options: {
    client: WebClient;
    /** For lookups (permalinks): refuses rate-limited calls, so a 429 never holds up posts. The main client if absent. */
    readClient?: WebClient | undefined;
    /** For native streaming's appends and starts: refuses rate-limited calls. */
    interimClient: WebClient;
    /** For stopping native streams: refuses rate-limited calls, retries network errors and 5xx. The interim client if absent. */
    finalClient?: WebClient | undefined;
    logger: Logger;
    /** How updates go out and new messages wait their turn. */
    writes: SlackWrites;
    /** Native streaming (`SLACK_STREAMING=native`); absent in edit mode. */
    native?: NativeStreaming | undefined;
  }) {
    this.#native = options.native;
    this.#client = options.client;
    this.#read = options.readClient ?? options.client;
    this.#interim = options.interimClient;
    this.#final = options.finalClient ?? options.interimClient;
    this.#logger = options.logger;
    this.#writes = options.writes;
  }

  async post(channelId: string, threadTs: string, text: string): Promise<string> {
    await this.#writes.beforePost(channelId);
    const res = await this.#client.chat.postMessage({
      channel: channelId,
      thread_ts: threadTs,
      text,
      unfurl_links: false,
      unfurl_media: false,
    });
    if (typeof res.ts !== 'string') throw new AppError('slack_bad_response', 'chat.postMessage returned no ts');
    return res.ts;
  }

  async update(channelId: string, ts: string, text: string): Promise<void> {
    await this.#writes.final({ channel: channelId, ts, text });
  }

  /** A message with Block Kit content (the agents' posts, a rating prompt); `text` is what notifications show. */
  async postBlocks(channelId: string, content: { text: string; blocks: KnownBlock[]; threadTs?: string }): Promise<string> {
    await this.#writes.beforePost(channelId);
    const { threadTs, ...message } = content;
    const res = await this.#client.chat.postMessage({
      channel: channelId,
      ...message,
      ...(threadTs !== undefined ? { thread_ts: threadTs } : {}),
      unfurl_links: false,
      unfurl_media: false,
    });
    if (typeof res.ts !== 'string') throw new AppError('slack_bad_response', 'chat.postMessage returned no ts');
    return res.ts;
  }

  async updateBlocks(channelId: string, ts: string, content: { text: string; blocks: KnownBlock[] }): Promise<void> {
    await this.#writes.final({ channel: channelId, ts, ...content });
  }

  /** Opens a modal; Slack wants it within 3 seconds of the click that produced `triggerId`. Returns its id, to update it. */
  async openView(triggerId: string, view: View): Promise<string | undefined> {
    const res = await this.#client.views.open({ trigger_id: triggerId, view });
    return res.view?.id;
  }

  async updateView(viewId: string, view: View): Promise<void> {
    await this.#client.views.update({ view_id: viewId, view });
  }

  /** A root message in a channel (a thread the app starts). */
  async postRoot(channelId: string, text: string): Promise<string> {
    await this.#writes.beforePost(channelId);
    const res = await this.#client.chat.postMessage({ channel: channelId, text, unfurl_links: false, unfurl_media: false });
    if (typeof res.ts !== 'string') throw new AppError('slack_bad_response', 'chat.postMessage returned no ts');
    return res.ts;
  }

  /** Visible to one person only, e.g. an agent whose click had no effect; in the thread `threadTs` when given. */
  async ephemeral(channelId: string, userId: string, text: string, threadTs?: string): Promise<void> {
    await this.#client.chat.postEphemeral({
      channel: channelId,
      user: userId,
      text,
      ...(threadTs !== undefined ? { thread_ts: threadTs } : {}),
    });
  }

  /**
   * Tells one person something privately: an ephemeral message where they are (in the thread), or, when the app
   * cannot write there at all, a direct message. Returns where it went, or undefined when neither worked (logged).
   */
  async tellPrivately(
    userId: string,
    where: { channelId: string; threadTs?: string },
    text: string,
  ): Promise<'ephemeral' | 'dm' | undefined> {
    try {
      await this.ephemeral(where.channelId, userId, text, where.threadTs);
      return 'ephemeral';
    } catch (error) {
      this.#logger.info(
        { channelId: where.channelId, error: errorCode(error) },
        'could not tell someone privately in the channel; trying a direct message',
      );
    }
    try {
      const channel = await this.openDm(userId);
      await this.#writes.beforePost(channel);
      await this.#client.chat.postMessage({ channel, text, unfurl_links: false, unfurl_media: false });
      return 'dm';
    } catch (error) {
      this.#logger.warn({ error: errorCode(error) }, 'could not tell someone in a direct message either');
      return undefined;
    }
  }

  /**
   * Prompts a person may pick when they open their direct message with the app (agent view: no thread is named, or
   * Slack ignores the call). Slack takes four; each is cut to the app's limits.
   */
  async suggestPrompts(channelId: string, prompts: readonly { title: string; message: string }[]): Promise<void> {
    const L = SLACK_LIMITS.suggestedPrompts;
    await this.#client.assistant.threads.setSuggestedPrompts({
      channel_id: channelId,
      title: 'Try asking Fin',
      prompts: prompts.slice(0, L.prompts).map((p) => ({ title: truncate(p.title, L.title), message: truncate(p.message, L.message) })),
      // The SDK's type still requires `thread_ts`, which an agent app must leave out (Slack ignores the call otherwise).
    } as Parameters<WebClient['assistant']['threads']['setSuggestedPrompts']>[0]);
  }

  /** The app's direct message with a person (opened if need be). */
  async openDm(userId: string): Promise<string> {
    const opened = await this.#client.conversations.open({ users: userId });
    const channel = opened.channel?.id;
    if (typeof channel !== 'string') throw new AppError('slack_bad_response', 'conversations.open returned no channel');
    return channel;
  }

  /** Publishes a person's Home tab. */
  async publishHome(userId: string, view: HomeView): Promise<void> {
    await this.#client.views.publish({ user_id: userId, view });
  }

  /** A link to a message, or undefined when Slack will not give one. */
  async permalink(channelId: string, ts: string): Promise<string | undefined> {
    try {
      const res = await this.#read.chat.getPermalink({ channel: channelId, message_ts: ts });
      return typeof res.permalink === 'string' ? res.permalink : undefined;
    } catch (error) {
      this.#logger.info({ channelId, error: errorCode(error) }, 'no permalink for the thread');
      return undefined;
    }
  }

  /** A reaction as an unobtrusive status mark; one already there is fine. False when the mark is not on the message. */
  async react(channelId: string, ts: string, name: string): Promise<boolean> {
    try {
      await this.#client.reactions.add({ channel: channelId, timestamp: ts, name });
      return true;
    } catch (error) {
      const code = errorCode(error);
      if (code === 'already_reacted') return true;
      this.#logger.info({ channelId, name, error: code }, 'could not add a reaction');
      return false;
    }
  }

  async interim(channelId: string, ts: string, text: string): Promise<InterimResult> {
    try {
      await this.#writes.interim({ channel: channelId, ts, text });
      return { kind: 'ok' };
    } catch (error) {
      return interimFailure(error);
    }
  }

  /**
   * Starts a native stream (`chat.startStream`) as a reply in the thread, showing `markdown` at once. Recipient ids
   * are given everywhere (Slack requires them outside DMs). Returns undefined when native streaming is not to be used
   * for this message: its own budget is spent (Tier 2), or Slack refused (logged; errors saying the workspace or
   * token cannot stream at all turn native streaming off for the rest of the process).
   */
  async startStream(args: {
    channelId: string;
    threadTs: string;
    teamId: string;
    userId: string;
    markdown: string;
  }): Promise<string | undefined> {
    const native = this.#native;
    if (native === undefined || !native.available || !native.starts.tryTake(Date.now())) return undefined;
    try {
      const res = await this.#interim.chat.startStream({
        channel: args.channelId,
        thread_ts: args.threadTs,
        markdown_text: args.markdown,
        recipient_team_id: args.teamId,
        recipient_user_id: args.userId,
      });
      if (typeof res.ts !== 'string') throw new AppError('slack_bad_response', 'chat.startStream returned no ts');
      return res.ts;
    } catch (error) {
      const code = errorCode(error);
      const off = NATIVE_UNAVAILABLE.has(code);
      if (off) native.available = false;
      this.#logger.warn(
        { channelId: args.channelId, error: code, nativeStreamingOff: off },
        'native streaming refused; editing the placeholder instead',
      );
      return undefined;
    }
  }

  /** Appends to a native stream (`chat.appendStream`). */
  async appendStream(channelId: string, ts: string, markdown: string): Promise<InterimResult> {
    try {
      await this.#interim.chat.appendStream({ channel: channelId, ts, markdown_text: markdown });
      return { kind: 'ok' };
    } catch (error) {
      return interimFailure(error);
    }
  }

  /**
   * Ends a native stream, so the message can be edited like any other. A 429 is waited out (a stream left open would
   * refuse the final answer); other failures (the stream already ended) are logged, not thrown.
   */
  async stopStream(channelId: string, ts: string): Promise<void> {
    await withRetries<boolean>(async () => {
      try {
        await this.#final.chat.stopStream({ channel: channelId, ts });
        return { kind: 'done', value: true };
      } catch (error) {
        const retryAfter = rateLimitedRetryAfter(error);
        const refused = () => {
          this.#logger.info({ channelId, error: errorCode(error) }, 'could not stop a native stream');
          return false;
        };
        return retryAfter === undefined
          ? { kind: 'done', value: refused() }
          : { kind: 'retry', afterMs: Math.min(retryAfter, 30) * 1000, last: refused };
      }
    }, STOP_RETRY);
  }

  /** A claim on the append budget for one native stream. */
  appendLane(): EditLane | undefined {
    return this.#native?.appends.lane();
  }

  /** Deletes a message of ours; a message already gone is not an error. */
  async remove(channelId: string, ts: string): Promise<void> {
    try {
      await this.#client.chat.delete({ channel: channelId, ts });
    } catch (error) {
      const code = errorCode(error);
      if (!MESSAGE_GONE.has(code)) this.#logger.warn({ channelId, error: code }, 'could not delete a message');
    }
  }

  /**
   * Delivers the parts not yet delivered, one at a time and in order, reporting each as it lands: the first part
   * replaces the target message, the others are new messages in the thread. If someone deleted the target, the part
   * is posted anew rather than lost; if Slack finds a part too long (`msg_too_long`, its limit is not documented
   * exactly), that part is cut smaller and delivered in pieces. A failure leaves the parts that landed reported, so a
   * later call resumes after them.
   */
  async deliverParts(delivery: PartsDelivery, progress: DeliveryProgress): Promise<void> {
    const parts = [...delivery.parts];
    for (let index = delivery.delivered; index < parts.length; ) {
      const part = parts[index];
      if (part === undefined) break;
      try {
        // Replacing the target is the same edit however often it is made; a new message is looked for first.
        const replaced = index === 0 && delivery.ts !== undefined ? await this.#replace(delivery, part.text) : undefined;
        const ts = replaced ?? progress.existing?.(index, part.text) ?? (await this.post(delivery.channelId, delivery.threadTs, part.text));
        progress.landed(index, ts);
        index += 1;
      } catch (error) {
        const smaller = Math.floor(part.limit / 2);
        if (errorCode(error) !== 'msg_too_long' || smaller < MIN_PART) throw error;
        this.#logger.warn(
          { channelId: delivery.channelId, length: part.text.length, retryLimit: smaller },
          'Slack found a message too long; cutting it smaller',
        );
        const pieces = cutIntoParts(part.text, smaller);
        parts.splice(index, 1, ...pieces);
        progress.resplit(index, pieces);
      }
    }
  }

  /** Replaces the target's text; undefined when someone deleted it (the part is then a new message). */
  async #replace(target: DeliveryTarget, text: string): Promise<string | undefined> {
    if (target.ts === undefined) return undefined;
    try {
      await this.update(target.channelId, target.ts, text);
      return target.ts;
    } catch (error) {
      const code = errorCode(error);
      if (!MESSAGE_GONE.has(code)) throw error;
      this.#logger.info({ channelId: target.channelId, error: code }, 'placeholder is gone; posting the answer anew');
      return undefined;
    }
  }
}
