import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer, readBody } from './loopback-server.ts';
import { type WebSocket, WebSocketServer } from 'ws';
import { SLACK_LIMITS } from '../src/slack/limits.ts';
import { type Breach, describeBreaches, messageBreaches, viewBreaches } from './block-kit-limits.ts';
import { FakeResponseUrls, type PrivateMessage } from './response-urls.ts';

/**
 * A local stand-in for the Slack Web API: the methods the app calls, with a workspace behind them (users,
 * channels, threads). Every call is recorded; failures and rate limits can be scripted per method. It also produces
 * the events real Slack would send the app (user messages, mentions, our own edits), for a test to deliver.
 *
 * It refuses what Slack refuses (`src/slack/limits.ts`, checked by `block-kit-limits.ts`): blocks beyond a limit
 * (`invalid_blocks`, `msg_blocks_too_long`), over-long text (`msg_too_long`), an invalid view (`invalid_arguments`,
 * `view_too_large`), and a view opened with a trigger id it did not issue, used twice or older than 3 seconds
 * (`invalid_trigger_id`, `exchanged_trigger_id`, `expired_trigger_id`). A test cannot pass on something Slack would
 * refuse.
 */

export interface FakeUser {
  readonly id: string;
  readonly name: string;
  readonly realName?: string;
  readonly email?: string;
  readonly isBot?: boolean;
}

export interface FakeChannel {
  readonly id: string;
  readonly name?: string;
  readonly kind: 'channel' | 'group' | 'im' | 'mpim';
  /** Users in the channel (used by later features that check membership). */
  readonly members?: readonly string[];
}

export interface FakeMessage {
  readonly channel: string;
  readonly ts: string;
  readonly threadTs?: string;
  text: string;
  readonly user?: string;
  readonly botId?: string;
  blocks?: unknown;
  edits: number;
  deleted: boolean;
  /** The reactions' names, one entry per person who added one (the app's own included). */
  reactions?: string[];
  /** Who added each reaction, in order (people's and the app's); an entry of `reactions` not named here is the app's. */
  reactedBy?: { readonly name: string; readonly user: string }[];
  /** Set for a message started with `chat.startStream`: true until stopped (or expired). */
  streaming?: boolean;
  /** When the stream last heard from the app (Slack expires a stream left alone for about 5 minutes). */
  streamActiveAt?: number;
  /** The Markdown each stream call carried, in order (start, appends, stop). */
  streamParts?: string[];
}

export interface SlackCall {
  readonly method: string;
  readonly args: Record<string, unknown>;
  readonly at: number;
  /** When the response was sent (for checks such as "one edit in flight at a time"). */
  doneAt?: number;
  ok?: boolean;
  error?: string;
}

export interface ScriptedFailure {
  /** A Slack error code answered with HTTP 200 `{ok:false}`, or `ratelimited` answered with HTTP 429. */
  readonly error: string;
  readonly retryAfterSeconds?: number;
  /** How many calls fail; 1 by default. */
  readonly times?: number;
  /** Only calls whose args match fail. */
  readonly when?: (args: Record<string, unknown>) => boolean;
  /** The HTTP status of the answer (200 unless given): a 5xx is Slack failing, not refusing. */
  readonly status?: number;
}

/** Holds matching calls of a method for `ms`. */
interface Hold {
  readonly ms: number;
  readonly when?: ((args: Record<string, unknown>) => boolean) | undefined;
}

export interface FakeSlackOptions {
  readonly token?: string;
  readonly teamId?: string;
  readonly botUserId?: string;
  readonly botId?: string;
  readonly users?: readonly FakeUser[];
  readonly channels?: readonly FakeChannel[];
  /** Slack's limit on `chat.update` text (it answers `msg_too_long` beyond it; about 4,000 characters). */
  readonly updateLimit?: number;
  /** How long a trigger id the fake issued can open a view (Slack: 3 seconds). */
  readonly triggerLifetimeMs?: number;
  /** How long a native stream may go without an append before Slack ends it (about 5 minutes). */
  readonly streamExpiryMs?: number;
  /** App-level token accepted by `apps.connections.open` (Socket Mode). */
  readonly appToken?: string;
  /**
   * Rate limits enforced like Slack's, answering 429 with `Retry-After` beyond them: `chat.update` for the whole
   * workspace (Tier 3: about 50 a minute) and `chat.postMessage` per channel (about one a second, short bursts).
   */
  readonly limits?: {
    readonly update?: { readonly perMinute: number; readonly burst: number };
    readonly postPerChannel?: { readonly perMinute: number; readonly burst: number };
    /** `users.info` for the whole workspace (Tier 4: about 100 a minute). */
    readonly usersInfo?: { readonly perMinute: number; readonly burst: number };
  };
}

/** An Events API payload as Slack would POST it to the app. */
export interface EventEnvelope {
  readonly token: string;
  readonly team_id: string;
  readonly api_app_id: string;
  readonly type: 'event_callback';
  readonly event_id: string;
  readonly event_time: number;
  readonly event: Record<string, unknown>;
}

export class FakeSlack extends EventEmitter {
  readonly token: string;
  readonly teamId: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly calls: SlackCall[] = [];
  readonly messages: FakeMessage[] = [];
  readonly ephemerals: { channel: string; user: string; text: string }[] = [];
  /** Modals the app opened, by view id: what the agent currently sees. */
  readonly views = new Map<string, { view: Record<string, unknown>; triggerId: string }>();
  /** Slack's own "is thinking…" indicator per thread (`channel:thread_ts`), as `assistant.threads.setStatus` last set it. */
  readonly statuses = new Map<string, { status: string; loadingMessages: readonly string[]; at: number }>();
  /** Each person's Home tab, as `views.publish` last set it. */
  readonly homeViews = new Map<string, Record<string, unknown>>();
  /** The prompts last suggested in each direct message with the app (`assistant.threads.setSuggestedPrompts`). */
  readonly suggestedPrompts = new Map<string, { title: string | undefined; prompts: readonly { title: string; message: string }[] }>();
  /** What the app sent to `response_url`s (slash command answers), as sent. */
  readonly responses: Record<string, unknown>[] = [];
  /** The `response_url`s handed out, and the private messages people see through them. */
  #privateReplies: FakeResponseUrls | undefined;
  /** Files people shared, served like files.slack.com: to the bot token only, others get a sign-in page. */
  readonly #files = new Map<string, { content: Buffer; mimetype: string }>();
  /** Every download of a shared file, with whether it carried the bot token. */
  readonly downloads: { id: string; authorized: boolean }[] = [];
  #filesNeedScope = false;
  /** Set once the bot token stops working (revoked, app uninstalled): every call then answers this error. */
  #deadToken: string | undefined;
  readonly #limits: FakeSlackOptions['limits'];
  #updateBucket: Allowance | undefined;
  #usersInfoBucket: Allowance | undefined;
  readonly #postBuckets = new Map<string, Allowance>();
  readonly #users = new Map<string, FakeUser>();
  readonly #channels = new Map<string, FakeChannel>();
  readonly #failures = new Map<string, (ScriptedFailure & { left: number })[]>();
  /** Calls held before Slack acts on them (`delay`), and calls whose answer is held after Slack did (`holdAnswer`). */
  readonly #delays = new Map<string, Hold>();
  readonly #heldAnswers = new Map<string, Hold>();
  readonly #updateLimit: number;
  readonly #triggerLifetimeMs: number;
  /** Trigger ids issued with clicks, slash commands and submissions: when, and whether a view used them already. */
  readonly #triggers = new Map<string, { issuedAt: number; exchanged: boolean }>();
  readonly #streamExpiryMs: number;
  readonly #appToken: string;
  readonly #sockets = new Set<WebSocket>();
  readonly #acks = new Map<string, () => void>();
  #wss: WebSocketServer | undefined;
  readonly #server: LoopbackServer;
  #url = '';
  #seq = 0;
  #eventSeq = 0;
  #views = 0;

  private constructor(options: FakeSlackOptions) {
    super();
    this.token = options.token ?? 'xoxb-test-token';
    this.teamId = options.teamId ?? 'T0TEST';
    this.botUserId = options.botUserId ?? 'UFINBOT';
    this.botId = options.botId ?? 'BFINBOT';
    this.#updateLimit = options.updateLimit ?? SLACK_LIMITS.message.updateText;
    this.#triggerLifetimeMs = options.triggerLifetimeMs ?? SLACK_LIMITS.triggerIdMs;
    this.#streamExpiryMs = options.streamExpiryMs ?? 300_000;
    this.#limits = options.limits;
    this.#appToken = options.appToken ?? 'xapp-test-app-token';
    this.#users.set(this.botUserId, { id: this.botUserId, name: 'fin', realName: 'Fin', isBot: true });
    for (const u of options.users ?? []) this.#users.set(u.id, u);
    for (const c of options.channels ?? []) this.#channels.set(c.id, c);
    this.#server = new LoopbackServer((req, res) => this.#handle(req, res));
  }

  static async start(options: FakeSlackOptions = {}, port = 0): Promise<FakeSlack> {
    const fake = new FakeSlack(options);
    fake.#url = await fake.#server.listen(port);
    fake.#privateReplies = new FakeResponseUrls(fake.#url);
    return fake;
  }

  /** The `response_url`s handed out, and the private messages (through them) each person sees. */
  get privateReplies(): FakeResponseUrls {
    if (this.#privateReplies === undefined) throw new Error('the fake Slack is not started');
    return this.#privateReplies;
  }

  /** The Web API base, as the app's SLACK_API_URL. */
  get apiUrl(): string {
    return `${this.#url}/api/`;
  }

  addUser(user: FakeUser): void {
    this.#users.set(user.id, user);
  }

  addChannel(channel: FakeChannel): void {
    this.#channels.set(channel.id, channel);
  }

  channel(id: string): FakeChannel | undefined {
    return this.#channels.get(id);
  }

  /** Makes the next call(s) to `method` fail. */
  fail(method: string, failure: ScriptedFailure): void {
    const list = this.#failures.get(method) ?? [];
    list.push({ ...failure, left: failure.times ?? 1 });
    this.#failures.set(method, list);
  }

  /**
   * Carries out `method` (the calls `when` picks, or all) at once but holds its answer for `ms`: Slack did it, the app
   * has not heard yet (a crash then leaves the effect without the app knowing).
   */
  holdAnswer(method: string, ms: number, when?: (args: Record<string, unknown>) => boolean): void {
    this.#heldAnswers.set(method, { ms, when });
  }

  /** Answers `method` (the calls `when` picks, or all) only after `ms`: for checks of ordering and of edits in flight. */
  delay(method: string, ms: number, when?: (args: Record<string, unknown>) => boolean): void {
    this.#delays.set(method, { ms, when });
  }

  callsTo(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** The thread's messages (root first), as a person in Slack would see them. */
  thread(channel: string, threadTs: string): FakeMessage[] {
    return this.messages.filter((m) => m.channel === channel && !m.deleted && (m.ts === threadTs || m.threadTs === threadTs));
  }

  /** Messages the app posted in a thread, in order. */
  botReplies(channel: string, threadTs: string): FakeMessage[] {
    return this.thread(channel, threadTs).filter((m) => m.botId === this.botId);
  }

  message(channel: string, ts: string): FakeMessage | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts);
  }

  /**
   * A person writes in Slack. The message joins the workspace, and the events Slack would send for it are returned:
   * `message` (with the channel type) and, when it mentions the app outside a DM, `app_mention`.
   */
  userMessage(input: { user: string; channel: string; text: string; threadTs?: string; files?: unknown[] }): {
    ts: string;
    envelopes: EventEnvelope[];
  } {
    const ts = this.#nextTs();
    const channel = this.#channels.get(input.channel);
    const message: FakeMessage = {
      channel: input.channel,
      ts,
      ...(input.threadTs !== undefined ? { threadTs: input.threadTs } : {}),
      text: input.text,
      user: input.user,
      edits: 0,
      deleted: false,
    };
    this.messages.push(message);
    const base = {
      user: input.user,
      text: input.text,
      ts,
      channel: input.channel,
      team: this.teamId,
      event_ts: ts,
      ...(input.threadTs !== undefined ? { thread_ts: input.threadTs } : {}),
      ...(input.files !== undefined ? { files: input.files, subtype: 'file_share' } : {}),
    };
    const kind = channel?.kind ?? (input.channel.startsWith('D') ? 'im' : 'channel');
    const envelopes = [this.envelope({ type: 'message', channel_type: kind, ...base })];
    if (kind !== 'im' && input.text.includes(`<@${this.botUserId}>`)) {
      envelopes.unshift(this.envelope({ type: 'app_mention', ...base }));
    }
    return { ts, envelopes };
  }

  /** A person edits their message: Slack's `message_changed` event, shaped as Slack sends it. */
  userEdit(channel: string, ts: string, text: string): EventEnvelope {
    const message = this.message(channel, ts);
    if (message === undefined) throw new Error(`no message ${ts} in ${channel}`);
    const previous = {
      type: 'message',
      user: message.user,
      text: message.text,
      ts,
      ...(message.threadTs !== undefined ? { thread_ts: message.threadTs } : {}),
    };
    message.text = text;
    message.edits += 1;
    return this.envelope({
      type: 'message',
      subtype: 'message_changed',
      hidden: true,
      channel,
      ts: this.#nextTs(),
      channel_type: this.#channels.get(channel)?.kind ?? 'channel',
      message: { ...previous, text, edited: { user: message.user, ts: this.#nextTs() } },
      previous_message: previous,
    });
  }

  /** A person deletes their message: Slack's `message_deleted` event. */
  userDelete(channel: string, ts: string): EventEnvelope {
    const message = this.message(channel, ts);
    if (message === undefined) throw new Error(`no message ${ts} in ${channel}`);
    message.deleted = true;
    return this.envelope({
      type: 'message',
      subtype: 'message_deleted',
      hidden: true,
      channel,
      ts: this.#nextTs(),
      deleted_ts: ts,
      channel_type: this.#channels.get(channel)?.kind ?? 'channel',
      previous_message: {
        type: 'message',
        user: message.user,
        text: message.text,
        ts,
        ...(message.threadTs !== undefined ? { thread_ts: message.threadTs } : {}),
      },
    });
  }

  /**
   * A file someone shares, as the `files` entry of their message event. `size` may be given to differ from the
   * content (Slack's metadata and the bytes it serves are separate).
   */
  sharedFile(input: { name: string; mimetype: string; content: Buffer | string; size?: number; mode?: string }): Record<string, unknown> {
    this.#seq += 1;
    const id = `F${String(this.#seq).padStart(8, '0')}`;
    const content = Buffer.from(input.content);
    this.#files.set(id, { content, mimetype: input.mimetype });
    const path = `/files-pri/${this.teamId}-${id}`;
    return {
      id,
      name: input.name,
      title: input.name,
      mimetype: input.mimetype,
      filetype: input.name.split('.').pop() ?? 'binary',
      size: input.size ?? content.length,
      mode: input.mode ?? 'hosted',
      url_private: `${this.#url}${path}/${encodeURIComponent(input.name)}`,
      url_private_download: `${this.#url}${path}/download/${encodeURIComponent(input.name)}`,
    };
  }

  /** The bot token stops working, as when an admin revokes it or uninstalls the app: every call answers `error`. */
  killToken(error = 'token_revoked'): void {
    this.#deadToken = error;
  }

  /** An app without `files:read`: Slack answers downloads with its sign-in page, whatever the token. */
  filesNeedScope(missing: boolean): void {
    this.#filesNeedScope = missing;
  }

  /** As `chat.getPermalink` answers: a reply in a thread also names its thread and channel (`?thread_ts=…&cid=…`). */
  permalinkOf(channel: string, ts: string): string {
    const link = `https://fake.slack.com/archives/${channel}/p${ts.replace('.', '')}`;
    const threadTs = this.message(channel, ts)?.threadTs;
    return threadTs === undefined || threadTs === ts ? link : `${link}?thread_ts=${threadTs}&cid=${channel}`;
  }

  /**
   * Someone presses a button on one of the app's messages: the `block_actions` payload Slack would send, as the
   * form body (`payload=…`) it arrives in.
   */
  buttonPress(input: { user: string; message: FakeMessage; actionId: string; value: string }): Record<string, string> {
    return this.#blockAction(input.user, input.message, {
      type: 'button',
      action_id: input.actionId,
      block_id: 'b',
      value: input.value,
      action_ts: `${Date.now() / 1000}`,
    });
  }

  /** Someone picks an option of a menu (`static_select`) on one of the app's messages. */
  menuChoice(input: { user: string; message: FakeMessage; actionId: string; value: string; text?: string }): Record<string, string> {
    return this.#blockAction(input.user, input.message, {
      type: 'static_select',
      action_id: input.actionId,
      block_id: 'b',
      selected_option: { text: { type: 'plain_text', text: input.text ?? input.value, emoji: true }, value: input.value },
      action_ts: `${Date.now() / 1000}`,
    });
  }

  /**
   * Someone presses a button on a private message the app sent through a `response_url`: Slack's payload names the
   * message only as an ephemeral container (no `message`), with a new response_url for that message.
   */
  privatePress(input: { user: string; message: PrivateMessage; actionId: string; value: string }): Record<string, string> {
    const m = input.message;
    const payload = {
      type: 'block_actions',
      user: { id: input.user, username: input.user.toLowerCase(), name: input.user.toLowerCase(), team_id: this.teamId },
      api_app_id: 'AFINAPP',
      token: 'legacy-verification-token',
      container: { type: 'message', message_ts: `${Date.now() / 1000}`, channel_id: m.channel, is_ephemeral: true },
      trigger_id: this.issueTriggerId(),
      team: { id: this.teamId, domain: 'fake' },
      channel: { id: m.channel, name: this.#channels.get(m.channel)?.name ?? 'directmessage' },
      response_url: this.privateReplies.issue({ channel: m.channel, user: input.user, original: m.id }),
      actions: [{ type: 'button', action_id: input.actionId, block_id: 'b', value: input.value, action_ts: `${Date.now() / 1000}` }],
    };
    return { payload: JSON.stringify(payload) };
  }

  /** The `block_actions` payload for one action on a message; a message in a thread says so, as Slack's do. */
  #blockAction(user: string, message: FakeMessage, action: Record<string, unknown>): Record<string, string> {
    const thread = message.threadTs !== undefined ? { thread_ts: message.threadTs } : {};
    const payload = {
      type: 'block_actions',
      user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: this.teamId },
      api_app_id: 'AFINAPP',
      token: 'legacy-verification-token',
      container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: false, ...thread },
      trigger_id: this.issueTriggerId(),
      team: { id: this.teamId, domain: 'fake' },
      channel: { id: message.channel, name: this.#channels.get(message.channel)?.name ?? '' },
      message: { type: 'message', ts: message.ts, text: message.text, blocks: message.blocks, ...thread },
      response_url: this.privateReplies.issue({ channel: message.channel, user }),
      actions: [action],
    };
    return { payload: JSON.stringify(payload) };
  }

  /**
   * Someone opens the app's Home or Messages tab (the DM with the app): the `app_home_opened` event, in its envelope.
   * Opening the Home tab carries the view last published there, as Slack's event does.
   */
  appHomeOpened(input: { user: string; channel: string; tab: 'home' | 'messages' }): EventEnvelope {
    const view = input.tab === 'home' ? this.homeViews.get(input.user) : undefined;
    return this.envelope({
      type: 'app_home_opened',
      user: input.user,
      channel: input.channel,
      tab: input.tab,
      event_ts: `${Date.now() / 1000}`,
      ...(view !== undefined ? { view: { id: `VHOME${input.user}`, team_id: this.teamId, ...view } } : {}),
    });
  }

  /**
   * Someone presses a button in their Home tab: the `block_actions` payload Slack sends for a view, with the view
   * (type home) and no channel, message or response_url.
   */
  homeButtonPress(input: { user: string; actionId: string; value: string; blockId: string }): Record<string, string> {
    const view = this.homeViews.get(input.user) ?? { type: 'home', blocks: [] };
    const id = `VHOME${input.user}`;
    const payload = {
      type: 'block_actions',
      user: { id: input.user, username: input.user.toLowerCase(), name: input.user.toLowerCase(), team_id: this.teamId },
      api_app_id: 'AFINAPP',
      token: 'legacy-verification-token',
      container: { type: 'view', view_id: id },
      trigger_id: this.issueTriggerId(),
      team: { id: this.teamId, domain: 'fake' },
      is_enterprise_install: false,
      view: { id, team_id: this.teamId, state: { values: {} }, hash: `${Date.now()}.home`, app_id: 'AFINAPP', bot_id: this.botId, ...view },
      actions: [
        { type: 'button', action_id: input.actionId, block_id: input.blockId, value: input.value, action_ts: `${Date.now() / 1000}` },
      ],
    };
    return { payload: JSON.stringify(payload) };
  }

  /**
   * Someone uses a message shortcut on a message: the `message_action` payload Slack sends (the message as Slack
   * shows it, with its thread: a reply names its parent's author, a parent with replies its thread and replies).
   */
  messageShortcut(input: { user: string; message: FakeMessage; callbackId: string }): Record<string, string> {
    const m = input.message;
    const payload = {
      type: 'message_action',
      callback_id: input.callbackId,
      trigger_id: this.issueTriggerId(),
      action_ts: `${Date.now() / 1000}`,
      message_ts: m.ts,
      team: { id: this.teamId, domain: 'fake' },
      user: { id: input.user, username: input.user.toLowerCase(), name: input.user.toLowerCase(), team_id: this.teamId },
      channel: { id: m.channel, name: this.#channels.get(m.channel)?.name ?? 'directmessage' },
      message: { ...messageJson(m), ...this.#threadFields(m) },
      response_url: this.privateReplies.issue({ channel: m.channel, user: input.user }),
      token: 'legacy-verification-token',
    };
    return { payload: JSON.stringify(payload) };
  }

  /** The fields Slack gives a message for its thread: `parent_user_id` on a reply; on a parent with replies, its replies. */
  #threadFields(m: FakeMessage): Record<string, unknown> {
    if (m.threadTs !== undefined && m.threadTs !== m.ts) {
      const parent = this.message(m.channel, m.threadTs)?.user;
      return parent === undefined ? {} : { parent_user_id: parent };
    }
    const replies = this.thread(m.channel, m.ts).filter((r) => r.ts !== m.ts);
    if (replies.length === 0) return {};
    const users = [...new Set(replies.flatMap((r) => (r.user === undefined ? [] : [r.user])))];
    return {
      thread_ts: m.ts,
      reply_count: replies.length,
      reply_users_count: users.length,
      reply_users: users,
      latest_reply: replies.at(-1)?.ts,
    };
  }

  /** Someone adds a reaction to a message: the `reaction_added` event, in its envelope. */
  reactionAdded(input: { user: string; message: FakeMessage; name: string }): EventEnvelope {
    const m = input.message;
    m.reactions = [...(m.reactions ?? []), input.name];
    m.reactedBy = [...(m.reactedBy ?? []), { name: input.name, user: input.user }];
    return this.#reactionEvent('reaction_added', input);
  }

  /** Someone removes a reaction they added: it leaves the message, and the `reaction_removed` event is returned. */
  reactionRemoved(input: { user: string; message: FakeMessage; name: string }): EventEnvelope {
    const m = input.message;
    const by = m.reactedBy?.findIndex((r) => r.name === input.name && r.user === input.user) ?? -1;
    if (by >= 0) {
      m.reactedBy?.splice(by, 1);
      const at = m.reactions?.lastIndexOf(input.name) ?? -1;
      if (at >= 0) m.reactions?.splice(at, 1);
    }
    return this.#reactionEvent('reaction_removed', input);
  }

  #reactionEvent(type: string, input: { user: string; message: FakeMessage; name: string }): EventEnvelope {
    const m = input.message;
    return this.envelope({
      type,
      user: input.user,
      reaction: input.name,
      item_user: m.user ?? this.botUserId,
      item: { type: 'message', channel: m.channel, ts: m.ts },
      event_ts: `${Date.now() / 1000}`,
    });
  }

  /**
   * A trigger id, as Slack sends with a click, a slash command or a form's submission: it opens one view, within
   * `triggerLifetimeMs` (3 seconds) of now. Shaped like Slack's (`12345.98765.abcd2358fdea`).
   */
  issueTriggerId(): string {
    this.#seq += 1;
    const id = `${this.#seq}.${Date.now()}.${Math.random().toString(16).slice(2, 14)}`;
    this.#triggers.set(id, { issuedAt: Date.now(), exchanged: false });
    return id;
  }

  /** Someone types a slash command: the form Slack posts to the app. */
  slashCommand(input: { user: string; channel: string; command: string; text: string }): Record<string, string> {
    return {
      token: 'legacy-verification-token',
      team_id: this.teamId,
      team_domain: 'fake',
      channel_id: input.channel,
      channel_name: this.#channels.get(input.channel)?.name ?? 'directmessage',
      user_id: input.user,
      user_name: input.user.toLowerCase(),
      command: input.command,
      text: input.text,
      api_app_id: 'AFINAPP',
      response_url: this.privateReplies.issue({ channel: input.channel, user: input.user }),
      trigger_id: this.issueTriggerId(),
    };
  }

  /**
   * Someone submits a modal the app opened, with `values` as Slack reports inputs:
   * `{ [blockId]: { [actionId]: { type, value | selected_option | selected_date | selected_date_time } } }`.
   */
  viewSubmission(input: { user: string; viewId: string; values: Record<string, Record<string, unknown>> }): Record<string, string> {
    const current = this.views.get(input.viewId);
    if (current === undefined) throw new Error(`no open view ${input.viewId}`);
    const payload = {
      type: 'view_submission',
      team: { id: this.teamId, domain: 'fake' },
      user: { id: input.user, username: input.user.toLowerCase(), name: input.user.toLowerCase(), team_id: this.teamId },
      api_app_id: 'AFINAPP',
      token: 'legacy-verification-token',
      trigger_id: this.issueTriggerId(),
      view: { ...current.view, id: input.viewId, hash: `h${input.viewId}`, state: { values: input.values } },
    };
    return { payload: JSON.stringify(payload) };
  }

  /** The modal opened most recently. */
  lastView(): { id: string; view: Record<string, unknown> } | undefined {
    const entries = [...this.views.entries()];
    const last = entries[entries.length - 1];
    return last === undefined ? undefined : { id: last[0], view: last[1].view };
  }

  /** A message the app posted earlier (before a restart, say), without a call being recorded. */
  appMessage(input: { channel: string; threadTs?: string; text: string }): FakeMessage {
    const message: FakeMessage = {
      channel: input.channel,
      ts: this.#nextTs(),
      ...(input.threadTs !== undefined ? { threadTs: input.threadTs } : {}),
      text: input.text,
      user: this.botUserId,
      botId: this.botId,
      edits: 0,
      deleted: false,
    };
    this.messages.push(message);
    return message;
  }

  envelope(event: Record<string, unknown>, eventId?: string): EventEnvelope {
    this.#eventSeq += 1;
    return {
      token: 'legacy-verification-token',
      team_id: this.teamId,
      api_app_id: 'AFINAPP',
      type: 'event_callback',
      event_id: eventId ?? `Ev${String(this.#eventSeq).padStart(8, '0')}`,
      event_time: Math.floor(Date.now() / 1000),
      event,
    };
  }

  /** Resolves with the first truthy value `probe` returns, checking after every call; fails after `timeoutMs`. */
  waitFor<T>(probe: () => T | undefined | null | false | 0 | '', timeoutMs = 5_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = probe();
        if (value) {
          cleanup();
          resolve(value);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`condition not met within ${timeoutMs} ms`));
      }, timeoutMs);
      const interval = setInterval(check, 25);
      const cleanup = () => {
        clearTimeout(timer);
        clearInterval(interval);
        this.off('call', check);
      };
      this.on('call', check);
      check();
    });
  }

  /**
   * Socket Mode: `apps.connections.open` hands out a WebSocket URL on this server; the client gets Slack's `hello`,
   * then events in envelopes that it acknowledges by `envelope_id`.
   */
  get appToken(): string {
    return this.#appToken;
  }

  /** Resolves once a Socket Mode client has connected and been greeted. */
  socketConnected(timeoutMs = 5_000): Promise<void> {
    return this.waitFor(() => this.#sockets.size > 0, timeoutMs).then(() => undefined);
  }

  /** Sends an Events API payload over Socket Mode; resolves when the app acknowledges it. */
  sendOverSocket(envelope: EventEnvelope, options: { retryAttempt?: number } = {}): Promise<void> {
    const socket = [...this.#sockets][0];
    if (socket === undefined) return Promise.reject(new Error('no Socket Mode client is connected'));
    const envelopeId = `env-${envelope.event_id}-${options.retryAttempt ?? 0}-${Math.random().toString(36).slice(2)}`;
    const acked = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the app did not acknowledge the envelope')), 5_000);
      this.#acks.set(envelopeId, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    socket.send(
      JSON.stringify({
        envelope_id: envelopeId,
        type: 'events_api',
        accepts_response_payload: false,
        retry_attempt: options.retryAttempt ?? 0,
        retry_reason: options.retryAttempt ? 'timeout' : '',
        payload: envelope,
      }),
    );
    return acked;
  }

  #socketServer(): WebSocketServer {
    if (this.#wss !== undefined) return this.#wss;
    const wss = new WebSocketServer({ server: this.#server.server, path: '/link' });
    wss.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { envelope_id?: string };
        if (message.envelope_id !== undefined) this.#acks.get(message.envelope_id)?.();
      });
      socket.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'AFINAPP' } }));
      this.emit('call', { method: 'socket.connected', args: {}, at: Date.now() });
    });
    this.#wss = wss;
    return wss;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.terminate();
    this.#wss?.close();
    await this.#server.close();
  }

  /** The `message` event Slack raises for a message the app posted (the app sees its own messages too). */
  #emitBotMessage(channel: string, ts: string, text: string, threadTs: string | undefined): void {
    this.emit(
      'app-event',
      this.envelope({
        type: 'message',
        channel,
        user: this.botUserId,
        bot_id: this.botId,
        text,
        ts,
        ...(threadTs !== undefined ? { thread_ts: threadTs } : {}),
        channel_type: this.#channels.get(channel)?.kind ?? 'channel',
      }),
    );
  }

  #nextTs(): string {
    this.#seq += 1;
    const seconds = Math.floor(Date.now() / 1000);
    return `${seconds}.${String(this.#seq).padStart(6, '0')}`;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.#url);
    const file = /^\/files-pri\/[^/]+-(F\d+)\//.exec(url.pathname);
    if (file !== null) {
      const id = file[1] ?? '';
      const authorized = req.headers.authorization === `Bearer ${this.token}`;
      this.downloads.push({ id, authorized });
      const stored = this.#files.get(id);
      if (!authorized || this.#filesNeedScope)
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<html><body>Sign in to Slack</body></html>');
      else if (stored === undefined) res.writeHead(404).end();
      else res.writeHead(200, { 'content-type': stored.mimetype, 'content-length': stored.content.length }).end(stored.content);
      return;
    }
    if (url.pathname.startsWith('/respond/')) {
      const body = JSON.parse((await readBody(req)) || '{}') as Record<string, unknown>;
      this.responses.push(body);
      const answer = this.privateReplies.receive(url.pathname.slice('/respond/'.length), body);
      const type = answer.body.startsWith('{') ? 'application/json' : 'text/plain';
      res.writeHead(answer.status, { 'content-type': type }).end(answer.body);
      this.emit('call', { method: 'response_url', args: {}, at: Date.now() });
      return;
    }
    const method = url.pathname.replace(/^\/api\//, '');
    const args = parseArgs(req.headers['content-type'], await readBody(req));
    const call: SlackCall = { method, args, at: Date.now() };
    this.calls.push(call);
    // The caller dying while the call is held: like real Slack, which never got it, nothing changes.
    if (!(await this.#waitOut(this.#delays.get(method), args, req, call))) return;

    const send = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
      call.ok = body.ok === true;
      if (typeof body.error === 'string') call.error = body.error;
      call.doneAt = Date.now();
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
      this.emit('call', call);
    };

    const auth = req.headers.authorization ?? (typeof args.token === 'string' ? `Bearer ${args.token}` : '');
    if (method === 'apps.connections.open') {
      if (auth !== `Bearer ${this.#appToken}`) {
        send(200, { ok: false, error: 'invalid_auth' });
        return;
      }
      this.#socketServer();
      send(200, { ok: true, url: `${this.#url.replace(/^http/, 'ws')}/link?ticket=${Date.now()}` });
      return;
    }
    if (auth !== `Bearer ${this.token}`) {
      send(200, { ok: false, error: 'invalid_auth' });
      return;
    }
    if (this.#deadToken !== undefined) {
      send(200, { ok: false, error: this.#deadToken });
      return;
    }
    const limited = this.#rateLimit(method, args);
    if (limited !== undefined) {
      send(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(limited) });
      return;
    }
    const failure = this.#takeFailure(method, args);
    if (failure !== undefined) {
      if (failure.error === 'ratelimited') {
        send(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(failure.retryAfterSeconds ?? 1) });
      } else {
        send(failure.status ?? 200, { ok: false, error: failure.error });
      }
      return;
    }
    const [status, body] = this.#answer(method, args, call.at);
    // Slack acted; the caller dying before it hears so leaves the effect behind.
    if (!(await this.#waitOut(this.#heldAnswers.get(method), args, req, call))) return;
    send(status, body);
  }

  /** Waits out a hold that applies to this call; false when the caller went away meanwhile (nothing is answered). */
  async #waitOut(hold: Hold | undefined, args: Record<string, unknown>, req: IncomingMessage, call: SlackCall): Promise<boolean> {
    if (hold === undefined || hold.ms <= 0 || (hold.when !== undefined && !hold.when(args))) return true;
    await new Promise((r) => setTimeout(r, hold.ms));
    if (!req.socket.destroyed) return true;
    call.error = 'client_gone';
    return false;
  }

  /** Seconds to wait when a call is beyond the configured limits; undefined when it may go. */
  #rateLimit(method: string, args: Record<string, unknown>): number | undefined {
    const now = Date.now();
    const take = (allowance: Allowance) => {
      const wait = allowance.take(now);
      return wait === 0 ? undefined : Math.max(1, Math.ceil(wait / 1000));
    };
    if (method === 'chat.update' && this.#limits?.update !== undefined) {
      this.#updateBucket ??= new Allowance(this.#limits.update.perMinute, this.#limits.update.burst);
      return take(this.#updateBucket);
    }
    if (method === 'users.info' && this.#limits?.usersInfo !== undefined) {
      this.#usersInfoBucket ??= new Allowance(this.#limits.usersInfo.perMinute, this.#limits.usersInfo.burst);
      return take(this.#usersInfoBucket);
    }
    if (method === 'chat.postMessage' && this.#limits?.postPerChannel !== undefined) {
      const channel = typeof args.channel === 'string' ? args.channel : '';
      let bucket = this.#postBuckets.get(channel);
      if (bucket === undefined) {
        bucket = new Allowance(this.#limits.postPerChannel.perMinute, this.#limits.postPerChannel.burst);
        this.#postBuckets.set(channel, bucket);
      }
      return take(bucket);
    }
    return undefined;
  }

  #takeFailure(method: string, args: Record<string, unknown>): ScriptedFailure | undefined {
    const list = this.#failures.get(method);
    const index = list?.findIndex((f) => f.left > 0 && (f.when === undefined || f.when(args))) ?? -1;
    const failure = index >= 0 ? list?.[index] : undefined;
    if (failure === undefined) return undefined;
    failure.left -= 1;
    return failure;
  }

  /** A trigger id that may open a view now (`at`), used up by it; otherwise the error Slack answers. */
  #exchangeTrigger(triggerId: string, at: number): string | undefined {
    const trigger = this.#triggers.get(triggerId);
    if (trigger === undefined) return 'invalid_trigger_id';
    if (trigger.exchanged) return 'exchanged_trigger_id';
    if (at - trigger.issuedAt > this.#triggerLifetimeMs) return 'expired_trigger_id';
    trigger.exchanged = true;
    return undefined;
  }

  /** `at`: when the call arrived (a delayed answer does not age its trigger id). */
  #answer(method: string, args: Record<string, unknown>, at: number): [number, Record<string, unknown>] {
    const str = (key: string) => (typeof args[key] === 'string' ? (args[key] as string) : undefined);
    switch (method) {
      case 'auth.test':
        return [
          200,
          {
            ok: true,
            url: 'https://fake.slack.com/',
            team: 'Fake',
            user: 'fin',
            team_id: this.teamId,
            user_id: this.botUserId,
            bot_id: this.botId,
          },
        ];
      case 'chat.postMessage': {
        const channel = str('channel') ?? '';
        if (!channel.startsWith('D') && this.#channels.size > 0 && !this.#channels.has(channel)) {
          return [200, { ok: false, error: 'channel_not_found' }];
        }
        const refused = refusal(messageBreaches(args, SLACK_LIMITS.message.text));
        if (refused !== undefined) return refused;
        const text = str('text') ?? '';
        const ts = this.#nextTs();
        const threadTs = str('thread_ts');
        const message: FakeMessage = {
          channel,
          ts,
          ...(threadTs !== undefined ? { threadTs } : {}),
          text,
          user: this.botUserId,
          botId: this.botId,
          blocks: args.blocks,
          edits: 0,
          deleted: false,
        };
        this.messages.push(message);
        this.#emitBotMessage(channel, ts, text, threadTs);
        return [200, { ok: true, channel, ts, message: { text, ts, user: this.botUserId, bot_id: this.botId } }];
      }
      case 'chat.startStream': {
        const channel = str('channel') ?? '';
        if (!channel.startsWith('D') && this.#channels.size > 0 && !this.#channels.has(channel)) {
          return [200, { ok: false, error: 'channel_not_found' }];
        }
        const threadTs = str('thread_ts');
        const markdown = str('markdown_text');
        if (threadTs === undefined || markdown === undefined || markdown === '') return [200, { ok: false, error: 'invalid_arguments' }];
        // Outside DMs Slack wants to know whom the stream is for.
        if (this.#channels.get(channel)?.kind !== 'im' && !channel.startsWith('D')) {
          if (str('recipient_team_id') === undefined) return [200, { ok: false, error: 'missing_recipient_team_id' }];
          if (str('recipient_user_id') === undefined) return [200, { ok: false, error: 'missing_recipient_user_id' }];
        }
        const ts = this.#nextTs();
        this.messages.push({
          channel,
          ts,
          threadTs,
          text: markdown,
          user: this.botUserId,
          botId: this.botId,
          edits: 0,
          deleted: false,
          streaming: true,
          streamActiveAt: Date.now(),
          streamParts: [markdown],
        });
        this.#emitBotMessage(channel, ts, markdown, threadTs);
        return [200, { ok: true, channel, ts }];
      }
      case 'chat.appendStream':
      case 'chat.stopStream': {
        const message = this.message(str('channel') ?? '', str('ts') ?? '');
        if (message === undefined || message.deleted) return [200, { ok: false, error: 'message_not_found' }];
        if (message.streaming === true && Date.now() - (message.streamActiveAt ?? 0) > this.#streamExpiryMs) message.streaming = false;
        if (message.streaming !== true) return [200, { ok: false, error: 'message_not_in_streaming_state' }];
        const markdown = str('markdown_text');
        if (method === 'chat.appendStream' && (markdown === undefined || markdown === ''))
          return [200, { ok: false, error: 'invalid_arguments' }];
        if (method === 'chat.stopStream' && args.blocks !== undefined) {
          const refused = refusal(messageBreaches({ blocks: args.blocks, text: 'x' }));
          if (refused !== undefined) return refused;
        }
        if (markdown !== undefined) {
          message.text += markdown;
          message.streamParts?.push(markdown);
        }
        message.streamActiveAt = Date.now();
        if (method === 'chat.stopStream') message.streaming = false;
        return [200, { ok: true, channel: message.channel, ts: message.ts }];
      }
      case 'chat.update': {
        const message = this.message(str('channel') ?? '', str('ts') ?? '');
        if (message === undefined || message.deleted) return [200, { ok: false, error: 'message_not_found' }];
        // Stricter than Slack is known to be: a message still streaming is stopped before it is edited.
        if (message.streaming === true) return [200, { ok: false, error: 'cant_update_message' }];
        const refused = refusal(messageBreaches(args, this.#updateLimit));
        if (refused !== undefined) return refused;
        const text = str('text') ?? '';
        message.text = text;
        if (args.blocks !== undefined) message.blocks = args.blocks;
        message.edits += 1;
        this.emit(
          'app-event',
          this.envelope({
            type: 'message',
            subtype: 'message_changed',
            channel: message.channel,
            hidden: true,
            ts: this.#nextTs(),
            message: { type: 'message', user: this.botUserId, bot_id: this.botId, text, ts: message.ts },
            channel_type: this.#channels.get(message.channel)?.kind ?? 'channel',
          }),
        );
        return [200, { ok: true, channel: message.channel, ts: message.ts, text }];
      }
      case 'chat.delete': {
        const message = this.message(str('channel') ?? '', str('ts') ?? '');
        if (message === undefined || message.deleted) return [200, { ok: false, error: 'message_not_found' }];
        message.deleted = true;
        return [200, { ok: true, channel: message.channel, ts: message.ts }];
      }
      case 'chat.getPermalink': {
        const message = this.message(str('channel') ?? '', str('message_ts') ?? '');
        if (message === undefined) return [200, { ok: false, error: 'message_not_found' }];
        return [200, { ok: true, channel: message.channel, permalink: this.permalinkOf(message.channel, message.ts) }];
      }
      case 'chat.postEphemeral': {
        const channel = str('channel') ?? '';
        if (!channel.startsWith('D') && this.#channels.size > 0 && !this.#channels.has(channel)) {
          return [200, { ok: false, error: 'channel_not_found' }];
        }
        const refused = refusal(messageBreaches(args, SLACK_LIMITS.message.text));
        if (refused !== undefined) return refused;
        this.ephemerals.push({ channel, user: str('user') ?? '', text: str('text') ?? '' });
        return [200, { ok: true, message_ts: this.#nextTs() }];
      }
      case 'assistant.threads.setStatus': {
        // Since 2026-03 this works in channels too, with chat:write; an empty status clears it; at most 10 loading messages.
        const channel = str('channel_id') ?? '';
        const threadTs = str('thread_ts') ?? '';
        const status = args.status;
        const loading = args.loading_messages;
        const messages = typeof loading === 'string' ? (JSON.parse(loading) as unknown) : loading;
        if (channel === '' || threadTs === '' || typeof status !== 'string') return [200, { ok: false, error: 'invalid_arguments' }];
        if (messages !== undefined && (!Array.isArray(messages) || messages.length > 10))
          return [200, { ok: false, error: 'invalid_arguments' }];
        if (status === '') this.statuses.delete(`${channel}:${threadTs}`);
        else this.statuses.set(`${channel}:${threadTs}`, { status, loadingMessages: (messages ?? []) as string[], at: Date.now() });
        return [200, { ok: true }];
      }
      case 'assistant.threads.setSuggestedPrompts': {
        const channel = str('channel_id') ?? '';
        const raw = typeof args.prompts === 'string' ? (JSON.parse(args.prompts) as unknown) : args.prompts;
        const prompts = Array.isArray(raw) ? (raw as { title?: unknown; message?: unknown }[]) : undefined;
        const wellFormed = prompts?.every(
          (p) => typeof p.title === 'string' && p.title !== '' && typeof p.message === 'string' && p.message !== '',
        );
        if (channel === '' || prompts === undefined || prompts.length === 0 || !wellFormed)
          return [200, { ok: false, error: 'invalid_arguments' }];
        if (prompts.length > SLACK_LIMITS.suggestedPrompts.prompts) return [200, { ok: false, error: 'invalid_arguments' }];
        // An agent app naming a thread fails silently, as Slack documents: nothing is shown.
        if (str('thread_ts') === undefined) {
          this.suggestedPrompts.set(channel, {
            title: str('title'),
            prompts: prompts.map((p) => ({ title: String(p.title), message: String(p.message) })),
          });
        }
        return [200, { ok: true }];
      }
      case 'reactions.add': {
        const message = this.message(str('channel') ?? '', str('timestamp') ?? '');
        if (message === undefined || message.deleted) return [200, { ok: false, error: 'message_not_found' }];
        const name = str('name') ?? '';
        message.reactions ??= [];
        // Per person, as in Slack: a reaction people added with the same emoji does not stop the app's.
        const named = (message.reactedBy ?? []).filter((r) => r.name === name);
        const unnamed = message.reactions.filter((r) => r === name).length - named.length;
        if (unnamed > 0 || named.some((r) => r.user === this.botUserId)) return [200, { ok: false, error: 'already_reacted' }];
        message.reactions.push(name);
        message.reactedBy = [...(message.reactedBy ?? []), { name, user: this.botUserId }];
        return [200, { ok: true }];
      }
      case 'views.publish': {
        // A Home tab: the limits of a view of type home (block-kit-limits.ts).
        const user = str('user_id') ?? '';
        const view = (typeof args.view === 'string' ? JSON.parse(args.view) : args.view) as Record<string, unknown> | undefined;
        if (user === '' || view === undefined) return [200, { ok: false, error: 'invalid_arguments' }];
        const refused = refusal(viewBreaches(view, 'home'));
        if (refused !== undefined) return refused;
        this.homeViews.set(user, view);
        return [200, { ok: true, view: { id: `VHOME${user}`, ...view } }];
      }
      case 'views.open':
      case 'views.push': {
        const triggerId = str('trigger_id');
        const view = args.view;
        if (triggerId === undefined)
          return [200, { ok: false, error: 'invalid_arguments', response_metadata: { messages: ['[ERROR] invalid `trigger_id`'] } }];
        const refused = refusal(viewBreaches(view));
        if (refused !== undefined) return refused;
        const triggerError = this.#exchangeTrigger(triggerId, at);
        if (triggerError !== undefined) return [200, { ok: false, error: triggerError }];
        this.#views += 1;
        const id = `V${String(this.#views).padStart(6, '0')}`;
        this.views.set(id, { view: view as Record<string, unknown>, triggerId });
        return [200, { ok: true, view: { id, hash: `h${id}`, ...(view as Record<string, unknown>) } }];
      }
      case 'views.update': {
        const id = str('view_id') ?? '';
        const refused = refusal(viewBreaches(args.view));
        if (refused !== undefined) return refused;
        const current = this.views.get(id);
        if (current === undefined) return [200, { ok: false, error: 'not_found' }];
        current.view = args.view as Record<string, unknown>;
        return [200, { ok: true, view: { id, ...(args.view as Record<string, unknown>) } }];
      }
      case 'conversations.open': {
        // A 1:1 DM with the app: the workspace's, if it has one for this person, or a new one.
        const user = str('users') ?? '';
        if (!this.#users.has(user) || user.includes(',')) return [200, { ok: false, error: 'user_not_found' }];
        const existing = [...this.#channels.values()].find((c) => c.kind === 'im' && c.members?.length === 1 && c.members[0] === user);
        const dm = existing ?? { id: `D${user.replace(/^[UW]/, '')}`, kind: 'im' as const, members: [user] };
        this.#channels.set(dm.id, dm);
        return [200, { ok: true, channel: { id: dm.id } }];
      }
      case 'conversations.members': {
        const channel = this.#channels.get(str('channel') ?? '');
        if (channel === undefined) return [200, { ok: false, error: 'channel_not_found' }];
        return [200, { ok: true, members: [...(channel.members ?? [])], response_metadata: { next_cursor: '' } }];
      }
      case 'users.info': {
        const user = this.#users.get(str('user') ?? '');
        if (user === undefined) return [200, { ok: false, error: 'user_not_found' }];
        return [
          200,
          {
            ok: true,
            user: {
              id: user.id,
              name: user.name,
              real_name: user.realName ?? user.name,
              is_bot: user.isBot ?? false,
              profile: { display_name: user.name, real_name: user.realName ?? user.name, ...(user.email ? { email: user.email } : {}) },
            },
          },
        ];
      }
      case 'conversations.info': {
        const channel = this.#channels.get(str('channel') ?? '');
        if (channel === undefined) return [200, { ok: false, error: 'channel_not_found' }];
        return [
          200,
          {
            ok: true,
            channel: {
              id: channel.id,
              name: channel.name,
              is_im: channel.kind === 'im',
              is_mpim: channel.kind === 'mpim',
              is_private: channel.kind === 'group',
              is_channel: channel.kind === 'channel',
            },
          },
        ];
      }
      case 'conversations.replies': {
        const oldest = Number(str('oldest') ?? '0');
        const messages = this.thread(str('channel') ?? '', str('ts') ?? '')
          .filter((m) => Number(m.ts) > oldest)
          .map(messageJson);
        return [200, { ok: true, messages, has_more: false }];
      }
      default:
        return [200, { ok: false, error: 'unknown_method' }];
    }
  }
}

/** A message as Slack's API shows it (in `conversations.replies`, in a shortcut's payload). */
function messageJson(m: FakeMessage): Record<string, unknown> {
  return {
    type: 'message',
    ts: m.ts,
    text: m.text,
    ...(m.user !== undefined ? { user: m.user } : {}),
    ...(m.botId !== undefined ? { bot_id: m.botId } : {}),
    ...(m.threadTs !== undefined ? { thread_ts: m.threadTs } : {}),
  };
}

/** Slack's answer to a call with `breaches`: the first one's error, and every one in `response_metadata.messages`. */
function refusal(breaches: readonly Breach[]): [number, Record<string, unknown>] | undefined {
  const first = breaches[0];
  if (first === undefined) return undefined;
  return [200, { ok: false, error: first.error, response_metadata: { messages: describeBreaches(breaches) } }];
}

function parseArgs(contentType: string | undefined, raw: string): Record<string, unknown> {
  if (raw === '') return {};
  if (contentType?.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    // The Web API client JSON-encodes structured arguments (blocks, view, metadata) inside the form.
    args[key] = STRUCTURED.has(key) ? tryJson(value) : value;
  }
  return args;
}

const STRUCTURED = new Set(['blocks', 'attachments', 'view', 'metadata', 'chunks']);

function tryJson(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/**
 * Slack's kind of rate limit, modelled as a generic cell rate algorithm: `perMinute` on average, up to `burst` at
 * once. Written independently of the app's own budget, so a test cannot pass just because both share a mistake.
 */
class Allowance {
  readonly #interval: number;
  readonly #tolerance: number;
  #theoretical = 0;

  constructor(perMinute: number, burst: number) {
    this.#interval = 60_000 / perMinute;
    this.#tolerance = this.#interval * (burst - 1);
  }

  /** 0 when the call may go (and counts it); otherwise how many ms until one may. */
  take(now: number): number {
    const tat = Math.max(this.#theoretical, now);
    const early = tat - this.#tolerance - now;
    if (early > 0) return early;
    this.#theoretical = tat + this.#interval;
    return 0;
  }
}
