import { WebClient } from '@slack/web-api';
import { FinSimulator } from '../../fakes/fin-simulator.ts';
import { FakeSlack, type FakeSlackOptions } from '../../fakes/slack-api.ts';
import { type BridgeContext, type BridgeOptions, createContext } from '../../src/bridge/context.ts';
import type { FinEventAcceptance, PrivateQuestionEvents, RatingRequests, TurnSignals } from '../../src/bridge/fin-events.ts';
import type { StreamOpener } from '../../src/bridge/turns.ts';
import { PLACEHOLDER } from '../../src/bridge/copy.ts';
import { createLogger } from '../../src/core/log.ts';
import { FinClient } from '../../src/fin/client.ts';
import type { FinCsatRequested, FinEvent } from '../../src/fin/schemas.ts';
import type { FinEventSource } from '../../src/store/fin-events.ts';
import { type SseEnd, subscribe } from '../../src/fin/sse.ts';
import { Metrics } from '../../src/ops/metrics.ts';
import { SlackDirectory } from '../../src/slack/directory.ts';
import { SlackFiles } from '../../src/slack/files.ts';
import { ownMessagesInThread, threadHistory, threadOfMessage } from '../../src/slack/history.ts';
import { classifyMessage, type IncomingUserMessage } from '../../src/slack/incoming.ts';
import { ChannelMembership } from '../../src/slack/membership.ts';
import { NativeStreaming } from '../../src/slack/poster.ts';
import { ResponseUrls } from '../../src/slack/response-url.ts';
import { ThinkingStatus } from '../../src/slack/thinking-status.ts';
import { slackMessageEventSchema } from '../../src/slack/schemas.ts';
import { slackTsToIso } from '../../src/slack/timestamps.ts';
import { LiveMessage } from '../../src/stream/live-message.ts';
import type { Conversation } from '../../src/store/conversations.ts';
import { openDatabase } from '../../src/store/db.ts';
import { createStore, type Store } from '../../src/store/index.ts';
import type { Turn } from '../../src/store/turns.ts';
import { DEFAULT_SLACK, WORKSPACE } from './harness.ts';
import { unpacedPoster } from './slack-parts.ts';

/**
 * The bridge's parts built for real, as `src/app.ts` builds them, but without the HTTP server and Bolt: an in-memory
 * store, the Slack Web API clients and poster against the fake Slack on loopback, the Fin client (and SSE reader)
 * against the Fin simulator, and the bridge's shared context. Unit tests of `Turns`, `FinEvents` and `ThreadView`
 * construct the module under test from `ctx` and drive it directly.
 *
 * Two choices differ from the app, on purpose: updates go straight through the Web API client (the workspace's
 * budget and each channel's pace are tested on their own, and would only slow these tests down), and calls to Fin are
 * not retried (a refusal reaches the turn at once).
 */

export const PEOPLE = WORKSPACE;

export interface BridgePartsOptions {
  /** Overrides of the bridge's options (the clock, limits, timeouts, streaming mode…). */
  readonly bridge?: Partial<BridgeOptions>;
  readonly slack?: FakeSlackOptions;
}

export interface BridgeParts {
  readonly slack: FakeSlack;
  readonly fin: FinSimulator;
  readonly store: Store;
  readonly metrics: Metrics;
  readonly ctx: BridgeContext;
  /** Every stream the bridge opened (its URL), in order: each is a real SSE connection to the Fin simulator. */
  readonly subscribed: string[];
  /** Log records (parsed JSON lines) whose `msg` matches. */
  logged(msg: string | RegExp): Record<string, unknown>[];
  /** Closes the fakes, the clients and the database; stop the modules under test (and await `ctx.idle()`) first. */
  close(): Promise<void>;
}

export async function startBridgeParts(options: BridgePartsOptions = {}): Promise<BridgeParts> {
  const slack = await FakeSlack.start({ ...DEFAULT_SLACK, ...options.slack });
  const fin = await FinSimulator.start();
  const lines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    secrets: [slack.token, fin.token],
    destination: { write: (line) => void lines.push(line) },
  });
  const db = openDatabase(':memory:');
  const store = createStore(db);
  const metrics = new Metrics();
  const client = new WebClient(slack.token, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
  const native = options.bridge?.streaming === 'native' ? new NativeStreaming() : undefined;
  const poster = unpacedPoster(client, logger, native);
  const directory = new SlackDirectory(client, logger);
  const finClient = new FinClient({
    baseUrl: fin.url,
    token: fin.token,
    apiVersion: '2.15',
    logger,
    metrics,
    retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 0 },
  });
  const files = new SlackFiles({ token: slack.token, apiUrl: slack.apiUrl, logger, maxBytes: 5 * 1024 * 1024 });
  const subscribed: string[] = [];
  const bot = { botUserId: slack.botUserId, botId: slack.botId };
  const thinking = new ThinkingStatus({ client, logger });
  const ctx = createContext({
    store,
    fin: finClient,
    poster,
    responses: new ResponseUrls({
      apiUrl: slack.apiUrl,
      logger,
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 0 },
    }),
    thinking,
    directory,
    history: (thread) => threadHistory({ client, directory, logger }, { ...thread, ...bot }),
    ownMessages: (channelId, threadTs, oldest) => ownMessagesInThread({ client, logger }, { channelId, threadTs, oldest, ...bot }),
    downloadFile: (file) => files.download(file),
    threadOf: (channelId, ts) => threadOfMessage({ client, logger }, channelId, ts),
    maxFileBytes: files.maxBytes,
    subscribe: (url, onData) => {
      subscribed.push(url);
      return subscribe(url, { onData });
    },
    botUserId: slack.botUserId,
    logger,
    metrics,
    streamIntervalMs: 20,
    liveMessage: (target) => new LiveMessage({ ...target, intervalMs: 20 }),
    streaming: 'edit',
    eventRetryBaseMs: 20,
    replyTimeoutMs: 60_000,
    webhooksEnabled: false,
    agentChannel: PEOPLE.agents,
    membership: new ChannelMembership(client, PEOPLE.agents, logger),
    channelProcedures: new Map(),
    userTurnsPerMinute: 10,
    retentionMs: 30 * 24 * 60 * 60_000,
    ...options.bridge,
  });
  return {
    slack,
    fin,
    store,
    metrics,
    ctx,
    subscribed,
    logged: (msg) =>
      lines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((r) => (typeof msg === 'string' ? r.msg === msg : msg.test(String(r.msg)))),
    close: async () => {
      native?.close();
      thinking.close();
      await finClient.close();
      await Promise.all([slack.close(), fin.close()]);
      db.close();
    },
  };
}

/** `text` addressed to the app, as a mention in a channel. */
export function mention(parts: BridgeParts, text: string): string {
  return `<@${parts.slack.botUserId}> ${text}`;
}

/**
 * A person writes in the fake Slack: the message joins the workspace, and its `message` event is read the way the
 * app's listener reads it. Returns what the bridge is handed, with the Slack event id.
 */
export function say(
  parts: BridgeParts,
  input: { user: string; channel: string; text: string; threadTs?: string },
): { ts: string; message: IncomingUserMessage; eventId: string } {
  const { ts, envelopes } = parts.slack.userMessage(input);
  const envelope = envelopes.find((e) => e.event.type === 'message');
  if (envelope === undefined) throw new Error('the fake Slack raised no message event');
  const classified = classifyMessage(slackMessageEventSchema.parse(envelope.event), {
    teamId: parts.slack.teamId,
    botUserId: parts.slack.botUserId,
  });
  if (classified.kind !== 'candidate') throw new Error(`the message is not for the app (${classified.reason})`);
  return { ts, message: classified.message, eventId: envelope.event_id };
}

/**
 * The state of a turn Fin is answering, as the turn-taking leaves it once Fin took the message: the person's message
 * in Slack and in the inbox, the conversation started, the turn open, and the placeholder posted in the thread (by the
 * real poster) and recorded. For tests of what happens next without running the turn-taking itself.
 */
export async function openTurn(
  parts: BridgeParts,
  input: { user?: string; channel?: string; text?: string; threadTs?: string } = {},
): Promise<{ conv: Conversation; turn: Turn; placeholderTs: string; ts: string }> {
  const { store, ctx } = parts;
  const user = input.user ?? PEOPLE.alice;
  const channel = input.channel ?? PEOPLE.support;
  const { ts, message } = say(parts, {
    user,
    channel,
    text: input.text ?? mention(parts, 'how do I reset my password?'),
    ...(input.threadTs !== undefined ? { threadTs: input.threadTs } : {}),
  });
  const now = ctx.now();
  const conv = store.conversations.ensure(message, now);
  store.inbound.claim({ teamId: message.teamId, channelId: channel, ts, conversationId: conv.id, userId: user, text: message.text }, now);
  const kind = conv.finStarted ? 'reply' : 'start';
  const created = store.turns.create(
    { conversationId: conv.id, kind, userId: user, messageTimestamp: slackTsToIso(ts), procedureId: null },
    now,
  );
  store.inbound.assign(created.id, store.inbound.queued(conv.id));
  store.turns.markOpen(created.id);
  store.conversations.markStarted(conv.id, undefined, now);
  const placeholderTs = await ctx.poster.post(channel, conv.threadTs, PLACEHOLDER);
  store.turns.setPlaceholder(created.id, placeholderTs);
  store.posted.add(
    { channelId: channel, ts: placeholderTs, conversationId: conv.id, turnId: created.id, kind: 'placeholder', state: 'waiting' },
    now,
  );
  const turn = store.turns.get(created.id);
  const started = store.conversations.get(conv.id);
  if (turn === undefined || started === undefined) throw new Error('the turn was not recorded');
  return { conv: started, turn, placeholderTs, ts };
}

/** The turn-taking's port for opening streams, recording what it was told. */
export class RecordedStreams implements StreamOpener {
  readonly opened: { conversationId: string; turnId: number; url: string }[] = [];

  openStream(conversationId: string, turnId: number, url: string): void {
    this.opened.push({ conversationId, turnId, url });
  }
}

/**
 * The event pipeline's port to the turn-taking, recording what it was told; `then` (the real turn-taking, say) is
 * told too, when given.
 */
export class RecordedSignals implements TurnSignals {
  readonly ends: { conversationId: string; reason: string }[] = [];
  readonly streamEnds: { conversationId: string; turnId: number; end: SseEnd }[] = [];
  readonly #then: TurnSignals | undefined;

  constructor(then?: TurnSignals) {
    this.#then = then;
  }

  async end(conv: Conversation, reason: string): Promise<void> {
    this.ends.push({ conversationId: conv.id, reason });
    await this.#then?.end(conv, reason);
  }

  async streamEnded(conversationId: string, turnId: number, end: SseEnd): Promise<void> {
    this.streamEnds.push({ conversationId, turnId, end });
    await this.#then?.streamEnded(conversationId, turnId, end);
  }
}

/** The event pipeline's port for requests for a rating, recording what it was told. */
export class RecordedRatings implements RatingRequests {
  readonly requests: { conversationId: string; dedupeKey: string; ratings: string[] }[] = [];

  async requested(conv: Conversation, event: FinCsatRequested, dedupeKey: string): Promise<void> {
    this.requests.push({ conversationId: conv.id, dedupeKey, ratings: event.csat.options.map((o) => o.key) });
  }
}

/** The event pipeline's port for private questions: it owns the conversations it is given, recording their events. */
export class RecordedQuestions implements PrivateQuestionEvents {
  readonly events: { conversationId: string; eventName: string; source: string }[] = [];
  readonly #owned: Set<string>;

  constructor(owned: readonly string[] = []) {
    this.#owned = new Set(owned);
  }

  owns(conversationId: string): boolean {
    return this.#owned.has(conversationId);
  }

  accept(event: FinEvent, source: FinEventSource): FinEventAcceptance {
    this.events.push({ conversationId: event.conversation_id, eventName: event.event_name, source });
    return { kind: 'accepted', processed: Promise.resolve() };
  }
}

/** Fin's events, shaped as Fin sends them (by SSE or webhook). */
export const finEvent = {
  replied(
    conversationId: string,
    input: { id: string; body: string; streamId?: string; status?: string; createdAt?: number },
  ): Record<string, unknown> {
    const at = new Date(input.createdAt ?? Date.now()).toISOString();
    return {
      event_name: 'fin_replied',
      conversation_id: conversationId,
      message: { id: input.id, author: 'fin', body: input.body, timestamp_ms: at },
      status: input.status ?? 'awaiting_user_reply',
      created_at_ms: at,
      ...(input.streamId !== undefined ? { stream_id: input.streamId } : {}),
    };
  },
  chunk(conversationId: string, streamId: string, index: number, text: string): Record<string, unknown> {
    return {
      event_name: 'fin_reply_chunk',
      conversation_id: conversationId,
      stream_id: streamId,
      chunk_index: index,
      chunk_text: text,
      status: 'replying',
      created_at_ms: new Date().toISOString(),
    };
  },
  csat(conversationId: string, input: { createdAt?: number } = {}): Record<string, unknown> {
    return {
      event_name: 'csat_requested',
      conversation_id: conversationId,
      csat: {
        options: [
          { key: 'bad', emoji: '🙁', label: 'Bad' },
          { key: 'ok', emoji: '😐', label: 'OK' },
          { key: 'good', emoji: '🙂', label: 'Good' },
        ],
      },
      created_at_ms: new Date(input.createdAt ?? Date.now()).toISOString(),
    };
  },
  status(conversationId: string, status: string, input: { reason?: string; createdAt?: number | null } = {}): Record<string, unknown> {
    return {
      event_name: 'fin_status_updated',
      conversation_id: conversationId,
      status,
      ...(input.reason !== undefined ? { reason: input.reason } : {}),
      ...(input.createdAt !== null ? { created_at_ms: new Date(input.createdAt ?? Date.now()).toISOString() } : {}),
    };
  },
};
