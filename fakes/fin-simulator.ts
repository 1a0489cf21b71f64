import { createHmac, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { type CsatOption, CsatLedger, type CsatState } from './fin-csat.ts';
import {
  type CapabilitiesRequest,
  type CollectRequest,
  type CsatRequest,
  checkBody,
  type EscalateRequest,
  type FinOperation,
  type IntercomVersion,
  isIntercomVersion,
  REQUEST_SCHEMAS,
  type RequestProblem,
} from './fin-request-schemas.ts';
import {
  type AnySimCall,
  type SimCall,
  type SimCallKind,
  SimEscalation,
  type SimRequestBody,
  type SimStream,
  SimTurn,
  type SimTurnKind,
  type StreamHost,
} from './fin-sim-turn.ts';
import { LoopbackServer, readBody } from './loopback-server.ts';

export { type CsatOption, type CsatState, DEFAULT_CSAT_OPTIONS } from './fin-csat.ts';
export { type CsatRating, type IntercomVersion, INTERCOM_VERSIONS, REQUEST_SCHEMAS } from './fin-request-schemas.ts';
export {
  type AnswerOptions,
  type AnySimCall,
  cumulativeChunks,
  plainTextOf,
  type SimCall,
  type SimCallKind,
  SimEscalation,
  type SimRequestBody,
  SimStream,
  SimTurn,
  type SimTurnKind,
} from './fin-sim-turn.ts';

/**
 * A local stand-in for Intercom's Fin Agent API: every operation of the reference (`/fin/start`, `/fin/reply`,
 * `/fin/csat`, and in Preview `/fin/procedures/{id}/run`, `/fin/ask`, `/fin/escalate`, `/fin/capabilities` and
 * `/procedures/{id}/collect_agent_input`), each body checked against the schema of the version its `Intercom-Version`
 * header names (fin-request-schemas.ts); events over SSE (Ably-style, with `rewind` and token revocation) and signed
 * webhooks. Conversations are scripted: each call that makes Fin answer becomes a `SimTurn` a test (or the sandbox)
 * drives, or a handler answers automatically.
 */

export interface SimHttpAnswer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Fin processed the call (the session exists) even though the client gets this answer: a lost response. */
  readonly accepted?: boolean;
  /** Fin takes this long to answer (a slow Fin); the client's own timeout may give up first. */
  readonly delayMs?: number;
}

/**
 * Answers a call. Returning an HTTP answer replaces the default 200; anything else (including a promise, which is
 * not awaited) lets the 200 go out at once while the handler drives the turn's events.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: handlers written as statements (`turn => { … }`) return void
export type TurnHandler = (turn: SimTurn) => SimHttpAnswer | undefined | void | Promise<unknown>;

/** Answers a call of one operation in the simulator's stead (a 500, a 429), or returns nothing to let it answer. */
export type CallOverride<K extends SimCallKind> = (call: SimCall<K>) => SimHttpAnswer | undefined;

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
  /** The version a request without `Intercom-Version` is read as: the app package's version at Intercom; 2.15 here. */
  readonly defaultVersion?: IntercomVersion;
}

/** One call to `/procedures/{id}/collect_agent_input`: an agent's answer to a human-in-the-loop step. */
export interface CollectCall {
  readonly conversationId: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: CollectRequest;
}

/** The Preview features a workspace may not have: without one, its endpoint answers 403. */
export type FinFeature = 'ask' | 'capabilities' | 'escalate';

/** One entry of `/fin/capabilities`: a procedure the user may run, or a static action such as `reply` or `ask`. */
export interface FinCapability {
  readonly type: string;
  readonly id?: string;
  readonly name?: string;
  readonly description: string;
  readonly endpoint: string;
  readonly method: string;
}

/** What every user can do, as far as the simulator knows, until a test says otherwise (`setCapabilities`). */
export const STATIC_CAPABILITIES: readonly FinCapability[] = [
  { type: 'reply', description: 'Continue a conversation with Fin.', endpoint: '/fin/reply', method: 'POST' },
  { type: 'ask', description: 'Ask Fin one self-contained question.', endpoint: '/fin/ask', method: 'POST' },
];

const ROUTES: readonly { readonly pattern: RegExp; readonly operation: FinOperation }[] = [
  { pattern: /^\/fin\/start$/, operation: 'start' },
  { pattern: /^\/fin\/reply$/, operation: 'reply' },
  { pattern: /^\/fin\/csat$/, operation: 'csat' },
  { pattern: /^\/fin\/ask$/, operation: 'ask' },
  { pattern: /^\/fin\/escalate$/, operation: 'escalate' },
  { pattern: /^\/fin\/capabilities$/, operation: 'capabilities' },
  { pattern: /^\/fin\/procedures\/[^/]+\/run$/, operation: 'procedure' },
  { pattern: /^\/procedures\/([^/]+)\/collect_agent_input$/, operation: 'collect' },
];

const FEATURE_NAMES: Readonly<Record<FinFeature, string>> = {
  ask: 'Fin ask',
  capabilities: 'Fin capabilities',
  escalate: 'Fin escalation',
};

interface Overrides {
  escalate?: CallOverride<'escalate'>;
  csat?: CallOverride<'csat'>;
  capabilities?: CallOverride<'capabilities'>;
}

export class FinSimulator implements StreamHost {
  readonly token: string;
  readonly appId: string;
  readonly sseFormat: 'plain' | 'ably';
  /** The calls that made Fin answer (start, reply, procedure runs, asks), in order. Other operations: `callsOf`. */
  readonly calls: SimCall[] = [];
  readonly turns: SimTurn[] = [];
  readonly escalations: SimEscalation[] = [];
  readonly webhookDeliveries: { event: Record<string, unknown>; status: number }[] = [];
  readonly collectCalls: CollectCall[] = [];
  readonly #allCalls: AnySimCall[] = [];
  #collectHandler: ((call: CollectCall) => SimHttpAnswer | undefined) | undefined;
  readonly #overrides: Overrides = {};
  readonly #accessToken: string;
  readonly #defaultVersion: IntercomVersion;
  #webhook: { url: string; secret: string } | undefined;
  #intercomIds: boolean;
  #handler: TurnHandler | undefined;
  #waiters: ((turn: SimTurn) => void)[] = [];
  #pending: SimTurn[] = [];
  /** Conversations with a Fin session: a new start, procedure run or ask for them is refused. */
  #started = new Set<string>();
  /** Conversations Fin has heard of (a session, or an accepted reply): what escalate and csat can find. */
  readonly #known = new Set<string>();
  /** The user each conversation's events name. */
  readonly #users = new Map<string, string>();
  readonly #streams = new Map<string, SimStream>();
  readonly #csat = new CsatLedger();
  readonly #capabilities = new Map<string, readonly FinCapability[]>();
  readonly #disabled = new Set<FinFeature>();
  readonly #server: LoopbackServer;
  #url = '';

  private constructor(options: FinSimulatorOptions) {
    this.token = options.token ?? 'fin-test-token';
    this.appId = options.appId ?? 'simapp';
    this.sseFormat = options.sseFormat ?? 'plain';
    this.#webhook = options.webhook;
    this.#intercomIds = options.intercomIds ?? true;
    this.#accessToken = options.accessToken ?? this.token;
    this.#defaultVersion = options.defaultVersion ?? '2.15';
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

  /** Answers `/fin/csat` calls in the simulator's stead when `handler` returns an answer; the survey is then untouched. */
  onCsat(handler: CallOverride<'csat'> | undefined): void {
    this.#setOverride('csat', handler);
  }

  /** Answers `/fin/escalate` calls in the simulator's stead when `handler` returns an answer: nothing is escalated. */
  onEscalate(handler: CallOverride<'escalate'> | undefined): void {
    this.#setOverride('escalate', handler);
  }

  /** Answers `/fin/capabilities` calls in the simulator's stead when `handler` returns an answer. */
  onCapabilities(handler: CallOverride<'capabilities'> | undefined): void {
    this.#setOverride('capabilities', handler);
  }

  /** Every accepted call of one operation, in order, with its body typed for that operation. */
  callsOf<K extends SimCallKind>(kind: K): SimCall<K>[] {
    return this.#allCalls.filter((call): call is AnySimCall & SimCall<K> => call.kind === kind);
  }

  /** Turns a Preview feature off (its endpoint answers 403 `forbidden`, as for a workspace without it) or on again. */
  setFeatureEnabled(feature: FinFeature, enabled: boolean): void {
    if (enabled) this.#disabled.delete(feature);
    else this.#disabled.add(feature);
  }

  /** What `/fin/capabilities` lists for a user from now on, in place of `STATIC_CAPABILITIES`. */
  setCapabilities(userId: string, capabilities: readonly FinCapability[]): void {
    this.#capabilities.set(userId, capabilities);
  }

  /** A conversation's survey: its options, the rating and remark recorded, whether the window is open. */
  csat(conversationId: string): CsatState | undefined {
    return this.#csat.get(conversationId);
  }

  /** The rating window of a conversation closes (Fin's own timing): ratings other than a retry are refused. */
  closeCsatWindow(conversationId: string): void {
    this.#csat.closeWindow(conversationId);
  }

  surveyRequested(conversationId: string, options: readonly CsatOption[]): void {
    this.#csat.requested(conversationId, options);
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
    this.#known.add(conversationId);
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
    for (const stream of this.#streams.values()) stream.revoke();
    await this.#server.close();
  }

  #setOverride<K extends keyof Overrides>(kind: K, handler: Overrides[K] | undefined): void {
    if (handler === undefined) delete this.#overrides[kind];
    else this.#overrides[kind] = handler;
  }

  /**
   * Every POST goes the same way: the path names an operation (404 otherwise), the token must be right (401), the
   * version must have the operation (404) and the workspace the feature (403), and the body must match the
   * version's schema (400 `parameter_invalid`, or for /fin/csat the reference's 422) before the operation runs.
   */
  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.#url);
    if (req.method === 'GET' && url.pathname === '/event-stream') {
      this.#stream(url, res);
      return;
    }
    const route = ROUTES.map((r) => ({ operation: r.operation, match: r.pattern.exec(url.pathname) })).find((r) => r.match !== null);
    if (req.method !== 'POST' || route === undefined) {
      json(res, 404, errorList('not_found', 'Resource Not Found'));
      return;
    }
    const { operation } = route;
    const raw = await readBody(req);
    const token = operation === 'collect' ? this.#accessToken : this.token;
    if (req.headers.authorization !== `Bearer ${token}`) {
      json(res, 401, errorList('unauthorized', 'Access Token Invalid'));
      return;
    }
    const header = req.headers['intercom-version'];
    const version = header === undefined ? this.#defaultVersion : String(header);
    if (!isIntercomVersion(version)) {
      json(res, 400, errorList('intercom_version_invalid', `Intercom-Version ${version} is not an API version`));
      return;
    }
    const schema = REQUEST_SCHEMAS[operation][version];
    if (schema === undefined) {
      // The operation does not exist in this version (Procedures, ask, escalate… are Preview only).
      json(res, 404, errorList('not_found', 'Resource Not Found'));
      return;
    }
    if (isFeature(operation) && this.#disabled.has(operation)) {
      json(res, 403, errorList('forbidden', `${FEATURE_NAMES[operation]} is not enabled for your app.`));
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      json(res, 400, errorList('parameter_invalid', 'Invalid JSON'));
      return;
    }
    const checked = checkBody(schema, parsed);
    if (!checked.ok) {
      if (operation === 'csat') json(res, 422, csatErrors(checked.problems));
      else json(res, 400, problemList(checked.problems));
      return;
    }
    // What was sent is recorded as sent; the schema only vouches for its shape.
    const base = { path: url.pathname, headers: req.headers, at: Date.now() };
    switch (operation) {
      case 'start':
      case 'reply':
      case 'procedure':
      case 'ask': {
        const body = parsed as SimRequestBody;
        this.#turnCall(res, { ...base, kind: operation, body, conversationId: String(body.conversation_id) });
        return;
      }
      case 'escalate': {
        const body = parsed as EscalateRequest;
        this.#escalate(res, { ...base, kind: operation, body, conversationId: body.conversation_id ?? '' });
        return;
      }
      case 'csat': {
        const body = parsed as CsatRequest;
        this.#rate(res, { ...base, kind: operation, body, conversationId: body.conversation_id });
        return;
      }
      case 'capabilities':
        this.#listCapabilities(res, { ...base, kind: operation, body: parsed as CapabilitiesRequest, conversationId: '' }, version);
        return;
      case 'collect':
        this.#collect(res, decodeURIComponent(route.match?.[1] ?? ''), req.headers, parsed as CollectRequest);
        return;
    }
  }

  #turnCall(res: ServerResponse, call: SimCall): void {
    const { body, conversationId, kind } = call;
    this.calls.push(call);
    this.#allCalls.push(call);
    if (kind !== 'reply' && this.#started.has(conversationId)) {
      json(
        res,
        400,
        errorList('parameter_invalid', 'Fin session already exists for this conversation. Please use /reply to continue the conversation.'),
      );
      return;
    }
    const userId = String(body.user?.id ?? this.#users.get(conversationId) ?? '');
    const turn = new SimTurn(this, call, userId);
    const handled = this.#handler?.(turn);
    if (handled instanceof Promise) handled.catch(() => undefined);
    const override = handled instanceof Promise ? undefined : (handled ?? undefined);
    if (override !== undefined) {
      if (override.accepted) this.#accepted(kind, conversationId, userId);
      answer(res, override);
      return;
    }
    this.#accepted(kind, conversationId, userId);
    this.turns.push(turn);
    this.#streams.set(turn.token, turn);
    json(res, 200, {
      conversation_id: conversationId,
      user_id: String(body.user?.id ?? ''),
      status: 'thinking',
      created_at_ms: new Date().toISOString(),
      sse_subscription_url: this.#sseUrl(conversationId, turn.token, kind !== 'reply'),
      ...(this.#intercomIds ? { intercom_conversation_id: intercomIdFor(conversationId) } : {}),
    });
    const waiter = this.#waiters.shift();
    if (waiter) waiter(turn);
    else if (this.#handler === undefined) this.#pending.push(turn);
  }

  #accepted(kind: SimTurnKind, conversationId: string, userId: string): void {
    if (kind !== 'reply') this.#started.add(conversationId);
    this.#known.add(conversationId);
    if (userId !== '') this.#users.set(conversationId, userId);
  }

  /**
   * `/fin/escalate`. A conversation's escalation answers with a stream of its own (with rewind) on which, as by
   * webhook, Fin reports `escalated` and then `complete`; a user's creates an Intercom conversation the client has no
   * stream or external id for, so nothing follows it.
   */
  #escalate(res: ServerResponse, call: SimCall<'escalate'>): void {
    const conversationId = call.body.conversation_id;
    this.#allCalls.push(call);
    const override = this.#overrides.escalate?.(call);
    if (override !== undefined) {
      answer(res, override);
      return;
    }
    if (conversationId === undefined) {
      json(res, 200, { intercom_conversation_id: intercomIdFor(`escalation:${randomUUID()}`), status: 'escalated' });
      return;
    }
    if (!this.#known.has(conversationId)) {
      json(res, 400, errorList('parameter_invalid', 'Conversation not found'));
      return;
    }
    const escalation = new SimEscalation(this, call, this.#users.get(conversationId) ?? '');
    this.escalations.push(escalation);
    this.#streams.set(escalation.token, escalation);
    json(res, 200, {
      conversation_id: conversationId,
      status: 'escalated',
      sse_subscription_url: this.#sseUrl(conversationId, escalation.token, true),
    });
    escalation.run().catch(() => undefined);
  }

  #rate(res: ServerResponse, call: SimCall<'csat'>): void {
    this.#allCalls.push(call);
    const override = this.#overrides.csat?.(call);
    if (override !== undefined) {
      answer(res, override);
      return;
    }
    const result = this.#csat.submit(call.body, this.#known.has(call.conversationId));
    json(res, result.status, result.body);
  }

  #listCapabilities(res: ServerResponse, call: SimCall<'capabilities'>, version: IntercomVersion): void {
    this.#allCalls.push(call);
    const override = this.#overrides.capabilities?.(call);
    if (override !== undefined) {
      answer(res, override);
      return;
    }
    json(res, 200, { version, capabilities: this.#capabilities.get(call.body.user.id) ?? STATIC_CAPABILITIES });
  }

  #collect(res: ServerResponse, conversationId: string, headers: IncomingHttpHeaders, body: CollectRequest): void {
    const call: CollectCall = { conversationId, headers, body };
    this.collectCalls.push(call);
    const override = this.#collectHandler?.(call);
    if (override !== undefined) {
      answer(res, override);
      return;
    }
    // The reference's answer: an empty object, the procedure resuming.
    json(res, 200, {});
  }

  #sseUrl(conversationId: string, token: string, rewind: boolean): string {
    const channel = encodeURIComponent(`fin_agent_api:${this.appId}:${conversationId}`);
    return `${this.#url}/event-stream?channels=${channel}&accessToken=${token}${rewind ? '&rewind=2m' : ''}`;
  }

  #stream(url: URL, res: ServerResponse): void {
    const stream = this.#streams.get(url.searchParams.get('accessToken') ?? '');
    if (stream === undefined) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`event: error\ndata: ${JSON.stringify({ message: 'Token expired', code: 40142, statusCode: 401 })}\n\n`);
      res.end();
      return;
    }
    stream.attach(res);
  }
}

/** Intercom's own id for a conversation: numeric, stable per external id. */
export function intercomIdFor(conversationId: string): string {
  let hash = 0;
  for (const c of conversationId) hash = (hash * 31 + c.charCodeAt(0)) % 1_000_000_007;
  return `2154${String(hash).padStart(10, '0')}`;
}

function isFeature(operation: FinOperation): operation is FinFeature {
  return operation === 'ask' || operation === 'capabilities' || operation === 'escalate';
}

function errorList(code: string, message: string) {
  return { type: 'error.list', request_id: randomUUID(), errors: [{ code, message }] };
}

/** A rejected body as Intercom's `error.list`: one `parameter_invalid` per problem, naming its field. */
function problemList(problems: readonly RequestProblem[]) {
  return {
    type: 'error.list',
    request_id: randomUUID(),
    errors: problems.map((p) => ({ code: 'parameter_invalid', message: p.message, ...(p.field !== undefined ? { field: p.field } : {}) })),
  };
}

/** A rejected /fin/csat body in the reference's 422 shape: one message per field, `base` for the body as a whole. */
function csatErrors(problems: readonly RequestProblem[]) {
  const errors: Record<string, string> = {};
  for (const p of problems) errors[p.field ?? 'base'] ??= p.message;
  return { errors };
}

function answer(res: ServerResponse, override: SimHttpAnswer): void {
  const send = () => {
    if (res.destroyed) return;
    res.writeHead(override.status, { 'content-type': 'application/json', ...override.headers });
    res.end(override.body === undefined ? '' : JSON.stringify(override.body));
  };
  if (override.delayMs === undefined) send();
  else setTimeout(send, override.delayMs).unref();
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
