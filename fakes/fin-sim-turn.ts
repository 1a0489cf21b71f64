import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { type CsatOption, DEFAULT_CSAT_OPTIONS } from './fin-csat.ts';
import type { CapabilitiesRequest, CsatRequest, EscalateRequest } from './fin-request-schemas.ts';

/** What a client sent to start or continue a turn, as far as the simulator and tests read it. */
export interface SimRequestBody {
  readonly conversation_id?: string;
  readonly message?: { readonly author?: string; readonly body?: string; readonly timestamp?: string };
  readonly user?: { readonly id?: string; readonly name?: string; readonly email?: string };
  readonly conversation_metadata?: {
    readonly history?: readonly { readonly author: string; readonly body: string; readonly timestamp: string }[];
    readonly attributes?: Readonly<Record<string, unknown>>;
  };
  readonly attachments?: readonly {
    readonly type: string;
    readonly name?: string;
    readonly content_type?: string;
    readonly data?: string;
    readonly url?: string;
  }[];
  readonly [key: string]: unknown;
}

/** The body of each kind of call, once the simulator has checked it against the version's schema. */
export interface SimCallBodies {
  readonly start: SimRequestBody;
  readonly reply: SimRequestBody;
  readonly procedure: SimRequestBody;
  readonly ask: SimRequestBody;
  readonly escalate: EscalateRequest;
  readonly csat: CsatRequest;
  readonly capabilities: CapabilitiesRequest;
}

export type SimCallKind = keyof SimCallBodies;

/** The calls that make Fin answer: each becomes a `SimTurn`. */
export type SimTurnKind = 'start' | 'reply' | 'procedure' | 'ask';

/**
 * A call the simulator accepted for processing. Without a type argument it is a turn's call (its body read as
 * `SimRequestBody`); `SimCall<'escalate'>` and the like carry their own operation's body.
 */
export interface SimCall<K extends SimCallKind = SimTurnKind> {
  readonly kind: K;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: SimCallBodies[K];
  /** The external conversation id the call names; empty for calls that name none (capabilities, escalating a user). */
  readonly conversationId: string;
  readonly at: number;
}

/** Any call, told apart by its `kind`. */
export type AnySimCall = { [K in SimCallKind]: SimCall<K> }[SimCallKind];

export interface AnswerOptions {
  /** `stable`: every fin_replied says awaiting_user_reply (2.14/2.15); `preview`: parts say replying, then a status. */
  readonly style?: 'stable' | 'preview';
  /** Cumulative plain-text chunks to stream before the final reply; derived from the HTML when omitted. */
  readonly chunks?: readonly string[];
  readonly stream?: boolean;
  readonly chunkDelayMs?: number;
  readonly messageId?: string;
  readonly streamId?: string;
}

export type SimEvent = Record<string, unknown> & { event_name: string };

/** What a stream needs of the simulator it belongs to. */
export interface StreamHost {
  readonly appId: string;
  readonly sseFormat: 'plain' | 'ably';
  sendWebhook(event: Record<string, unknown>): Promise<void>;
  /** Fin asked for a rating: from now on `/fin/csat` takes one for the conversation. */
  surveyRequested(conversationId: string, options: readonly CsatOption[]): void;
}

interface StreamClient {
  readonly res: ServerResponse;
}

interface StreamOptions {
  readonly conversationId: string;
  readonly userId: string;
  /** The subscription URL carries `rewind`: events sent before the client connects wait for it. */
  readonly rewind: boolean;
  /**
   * The events are the point of the stream (an escalation's): the token is revoked only once they have reached a
   * client, so one that connects after they were sent still gets them, as the rewind window promises.
   */
  readonly revokeOnceDelivered?: boolean;
}

/**
 * One SSE subscription of a conversation (Ably-style, with `rewind` and token revocation) and the webhooks that go
 * with its events: what a turn and an escalation share.
 */
export class SimStream {
  readonly conversationId: string;
  readonly token: string;
  /** The user the conversation's events name (`user_id`). */
  readonly userId: string;
  readonly #host: StreamHost;
  readonly #rewind: boolean;
  readonly #revokeOnceDelivered: boolean;
  readonly #buffer: SimEvent[] = [];
  readonly #clients = new Set<StreamClient>();
  readonly #connected = new EventEmitter();
  #revoked = false;
  #revokeOnAttach = false;
  #everConnected = false;
  #eventSeq = 0;
  #surveyExpected = false;

  constructor(host: StreamHost, options: StreamOptions) {
    this.#host = host;
    this.conversationId = options.conversationId;
    this.userId = options.userId;
    this.token = `sim-${randomUUID()}`;
    this.#rewind = options.rewind;
    this.#revokeOnceDelivered = options.revokeOnceDelivered ?? false;
  }

  /** True once the app has connected to this stream and no connection is left open. */
  connectionsClosed(): boolean {
    return this.#everConnected && this.#clients.size === 0;
  }

  get revoked(): boolean {
    return this.#revoked;
  }

  /** Resolves once the client has opened this stream (or after `timeoutMs`, resolving false). */
  connected(timeoutMs = 2_000): Promise<boolean> {
    if (this.#everConnected) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.#connected.once('connected', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Sends an event by SSE (to connected clients, or buffered for rewind) and by webhook. */
  async emit(event: SimEvent, via: { sse?: boolean; webhook?: boolean } = {}): Promise<void> {
    const full = { conversation_id: this.conversationId, created_at_ms: new Date().toISOString(), ...event };
    if (via.sse !== false && !this.#revoked) {
      if (this.#clients.size === 0 && (this.#rewind || !this.#everConnected)) this.#buffer.push(full);
      for (const client of this.#clients) this.#write(client, full);
    }
    if (via.webhook !== false && full.event_name !== 'fin_reply_chunk') await this.#host.sendWebhook(full);
    if (isDoneSignal(full) && !(this.#surveyExpected && isComplete(full))) this.#finish();
  }

  /** An event Fin sends by webhook only (as after the stream is gone: inactivity, late statuses). */
  webhookOnly(event: SimEvent): Promise<void> {
    return this.emit(event, { sse: false });
  }

  status(status: string, reason?: string): Promise<void> {
    return this.emit({
      event_name: 'fin_status_updated',
      user_id: this.userId,
      status,
      ...(reason !== undefined ? { reason } : {}),
    });
  }

  /**
   * Declares that a rating survey will follow Fin's `complete`: as the reference documents, `complete` then leaves
   * the stream open, and the token is revoked once `csat_requested` is sent. Without it, `complete` ends the stream
   * as before and a later survey goes by webhook only.
   */
  expectCsat(): void {
    this.#surveyExpected = true;
  }

  /**
   * Fin asks the user to rate the conversation (`csat_requested`, by SSE and webhook); `/fin/csat` accepts ratings
   * for it from then on. Ends the stream when `expectCsat` kept it open for this.
   */
  async csatRequested(options: readonly CsatOption[] = DEFAULT_CSAT_OPTIONS): Promise<void> {
    this.#host.surveyRequested(this.conversationId, options);
    await this.emit({ event_name: 'csat_requested', user_id: this.userId, csat: { options } });
    if (this.#surveyExpected) {
      this.#surveyExpected = false;
      this.#finish();
    }
  }

  /** Breaks the stream off early, as an expired token does (`event: error`, then the end), without revoking it. */
  breakStream(): void {
    for (const client of this.#clients) {
      this.#writeRaw(client.res, 'error', JSON.stringify({ message: 'Token expired', code: 40142, statusCode: 401 }));
      client.res.end();
    }
    this.#clients.clear();
  }

  /** Revokes the stream token and closes open streams, as Fin does when the turn is over. */
  revoke(): void {
    this.#revoked = true;
    this.#revokeOnAttach = false;
    for (const client of this.#clients) client.res.end();
    this.#clients.clear();
  }

  attach(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(':keepalive\n\n');
    const client = { res };
    if (this.#revoked) {
      this.#writeRaw(res, 'error', JSON.stringify({ message: 'Token revoked', code: 40142, statusCode: 401 }));
      res.end();
      return;
    }
    for (const event of this.#buffer.splice(0)) this.#write(client, event);
    this.#clients.add(client);
    res.on('close', () => this.#clients.delete(client));
    this.#everConnected = true;
    this.#connected.emit('connected');
    if (this.#revokeOnAttach) this.revoke();
  }

  /** The turn is over: the token goes, unless the events must first reach a client that has not connected yet. */
  #finish(): void {
    if (this.#revokeOnceDelivered && this.#clients.size === 0) this.#revokeOnAttach = true;
    else this.revoke();
  }

  #write(client: StreamClient, event: SimEvent): void {
    this.#eventSeq += 1;
    const json = JSON.stringify(event);
    const data =
      this.#host.sseFormat === 'ably'
        ? JSON.stringify({
            id: `${this.token}:${this.#eventSeq}`,
            name: event.event_name,
            timestamp: Date.now(),
            channel: `fin_agent_api:${this.#host.appId}:${this.conversationId}`,
            data: json,
          })
        : json;
    this.#writeRaw(client.res, 'message', data, `${this.#eventSeq}`);
  }

  #writeRaw(res: ServerResponse, event: string, data: string, id?: string): void {
    res.write(`${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${data}\n\n`);
  }
}

/**
 * One call that makes Fin answer (start, reply, procedure run, ask), which a test or the sandbox scripts: Fin's
 * events for it go out over its stream and by webhook.
 */
export class SimTurn extends SimStream {
  readonly call: SimCall;

  constructor(host: StreamHost, call: SimCall, userId: string) {
    // A reply's stream is expected to be open already; the others' subscription URLs carry `rewind`.
    super(host, { conversationId: call.conversationId, userId, rewind: call.kind !== 'reply' });
    this.call = call;
  }

  chunk(streamId: string, index: number, text: string): Promise<void> {
    return this.emit({ event_name: 'fin_reply_chunk', stream_id: streamId, chunk_index: index, chunk_text: text, status: 'replying' });
  }

  /** A `fin_replied`. Its status is `awaiting_user_reply` unless given, or `replying` for an ask, which never waits. */
  reply(html: string, opts: { messageId?: string; streamId?: string; status?: string } = {}): Promise<void> {
    return this.emit({
      event_name: 'fin_replied',
      user_id: this.userId,
      message: {
        id: opts.messageId ?? `msg-${randomUUID()}`,
        author: 'fin',
        body: html,
        timestamp_ms: new Date().toISOString(),
      },
      status: opts.status ?? (this.call.kind === 'ask' ? 'replying' : 'awaiting_user_reply'),
      ...(opts.streamId !== undefined ? { stream_id: opts.streamId } : {}),
    });
  }

  /**
   * A whole answer the way Fin sends it: streamed chunks, the final HTML, and the done signal for the style. An ask
   * ends the way the reference says it does, whatever the style: its reply, then `complete`.
   */
  async answer(html: string, opts: AnswerOptions = {}): Promise<{ messageId: string; streamId: string }> {
    const style = opts.style ?? 'stable';
    const streamId = opts.streamId ?? randomUUID().replace(/-/g, '');
    const messageId = opts.messageId ?? `msg-${randomUUID()}`;
    await this.connected();
    if (opts.stream !== false) {
      const chunks = opts.chunks ?? cumulativeChunks(plainTextOf(html));
      for (const [i, text] of chunks.entries()) {
        await this.chunk(streamId, i, text);
        if (opts.chunkDelayMs) await new Promise((r) => setTimeout(r, opts.chunkDelayMs));
      }
    }
    const ask = this.call.kind === 'ask';
    await this.reply(html, {
      messageId,
      ...(opts.stream !== false ? { streamId } : {}),
      status: style === 'stable' && !ask ? 'awaiting_user_reply' : 'replying',
    });
    if (ask) await this.status('complete');
    else if (style === 'preview') await this.status('awaiting_user_reply');
    return { messageId, streamId };
  }
}

/** The stream of one `/fin/escalate` of a conversation: Fin reports the escalation on it, then completes. */
export class SimEscalation extends SimStream {
  readonly call: SimCall<'escalate'>;

  constructor(host: StreamHost, call: SimCall<'escalate'>, userId: string) {
    super(host, { conversationId: call.conversationId, userId, rewind: true, revokeOnceDelivered: true });
    this.call = call;
  }

  /** What Fin does after accepting the escalation: `escalated` with the user's request as the reason, then `complete`. */
  async run(): Promise<void> {
    await this.status('escalated', 'Escalation requested by user');
    await this.status('complete');
  }
}

function isDoneSignal(event: SimEvent): boolean {
  if (event.event_name === 'fin_status_updated') return event.status === 'awaiting_user_reply' || event.status === 'complete';
  return event.event_name === 'fin_replied' && event.status === 'awaiting_user_reply';
}

function isComplete(event: SimEvent): boolean {
  return event.event_name === 'fin_status_updated' && event.status === 'complete';
}

/**
 * The visible text of simple HTML, for deriving streamed chunks from a final answer. Fin documents its chunks as plain
 * text without saying how a table reads; like a browser's `innerText`, a row's cells are separated by a tab and each
 * row is a line of its own, so cells never run together.
 */
export function plainTextOf(html: string): string {
  return (
    html
      // Layout whitespace between a table's tags is not text.
      .replace(/>\s+(?=<\/?(?:table|thead|tbody|tfoot|tr|td|th)[\s>])/gi, '>')
      .replace(/<\/t[dh]>(?=<t[dh][\s>])/gi, '\t')
      .replace(/<(br|\/p|\/li|\/h\d|\/tr)\s*\/?>/gi, '\n')
      .replace(/<[^>]+>/g, '')
      .replace(/&nbsp;/g, ' ')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&')
      .replace(/\n{2,}/g, '\n')
      .trim()
  );
}

/** Cumulative chunks of a text, a few words at a time, as Fin streams them. */
export function cumulativeChunks(text: string, wordsPerChunk = 3): string[] {
  const words = text.split(/(\s+)/);
  const chunks: string[] = [];
  let acc = '';
  let count = 0;
  for (const w of words) {
    acc += w;
    if (w.trim() !== '') count += 1;
    if (count === wordsPerChunk) {
      chunks.push(acc.trimEnd());
      count = 0;
    }
  }
  if (acc.trimEnd() !== chunks[chunks.length - 1]) chunks.push(acc.trimEnd());
  return chunks.filter((c) => c !== '');
}
