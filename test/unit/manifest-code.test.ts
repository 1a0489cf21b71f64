/**
 * Cross-checks manifest.yml against the code: the manifest grants every scope and subscribes to every event the code
 * needs, and nothing more. The code is read statically (TypeScript's parser, so comments and strings never count)
 * for the Web API methods it calls and the Bolt listeners it registers; a table below says which bot scopes each
 * method and event needs, per Slack's documentation.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { WebClient } from '@slack/web-api';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { classifyMessage } from '../../src/slack/incoming.ts';
import type { ChannelType } from '../../src/core/shared-types.ts';

const root = resolve(import.meta.dirname, '../..');

interface Manifest {
  features: {
    app_home?: { home_tab_enabled?: boolean; messages_tab_enabled?: boolean; messages_tab_read_only_enabled?: boolean };
    agent_view?: { agent_description?: string };
    slash_commands?: { command: string; url?: string }[];
    shortcuts?: { callback_id: string }[];
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { bot_events: string[]; request_url?: string };
    interactivity?: { is_enabled: boolean; request_url?: string };
    socket_mode_enabled?: boolean;
  };
}
const manifest = parse(readFileSync(resolve(root, 'manifest.yml'), 'utf8')) as Manifest;

// ---------------------------------------------------------------------------------------------------------------
// What Slack requires. Each fact names where it comes from; `docs.slack.dev/…` and `api.slack.com/…` are Slack's
// reference pages for the method, event or scope.
// ---------------------------------------------------------------------------------------------------------------

type Scopes =
  /** Every one of these scopes. */
  | { readonly all: readonly string[] }
  /** Any one of these is enough. */
  | { readonly oneOf: readonly string[] }
  /**
   * Conversations API methods: "required scopes depend on the type of channel-like object … you only need the scopes
   * corresponding to that conversation type" (api.slack.com/methods/conversations.info). `on` is the conversation
   * types the app calls the method on; `supported` means every type the app answers in (see `supportedTypes`).
   */
  | { readonly perConversation: Readonly<Record<ChannelType, string>>; readonly on: 'supported' | readonly ChannelType[] };

const NONE: Scopes = { all: [] };
const READ_SCOPES = { channel: 'channels:read', group: 'groups:read', im: 'im:read', mpim: 'mpim:read' } as const;
const HISTORY_SCOPES = { channel: 'channels:history', group: 'groups:history', im: 'im:history', mpim: 'mpim:history' } as const;

/** Bot scopes per Web API method. A method the code calls must be here (test (a)); unused entries are harmless. */
const METHOD_SCOPES: Readonly<Record<string, { readonly scopes: Scopes; readonly source: string }>> = {
  'auth.test': { scopes: NONE, source: 'docs.slack.dev/reference/methods/auth.test: "No scopes required"' },
  'chat.postMessage': { scopes: { all: ['chat:write'] }, source: 'docs.slack.dev/reference/scopes/chat.write: compatible methods' },
  'chat.update': { scopes: { all: ['chat:write'] }, source: 'docs.slack.dev/reference/scopes/chat.write: compatible methods' },
  'chat.delete': { scopes: { all: ['chat:write'] }, source: 'docs.slack.dev/reference/scopes/chat.write: compatible methods' },
  'chat.startStream': {
    scopes: { all: ['chat:write'] },
    source: 'docs.slack.dev/reference/methods/chat.startStream: required scope chat:write',
  },
  'chat.appendStream': {
    scopes: { all: ['chat:write'] },
    source: 'docs.slack.dev/reference/methods/chat.appendStream: required scope chat:write',
  },
  'chat.stopStream': {
    scopes: { all: ['chat:write'] },
    source: 'docs.slack.dev/reference/methods/chat.stopStream: required scope chat:write',
  },
  'assistant.threads.setStatus': {
    scopes: { oneOf: ['chat:write', 'assistant:write'] },
    source: 'docs.slack.dev/changelog 2026-03-05: assistant.threads.setStatus takes chat:write (assistant:write still accepted)',
  },
  'assistant.threads.setSuggestedPrompts': {
    scopes: { all: ['assistant:write'] },
    source: 'docs.slack.dev/reference/methods/assistant.threads.setSuggestedPrompts: bot scope assistant:write',
  },
  'chat.postEphemeral': { scopes: { all: ['chat:write'] }, source: 'docs.slack.dev/reference/scopes/chat.write: compatible methods' },
  'chat.getPermalink': { scopes: NONE, source: 'api.slack.com/methods/chat.getPermalink: "Bot tokens: No scope required"' },
  'views.open': { scopes: NONE, source: 'docs.slack.dev/reference/methods/views.open: "No scopes required"' },
  'views.publish': { scopes: NONE, source: 'docs.slack.dev/reference/methods/views.publish: "No scopes required"' },
  'views.update': { scopes: NONE, source: 'docs.slack.dev/reference/methods/views.update: "No scopes required"' },
  'reactions.add': {
    scopes: { all: ['reactions:write'] },
    source: 'api.slack.com/methods/reactions.add (Slack OpenAPI spec: reactions:write)',
  },
  'reactions.remove': {
    scopes: { all: ['reactions:write'] },
    source: 'api.slack.com/methods/reactions.remove (Slack OpenAPI spec: reactions:write)',
  },
  // The email field additionally needs users:read.email; see EXTRA_NEEDS.
  'users.info': { scopes: { all: ['users:read'] }, source: "Slack's method spec for users.info: bot scope users:read" },
  // Only channels' names are looked up (bridge/requests.ts: "the app has no scope to look up DMs").
  'conversations.info': {
    scopes: { perConversation: READ_SCOPES, on: ['channel', 'group'] },
    source: 'docs.slack.dev/reference/methods/conversations.info: channels:read, groups:read, im:read, mpim:read',
  },
  // Called on the agents' channel (SLACK_AGENT_CHANNEL), which may be public or private.
  'conversations.members': {
    scopes: { perConversation: READ_SCOPES, on: ['channel', 'group'] },
    source: 'api.slack.com/methods/conversations.members: scope per conversation type (channels:read, groups:read, …)',
  },
  // Thread history for any thread the app answers in.
  'conversations.replies': {
    scopes: { perConversation: HISTORY_SCOPES, on: 'supported' },
    source: 'docs.slack.dev/reference/methods/conversations.replies: channels:history, groups:history, im:history, mpim:history',
  },
  'conversations.history': {
    scopes: { perConversation: HISTORY_SCOPES, on: 'supported' },
    source: 'docs.slack.dev/reference/scopes/channels.history: compatible methods (and the groups/im/mpim equivalents)',
  },
  'conversations.open': {
    scopes: { all: ['im:write'] },
    source: 'api.slack.com/methods/conversations.open: im:write to open a 1:1 direct message',
  },
  'files.info': {
    scopes: { all: ['files:read'] },
    source: 'api.slack.com/scopes/files:read: "retrieve … information about files … as well as download those files"',
  },
};

/** Bot scope per event subscription. */
const EVENT_SCOPES: Readonly<Record<string, { readonly scope: string | null; readonly source: string }>> = {
  app_mention: { scope: 'app_mentions:read', source: 'docs.slack.dev/reference/events/app_mention' },
  'message.channels': { scope: 'channels:history', source: 'docs.slack.dev/reference/events/message.channels' },
  'message.groups': { scope: 'groups:history', source: 'docs.slack.dev/reference/events/message (groups:history)' },
  'message.im': { scope: 'im:history', source: 'docs.slack.dev/reference/events/message (im:history)' },
  'message.mpim': { scope: 'mpim:history', source: 'docs.slack.dev/reference/events/message.mpim (mpim:history)' },
  reaction_added: { scope: 'reactions:read', source: 'docs.slack.dev/reference/events/reaction_added (reactions:read)' },
  app_home_opened: { scope: null, source: 'docs.slack.dev/reference/events/app_home_opened: needs a bot user, no scope' },
};

/** The `message.*` subscription that delivers a `message` event from each conversation type. */
const MESSAGE_EVENT: Readonly<Record<ChannelType, string>> = {
  channel: 'message.channels',
  group: 'message.groups',
  im: 'message.im',
  mpim: 'message.mpim',
};

/** Slash commands and shortcuts: docs.slack.dev/reference/scopes/commands ("Add shortcuts and slash commands"). */
const COMMANDS_SCOPE = 'commands';

// ---------------------------------------------------------------------------------------------------------------
// The scanner.
// ---------------------------------------------------------------------------------------------------------------

const LISTENER_KINDS = new Set(['event', 'message', 'action', 'view', 'command', 'shortcut', 'options', 'function', 'assistant']);
/** Listener kinds whose payloads arrive at the interactivity request URL. */
const INTERACTIVE_KINDS = new Set(['action', 'view', 'shortcut', 'options']);

interface Listener {
  readonly kind: string;
  /** The first argument: a literal, a constant resolved across the sources, or `<expression>` when unresolvable. */
  readonly id: string;
  readonly file: string;
}

interface Scan {
  /** Web API method → files calling it. */
  readonly methods: Map<string, Set<string>>;
  readonly listeners: Listener[];
  /** Reads `profile.email` from users.info. */
  readonly readsEmail: boolean;
  /** Downloads Slack-hosted files (`url_private`, `url_private_download`). */
  readonly downloadsFiles: boolean;
}

/** Every Web API method the SDK knows (`chat.postMessage`, `admin.conversations.search`, …), read off a client. */
function webApiMethods(): Set<string> {
  const found = new Set<string>();
  const walk = (node: object, path: string[]): void => {
    for (const [key, value] of Object.entries(node)) {
      if (typeof value === 'function' && path.length > 0) found.add([...path, key].join('.'));
      else if (value !== null && typeof value === 'object' && !Array.isArray(value) && path.length < 4)
        walk(value as object, [...path, key]);
    }
  };
  walk(new WebClient(), []);
  return found;
}

/** `this.#client.chat.postMessage` → ['this', '#client', 'chat', 'postMessage']; undefined past a call or other expression. */
function chainOf(node: ts.Expression): string[] | undefined {
  if (ts.isIdentifier(node)) return [node.text];
  if (node.kind === ts.SyntaxKind.ThisKeyword) return ['this'];
  if (ts.isParenthesizedExpression(node) || ts.isNonNullExpression(node)) return chainOf(node.expression);
  if (ts.isPropertyAccessExpression(node)) {
    // A private name keeps its '#': this.#client → ['this', '#client'].
    return [...(chainOf(node.expression) ?? ['?']), node.name.text];
  }
  if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression)) {
    return [...(chainOf(node.expression) ?? ['?']), node.argumentExpression.text];
  }
  return undefined;
}

function scanSources(files: readonly { path: string; text: string }[], known: ReadonlySet<string>): Scan {
  const parsed = files.map((f) => ({ path: f.path, sf: ts.createSourceFile(f.path, f.text, ts.ScriptTarget.Latest, true) }));

  // String constants anywhere in the sources, so `app.command(PROCEDURE_COMMAND, …)` resolves to its value.
  const constants = new Map<string, string>();
  for (const { sf } of parsed) {
    const visit = (node: ts.Node): void => {
      if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer && ts.isStringLiteralLike(node.initializer)) {
        constants.set(node.name.text, node.initializer.text);
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  const argumentText = (arg: ts.Expression | undefined, sf: ts.SourceFile): string => {
    if (arg === undefined) return '<none>';
    if (ts.isStringLiteralLike(arg)) return arg.text;
    if (ts.isIdentifier(arg) && constants.has(arg.text)) return constants.get(arg.text) ?? '';
    if (ts.isRegularExpressionLiteral(arg)) return arg.text;
    if (ts.isObjectLiteralExpression(arg)) {
      for (const p of arg.properties) {
        if (ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && ['callback_id', 'action_id'].includes(p.name.text))
          return argumentText(p.initializer, sf);
      }
    }
    return `<${arg.getText(sf)}>`;
  };

  const methods = new Map<string, Set<string>>();
  const listeners: Listener[] = [];
  let readsEmail = false;
  let downloadsFiles = false;
  const addMethod = (method: string, file: string) => methods.set(method, (methods.get(method) ?? new Set<string>()).add(file));

  for (const { path, sf } of parsed) {
    const visit = (node: ts.Node): void => {
      // client.chat.postMessage, this.#client.reactions.add, deps.client?.conversations.replies, client['auth']['test']:
      // the outermost access chain whose tail is a method the SDK knows. (store.conversations.get is not one.)
      if ((ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) && !isInnerAccess(node)) {
        const chain = chainOf(node);
        if (chain) {
          for (let n = Math.min(chain.length, 4); n >= 2; n -= 1) {
            const method = chain.slice(-n).join('.');
            if (known.has(method)) {
              addMethod(method, path);
              break;
            }
          }
          if (chain.at(-1) === 'email' && chain.at(-2) === 'profile') readsEmail = true;
          if (chain.at(-1) === 'filesUploadV2') addMethod('files.uploadV2', path);
        }
      }
      if (ts.isCallExpression(node)) {
        const callee = chainOf(node.expression);
        const last = callee?.at(-1);
        // client.apiCall('auth.test') and client.paginate('conversations.history', …) name the method in a string.
        if ((last === 'apiCall' || last === 'paginate') && node.arguments[0]) addMethod(argumentText(node.arguments[0], sf), path);
        // Bolt's say() posts with chat.postMessage; respond() uses the response_url, which needs no scope.
        if (callee?.length === 1 && last === 'say') addMethod('chat.postMessage', path);
        // app.event('app_mention', …), app.command(PROCEDURE_COMMAND, …), this.#app.action(…), deps.app.view(…).
        const receiver = callee?.at(-2);
        if (last !== undefined && LISTENER_KINDS.has(last) && receiver !== undefined && /^#?app$/i.test(receiver)) {
          listeners.push({ kind: last, id: last === 'message' ? 'message' : argumentText(node.arguments[0], sf), file: path });
        }
      }
      if ((ts.isIdentifier(node) || ts.isStringLiteralLike(node)) && /^url_private(_download)?$/.test(node.text)) downloadsFiles = true;
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return { methods, listeners, readsEmail, downloadsFiles };
}

/** True for `a.b` inside `a.b.c`: only whole chains are matched against method names. */
function isInnerAccess(node: ts.Node): boolean {
  const parent = node.parent;
  return (ts.isPropertyAccessExpression(parent) || ts.isElementAccessExpression(parent)) && parent.expression === node;
}

function readSources(dir: string): { path: string; text: string }[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .sort()
    .map((f) => ({ path: relative(root, join(dir, f)), text: readFileSync(join(dir, f), 'utf8') }));
}

// ---------------------------------------------------------------------------------------------------------------
// What the code needs, derived from the scan.
// ---------------------------------------------------------------------------------------------------------------

const CHANNEL_TYPES: readonly ChannelType[] = ['channel', 'group', 'im', 'mpim'];

/**
 * The conversation types the app answers in: those whose messages `classifyMessage` takes (a message that mentions
 * the app, with the channel_type Slack sends for that type).
 */
function supportedTypes(): ChannelType[] {
  const ids: Record<ChannelType, string> = { channel: 'C0PROBE', group: 'G0PROBE', im: 'D0PROBE', mpim: 'G0MPIM' };
  return CHANNEL_TYPES.filter((type) => {
    const c = classifyMessage(
      { type: 'message', channel: ids[type], channel_type: type, user: 'U0ASKER', text: '<@U0APP> hello', ts: '1700000000.000100' },
      { teamId: 'T0', botUserId: 'U0APP' },
    );
    return c.kind === 'candidate' && c.message.channelType === type;
  });
}

/** A need: at least one of `anyOf` must be granted; `why` says what needs it. */
interface Need {
  readonly anyOf: readonly string[];
  readonly why: string;
}

function needsOf(scan: Scan, events: readonly string[], types: readonly ChannelType[]): Need[] {
  const needs: Need[] = [];
  for (const method of scan.methods.keys()) {
    const entry = METHOD_SCOPES[method];
    if (entry === undefined) continue; // reported by test (a)
    const s = entry.scopes;
    if ('all' in s) for (const scope of s.all) needs.push({ anyOf: [scope], why: method });
    else if ('oneOf' in s) needs.push({ anyOf: s.oneOf, why: method });
    else
      for (const type of s.on === 'supported' ? types : s.on) needs.push({ anyOf: [s.perConversation[type]], why: `${method} (${type})` });
  }
  for (const event of events) {
    const entry = EVENT_SCOPES[event];
    if (entry?.scope != null) needs.push({ anyOf: [entry.scope], why: `event ${event}` });
  }
  if (scan.listeners.some((l) => l.kind === 'command' || l.kind === 'shortcut'))
    needs.push({ anyOf: [COMMANDS_SCOPE], why: 'slash commands/shortcuts' });
  // users.info returns profile.email only with users:read.email (api.slack.com/scopes/users:read.email).
  if (scan.readsEmail) needs.push({ anyOf: ['users:read.email'], why: 'users.info profile.email' });
  // Downloading url_private(_download) needs files:read (api.slack.com/scopes/files:read).
  if (scan.downloadsFiles) needs.push({ anyOf: ['files:read'], why: 'file download (url_private)' });
  return needs;
}

/** The event subscriptions the listeners need. Unknown events come through as themselves (and fail the table lookup). */
function eventsOf(scan: Scan, types: readonly ChannelType[]): string[] {
  const events = new Set<string>();
  for (const l of scan.listeners) {
    if (l.kind === 'message' || (l.kind === 'event' && l.id === 'message')) for (const t of types) events.add(MESSAGE_EVENT[t]);
    else if (l.kind === 'event') events.add(l.id);
  }
  return [...events].sort();
}

/** The path the HTTP server hands to Bolt, read from src/app.ts: HTTPReceiver's `endpoints` and the matching route. */
function slackEventsPath(): { receiver: string[]; routes: string[] } {
  const file = resolve(root, 'src/app.ts');
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const receiver: string[] = [];
  const routes: string[] = [];
  const strings = (e: ts.Expression): string[] =>
    ts.isStringLiteralLike(e) ? [e.text] : ts.isArrayLiteralExpression(e) ? e.elements.flatMap((x) => strings(x)) : [];
  const prop = (o: ts.ObjectLiteralExpression, name: string) =>
    o.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === name)
      ?.initializer;
  const visit = (node: ts.Node): void => {
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'HTTPReceiver') {
      const options = node.arguments?.[0];
      const endpoints = options && ts.isObjectLiteralExpression(options) ? prop(options, 'endpoints') : undefined;
      if (endpoints) receiver.push(...strings(endpoints));
    }
    if (ts.isObjectLiteralExpression(node)) {
      const path = prop(node, 'path');
      const handler = prop(node, 'handler');
      if (
        path &&
        handler &&
        ts.isCallExpression(handler) &&
        ts.isIdentifier(handler.expression) &&
        handler.expression.text === 'slackEventsRoute'
      ) {
        routes.push(...strings(path));
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { receiver, routes };
}

// ---------------------------------------------------------------------------------------------------------------

const known = webApiMethods();
const scan = scanSources(readSources(resolve(root, 'src')), known);
const types = supportedTypes();
const codeEvents = eventsOf(scan, types);
const needs = needsOf(scan, codeEvents, types);
const granted = manifest.oauth_config.scopes.bot;
const listenersOf = (kind: string) => scan.listeners.filter((l) => l.kind === kind);

describe('the manifest-vs-code scanner', () => {
  it('finds Web API calls and listeners in the forms the code writes them, and nothing in comments or strings', () => {
    const source = `
      const CMD = '/probe';
      // this.#client.chat.delete({ channel, ts }) is only a comment
      const s = 'client.users.list()';
      await this.#client.chat.postMessage({ channel, text });
      await deps.client?.reactions.add({ channel, timestamp, name });
      await client.apiCall('auth.test');
      const raw = await this.#interim['chat']['update']({ channel, ts, text });
      store.conversations.get(id);
      app.event('app_mention', handle);
      app.command(CMD, handle);
      this.#app.action(/^open_/, handle);
      const email = user.profile?.email;
    `;
    const s = scanSources([{ path: 'probe.ts', text: source }], known);
    expect([...s.methods.keys()].sort()).toEqual(['auth.test', 'chat.postMessage', 'chat.update', 'reactions.add']);
    expect(s.listeners.map((l) => `${l.kind}:${l.id}`)).toEqual(['event:app_mention', 'command:/probe', 'action:/^open_/']);
    expect(s.readsEmail).toBe(true);
    expect(s.downloadsFiles).toBe(false);
    expect(scanSources([{ path: 'probe.ts', text: 'await fetch(file.url_private_download, { headers });' }], known).downloadsFiles).toBe(
      true,
    );
  });

  it('sees the calls and listeners the app is known to make (so the checks below cannot pass vacuously)', () => {
    expect(known.has('chat.postMessage')).toBe(true);
    const methods = [...scan.methods.keys()];
    for (const m of [
      'chat.postMessage',
      'chat.update',
      'reactions.add',
      'users.info',
      'conversations.replies',
      'views.open',
      'auth.test',
    ]) {
      expect(methods).toContain(m);
    }
    expect(scan.listeners.map((l) => `${l.kind}:${l.id}`)).toEqual(expect.arrayContaining(['event:app_mention', 'event:message']));
    expect(types.length).toBeGreaterThan(0);
  });

  it('names only real Web API methods in its scope table', () => {
    expect(Object.keys(METHOD_SCOPES).filter((m) => !known.has(m))).toEqual([]);
  });
});

describe('manifest.yml against the code', () => {
  it('(a) knows the scopes of every Web API method the code calls', () => {
    const unknown = [...scan.methods]
      .filter(([m]) => METHOD_SCOPES[m] === undefined)
      .map(([m, files]) => `${m} (${[...files].join(', ')})`);
    expect(
      unknown,
      'add these methods to METHOD_SCOPES in test/unit/manifest-code.test.ts with their bot scopes from Slack docs, and the scopes to manifest.yml',
    ).toEqual([]);
    const unknownEvents = codeEvents.filter((e) => EVENT_SCOPES[e] === undefined);
    expect(unknownEvents, 'add these events to EVENT_SCOPES with their scope, and to manifest.yml bot_events').toEqual([]);
  });

  it('(b) grants every scope the code needs', () => {
    const missing = needs.filter((n) => !n.anyOf.some((s) => granted.includes(s))).map((n) => `${n.anyOf.join(' | ')} for ${n.why}`);
    expect(missing, 'add these to oauth_config.scopes.bot in manifest.yml').toEqual([]);
  });

  it('(c) grants no scope the code does not need', () => {
    const extra = granted.filter((s) => !needs.some((n) => n.anyOf.includes(s)));
    expect(extra, 'no Web API call, event or command in src/ needs these scopes; remove them from manifest.yml').toEqual([]);
  });

  it('(d) subscribes to exactly the events the listeners handle, in the conversation types the app answers in', () => {
    expect([...manifest.settings.event_subscriptions.bot_events].sort()).toEqual(codeEvents);
    // DMs reach the app only through its Messages tab.
    if (types.includes('im')) {
      expect(manifest.features.app_home).toMatchObject({ messages_tab_enabled: true, messages_tab_read_only_enabled: false });
    }
  });

  it('(e) declares exactly the slash commands (and shortcuts) the app listens for', () => {
    const declared = (manifest.features.slash_commands ?? []).map((c) => c.command).sort();
    expect(declared).toEqual(
      listenersOf('command')
        .map((l) => l.id)
        .sort(),
    );
    const shortcuts = (manifest.features.shortcuts ?? []).map((s) => s.callback_id).sort();
    expect(shortcuts).toEqual(
      listenersOf('shortcut')
        .map((l) => l.id)
        .sort(),
    );
  });

  it('(f) enables interactivity exactly when the app registers actions, views, shortcuts or options', () => {
    const interactive = scan.listeners.some((l) => INTERACTIVE_KINDS.has(l.kind));
    expect(manifest.settings.interactivity?.is_enabled ?? false).toBe(interactive);
  });

  it('(h) declares the agent view and the Home tab when the app answers the App Home opening, and suggests prompts with assistant:write', () => {
    const homeOpened = scan.listeners.some((l) => l.kind === 'event' && l.id === 'app_home_opened');
    const suggests = scan.methods.has('assistant.threads.setSuggestedPrompts');
    // Suggesting prompts is what the App Home opening is answered with on the Messages tab: both or neither.
    expect(homeOpened).toBe(suggests || scan.methods.has('views.publish'));
    // The DM with Fin is the agent view's timeline (prompts on the Messages tab), with a description people read.
    expect(Boolean(manifest.features.agent_view?.agent_description?.trim())).toBe(suggests);
    expect(manifest.features.app_home?.home_tab_enabled).toBe(scan.methods.has('views.publish'));
    expect(granted.includes('assistant:write')).toBe(scan.methods.has('assistant.threads.setSuggestedPrompts'));
  });

  it('(g) sends events, interactions and commands to the path the HTTP server hands to Bolt', () => {
    const { receiver, routes } = slackEventsPath();
    expect(receiver).toHaveLength(1);
    const path = receiver[0] ?? '';
    expect(path).toMatch(/^\/\S+$/);
    expect(routes, 'src/app.ts serves the HTTPReceiver endpoint through slackEventsRoute').toEqual([path]);

    const urls = [
      manifest.settings.event_subscriptions.request_url,
      ...(manifest.settings.interactivity?.is_enabled ? [manifest.settings.interactivity.request_url] : []),
      ...(manifest.features.slash_commands ?? []).map((c) => c.url),
    ];
    if (manifest.settings.socket_mode_enabled) {
      // Socket Mode: Slack ignores request URLs; the README says to delete them.
      expect(urls.filter((u) => u !== undefined)).toEqual([]);
    } else {
      for (const url of urls) expect(url === undefined ? url : new URL(url).pathname).toBe(path);
    }
  });
});
