import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningApp, startApp } from '../../src/app.ts';
import type { HttpLimits } from '../../src/server/http.ts';
import { loadConfig, SECRET_VARIABLES } from '../../src/config/load.ts';
import { createLogger } from '../../src/core/log.ts';
import { fakeEndpoints } from '../../fakes/app-env.ts';
import { FinSimulator, type FinSimulatorOptions } from '../../fakes/fin-simulator.ts';
import { type EventEnvelope, type FakeMessage, FakeSlack, type FakeSlackOptions } from '../../fakes/slack-api.ts';
import { type DeliveryOptions, deliverToApp } from '../../fakes/slack-signing.ts';
import { METRICS_TOKEN } from './metrics.ts';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';

/** A small workspace: two people, a support channel, a DM with the app, the agents' channel. */
export const WORKSPACE = {
  alice: 'UALICE',
  bob: 'UBOB',
  support: 'CSUPPORT',
  dm: 'DALICE',
  agents: 'CAGENTS',
} as const;

/** That workspace as the fake Slack holds it (with another app's bot, whose posts are not people's). */
export const DEFAULT_SLACK: FakeSlackOptions = {
  users: [
    { id: 'UALICE', name: 'alice', realName: 'Alice Smith', email: 'alice@example.com' },
    { id: 'UBOB', name: 'bob', realName: 'Bob Jones', email: 'bob@example.com' },
    { id: 'UOTHERBOT', name: 'alertbot', isBot: true },
  ],
  channels: [
    { id: 'CSUPPORT', name: 'support', kind: 'channel', members: ['UALICE', 'UBOB'] },
    { id: 'DALICE', kind: 'im', members: ['UALICE'] },
    { id: 'CAGENTS', name: 'agents', kind: 'channel', members: ['UBOB'] },
  ],
};

export interface HarnessOptions {
  readonly env?: Readonly<Record<string, string>>;
  readonly slack?: FakeSlackOptions;
  readonly fin?: FinSimulatorOptions;
  /** Deliver the events Slack raises for the app's own posts and edits (as real Slack does). */
  readonly echoAppEvents?: boolean;
  /** Run the app in Socket Mode: events arrive over the fake's WebSocket instead of HTTP. */
  readonly socketMode?: boolean;
  /** Configure Fin's webhooks: a signing secret for the app, and the simulator delivering every event to it. */
  readonly webhooks?: boolean;
  /** Configure the Intercom app (client secret) for human-in-the-loop webhooks. */
  readonly hitl?: boolean;
  /** How long a native stream runs before the app hands it over to edits (Slack's expiry is about 5 minutes). */
  readonly nativeStreamMaxMs?: number;
  /** The HTTP server's timeouts and connection cap (the app's own when not given). */
  readonly httpLimits?: HttpLimits;
  /** How often the app checks its bot token when idle (a minute in production). */
  readonly tokenCheckMs?: number;
  /** The first wait before a Fin event is acted on again after a failure. */
  readonly eventRetryBaseMs?: number;
  /** How often Slack's thinking indicator is set again on a long turn. */
  readonly thinkingRefreshMs?: number;
}

export const WEBHOOK_SECRET = 'test-fin-webhook-secret';
export const CLIENT_SECRET = 'test-intercom-client-secret';

export class Harness {
  readonly slack: FakeSlack;
  readonly fin: FinSimulator;
  readonly env: Record<string, string>;
  readonly logs: string[] = [];
  readonly #dir: string;
  readonly #echo: boolean;
  /** What the app is started with, besides its environment. */
  readonly #appOptions: Pick<
    HarnessOptions,
    'nativeStreamMaxMs' | 'httpLimits' | 'tokenCheckMs' | 'eventRetryBaseMs' | 'thinkingRefreshMs'
  >;
  #app: RunningApp | undefined;
  #echoes: Promise<unknown>[] = [];

  private constructor(
    slack: FakeSlack,
    fin: FinSimulator,
    env: Record<string, string>,
    dir: string,
    echo: boolean,
    appOptions: Pick<HarnessOptions, 'nativeStreamMaxMs' | 'httpLimits' | 'tokenCheckMs' | 'eventRetryBaseMs' | 'thinkingRefreshMs'>,
  ) {
    this.#appOptions = appOptions;
    this.slack = slack;
    this.fin = fin;
    this.env = env;
    this.#dir = dir;
    this.#echo = echo;
    slack.on('app-event', (envelope: EventEnvelope) => {
      if (this.#echo && this.#app !== undefined) this.#echoes.push(this.deliver(envelope).catch(() => undefined));
    });
  }

  static async start(options: HarnessOptions = {}): Promise<Harness> {
    const slack = await FakeSlack.start({ ...DEFAULT_SLACK, ...options.slack });
    const fin = await FinSimulator.start(options.fin);
    const dir = mkdtempSync(join(tmpdir(), 'fin-slack-test-'));
    const env: Record<string, string> = {
      ...fakeEndpoints(slack, fin),
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_AGENT_CHANNEL: WORKSPACE.agents,
      PORT: '0',
      DATABASE_PATH: join(dir, 'data', 'fin-slack.sqlite'),
      STREAM_UPDATE_INTERVAL_MS: '100',
      LOG_LEVEL: 'debug',
      METRICS_TOKEN,
      ...(options.socketMode ? { SLACK_APP_TOKEN: slack.appToken, SLACK_SIGNING_SECRET: '' } : {}),
      ...(options.webhooks ? { FIN_WEBHOOK_SECRET: WEBHOOK_SECRET } : {}),
      ...(options.hitl ? { INTERCOM_CLIENT_SECRET: CLIENT_SECRET } : {}),
      ...options.env,
    };
    const harness = new Harness(slack, fin, env, dir, options.echoAppEvents ?? true, options);
    await harness.startApp();
    return harness;
  }

  get url(): string {
    if (this.#app === undefined) throw new Error('the app is not running');
    return `http://127.0.0.1:${this.#app.port}`;
  }

  async startApp(): Promise<void> {
    const config = loadConfig(this.env);
    const logger = createLogger({
      level: config.log.level,
      secrets: SECRET_VARIABLES.map((name) => this.env[name]),
      destination: { write: (line) => void this.logs.push(line) },
    });
    this.#app = await startApp(config, {
      logger,
      host: '127.0.0.1',
      finRetry: { attempts: 3, baseDelayMs: 20, maxDelayMs: 100, maxRetryAfterMs: 2_000 },
      ...(this.#appOptions.nativeStreamMaxMs !== undefined ? { nativeStreamMaxMs: this.#appOptions.nativeStreamMaxMs } : {}),
      ...(this.#appOptions.httpLimits !== undefined ? { httpLimits: this.#appOptions.httpLimits } : {}),
      ...(this.#appOptions.tokenCheckMs !== undefined ? { tokenCheckMs: this.#appOptions.tokenCheckMs } : {}),
      ...(this.#appOptions.eventRetryBaseMs !== undefined ? { eventRetryBaseMs: this.#appOptions.eventRetryBaseMs } : {}),
      ...(this.#appOptions.thinkingRefreshMs !== undefined ? { thinkingRefreshMs: this.#appOptions.thinkingRefreshMs } : {}),
    });
    if (this.socketMode) await this.slack.socketConnected();
    const secret = this.env.FIN_WEBHOOK_SECRET;
    // The app's port changes on every start: Fin is told where to deliver again.
    this.fin.setWebhook(secret ? { url: `${this.url}/fin/webhooks`, secret } : undefined);
  }

  async stopApp(): Promise<void> {
    const app = this.#app;
    this.#app = undefined;
    await Promise.all(this.#echoes);
    this.#echoes = [];
    await app?.stop();
  }

  async restart(): Promise<void> {
    await this.stopApp();
    await this.startApp();
  }

  get socketMode(): boolean {
    return this.env.SLACK_APP_TOKEN !== undefined && this.env.SLACK_APP_TOKEN !== '';
  }

  /** Hands an Events API payload to the app as Slack would: a signed POST, or an envelope over Socket Mode. */
  async deliver(envelope: EventEnvelope, options: DeliveryOptions = {}): Promise<Response> {
    if (this.socketMode) {
      await this.slack.sendOverSocket(envelope, options.retryNum !== undefined ? { retryAttempt: options.retryNum } : {});
      return new Response(null, { status: 200 });
    }
    return deliverToApp(`${this.url}/slack/events`, SIGNING_SECRET, envelope, options);
  }

  /** Someone presses a button on one of the app's messages, as Slack delivers it (signed form post). */
  press(input: { user: string; message: FakeMessage; actionId: string; value: string }): Promise<Response> {
    return this.post(this.slack.buttonPress(input), { form: true });
  }

  /** POSTs a Fin webhook to the app, signed like Fin signs them (or not, or wrongly). */
  webhook(event: unknown, options: { signature?: string | null; raw?: string } = {}): Promise<Response> {
    const body = options.raw ?? JSON.stringify(event);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const signature =
      options.signature === undefined ? `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}` : options.signature;
    if (signature !== null) headers['x-fin-agent-api-webhook-signature'] = signature;
    return fetch(`${this.url}/fin/webhooks`, { method: 'POST', headers, body });
  }

  /** POSTs an Intercom app webhook to the app, signed like Intercom does (X-Hub-Signature, sha1), or not. */
  intercomWebhook(body: unknown, options: { signature?: string | null; raw?: string } = {}): Promise<Response> {
    const text = options.raw ?? JSON.stringify(body);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const signature =
      options.signature === undefined ? `sha1=${createHmac('sha1', CLIENT_SECRET).update(text).digest('hex')}` : options.signature;
    if (signature !== null) headers['x-hub-signature'] = signature;
    return fetch(`${this.url}/intercom/webhooks`, { method: 'POST', headers, body: text });
  }

  /**
   * Someone types a slash command in Slack (`/fin-procedure` unless said). What the app acknowledged it with shows to
   * them privately, as in Slack; the answer is returned parsed (`{}` for an empty acknowledgement).
   */
  async slash(input: { user: string; channel: string; text: string; command?: string }): Promise<Record<string, unknown>> {
    const form = this.slack.slashCommand({ command: '/fin-procedure', ...input });
    const res = await this.post(form, { form: true });
    if (res.status !== 200) throw new Error(`the app answered ${res.status} to a slash command`);
    const text = await res.text();
    const answer = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    this.slack.privateReplies.acknowledged(form.response_url ?? '', answer);
    return answer;
  }

  /** Someone submits the modal `viewId` with these input values; resolves with what the app answered Slack. */
  async submitView(input: {
    user: string;
    viewId: string;
    values: Record<string, Record<string, unknown>>;
  }): Promise<Record<string, unknown>> {
    const res = await this.post(this.slack.viewSubmission(input), { form: true });
    const text = await res.text();
    return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  }

  /** POSTs any payload, signed, to `/slack/events` (for requests that are not events). */
  post(payload: unknown, options: DeliveryOptions = {}): Promise<Response> {
    return deliverToApp(`${this.url}/slack/events`, SIGNING_SECRET, payload, options);
  }

  /**
   * A person writes in Slack: the message is added to the fake workspace and every event Slack raises for it is
   * delivered to the app. Returns the message's ts.
   */
  async say(input: { user: string; channel: string; text: string; threadTs?: string; files?: unknown[] }): Promise<string> {
    const { ts, envelopes } = this.slack.userMessage(input);
    for (const envelope of envelopes) {
      const res = await this.deliver(envelope);
      if (res.status !== 200) throw new Error(`the app answered ${res.status} to a Slack event`);
    }
    return ts;
  }

  /** Log records (parsed JSON lines) matching `msg`. */
  logged(msg: string | RegExp): Record<string, unknown>[] {
    return this.logs
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((r) => (typeof msg === 'string' ? r.msg === msg : msg.test(String(r.msg))));
  }

  async close(): Promise<void> {
    await this.stopApp();
    await Promise.all([this.slack.close(), this.fin.close()]);
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
