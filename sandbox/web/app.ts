/**
 * The sandbox page: a small Slack-like client for the emulated workspace. It renders what the fake Slack holds
 * (messages as the app posted and edited them, Block Kit posts, modals the app opened) and sends what a person does
 * back through the sandbox server, which turns it into the signed requests Slack would send the app.
 */
import { confirmDialog, renderBlocks, renderModalBlocks, textObject } from './blocks.ts';
import { type EmojiTable, emojiChar, useEmojiTable } from './emoji.ts';
import { type Directory, escapeHtml, renderMrkdwn } from './mrkdwn.ts';

interface User {
  readonly id: string;
  readonly name: string;
  readonly realName: string;
  readonly role: 'customer' | 'agent';
}
interface Channel {
  readonly id: string;
  readonly name: string;
  readonly kind: 'channel' | 'im';
  /** For a DM: the person whose DM with the app it is. */
  readonly owner?: string;
  readonly members: string[];
}
interface Message {
  readonly channel: string;
  readonly ts: string;
  readonly threadTs?: string;
  readonly text: string;
  readonly user?: string;
  readonly botId?: string;
  readonly blocks?: unknown;
  /** One entry per emoji, in the order first added: who added it (the app's own marks name the app). */
  readonly reactions?: Reaction[];
  readonly streaming?: boolean;
}
interface Reaction {
  readonly name: string;
  readonly users: string[];
}
interface Shortcut {
  readonly name: string;
  readonly callbackId: string;
}
interface OpenView {
  readonly id: string;
  readonly user: string;
  readonly view: Record<string, unknown>;
}
interface Ephemeral {
  readonly channel: string;
  readonly user: string;
  readonly text: string;
  /** Posted in this thread; in the channel itself when not set. */
  readonly threadTs?: string;
  /** The newest message's ts when it came: it shows after that message. */
  readonly after: string;
  /** When it came (ms). */
  readonly at: number;
  /** Sent by the app, or said by Slack itself (a command it cannot run). */
  readonly from: 'app' | 'slack';
  /**
   * A private message the app sent through a response_url (or acknowledged a command with): the id its buttons name
   * it by. It is replaced or deleted in place as the app says.
   */
  readonly id?: number;
  readonly blocks?: unknown;
}
interface SuggestedPrompts {
  /** The call's title, shown above the prompts. */
  readonly title?: string;
  readonly prompts: { readonly title: string; readonly message: string }[];
}
/** Slack's thinking indicator under a thread (`assistant.threads.setStatus`), until the app clears it. */
interface ThreadStatus {
  readonly channel: string;
  readonly threadTs: string;
  readonly status: string;
  readonly loadingMessages: string[];
  /** When it was last set (ms). */
  readonly at: number;
}
interface State {
  readonly users: User[];
  readonly bot: { readonly id: string; readonly name: string };
  readonly channels: Channel[];
  readonly messages: Message[];
  readonly views: OpenView[];
  readonly ephemerals: Ephemeral[];
  /** The prompts the app last suggested in each DM with it, by channel. */
  readonly suggestedPrompts: Record<string, SuggestedPrompts>;
  /** Each person's Home tab, as the app last published it, by user. */
  readonly homeViews: Record<string, { readonly blocks?: unknown }>;
  readonly statuses: ThreadStatus[];
  readonly finMode: string;
  /** The procedure ids the simulated Fin knows (any other is "not found"). */
  readonly procedures: string[];
  /** The app's message shortcuts, offered in each message's "More actions" menu. */
  readonly shortcuts: Shortcut[];
}

const $ = <T extends HTMLElement>(selector: string): T => {
  const found = document.querySelector<T>(selector);
  if (found === null) throw new Error(`missing ${selector}`);
  return found;
};

let state: State | undefined;
let me = '';
let channelId = '';
let threadTs: string | undefined;
let shownView = '';
/** Which tab of the app is open when the DM with it is: its Home tab or its Messages tab (the DM itself). */
let appTab: 'home' | 'messages' = 'messages';
/** The tab the app was last told this person opened (`app_home_opened`); empty when they are elsewhere. */
let announced = '';
let shownHome = '';
let shownThinking = '';
/** The message a permalink the reader followed points at: highlighted while its thread is open. */
let linked: { readonly channel: string; readonly ts: string; readonly threadTs: string } | undefined;
/** The reaction picker or "More actions" menu, open for one message. */
let popover: { readonly kind: 'react' | 'more'; readonly channel: string; readonly ts: string } | undefined;

const directory: Directory = {
  userName: (id) => (id === state?.bot.id ? state.bot.name : state?.users.find((u) => u.id === id)?.realName),
  channelName: (id) => state?.channels.find((c) => c.id === id)?.name,
};

async function api(path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(
    path,
    body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  );
  const text = await res.text();
  const json = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  if (!res.ok) throw new Error(String(json.error ?? res.status));
  return json;
}

function visibleChannels(): Channel[] {
  return (state?.channels ?? []).filter((c) => c.members.includes(me));
}

/**
 * The message a Slack permalink points at: `…/archives/C123/p1712345678000100`, and for a reply in a thread
 * `?thread_ts=1712345600.000050&cid=C123` after it (as `chat.getPermalink` answers). Undefined for any other link.
 */
function permalinkTarget(href: string): { channel: string; ts: string; threadTs: string } | undefined {
  const url = URL.canParse(href) ? new URL(href) : undefined;
  const path = url === undefined ? null : /\/archives\/([A-Z0-9]+)\/p(\d+)(\d{6})$/.exec(url.pathname);
  if (url === undefined || path === null) return undefined;
  const ts = `${path[2]}.${path[3]}`;
  const thread = url.searchParams.get('thread_ts') ?? '';
  return { channel: path[1] ?? '', ts, threadTs: /^\d+\.\d+$/.test(thread) ? thread : ts };
}

/** A reaction's emoji: `name` or `name::skin-tone-N`, as Slack names reactions. */
function emoji(reaction: string): string {
  const [name = '', tone] = reaction.split('::skin-tone-');
  return escapeHtml(emojiChar(name, tone) ?? `:${reaction}:`);
}

/** Inline icons for the message toolbar, drawn like Slack's (no image files). */
const ICONS = {
  reaction:
    '<svg viewBox="0 0 20 20" aria-hidden="true"><circle cx="9" cy="10" r="6.5" fill="none" stroke="currentColor" stroke-width="1.5"/><circle cx="6.8" cy="8.6" r="1" fill="currentColor"/><circle cx="11.2" cy="8.6" r="1" fill="currentColor"/><path d="M6.3 11.6a3.2 3.2 0 0 0 5.4 0" fill="none" stroke="currentColor" stroke-width="1.4" stroke-linecap="round"/><path d="M16.5 2v5M14 4.5h5" stroke="currentColor" stroke-width="1.5" stroke-linecap="round"/></svg>',
  more: '<svg viewBox="0 0 20 20" aria-hidden="true"><circle cx="10" cy="4.5" r="1.6" fill="currentColor"/><circle cx="10" cy="10" r="1.6" fill="currentColor"/><circle cx="10" cy="15.5" r="1.6" fill="currentColor"/></svg>',
  eye: '<svg viewBox="0 0 20 20" aria-hidden="true"><path d="M1.5 10S4.5 4.5 10 4.5 18.5 10 18.5 10 15.5 15.5 10 15.5 1.5 10 1.5 10z" fill="none" stroke="currentColor" stroke-width="1.5"/><circle cx="10" cy="10" r="2.5" fill="currentColor"/></svg>',
};

/** Who added a reaction, as Slack's tooltip says it: "Alice Martin (you) and Fin reacted with :tada:". */
function reactedWith(reaction: Reaction): string {
  const names = reaction.users.map((u) => `${directory.userName(u) ?? u}${u === me ? ' (you)' : ''}`);
  const who = names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  return `${who} reacted with :${reaction.name}:`;
}

function reactionsHtml(m: Message): string {
  const reactions = m.reactions ?? [];
  if (reactions.length === 0) return '';
  const pills = reactions
    .map((r) => {
      const mine = r.users.includes(me);
      return `<button type="button" class="reaction${mine ? ' mine' : ''}" data-reaction="${escapeHtml(r.name)}" title="${escapeHtml(reactedWith(r))}" aria-pressed="${mine}"><span class="reaction-emoji">${emoji(r.name)}</span><span class="reaction-count">${r.users.length}</span></button>`;
    })
    .join('');
  return `<div class="reactions">${pills}<button type="button" class="reaction-add" data-react-to title="Add reaction" aria-label="Add reaction">${ICONS.reaction}</button></div>`;
}

function messageHtml(m: Message, inThread: boolean): string {
  const author = m.botId !== undefined ? (state?.bot.name ?? 'Fin') : (directory.userName(m.user ?? '') ?? m.user ?? '?');
  const body = Array.isArray(m.blocks) && m.blocks.length > 0 ? renderBlocks(m.blocks, directory) : renderMrkdwn(m.text, directory);
  const replies = inThread ? [] : (state?.messages ?? []).filter((r) => r.channel === m.channel && r.threadTs === m.ts && r.ts !== m.ts);
  const time = new Date(Number(m.ts.split('.')[0]) * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const open = popover !== undefined && popover.channel === m.channel && popover.ts === m.ts;
  const highlighted = inThread && linked?.channel === m.channel && linked.ts === m.ts && linked.threadTs === threadTs;
  return `<article class="message${m.botId !== undefined ? ' from-app' : ''}${open ? ' menu-open' : ''}${highlighted ? ' linked' : ''}" data-ts="${escapeHtml(m.ts)}" data-channel="${escapeHtml(m.channel)}">
    <div class="avatar">${escapeHtml(author.slice(0, 1))}</div>
    <div class="content">
      <header><span class="author">${escapeHtml(author)}</span>${m.botId !== undefined ? '<span class="app-badge">APP</span>' : ''}<time>${time}</time>${
        m.streaming ? '<span class="streaming">streaming…</span>' : ''
      }</header>
      <div class="body">${body}</div>
      ${reactionsHtml(m)}
      ${inThread ? '' : `<div class="thread-row"><button class="thread-link" data-open-thread="${escapeHtml(m.ts)}">${replies.length > 0 ? `${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}` : 'Reply in thread'}</button>${threadThinking(m)}</div>`}
    </div>
    <div class="msg-actions" role="toolbar" aria-label="Message actions">
      <button type="button" class="msg-action" data-react-to title="Add reaction" aria-label="Add reaction">${ICONS.reaction}</button>
      <button type="button" class="msg-action" data-more-actions title="More actions" aria-label="More actions">${ICONS.more}</button>
    </div>
  </article>`;
}

/** Slack's indicator under a thread the app is working in, if it set one. */
function statusOf(channel: string, ts: string | undefined): ThreadStatus | undefined {
  return ts === undefined ? undefined : state?.statuses.find((s) => s.channel === channel && s.threadTs === ts);
}

/** How often Slack moves on to the next loading message (not documented; about this in its clients). */
const LOADING_EVERY_MS = 2_500;

function loadingNow(s: { loadingMessages: readonly string[]; at: number }): string {
  const n = s.loadingMessages.length;
  return n === 0 ? '' : (s.loadingMessages[Math.floor(Math.max(0, Date.now() - s.at) / LOADING_EVERY_MS) % n] ?? '');
}

/**
 * The indicator as Slack shows it: the app's name and its status ("Fin is thinking…"), with the loading messages
 * going round after it.
 */
function thinkingHtml(s: ThreadStatus): string {
  const loading =
    s.loadingMessages.length === 0
      ? ''
      : `<span class="thinking-loading" data-loading="${escapeHtml(JSON.stringify(s.loadingMessages))}" data-since="${s.at}">${escapeHtml(loadingNow(s))}</span>`;
  return `<span class="thinking-dots" aria-hidden="true"><i></i><i></i><i></i></span><span class="thinking-text"><b>${escapeHtml(state?.bot.name ?? 'Fin')}</b> ${escapeHtml(s.status)}</span>${loading}`;
}

/** Under a thread's first message in the channel: the app is working in that thread. */
function threadThinking(m: Message): string {
  const s = statusOf(m.channel, m.ts);
  return s === undefined
    ? ''
    : `<span class="thinking inline" data-testid="thread-thinking"><b>${escapeHtml(state?.bot.name ?? 'Fin')}</b> ${escapeHtml(s.status)}</span>`;
}

/** Moves every shown indicator on to its current loading message. */
function tickLoading(): void {
  for (const el of document.querySelectorAll<HTMLElement>('.thinking-loading[data-loading]')) {
    const messages = JSON.parse(el.dataset.loading ?? '[]') as string[];
    const next = loadingNow({ loadingMessages: messages, at: Number(el.dataset.since ?? 0) });
    if (el.textContent !== next) el.textContent = next;
  }
}

/** Slack timestamps in order (seconds, then the sequence after the dot: too many digits for one number). */
function tsBefore(a: string, b: string): boolean {
  const [as = '0', af = '0'] = a.split('.');
  const [bs = '0', bf = '0'] = b.split('.');
  return Number(as) !== Number(bs) ? Number(as) < Number(bs) : Number(af) < Number(bf);
}

/** Messages with the reader's ephemeral ones among them, each where it came (ts order), as Slack shows them. */
function withEphemerals(messages: readonly Message[], inThread: boolean): string {
  const mine = (state?.ephemerals ?? []).filter(
    (e) => e.channel === channelId && e.user === me && e.threadTs === (inThread ? threadTs : undefined),
  );
  const ephemeral = (e: Ephemeral) => {
    // Slack's own answers come from Slackbot; the app's from the app, marked as such.
    const author = e.from === 'slack' ? 'Slackbot' : (state?.bot.name ?? 'Fin');
    const time = new Date(e.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    const body = Array.isArray(e.blocks) && e.blocks.length > 0 ? renderBlocks(e.blocks, directory) : renderMrkdwn(e.text, directory);
    return `<article class="message ephemeral${e.from === 'app' ? ' from-app' : ' from-slack'}"${e.id === undefined ? '' : ` data-private-id="${e.id}"`}>
      <div class="avatar">${escapeHtml(author.slice(0, 1))}</div>
      <div class="content">
        <div class="ephemeral-note">${ICONS.eye}<span>Only visible to you</span></div>
        <header><span class="author">${escapeHtml(author)}</span>${e.from === 'app' ? '<span class="app-badge">APP</span>' : ''}<time>${time}</time></header>
        <div class="body">${body}</div>
      </div>
    </article>`;
  };
  let next = 0;
  const html: string[] = [];
  for (const m of messages) {
    while (next < mine.length && tsBefore(mine[next]?.after ?? '', m.ts)) html.push(ephemeral(mine[next++] as Ephemeral));
    html.push(messageHtml(m, inThread));
  }
  return html.join('') + mine.slice(next).map(ephemeral).join('');
}

function render(): void {
  if (state === undefined) return;
  const users = $<HTMLSelectElement>('#user');
  if (users.options.length === 0) {
    users.innerHTML = state.users.map((u) => `<option value="${escapeHtml(u.id)}">${escapeHtml(u.realName)} (${u.role})</option>`).join('');
    users.value = me;
  }
  $<HTMLSelectElement>('#fin-mode').value = state.finMode;
  const channels = visibleChannels();
  if (!channels.some((c) => c.id === channelId)) channelId = channels[0]?.id ?? '';
  $('#channels').innerHTML = channels
    .map(
      (c) =>
        `<li><button class="channel${c.id === channelId ? ' active' : ''}" data-channel-id="${escapeHtml(c.id)}">${c.kind === 'im' ? `${escapeHtml(state?.bot.name ?? 'Fin')} (DM)` : `# ${escapeHtml(c.name)}`}</button></li>`,
    )
    .join('');
  const channel = channels.find((c) => c.id === channelId);
  // The DM with the app is the app's Messages tab; its Home tab sits next to it, as in Slack.
  const isApp = channel?.kind === 'im';
  const tab = isApp ? appTab : 'messages';
  $('#channel-title').innerHTML =
    channel === undefined
      ? ''
      : isApp
        ? `<span class="title-avatar">${escapeHtml(state.bot.name.slice(0, 1))}</span><span>${escapeHtml(state.bot.name)}</span><span class="app-badge">APP</span>`
        : `#${escapeHtml(channel.name)}`;
  $('#app-tabs').hidden = !isApp;
  for (const button of document.querySelectorAll<HTMLElement>('[data-app-tab]')) {
    const selected = button.dataset.appTab === tab;
    button.classList.toggle('active', selected);
    button.setAttribute('aria-selected', String(selected));
  }
  renderHome(tab === 'home');
  $('#messages').hidden = tab === 'home';
  $('#composer').hidden = tab === 'home';
  renderPrompts(isApp && tab === 'messages' ? state.suggestedPrompts[channelId] : undefined);
  const roots = state.messages.filter((m) => m.channel === channelId && (m.threadTs === undefined || m.threadTs === m.ts));
  const list = $('#messages');
  list.innerHTML = withEphemerals(roots, false);
  collapseLong(list);
  const demo = state.procedures[0];
  $<HTMLTextAreaElement>('#composer-input').placeholder =
    channel?.kind === 'im'
      ? `Message ${state.bot.name}`
      : `Message #${channel?.name ?? ''} — mention @${state.bot.name} to ask${demo === undefined ? '' : `, or /fin-procedure ${demo}`}`;
  $('#procedure-help').innerHTML =
    demo === undefined
      ? ''
      : `Run a procedure: type <b>/fin-procedure</b> in #support to pick one, or name it: <b>/fin-procedure refund</b> (or its id, ${escapeHtml(demo)}).`;

  const pane = $('#thread');
  const root = threadTs === undefined ? undefined : state.messages.find((m) => m.channel === channelId && m.ts === threadTs);
  pane.hidden = root === undefined;
  if (root !== undefined) {
    const replies = state.messages.filter((m) => m.channel === channelId && m.threadTs === root.ts && m.ts !== root.ts);
    const thread = $('#thread-messages');
    thread.innerHTML = withEphemerals([root, ...replies], true);
    collapseLong(thread);
  }
  renderThinking(root === undefined ? undefined : statusOf(channelId, root.ts));
  // A menu whose message is no longer shown (another channel, another person) closes.
  if (popover !== undefined) {
    const { channel: c, ts } = popover;
    const shown = [...document.querySelectorAll<HTMLElement>('.message[data-ts]')].some(
      (m) => m.dataset.ts === ts && m.dataset.channel === c,
    );
    if (!shown) closePopover();
  }
  // After the thread pane has opened or closed: the channel's width, and so its messages' heights, depend on it.
  channelScroll.stick();
  threadScroll.stick();
  renderModal();
  announceOpened(isApp ? tab : undefined);
}

/**
 * Slack tells the app each time a person opens its Home tab or its Messages tab (`app_home_opened`): on the way into
 * either, not on every change while they are there.
 */
function announceOpened(tab: 'home' | 'messages' | undefined): void {
  const key = tab === undefined ? '' : `${me}:${tab}`;
  if (key === announced) return;
  announced = key;
  if (tab !== undefined) void api('/api/home-opened', { user: me, tab }).catch((error: Error) => showToast(error.message));
}

/** The person's Home tab: the view the app published for them (until it has, an empty tab, as Slack shows it). */
function renderHome(open: boolean): void {
  const home = $('#home');
  home.hidden = !open;
  if (!open) return;
  const view = state?.homeViews[me];
  const html =
    view === undefined
      ? '<div class="home-empty">Loading…</div>'
      : `<div class="home-view body" data-testid="home-view">${renderBlocks(view.blocks, directory)}</div>`;
  // Rendered again only when it changed: the reader's scroll position and a hovered button stay as they are.
  if (html === shownHome) return;
  shownHome = html;
  home.innerHTML = html;
}

/** The app's suggested prompts in its DM, as Slack shows them above the message box: its title, then one chip each. */
function renderPrompts(suggested: SuggestedPrompts | undefined): void {
  const box = $('#prompts');
  const prompts = suggested?.prompts ?? [];
  box.hidden = prompts.length === 0;
  box.innerHTML =
    prompts.length === 0
      ? ''
      : `<div class="prompts-title">${escapeHtml(suggested?.title ?? 'Suggested prompts')}</div><div class="prompt-chips">${prompts
          .map(
            (p, i) =>
              `<button type="button" class="prompt" data-prompt="${i}" title="${escapeHtml(p.message)}">${escapeHtml(p.title)}</button>`,
          )
          .join('')}</div>`;
}

/** Slack's indicator at the foot of the open thread while the app says it is working there. */
function renderThinking(status: ThreadStatus | undefined): void {
  const line = $('#thinking');
  line.hidden = status === undefined;
  const key = status === undefined ? '' : JSON.stringify(status);
  if (key === shownThinking) return;
  shownThinking = key;
  line.innerHTML = status === undefined ? '' : thinkingHtml(status);
}

/**
 * Slack keeps a conversation at its newest message while the reader is there (at or near the bottom), and leaves the
 * position alone once they have scrolled up to read. Whether the reader is there is decided by their scrolling, not
 * after the fact: a new message, the thread pane opening (narrower lines, taller messages) or an image loading all
 * change heights, and none of them should unstick a reader who was at the bottom.
 */
function follow(el: HTMLElement): { stick(): void; pin(): void; stay(change: () => void): void } {
  let pinned = true;
  let staying = false;
  const atBottom = () => el.scrollHeight - el.scrollTop - el.clientHeight < 40;
  const stick = () => {
    if (pinned && !staying) el.scrollTop = el.scrollHeight;
  };
  el.addEventListener('scroll', () => {
    pinned = atBottom();
  });
  new ResizeObserver(stick).observe(el);
  // Images (and anything else that loads) grow a message after it is shown.
  el.addEventListener('load', stick, true);
  return {
    stick,
    pin: () => {
      pinned = true;
      stick();
    },
    /** A change the reader made to what they are reading (opening a long message): the view does not move. */
    stay: (change: () => void) => {
      staying = true;
      try {
        change();
      } finally {
        staying = false;
        pinned = atBottom();
      }
    },
  };
}
const channelScroll = follow($('#messages'));
const threadScroll = follow($('#thread-messages'));

/**
 * Slack collapses a long message to its first screenful with a "Show more" control (and "Show less" once opened).
 * Slack does not document the height; about 20 lines of text is what its desktop client shows before collapsing.
 */
const COLLAPSE_ABOVE_PX = 440;
const expanded = new Set<string>();

function collapseLong(container: HTMLElement): void {
  for (const message of container.querySelectorAll<HTMLElement>('.message[data-ts]')) {
    const body = message.querySelector<HTMLElement>('.body');
    if (body === null || body.scrollHeight <= COLLAPSE_ABOVE_PX) continue;
    const key = `${message.dataset.channel ?? ''}:${message.dataset.ts ?? ''}`;
    const open = expanded.has(key);
    body.classList.toggle('collapsed', !open);
    body.style.setProperty('--collapsed-height', `${COLLAPSE_ABOVE_PX - 80}px`);
    body.insertAdjacentHTML(
      'afterend',
      `<button type="button" class="show-more" data-show-more="${escapeHtml(key)}">${open ? 'Show less' : 'Show more'}</button>`,
    );
  }
}

/** The picker's emoji: Slack's usual quick reactions, and the ones that ask for a person (:raising_hand:, :sos:). */
const QUICK_REACTIONS = ['raising_hand', '+1', 'white_check_mark', 'eyes', 'tada', 'heart', 'pray', 'sos'];

function pickerHtml(): string {
  const first = QUICK_REACTIONS[0] ?? '';
  return `<div class="picker" role="dialog" aria-label="Add reaction">
    <div class="popover-title">Add reaction</div>
    <div class="picker-grid">${QUICK_REACTIONS.map(
      (name) =>
        `<button type="button" class="picker-emoji" data-pick="${escapeHtml(name)}" title=":${escapeHtml(name)}:" aria-label=":${escapeHtml(name)}:">${emoji(name)}</button>`,
    ).join('')}</div>
    <div class="picker-preview"><span class="picker-preview-emoji">${emoji(first)}</span><span class="picker-preview-name">:${escapeHtml(first)}:</span></div>
  </div>`;
}

/** A message's "More actions" menu: here, the app's message shortcuts, each with the app's name as Slack lists them. */
function moreActionsHtml(): string {
  const app = state?.bot.name ?? 'Fin';
  const shortcuts = state?.shortcuts ?? [];
  const items =
    shortcuts.length === 0
      ? '<div class="menu-empty">No message shortcuts</div>'
      : shortcuts
          .map(
            (s) =>
              `<button type="button" role="menuitem" class="menu-item" data-shortcut="${escapeHtml(s.callbackId)}"><span class="menu-app-icon">${escapeHtml(app.slice(0, 1))}</span><span class="menu-label">${escapeHtml(s.name)}</span><span class="menu-app">${escapeHtml(app)}</span></button>`,
          )
          .join('');
  return `<div class="menu" role="menu" aria-label="More actions"><div class="popover-title">Message shortcuts</div>${items}</div>`;
}

function openPopover(kind: 'react' | 'more', anchor: HTMLElement): void {
  const message = anchor.closest<HTMLElement>('.message[data-ts]');
  if (message === null) return;
  closePopover();
  popover = { kind, channel: message.dataset.channel ?? '', ts: message.dataset.ts ?? '' };
  const box = $('#popover');
  box.innerHTML = kind === 'react' ? pickerHtml() : moreActionsHtml();
  box.dataset.kind = kind;
  box.hidden = false;
  message.classList.add('menu-open');
  // Next to what opened it, kept inside the window: below it, or above when there is no room below.
  const at = anchor.getBoundingClientRect();
  const width = box.offsetWidth;
  const height = box.offsetHeight;
  const left = Math.max(8, Math.min(at.right - width, window.innerWidth - width - 8));
  const below = at.bottom + 4;
  const top = below + height <= window.innerHeight - 8 ? below : Math.max(8, at.top - 4 - height);
  box.style.left = `${left}px`;
  box.style.top = `${top}px`;
}

function closePopover(): void {
  if (popover === undefined) return;
  popover = undefined;
  $('#popover').hidden = true;
  for (const m of document.querySelectorAll('.message.menu-open')) m.classList.remove('menu-open');
}

/** Adds the reader's reaction to a message, or takes it away when they had already reacted with that emoji. */
function react(channel: string, ts: string, name: string): void {
  void api('/api/react', { user: me, channel, ts, name }).catch((error: Error) => showToast(error.message));
}

/** The confirmation dialog of a button (Block Kit `confirm`): what pressing does waits for the reader's answer. */
let confirming: (() => void) | undefined;
function askToConfirm(value: unknown, then: () => void): void {
  const dialog = confirmDialog(value, directory);
  $('#confirm-title').innerHTML = dialog.title;
  $('#confirm-text').innerHTML = dialog.text;
  $('#confirm-deny').innerHTML = dialog.deny;
  const ok = $('#confirm-ok');
  ok.innerHTML = dialog.confirm;
  ok.classList.toggle('danger', dialog.danger);
  confirming = then;
  $('#confirm').hidden = false;
  ok.focus();
}
function closeConfirm(confirmed: boolean): void {
  const then = confirming;
  confirming = undefined;
  $('#confirm').hidden = true;
  if (confirmed) then?.();
}

function renderModal(): void {
  const open = state?.views.find((v) => v.user === me);
  const modal = $('#modal');
  if (open === undefined) {
    modal.hidden = true;
    shownView = '';
    return;
  }
  const key = `${open.id}:${JSON.stringify(open.view)}`;
  if (key === shownView) return;
  shownView = key;
  const view = open.view;
  modal.hidden = false;
  modal.dataset.viewId = open.id;
  $('#modal-title').innerHTML = textObject(view.title, directory);
  $('#modal-body').innerHTML = renderModalBlocks(view.blocks, directory);
  const submit = $<HTMLButtonElement>('#modal-submit');
  submit.hidden = view.submit === undefined;
  submit.innerHTML = view.submit === undefined ? '' : textObject(view.submit, directory);
  $('#modal-close').innerHTML = view.close === undefined ? 'Close' : textObject(view.close, directory);
}

/** The modal's inputs as Slack reports them in `view.state.values`. */
function modalValues(): Record<string, Record<string, unknown>> {
  const values: Record<string, Record<string, unknown>> = {};
  for (const el of document.querySelectorAll<HTMLElement>('#modal-body [data-action-id][data-type]')) {
    const blockId = el.dataset.blockId ?? '';
    const actionId = el.dataset.actionId ?? '';
    const type = el.dataset.type ?? '';
    const input = el as HTMLInputElement;
    let value: Record<string, unknown>;
    switch (type) {
      case 'static_select': {
        const select = el as HTMLSelectElement;
        const chosen = select.selectedOptions[0];
        value = {
          type,
          selected_option:
            select.value === '' || chosen === undefined ? null : { text: { type: 'plain_text', text: chosen.text }, value: select.value },
        };
        break;
      }
      case 'radio_buttons': {
        const chosen = el.querySelector<HTMLInputElement>('input:checked');
        value = {
          type,
          selected_option: chosen === null ? null : { text: { type: 'plain_text', text: chosen.dataset.text ?? '' }, value: chosen.value },
        };
        break;
      }
      case 'checkboxes':
        value = {
          type,
          selected_options: [...el.querySelectorAll<HTMLInputElement>('input:checked')].map((c) => ({
            text: { type: 'plain_text', text: c.dataset.text ?? '' },
            value: c.value,
          })),
        };
        break;
      case 'datepicker':
        value = { type, selected_date: input.value === '' ? null : input.value };
        break;
      case 'datetimepicker':
        value = { type, selected_date_time: input.value === '' ? null : Math.floor(new Date(input.value).getTime() / 1000) };
        break;
      case 'timepicker':
        value = { type, selected_time: input.value === '' ? null : input.value };
        break;
      default:
        value = { type, value: input.value === '' ? null : input.value };
    }
    values[blockId] = { ...values[blockId], [actionId]: value };
  }
  return values;
}

async function send(text: string, thread: string | undefined): Promise<void> {
  if (text.trim() === '') return;
  // As in Slack, a message that starts with "/" is a command (in a thread too); one that starts with a space is not.
  const slash = /^\/(\S+)\s*([\s\S]*)$/.exec(text.trimEnd());
  if (slash !== null) {
    await api('/api/slash', {
      user: me,
      channel: channelId,
      command: `/${slash[1]}`,
      text: slash[2],
      ...(thread !== undefined ? { threadTs: thread } : {}),
    });
    // Its answer shows at the bottom, where the person is looking.
    (thread === undefined ? channelScroll : threadScroll).pin();
    return;
  }
  // "@Fin" (the app's name) becomes a real mention, as Slack's autocomplete would make it.
  const name = state?.bot.name ?? 'Fin';
  const withMention = text.replace(new RegExp(`@${name}\\b`, 'gi'), `<@${state?.bot.id ?? ''}>`);
  const posted = await api('/api/say', {
    user: me,
    channel: channelId,
    text: withMention,
    ...(thread !== undefined ? { threadTs: thread } : {}),
  });
  // A new question opens its thread: that is where the app answers.
  if (thread === undefined && typeof posted.ts === 'string') threadTs = posted.ts;
  // Whoever sends a message sees it: Slack goes to the bottom.
  (thread === undefined ? channelScroll : threadScroll).pin();
  if (thread === undefined) threadScroll.pin();
}

function composer(form: string, input: string, thread: () => string | undefined): void {
  const area = $<HTMLTextAreaElement>(input);
  const submit = async () => {
    const text = area.value;
    area.value = '';
    try {
      await send(text, thread());
    } catch (error) {
      area.value = text;
      showToast(`Could not send: ${(error as Error).message}`);
    }
  };
  $(form).addEventListener('submit', (e) => {
    e.preventDefault();
    void submit();
  });
  area.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      void submit();
    }
  });
}

function showToast(text: string): void {
  const toast = $('#toast');
  toast.textContent = text;
  toast.hidden = false;
  setTimeout(() => {
    toast.hidden = true;
  }, 4_000);
}

/** Slack's shortcodes, built by the sandbox server from emoji-datasource; without them shortcodes show as typed. */
const emojiLoaded = api('/emoji.json').then(
  (table) => useEmojiTable(table as unknown as EmojiTable),
  () => undefined,
);

let refreshing: Promise<void> | undefined;
let again = false;
async function refresh(): Promise<void> {
  if (refreshing !== undefined) {
    again = true;
    return;
  }
  refreshing = (async () => {
    const [next] = await Promise.all([api('/api/state'), emojiLoaded]);
    state = next as unknown as State;
    render();
  })();
  try {
    await refreshing;
  } finally {
    refreshing = undefined;
    if (again) {
      again = false;
      void refresh();
    }
  }
}

function wire(): void {
  me = new URLSearchParams(location.search).get('user') ?? localStorage.getItem('sandbox-user') ?? '';
  $<HTMLSelectElement>('#user').addEventListener('change', (e) => {
    me = (e.target as HTMLSelectElement).value;
    localStorage.setItem('sandbox-user', me);
    threadTs = undefined;
    linked = undefined;
    shownView = '';
    render();
  });
  $<HTMLSelectElement>('#fin-mode').addEventListener('change', (e) => {
    void api('/api/fin-mode', { mode: (e.target as HTMLSelectElement).value });
  });
  document.addEventListener('click', (e) => {
    const target = e.target as HTMLElement;
    // The reaction picker and the "More actions" menu act on the message they were opened for.
    const picked = target.closest<HTMLElement>('#popover [data-pick]');
    if (picked !== null && popover !== undefined) {
      react(popover.channel, popover.ts, picked.dataset.pick ?? '');
      closePopover();
      return;
    }
    const shortcut = target.closest<HTMLElement>('#popover [data-shortcut]');
    if (shortcut !== null && popover !== undefined) {
      void api('/api/shortcut', { user: me, channel: popover.channel, ts: popover.ts, callbackId: shortcut.dataset.shortcut }).catch(
        (error: Error) => showToast(error.message),
      );
      closePopover();
      return;
    }
    if (target.closest('#popover') !== null) return;
    const opener = target.closest<HTMLElement>('[data-react-to], [data-more-actions]');
    if (opener !== null) {
      const kind = opener.dataset.moreActions !== undefined ? 'more' : 'react';
      const message = opener.closest<HTMLElement>('.message[data-ts]');
      // A second click on what opened it closes it again.
      const same = popover?.kind === kind && popover.ts === message?.dataset.ts && popover.channel === message?.dataset.channel;
      if (same) closePopover();
      else openPopover(kind, opener);
      return;
    }
    closePopover();
    const pill = target.closest<HTMLElement>('.message .reaction[data-reaction]');
    if (pill !== null) {
      const message = pill.closest<HTMLElement>('.message[data-ts]');
      react(message?.dataset.channel ?? '', message?.dataset.ts ?? '', pill.dataset.reaction ?? '');
      return;
    }
    const tabButton = target.closest<HTMLElement>('[data-app-tab]');
    if (tabButton !== null) {
      appTab = tabButton.dataset.appTab === 'home' ? 'home' : 'messages';
      if (appTab === 'messages') channelScroll.pin();
      render();
      return;
    }
    const prompt = target.closest<HTMLElement>('#prompts [data-prompt]');
    if (prompt !== null) {
      // Picking a prompt sends its message as the person's own, as Slack does.
      const message = state?.suggestedPrompts[channelId]?.prompts[Number(prompt.dataset.prompt)]?.message;
      if (message !== undefined) void send(message, undefined).catch((error: Error) => showToast(`Could not send: ${error.message}`));
      return;
    }
    const homeButton = target.closest<HTMLElement>('#home .bk-button');
    if (homeButton !== null) {
      const press = () => {
        if (homeButton.dataset.url && /^https?:\/\//i.test(homeButton.dataset.url))
          window.open(homeButton.dataset.url, '_blank', 'noopener');
        void api('/api/home-press', {
          user: me,
          actionId: homeButton.dataset.actionId,
          value: homeButton.dataset.value,
          blockId: homeButton.dataset.blockId,
        }).catch((error: Error) => showToast(error.message));
      };
      if (homeButton.dataset.confirm !== undefined) askToConfirm(JSON.parse(homeButton.dataset.confirm), press);
      else press();
      return;
    }
    const channelButton = target.closest<HTMLElement>('[data-channel-id]');
    if (channelButton !== null) {
      channelId = channelButton.dataset.channelId ?? '';
      // Opening the DM with the app opens its Messages tab.
      appTab = 'messages';
      threadTs = undefined;
      linked = undefined;
      channelScroll.pin();
      render();
      return;
    }
    const more = target.closest<HTMLElement>('[data-show-more]');
    if (more !== null) {
      const key = more.dataset.showMore ?? '';
      if (expanded.has(key)) expanded.delete(key);
      else expanded.add(key);
      // Opening or closing a message moves nothing else: the reader stays where they are.
      channelScroll.stay(() => threadScroll.stay(render));
      return;
    }
    // A permalink to a message of this workspace opens its thread here, the message highlighted, as the Slack client does.
    const link = target.closest<HTMLAnchorElement>('a[href]');
    const permalink = link === null ? undefined : permalinkTarget(link.href);
    if (permalink !== undefined && state?.channels.some((c) => c.id === permalink.channel && c.members.includes(me))) {
      e.preventDefault();
      channelId = permalink.channel;
      appTab = 'messages';
      threadTs = permalink.threadTs;
      linked = permalink;
      channelScroll.pin();
      threadScroll.pin();
      render();
      document.querySelector('#thread-messages .message.linked')?.scrollIntoView({ block: 'nearest' });
      return;
    }
    const threadButton = target.closest<HTMLElement>('[data-open-thread]');
    if (threadButton !== null) {
      threadTs = threadButton.dataset.openThread;
      linked = undefined;
      threadScroll.pin();
      render();
      return;
    }
    const action = target.closest<HTMLElement>('.message .bk-button');
    if (action !== null) {
      const message = action.closest<HTMLElement>('.message');
      // A button on a private message (a response_url's) names that message by its id: it has no ts or channel post.
      const privateId = message?.dataset.privateId;
      const press = () => {
        if (action.dataset.url && /^https?:\/\//i.test(action.dataset.url)) window.open(action.dataset.url, '_blank', 'noopener');
        const pressed = {
          user: me,
          actionId: action.dataset.actionId,
          value: action.dataset.value,
          blockId: action.dataset.blockId,
        };
        void (
          privateId !== undefined
            ? api('/api/private-press', { ...pressed, id: Number(privateId) })
            : api('/api/press', { ...pressed, channel: message?.dataset.channel, ts: message?.dataset.ts })
        ).catch((error: Error) => showToast(error.message));
      };
      // With a confirmation dialog, Slack sends the press only once the person confirms.
      if (action.dataset.confirm !== undefined) askToConfirm(JSON.parse(action.dataset.confirm), press);
      else press();
    }
  });
  // A menu of a message (static_select) sends the option picked, as Slack does, at once.
  document.addEventListener('change', (e) => {
    const select = (e.target as HTMLElement).closest<HTMLSelectElement>('.message select.bk-select');
    if (select === null || select.value === '') return;
    const message = select.closest<HTMLElement>('.message');
    void api('/api/choose', {
      user: me,
      channel: message?.dataset.channel,
      ts: message?.dataset.ts,
      actionId: select.dataset.actionId,
      blockId: select.dataset.blockId,
      value: select.value,
      text: select.selectedOptions[0]?.text ?? '',
    }).catch((error: Error) => showToast(error.message));
  });
  // The picker shows the name of the emoji under the pointer, as Slack's does.
  $('#popover').addEventListener('mouseover', (e) => {
    const hovered = (e.target as HTMLElement).closest<HTMLElement>('[data-pick]');
    if (hovered === null) return;
    const name = hovered.dataset.pick ?? '';
    const preview = document.querySelector<HTMLElement>('#popover .picker-preview');
    if (preview !== null)
      preview.innerHTML = `<span class="picker-preview-emoji">${emoji(name)}</span><span class="picker-preview-name">:${escapeHtml(name)}:</span>`;
  });
  // Scrolling away from the message closes its menu (programmatic scrolling, following new messages, does not).
  document.addEventListener(
    'wheel',
    (e) => {
      if ((e.target as HTMLElement).closest('#popover') === null) closePopover();
    },
    { passive: true },
  );
  $('#confirm-ok').addEventListener('click', () => closeConfirm(true));
  $('#confirm-deny').addEventListener('click', () => closeConfirm(false));
  $('#confirm').addEventListener('click', (e) => {
    if (e.target === e.currentTarget) closeConfirm(false);
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && confirming !== undefined) closeConfirm(false);
    else if (e.key === 'Escape') closePopover();
  });
  $('#thread-close').addEventListener('click', () => {
    threadTs = undefined;
    linked = undefined;
    render();
  });
  $<HTMLSelectElement>('#user').addEventListener('change', () => {
    channelScroll.pin();
    threadScroll.pin();
  });
  $('#modal-close').addEventListener('click', () => {
    void api('/api/close-view', { viewId: $('#modal').dataset.viewId });
  });
  // Slack takes a field's error away once the person changes what it was about.
  $('#modal-body').addEventListener('input', (e) => {
    const block = (e.target as HTMLElement).closest<HTMLElement>('.bk-input-block');
    const slot = block?.querySelector<HTMLElement>('.bk-error');
    if (slot) slot.textContent = '';
  });
  $('#modal-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const viewId = $('#modal').dataset.viewId;
    for (const el of document.querySelectorAll<HTMLElement>('#modal-body .bk-error')) el.textContent = '';
    void api('/api/submit', { user: me, viewId, values: modalValues() })
      .then((answer) => {
        const errors = (answer.errors ?? {}) as Record<string, string>;
        for (const [blockId, message] of Object.entries(errors)) {
          const slot = document.querySelector<HTMLElement>(`#modal-body [data-error-for="${CSS.escape(blockId)}"]`);
          if (slot !== null) slot.textContent = message;
        }
      })
      .catch((error: Error) => showToast(error.message));
  });
  composer('#composer', '#composer-input', () => undefined);
  composer('#thread-composer', '#thread-input', () => threadTs);
  setInterval(tickLoading, 500);
  const events = new EventSource('/api/events');
  events.addEventListener('change', () => void refresh());
  events.addEventListener('open', () => void refresh());
}

wire();
void refresh().then(() => {
  if (state !== undefined && !state.users.some((u) => u.id === me)) {
    me = state.users[0]?.id ?? '';
    $<HTMLSelectElement>('#user').value = me;
    render();
  }
});
