import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { fakeEndpoints } from '../fakes/app-env.ts';
import { FinSimulator, STATIC_CAPABILITIES } from '../fakes/fin-simulator.ts';
import type { PrivateMessage } from '../fakes/response-urls.ts';
import { type FakeChannel, type FakeMessage, FakeSlack, type FakeUser } from '../fakes/slack-api.ts';
import { deliverToApp } from '../fakes/slack-signing.ts';
import { type RunningApp, startApp } from '../src/app.ts';
import { close, listen, sendJson } from '../src/server/http.ts';
import { PayloadTooLargeError, readRawBody } from '../src/server/raw-body.ts';
import { loadConfig, SECRET_VARIABLES } from '../src/config/load.ts';
import { createLogger } from '../src/core/log.ts';
import { buildEmojiTable } from './emoji-table.ts';
import { DEMO_PROCEDURES, FIN_MODES, type FinMode, SandboxFin } from './fin-behaviour.ts';

/** The people of the sandbox workspace: two customers and an agent. */
export const PEOPLE = [
  { id: 'UALICE', name: 'alice', realName: 'Alice Martin', email: 'alice@example.com', role: 'customer' },
  { id: 'UCARLOS', name: 'carlos', realName: 'Carlos Diaz', email: 'carlos@example.com', role: 'customer' },
  { id: 'UDANA', name: 'dana', realName: 'Dana Agent', email: 'dana@example.com', role: 'agent' },
] as const;
export const SUPPORT_CHANNEL = 'CSUPPORT';
export const AGENTS_CHANNEL = 'CAGENTS';
/** Each person's DM with the app. */
export const dmOf = (userId: string) => `D${userId.slice(1)}`;

const CHANNELS: FakeChannel[] = [
  { id: SUPPORT_CHANNEL, name: 'support', kind: 'channel', members: PEOPLE.map((p) => p.id) },
  { id: AGENTS_CHANNEL, name: 'agents', kind: 'channel', members: ['UDANA'] },
  ...PEOPLE.map((p): FakeChannel => ({ id: dmOf(p.id), kind: 'im', members: [p.id] })),
];

/** A message only one person sees. */
interface Ephemeral {
  readonly channel: string;
  readonly user: string;
  readonly text: string;
  readonly threadTs?: string;
  readonly after: string;
  readonly at: number;
  readonly from: 'app' | 'slack';
}

/** Where a private message (one sent through a response_url) shows: after the newest message there was when it came. */
interface Placed {
  readonly after: string;
  readonly at: number;
}

export interface SandboxOptions {
  /** Port of the page (0 picks a free one). */
  readonly port?: number;
  /** The app's log level (its logs go to stderr). */
  readonly logLevel?: string;
}

const say = z.object({ user: z.string(), channel: z.string(), text: z.string().min(1).max(40_000), threadTs: z.string().optional() });
const press = z.object({
  user: z.string(),
  channel: z.string(),
  ts: z.string(),
  actionId: z.string(),
  value: z.string().default(''),
  blockId: z.string().optional(),
});
const slash = z.object({
  user: z.string(),
  channel: z.string(),
  command: z.string(),
  text: z.string().default(''),
  threadTs: z.string().optional(),
});
const choose = z.object({
  user: z.string(),
  channel: z.string(),
  ts: z.string(),
  actionId: z.string(),
  blockId: z.string().optional(),
  value: z.string(),
  text: z.string().default(''),
});
/** A reaction's name as Slack spells it: a short name, with a skin tone for those that take one. */
const react = z.object({
  user: z.string(),
  channel: z.string(),
  ts: z.string(),
  name: z.string().regex(/^[a-z0-9_+'-]+(::skin-tone-[2-6])?$/),
});
const shortcut = z.object({ user: z.string(), channel: z.string(), ts: z.string(), callbackId: z.string() });
const submit = z.object({ user: z.string(), viewId: z.string(), values: z.record(z.string(), z.record(z.string(), z.unknown())) });
const closeView = z.object({ viewId: z.string() });
const homeOpened = z.object({ user: z.string(), tab: z.enum(['home', 'messages']) });
const homePress = z.object({ user: z.string(), actionId: z.string(), value: z.string().default(''), blockId: z.string().default('') });
/** A button on a private message (a response_url's), which the page names by the fake Slack's id for it. */
const privatePress = z.object({
  user: z.string(),
  id: z.number().int(),
  actionId: z.string(),
  value: z.string().default(''),
  blockId: z.string().default(''),
});
const finMode = z.object({ mode: z.enum(FIN_MODES as [FinMode, ...FinMode[]]) });

/** What the app's manifest declares to Slack: the sandbox's Slack routes to the app only what it would route. */
const MANIFEST = z
  .object({
    features: z.object({
      slash_commands: z.array(z.object({ command: z.string() })).default([]),
      shortcuts: z.array(z.object({ name: z.string(), type: z.string(), callback_id: z.string() })).default([]),
    }),
    settings: z.object({ event_subscriptions: z.object({ bot_events: z.array(z.string()).default([]) }) }),
  })
  .parse(parseYaml(readFileSync(join(import.meta.dirname, '..', 'manifest.yml'), 'utf8')));

/** The slash commands Slack routes to the app: those its manifest declares. */
const APP_COMMANDS: ReadonlySet<string> = new Set(MANIFEST.features.slash_commands.map((c) => c.command));

/** The app's message shortcuts, as a message's "More actions" menu lists them. */
const MESSAGE_SHORTCUTS: readonly { name: string; callbackId: string }[] = MANIFEST.features.shortcuts
  .filter((s) => s.type === 'message')
  .map((s) => ({ name: s.name, callbackId: s.callback_id }));

/** The events the app subscribes to: Slack sends it no others (a removed reaction, say, unless it asks for those). */
const BOT_EVENTS: ReadonlySet<string> = new Set(MANIFEST.settings.event_subscriptions.bot_events);

/** Commands built into Slack itself: real in a workspace, not emulated here. */
const SLACK_COMMANDS: ReadonlySet<string> = new Set([
  '/active',
  '/away',
  '/dm',
  '/dnd',
  '/feedback',
  '/invite',
  '/join',
  '/leave',
  '/me',
  '/msg',
  '/mute',
  '/remind',
  '/remove',
  '/search',
  '/shrug',
  '/status',
  '/topic',
  '/who',
  '/collapse',
  '/expand',
  '/open',
  '/apps',
]);

/** What Slack answers, privately, to a command it cannot run; undefined when it goes to the app. */
function slashRefusal(command: string, inThread: boolean): string | undefined {
  if (SLACK_COMMANDS.has(command)) return `\`${command}\` is one of Slack’s own commands: the sandbox does not emulate it.`;
  // Slack's own words (its client's answer), not the app's.
  if (!APP_COMMANDS.has(command)) {
    return `${command} is not a valid command. In Slack, all messages that start with the “/” character are interpreted as commands.\n\nIf you are trying to send a message and not run a command, try preceding the “/” with an empty space.`;
  }
  if (inThread) return `${command} is not supported in threads. Sorry!`;
  return undefined;
}

/** The page's icon: a speech bubble in the app's colour, drawn inline (no image files). */
const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><path d="M5 3h22a4 4 0 0 1 4 4v14a4 4 0 0 1-4 4H13l-7 6v-6H5a4 4 0 0 1-4-4V7a4 4 0 0 1 4-4z" fill="#4a154b"/><path d="M11 9h10v3h-6.5v2.5H20v3h-5.5V22H11z" fill="#fff"/></svg>`;

/**
 * The whole product on one machine: the real app (same configuration schema, store and code path as production)
 * wired to the fake Slack and the Fin simulator the tests use, and a page that plays the Slack client. What a person
 * does on the page reaches the app as the signed request Slack would send; what the app does to Slack shows live.
 */
export class Sandbox {
  readonly slack: FakeSlack;
  readonly fin: FinSimulator;
  readonly #app: RunningApp;
  readonly #behaviour: SandboxFin;
  readonly #server: Server;
  readonly #dir: string;
  readonly #signingSecret: string;
  readonly #script: string;
  /** Slack's shortcodes for the page (`/emoji.json`), built once from emoji-datasource. */
  readonly #emoji = JSON.stringify(buildEmojiTable());
  readonly #listeners = new Set<ServerResponse>();
  /** Who pressed the button behind each trigger id: a modal opened with it is shown to that person. */
  readonly #triggers = new Map<string, string>();
  readonly #closedViews = new Set<string>();
  /**
   * Messages only one person sees that are not the app's response_url messages: Slack's own answers to commands it
   * cannot run and the app's `chat.postEphemeral`, each in its channel or thread, after the newest message there was
   * when it came (`after`, a message ts), from the app or from Slack itself (`from`), at `at` (ms).
   */
  readonly #ephemerals: Ephemeral[] = [];
  /**
   * The private messages of `slack.privateReplies` (a command's acknowledgement, what the app sends to response_urls),
   * by id: where each first showed. A replaced one stays where it was, as in Slack.
   */
  readonly #placed = new Map<number, Placed>();
  #notifyTimer: NodeJS.Timeout | undefined;

  private constructor(parts: {
    slack: FakeSlack;
    fin: FinSimulator;
    app: RunningApp;
    behaviour: SandboxFin;
    dir: string;
    signingSecret: string;
    script: string;
    server: Server;
  }) {
    this.slack = parts.slack;
    this.fin = parts.fin;
    this.#app = parts.app;
    this.#behaviour = parts.behaviour;
    this.#dir = parts.dir;
    this.#signingSecret = parts.signingSecret;
    this.#script = parts.script;
    this.#server = parts.server;
    this.slack.on('call', (call: { method: string; args: Record<string, unknown>; ok?: boolean }) => {
      if (call.method === 'response_url') this.#placePrivate();
      if (call.method === 'chat.postEphemeral' && call.ok === true) {
        const { channel, user, text, thread_ts: threadTs } = call.args;
        if (typeof channel === 'string' && typeof user === 'string') {
          this.#ephemeral({
            channel,
            user,
            text: typeof text === 'string' ? text : '',
            ...(typeof threadTs === 'string' ? { threadTs } : {}),
          });
        }
      }
      this.#notify();
    });
  }

  static async start(options: SandboxOptions = {}): Promise<Sandbox> {
    // The page's port first: if it is taken, nothing else is started.
    let sandbox: Sandbox | undefined;
    const server = createServer((req, res) => {
      if (sandbox === undefined) return sendJson(res, 503, { error: 'the sandbox is starting' });
      sandbox.#route(req, res).catch((error: unknown) => {
        // A malformed request from the page is the page's mistake; anything else is the sandbox's.
        const status =
          error instanceof PayloadTooLargeError ? 413 : error instanceof z.ZodError || error instanceof SyntaxError ? 400 : 500;
        if (!res.headersSent)
          sendJson(res, status, {
            error: error instanceof z.ZodError ? z.prettifyError(error) : error instanceof Error ? error.message : 'failed',
          });
      });
    });
    await listen(server, options.port ?? 0, '127.0.0.1');
    const users: FakeUser[] = PEOPLE.map(({ role: _role, ...u }) => u);
    const slack = await FakeSlack.start({ users, channels: CHANNELS });
    const fin = await FinSimulator.start({ intercomIds: true });
    // Every customer may run the demo procedure: `/fin-procedure` alone lists it, and it can be named.
    for (const person of PEOPLE.filter((p) => p.role === 'customer')) {
      fin.setCapabilities(person.id, [
        ...STATIC_CAPABILITIES,
        ...DEMO_PROCEDURES.map((id) => ({
          type: 'procedure',
          id,
          name: 'Refund an order',
          description: 'Refunds an order; a person from the team approves it.',
          endpoint: `/fin/procedures/${id}/run`,
          method: 'POST',
        })),
      ]);
    }
    const dir = mkdtempSync(join(tmpdir(), 'fin-slack-sandbox-'));
    const secret = () => randomBytes(16).toString('hex');
    const signingSecret = secret();
    const webhookSecret = secret();
    const clientSecret = secret();
    // The same environment contract as production: only the addresses and secrets are local.
    const env: Record<string, string> = {
      ...fakeEndpoints(slack, fin),
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_AGENT_CHANNEL: AGENTS_CHANNEL,
      FIN_WEBHOOK_SECRET: webhookSecret,
      INTERCOM_CLIENT_SECRET: clientSecret,
      PORT: '0',
      DATABASE_PATH: join(dir, 'fin-slack.sqlite'),
      // Edits a little more often than in production, so streaming is easy to watch.
      STREAM_UPDATE_INTERVAL_MS: '400',
      SLACK_UPDATE_RATE_PER_MIN: '120',
      LOG_LEVEL: options.logLevel ?? 'warn',
      // What an admin would configure: the DM's suggested prompts (before the person's procedures) and the Home tab's words.
      FIN_SUGGESTED_PROMPTS: 'Reset my password|How do I reset my password?; What are your plans?',
      FIN_HOME_TEXT:
        'Welcome to *Acme* support. Fin answers from the <https://help.example.com|help centre> around the clock;\\nthe team replies on weekdays, 9:00–18:00 CET.',
    };
    const config = loadConfig(env);
    const logger = createLogger({
      level: config.log.level,
      secrets: SECRET_VARIABLES.map((name) => env[name]),
      destination: process.stderr,
    });
    const app = await startApp(config, { logger, host: '127.0.0.1' });
    const appUrl = `http://127.0.0.1:${app.port}`;
    fin.setWebhook({ url: `${appUrl}/fin/webhooks`, secret: webhookSecret });
    const behaviour = new SandboxFin(fin, async (body) => {
      const text = JSON.stringify(body);
      await fetch(`${appUrl}/intercom/webhooks`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hub-signature': `sha1=${createHmac('sha1', clientSecret).update(text).digest('hex')}`,
        },
        body: text,
      });
    });
    const bundled = await build({
      entryPoints: [join(import.meta.dirname, 'web', 'app.ts')],
      bundle: true,
      write: false,
      format: 'esm',
      target: 'es2022',
      logLevel: 'warning',
    });
    const script = bundled.outputFiles[0]?.text ?? '';
    const started = new Sandbox({ slack, fin, app, behaviour, dir, signingSecret, script, server });
    started.#appUrl = appUrl;
    sandbox = started;
    return started;
  }

  #appUrl = '';

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const res of this.#listeners) res.end();
    this.#listeners.clear();
    if (this.#notifyTimer !== undefined) clearTimeout(this.#notifyTimer);
    await close(this.#server);
    await this.#app.stop();
    await Promise.all([this.slack.close(), this.fin.close()]);
    rmSync(this.#dir, { recursive: true, force: true });
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://sandbox').pathname;
    if (!sameHost(req.headers.host, new URL(this.url))) return sendJson(res, 403, { error: 'unknown host' });
    if (req.method === 'GET') {
      if (path === '/') return file(res, 'index.html', 'text/html; charset=utf-8');
      if (path === '/style.css') return file(res, 'style.css', 'text/css; charset=utf-8');
      if (path === '/app.js') {
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' }).end(this.#script);
        return;
      }
      if (path === '/favicon.ico' || path === '/favicon.svg') {
        res.writeHead(200, { 'content-type': 'image/svg+xml', 'cache-control': 'max-age=86400' }).end(FAVICON);
        return;
      }
      if (path === '/emoji.json') {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(this.#emoji);
        return;
      }
      if (path === '/api/state') return sendJson(res, 200, this.#state());
      if (path === '/api/events') return this.#subscribe(req, res);
      return sendJson(res, 404, { error: 'not found' });
    }
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'method not allowed' });
    // Only this page may act: another site open in the same browser could otherwise post to loopback (a JSON body
    // forces a CORS preflight, which this server never answers; Host and Origin rule out DNS rebinding).
    const self = new URL(this.url);
    const origin = req.headers.origin;
    if (
      !/^application\/json\b/.test(req.headers['content-type'] ?? '') ||
      (origin !== undefined && !sameHost(URL.canParse(origin) ? new URL(origin).host : undefined, self))
    ) {
      return sendJson(res, 403, { error: 'requests come from the sandbox page only' });
    }
    const raw = (await readRawBody(req, 1_000_000)).toString('utf8');
    const body: unknown = raw === '' ? {} : JSON.parse(raw);
    const answer = await this.#act(path, body);
    this.#notify();
    sendJson(res, answer.status, answer.body);
  }

  async #act(path: string, body: unknown): Promise<{ status: number; body: unknown }> {
    const events = `${this.#appUrl}/slack/events`;
    switch (path) {
      case '/api/say': {
        const { threadTs, ...input } = say.parse(body);
        const { ts, envelopes } = this.slack.userMessage({ ...input, ...(threadTs !== undefined ? { threadTs } : {}) });
        for (const envelope of envelopes) await deliverToApp(events, this.#signingSecret, envelope);
        return { status: 200, body: { ts } };
      }
      case '/api/press': {
        const input = press.parse(body);
        const message = this.slack.message(input.channel, input.ts);
        if (message === undefined) return { status: 404, body: { error: 'no such message' } };
        const form = this.slack.buttonPress({ user: input.user, message, actionId: input.actionId, value: input.value });
        return this.#interact(form, input.user, input.blockId);
      }
      case '/api/choose': {
        // An option picked in a menu (static_select) of a message.
        const input = choose.parse(body);
        const message = this.slack.message(input.channel, input.ts);
        if (message === undefined) return { status: 404, body: { error: 'no such message' } };
        const form = this.slack.menuChoice({ user: input.user, message, actionId: input.actionId, value: input.value, text: input.text });
        return this.#interact(form, input.user, input.blockId);
      }
      case '/api/react': {
        const input = react.parse(body);
        const message = this.slack.message(input.channel, input.ts);
        if (message === undefined || message.deleted) return { status: 404, body: { error: 'no such message' } };
        // As in Slack, picking an emoji you already reacted with takes your reaction away.
        const mine = (message.reactedBy ?? []).some((r) => r.name === input.name && r.user === input.user);
        const who = { user: input.user, message, name: input.name };
        const envelope = mine ? this.slack.reactionRemoved(who) : this.slack.reactionAdded(who);
        // Slack sends the app only the events it subscribed to.
        if (BOT_EVENTS.has(mine ? 'reaction_removed' : 'reaction_added')) await deliverToApp(events, this.#signingSecret, envelope);
        return { status: 200, body: { reacted: !mine } };
      }
      case '/api/shortcut': {
        const input = shortcut.parse(body);
        const message = this.slack.message(input.channel, input.ts);
        if (message === undefined || message.deleted) return { status: 404, body: { error: 'no such message' } };
        if (!MESSAGE_SHORTCUTS.some((s) => s.callbackId === input.callbackId)) return { status: 404, body: { error: 'no such shortcut' } };
        const form = this.slack.messageShortcut({ user: input.user, message, callbackId: input.callbackId });
        return this.#interact(form, input.user);
      }
      case '/api/slash': {
        const input = slash.parse(body);
        // Slack answers a command it cannot run itself; only the app's commands (outside threads) reach the app.
        const refusal = slashRefusal(input.command, input.threadTs !== undefined);
        if (refusal !== undefined) {
          this.#ephemeral({
            from: 'slack',
            channel: input.channel,
            user: input.user,
            text: refusal,
            ...(input.threadTs !== undefined ? { threadTs: input.threadTs } : {}),
          });
          return { status: 200, body: {} };
        }
        const command = this.slack.slashCommand(input);
        const form = { ...command, trigger_id: this.#trigger(input.user) };
        const res = await deliverToApp(events, this.#signingSecret, form, { form: true });
        const text = await res.text();
        // What the app acknowledged the command with shows privately: the message its response_url's
        // `replace_original` replaces (the app never acknowledges with `in_channel`).
        const reply = parseMaybe(text);
        const shown = typeof reply?.text === 'string' ? reply : reply === undefined && text.trim() !== '' ? { text } : undefined;
        if (shown !== undefined) this.slack.privateReplies.acknowledged(command.response_url ?? '', shown);
        this.#placePrivate();
        return { status: 200, body: {} };
      }
      case '/api/submit': {
        const input = submit.parse(body);
        if (!this.slack.views.has(input.viewId) || this.#closedViews.has(input.viewId))
          return { status: 404, body: { error: 'this form is closed' } };
        const res = await deliverToApp(events, this.#signingSecret, this.slack.viewSubmission(input), { form: true });
        const answer = parseMaybe(await res.text()) ?? {};
        if (answer.response_action === 'errors') return { status: 200, body: { errors: answer.errors ?? {} } };
        const current = this.slack.views.get(input.viewId);
        if (answer.response_action === 'update' && current !== undefined && typeof answer.view === 'object' && answer.view !== null) {
          current.view = answer.view as Record<string, unknown>;
        } else {
          this.#closedViews.add(input.viewId);
        }
        return { status: 200, body: {} };
      }
      case '/api/home-opened': {
        // The person opened the app's Home tab or its Messages tab (their DM with the app), as Slack tells the app.
        const input = homeOpened.parse(body);
        if (!PEOPLE.some((p) => p.id === input.user)) return { status: 404, body: { error: 'no such person' } };
        if (BOT_EVENTS.has('app_home_opened')) {
          await deliverToApp(events, this.#signingSecret, this.slack.appHomeOpened({ ...input, channel: dmOf(input.user) }));
        }
        return { status: 200, body: {} };
      }
      case '/api/home-press': {
        // A button in the person's Home tab: a view's block action (no channel, no message).
        const input = homePress.parse(body);
        if (!this.slack.homeViews.has(input.user)) return { status: 404, body: { error: 'no Home tab' } };
        // Slack gives every block of a published view an id; the page names the one pressed when the app named it.
        const blockId = input.blockId === '' ? 'home' : input.blockId;
        return this.#interact(this.slack.homeButtonPress({ ...input, blockId }), input.user);
      }
      case '/api/private-press': {
        // A button on a private message: only the person who sees it can press it, and only while it is shown.
        const input = privatePress.parse(body);
        const message = this.slack.privateReplies.visibleTo(input.user).find((m) => m.id === input.id);
        if (message === undefined) return { status: 404, body: { error: 'no such message' } };
        const form = this.slack.privatePress({ user: input.user, message, actionId: input.actionId, value: input.value });
        return this.#interact(form, input.user, input.blockId === '' ? undefined : input.blockId);
      }
      case '/api/close-view': {
        this.#closedViews.add(closeView.parse(body).viewId);
        return { status: 200, body: {} };
      }
      case '/api/fin-mode': {
        this.#behaviour.mode = finMode.parse(body).mode;
        return { status: 200, body: {} };
      }
      default:
        return { status: 404, body: { error: 'not found' } };
    }
  }

  /**
   * Sends an interaction (a press, a menu choice, a shortcut) to the app as Slack does: its trigger id opens a modal
   * for the person who acted; a button's or menu's block id is the one on the page.
   */
  async #interact(form: Record<string, string>, user: string, blockId?: string): Promise<{ status: number; body: unknown }> {
    const payload = JSON.parse(form.payload ?? '{}') as Record<string, unknown> & { actions?: Record<string, unknown>[] };
    payload.trigger_id = this.#trigger(user);
    const action = payload.actions?.[0];
    if (blockId !== undefined && action !== undefined) action.block_id = blockId;
    const res = await deliverToApp(
      `${this.#appUrl}/slack/events`,
      this.#signingSecret,
      { payload: JSON.stringify(payload) },
      { form: true },
    );
    return { status: res.ok ? 200 : 502, body: {} };
  }

  #trigger(user: string): string {
    // Issued by the fake Slack, which lets a trigger id open one view within 3 seconds, as Slack does.
    const id = this.slack.issueTriggerId();
    this.#triggers.set(id, user);
    return id;
  }

  /** Notes where each new private message shows: after the newest message there is now. */
  #placePrivate(): void {
    for (const m of this.slack.privateReplies.messages) {
      if (!this.#placed.has(m.id)) this.#placed.set(m.id, { after: this.slack.messages.at(-1)?.ts ?? '0', at: Date.now() });
    }
  }

  /** The private messages people see now, each where it first showed, with its blocks and the id a press names it by. */
  #privateMessages(): (Ephemeral & { id: number; blocks?: PrivateMessage['blocks'] })[] {
    this.#placePrivate();
    return this.slack.privateReplies.messages
      .filter((m) => !m.deleted)
      .map((m) => {
        const placed = this.#placed.get(m.id) ?? { after: '0', at: 0 };
        return {
          id: m.id,
          channel: m.channel,
          user: m.user,
          text: m.text,
          ...(m.blocks !== undefined ? { blocks: m.blocks } : {}),
          ...placed,
          from: 'app' as const,
        };
      });
  }

  #ephemeral(e: Omit<Ephemeral, 'after' | 'at' | 'from'> & { from?: Ephemeral['from'] }): void {
    this.#ephemerals.push({ from: 'app', ...e, after: this.slack.messages.at(-1)?.ts ?? '0', at: Date.now() });
  }

  #state(): unknown {
    return {
      users: PEOPLE,
      bot: { id: this.slack.botUserId, name: 'Fin' },
      channels: CHANNELS.map((c) => ({
        id: c.id,
        name: c.name ?? '',
        kind: c.kind === 'im' ? 'im' : 'channel',
        members: c.members ?? [],
        ...(c.kind === 'im' ? { owner: c.members?.[0] } : {}),
      })),
      messages: this.slack.messages
        .filter((m) => !m.deleted)
        .map((m) => ({
          channel: m.channel,
          ts: m.ts,
          ...(m.threadTs !== undefined ? { threadTs: m.threadTs } : {}),
          text: m.text,
          ...(m.user !== undefined ? { user: m.user } : {}),
          ...(m.botId !== undefined ? { botId: m.botId } : {}),
          ...(m.blocks !== undefined ? { blocks: m.blocks } : {}),
          ...(m.reactions !== undefined && m.reactions.length > 0 ? { reactions: this.#reactions(m) } : {}),
          ...(m.streaming === true ? { streaming: true } : {}),
        })),
      views: [...this.slack.views.entries()]
        .filter(([id, v]) => !this.#closedViews.has(id) && this.#triggers.has(v.triggerId))
        .map(([id, v]) => ({ id, user: this.#triggers.get(v.triggerId), view: v.view })),
      // Slack's answers, the app's ephemeral posts and its private messages, in the order they came.
      ephemerals: [...this.#ephemerals, ...this.#privateMessages()].sort((a, b) => a.at - b.at),
      // The prompts suggested in each DM, each person's Home tab, and Slack's thinking indicator under each thread.
      suggestedPrompts: Object.fromEntries(this.slack.suggestedPrompts),
      homeViews: Object.fromEntries(this.slack.homeViews),
      statuses: [...this.slack.statuses].map(([key, s]) => {
        const [channel = '', threadTs = ''] = key.split(':');
        return { channel, threadTs, status: s.status, loadingMessages: s.loadingMessages, at: s.at };
      }),
      finMode: this.#behaviour.mode,
      procedures: DEMO_PROCEDURES,
      shortcuts: MESSAGE_SHORTCUTS,
    };
  }

  /** A message's reactions as Slack shows them: one per emoji, in the order first added, with who added it, in order. */
  #reactions(m: FakeMessage): { name: string; users: string[] }[] {
    const names = m.reactions ?? [];
    const grouped = new Map<string, string[]>(names.map((name) => [name, []]));
    for (const r of m.reactedBy ?? []) grouped.get(r.name)?.push(r.user);
    // A reaction no one is named for (a message put straight into the workspace) is the app's.
    return [...grouped].map(([name, users]) => {
      const unnamed = names.filter((n) => n === name).length - users.length;
      return { name, users: [...Array.from({ length: Math.max(0, unnamed) }, () => this.slack.botUserId), ...users] };
    });
  }

  #subscribe(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write('event: change\ndata: {}\n\n');
    this.#listeners.add(res);
    req.on('close', () => this.#listeners.delete(res));
  }

  /** Tells every open page that something changed (at most every 30 ms: a streaming edit is one change). */
  #notify(): void {
    if (this.#notifyTimer !== undefined) return;
    this.#notifyTimer = setTimeout(() => {
      this.#notifyTimer = undefined;
      for (const res of this.#listeners) res.write('event: change\ndata: {}\n\n');
    }, 30);
  }
}

/** The sandbox listens on loopback only; it answers to its own address and to localhost, on its port. */
function sameHost(host: string | undefined, self: URL): boolean {
  return host === self.host || host === `localhost:${self.port}`;
}

function file(res: ServerResponse, name: string, type: string): void {
  res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(readFileSync(join(import.meta.dirname, 'web', name)));
}

function parseMaybe(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
