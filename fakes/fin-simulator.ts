import { createHmac, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer, readBody } from './loopback-server.ts';

/**
 * A local stand-in for Intercom's Fin Agent API: `/fin/start`, `/fin/reply` and `/fin/procedures/{id}/run` over
 * HTTP, events over SSE (Ably-style, with `rewind` and token revocation), and signed webhooks. Conversations are
 * scripted: each call becomes a `SimTurn` a test (or the sandbox) drives, or a handler answers automatically.
 */

/** What a client sent, as far as the simulator and tests read it. */
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

export interface SimCall {
  readonly kind: 'start' | 'reply' | 'procedure';
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: SimRequestBody;
  readonly conversationId: string;
  readonly at: number;
}

export interface SimHttpAnswer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Fin processed the call (the session exists) even though the client gets this answer: a lost response. */
  readonly accepted?: boolean;
}

/**
 * Answers a call. Returning an HTTP answer replaces the default 200; anything else (including a promise, which is
 * not awaited) lets the 200 go out at once while the handler drives the turn's events.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: handlers written as statements (`turn => { … }`) return void
export type TurnHandler = (turn: SimTurn) => SimHttpAnswer | undefined | void | Promise<unknown>;

export interface FinSimulatorOptions {
  readonly token?: string;
  readonly appId?: string;
  /** `plain`: SSE `data` is the event JSON; `ably`: an Ably message whose `data` is the event as a string. */
  readonly sseFormat?: 'plain' | 'ably';
  /** Where to POST signed webhooks, if anywhere. */
  readonly webhook?: { readonly url: string; readonly secret: string };
  /** Include `intercom_conversation_id` in responses (a feature flag on real workspaces). */
  readonly intercomIds?: boolean;
  /** Token `collect_agent_input` accepts (an Intercom app's access token); the Fin token when not set. */
  readonly accessToken?: string;
}

/** One call to `/procedures/{id}/collect_agent_input`: an agent's answer to a human-in-the-loop step. */
export interface CollectCall {
  readonly conversationId: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: { readonly step_id?: string; readonly attribute_values?: readonly { identifier: string; value: unknown }[] };
}

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

type SimEvent = Record<string, unknown> & { event_name: string };

interface StreamClient {
  readonly res: ServerResponse;
}

export class SimTurn {
  readonly call: SimCall;
  readonly conversationId: string;
  readonly token: string;
  readonly #sim: FinSimulator;
  readonly #rewind: boolean;
  readonly #buffer: SimEvent[] = [];
  readonly #clients = new Set<StreamClient>();
  readonly #connected = new EventEmitter();
  #revoked = false;
  #everConnected = false;
  #eventSeq = 0;

  constructor(sim: FinSimulator, call: SimCall, rewind: boolean) {
    this.#sim = sim;
    this.call = call;
    this.conversationId = call.conversationId;
    this.token = `sim-${randomUUID()}`;
    this.#rewind = rewind;
  }

  /** True once the app has connected to this turn's stream and no connection is left open. */
  connectionsClosed(): boolean {
    return this.#everConnected && this.#clients.size === 0;
  }

  get revoked(): boolean {
    return this.#revoked;
  }

  /** Resolves once the client has opened this turn's SSE stream (or after `timeoutMs`, resolving false). */
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
    if (via.webhook !== false && full.event_name !== 'fin_reply_chunk') await this.#sim.sendWebhook(full);
    if (isDoneSignal(full)) this.revoke();
  }

  /** An event Fin sends by webhook only (as after the stream is gone: inactivity, late statuses). */
  webhookOnly(event: SimEvent): Promise<void> {
    return this.emit(event, { sse: false });
  }

  chunk(streamId: string, index: number, text: string): Promise<void> {
    return this.emit({ event_name: 'fin_reply_chunk', stream_id: streamId, chunk_index: index, chunk_text: text, status: 'replying' });
  }

  reply(html: string, opts: { messageId?: string; streamId?: string; status?: string } = {}): Promise<void> {
    return this.emit({
      event_name: 'fin_replied',
      user_id: String(this.call.body.user?.id ?? ''),
      message: {
        id: opts.messageId ?? `msg-${randomUUID()}`,
        author: 'fin',
        body: html,
        timestamp_ms: new Date().toISOString(),
      },
      status: opts.status ?? 'awaiting_user_reply',
      ...(opts.streamId !== undefined ? { stream_id: opts.streamId } : {}),
    });
  }

  status(status: string, reason?: string): Promise<void> {
    return this.emit({
      event_name: 'fin_status_updated',
      user_id: String(this.call.body.user?.id ?? ''),
      status,
      ...(reason !== undefined ? { reason } : {}),
    });
  }

  /** A whole answer the way Fin sends it: streamed chunks, the final HTML, and the done signal for the style. */
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
    await this.reply(html, {
      messageId,
      ...(opts.stream !== false ? { streamId } : {}),
      status: style === 'stable' ? 'awaiting_user_reply' : 'replying',
    });
    if (style === 'preview') await this.status('awaiting_user_reply');
    return { messageId, streamId };
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
  }

  #write(client: StreamClient, event: SimEvent): void {
    this.#eventSeq += 1;
    const json = JSON.stringify(event);
    const data =
      this.#sim.sseFormat === 'ably'
        ? JSON.stringify({
            id: `${this.token}:${this.#eventSeq}`,
            name: event.event_name,
            timestamp: Date.now(),
            channel: `fin_agent_api:${this.#sim.appId}:${this.conversationId}`,
            data: json,
          })
        : json;
    this.#writeRaw(client.res, 'message', data, `${this.#eventSeq}`);
  }

  #writeRaw(res: ServerResponse, event: string, data: string, id?: string): void {
    res.write(`${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${data}\n\n`);
  }
}

export class FinSimulator {
  readonly token: string;
  readonly appId: string;
  readonly sseFormat: 'plain' | 'ably';
  readonly calls: SimCall[] = [];
  readonly turns: SimTurn[] = [];
  readonly webhookDeliveries: { event: Record<string, unknown>; status: number }[] = [];
  readonly collectCalls: CollectCall[] = [];
  #collectHandler: ((call: CollectCall) => SimHttpAnswer | undefined) | undefined;
  readonly #accessToken: string;
  #webhook: { url: string; secret: string } | undefined;
  #intercomIds: boolean;
  #handler: TurnHandler | undefined;
  #waiters: ((turn: SimTurn) => void)[] = [];
  #pending: SimTurn[] = [];
  #started = new Set<string>();
  readonly #server: LoopbackServer;
  #url = '';

  private constructor(options: FinSimulatorOptions) {
    this.token = options.token ?? 'fin-test-token';
    this.appId = options.appId ?? 'simapp';
    this.sseFormat = options.sseFormat ?? 'plain';
    this.#webhook = options.webhook;
    this.#intercomIds = options.intercomIds ?? true;
    this.#accessToken = options.accessToken ?? this.token;
    this.#server = new LoopbackServer((req, res) => this.#route(req, res));
  }

  static async start(options: FinSimulatorOptions = {}, port = 0): Promise<FinSimulator> {
    const sim = new FinSimulator(options);
    sim.#url = await sim.#server.listen(port);
    return sim;
  }

  get url(): string {
    return this.#url;
  }

  /** Answers every call with `handler`; without one, calls wait for a test to take them with `nextTurn()`. */
  onTurn(handler: TurnHandler | undefined): void {
    this.#handler = handler;
  }

  /** Answers `collect_agent_input` calls (200 when the handler returns nothing). */
  onCollect(handler: ((call: CollectCall) => SimHttpAnswer | undefined) | undefined): void {
    this.#collectHandler = handler;
  }

  /**
   * The `procedure.hitl_notification.created` webhook Intercom sends when a procedure pauses at a human-in-the-loop
   * step, in the standard Developer Hub envelope (its exact fields are not published; these follow the notes).
   */
  hitlNotification(input: {
    intercomConversationId: string;
    stepId?: string;
    attributes: readonly Record<string, unknown>[];
    callbackUrl?: string;
    notificationId?: string;
  }): Record<string, unknown> {
    return {
      type: 'notification_event',
      id: input.notificationId ?? `notif_${randomUUID()}`,
      topic: 'procedure.hitl_notification.created',
      app_id: this.appId,
      created_at: Math.floor(Date.now() / 1000),
      delivery_attempts: 1,
      data: {
        type: 'notification_event_data',
        item: {
          conversation_id: input.intercomConversationId,
          step_id: input.stepId ?? randomUUID(),
          callback_url: input.callbackUrl ?? `${this.#url}/procedures/${input.intercomConversationId}/collect_agent_input`,
          attributes_to_collect: input.attributes,
        },
      },
    };
  }

  /** Fin already has this conversation (as if an earlier /fin/start got through): a new start is refused. */
  knowConversation(conversationId: string): void {
    this.#started.add(conversationId);
  }

  setWebhook(webhook: { url: string; secret: string } | undefined): void {
    this.#webhook = webhook;
  }

  /** The next call that arrives (or the oldest one not yet taken). */
  nextTurn(timeoutMs = 5_000): Promise<SimTurn> {
    const pending = this.#pending.shift();
    if (pending !== undefined) return Promise.resolve(pending);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`no Fin call within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (turn: SimTurn) => {
        clearTimeout(timer);
        resolve(turn);
      };
      this.#waiters.push(waiter);
    });
  }

  async sendWebhook(event: Record<string, unknown>): Promise<void> {
    const target = this.#webhook;
    if (target === undefined) return;
    const body = JSON.stringify(event);
    const signature = createHmac('sha256', target.secret).update(body).digest('hex');
    try {
      const res = await fetch(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-fin-agent-api-webhook-signature': `sha256=${signature}` },
        body,
      });
      await res.arrayBuffer();
      this.webhookDeliveries.push({ event, status: res.status });
    } catch {
      this.webhookDeliveries.push({ event, status: 0 });
    }
  }

  async close(): Promise<void> {
    for (const turn of this.turns) turn.revoke();
    await this.#server.close();
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.#url);
    if (req.method === 'GET' && url.pathname === '/event-stream') {
      this.#stream(url, res);
      return;
    }
    const collect = /^\/procedures\/([^/]+)\/collect_agent_input$/.exec(url.pathname);
    if (req.method === 'POST' && collect !== null) {
      await this.#collect(collect[1] ?? '', req, res);
      return;
    }
    const kind =
      url.pathname === '/fin/start'
        ? 'start'
        : url.pathname === '/fin/reply'
          ? 'reply'
          : /^\/fin\/procedures\/[^/]+\/run$/.test(url.pathname)
            ? 'procedure'
            : undefined;
    if (req.method !== 'POST' || kind === undefined) {
      json(res, 404, errorList('not_found', 'Resource Not Found'));
      return;
    }
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      await readBody(req);
      json(res, 401, errorList('unauthorized', 'Access Token Invalid'));
      return;
    }
    let body: SimRequestBody;
    try {
      body = JSON.parse(await readBody(req)) as SimRequestBody;
    } catch {
      json(res, 400, errorList('parameter_invalid', 'Invalid JSON'));
      return;
    }
    const conversationId = typeof body.conversation_id === 'string' ? body.conversation_id : '';
    if (conversationId === '') {
      json(res, 400, errorList('parameter_invalid', 'conversation_id is required'));
      return;
    }
    const attachments = body.attachments ?? [];
    if (attachments.length > 10) {
      json(res, 400, errorList('parameter_invalid', 'A maximum of 10 attachments is allowed'));
      return;
    }
    if (attachments.some((a) => (a.type === 'file' ? typeof a.data !== 'string' : a.type === 'url' ? typeof a.url !== 'string' : true))) {
      json(res, 400, errorList('parameter_invalid', 'Invalid attachment'));
      return;
    }
    if (kind === 'procedure' && req.headers['intercom-version'] !== 'Preview') {
      // Procedures exist only in the Preview version of the API.
      json(res, 404, errorList('not_found', 'Resource Not Found'));
      return;
    }
    const call: SimCall = { kind, path: url.pathname, headers: req.headers, body, conversationId, at: Date.now() };
    this.calls.push(call);
    if (kind !== 'reply' && this.#started.has(conversationId)) {
      json(
        res,
        400,
        errorList('parameter_invalid', 'Fin session already exists for this conversation. Please use /reply to continue the conversation.'),
      );
      return;
    }
    const rewind = kind !== 'reply';
    const turn = new SimTurn(this, call, rewind);
    const handled = this.#handler?.(turn);
    if (handled instanceof Promise) handled.catch(() => undefined);
    const override = handled instanceof Promise ? undefined : (handled ?? undefined);
    if (override !== undefined) {
      if (override.accepted && kind !== 'reply') this.#started.add(conversationId);
      res.writeHead(override.status, { 'content-type': 'application/json', ...override.headers });
      res.end(override.body === undefined ? '' : JSON.stringify(override.body));
      return;
    }
    if (kind !== 'reply') this.#started.add(conversationId);
    this.turns.push(turn);
    const sse = `${this.#url}/event-stream?channels=${encodeURIComponent(`fin_agent_api:${this.appId}:${conversationId}`)}&accessToken=${turn.token}${rewind ? '&rewind=2m' : ''}`;
    json(res, 200, {
      conversation_id: conversationId,
      user_id: String(body.user?.id ?? ''),
      status: 'thinking',
      created_at_ms: new Date().toISOString(),
      sse_subscription_url: sse,
      ...(this.#intercomIds ? { intercom_conversation_id: intercomIdFor(conversationId) } : {}),
    });
    const waiter = this.#waiters.shift();
    if (waiter) waiter(turn);
    else if (this.#handler === undefined) this.#pending.push(turn);
  }

  async #collect(conversationId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    if (req.headers.authorization !== `Bearer ${this.#accessToken}`) {
      json(res, 401, errorList('unauthorized', 'Access Token Invalid'));
      return;
    }
    if (req.headers['intercom-version'] !== 'Preview') {
      json(res, 404, errorList('not_found', 'Resource Not Found'));
      return;
    }
    const call: CollectCall = { conversationId, headers: req.headers, body: JSON.parse(raw || '{}') as CollectCall['body'] };
    this.collectCalls.push(call);
    const answer = this.#collectHandler?.(call);
    if (answer !== undefined) {
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      return;
    }
    json(res, 200, { conversation_id: conversationId, step_id: call.body.step_id, status: 'collected' });
  }

  #stream(url: URL, res: ServerResponse): void {
    const token = url.searchParams.get('accessToken');
    const turn = this.turns.find((t) => t.token === token);
    if (turn === undefined) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`event: error\ndata: ${JSON.stringify({ message: 'Token expired', code: 40142, statusCode: 401 })}\n\n`);
      res.end();
      return;
    }
    turn.attach(res);
  }
}

/** Intercom's own id for a conversation: numeric, stable per external id. */
export function intercomIdFor(conversationId: string): string {
  let hash = 0;
  for (const c of conversationId) hash = (hash * 31 + c.charCodeAt(0)) % 1_000_000_007;
  return `2154${String(hash).padStart(10, '0')}`;
}

function isDoneSignal(event: SimEvent): boolean {
  if (event.event_name === 'fin_status_updated') return event.status === 'awaiting_user_reply' || event.status === 'complete';
  return event.event_name === 'fin_replied' && event.status === 'awaiting_user_reply';
}

function errorList(code: string, message: string) {
  return { type: 'error.list', request_id: randomUUID(), errors: [{ code, message }] };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
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
