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
  readonly reactions?: string[];
  readonly streaming?: boolean;
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
}
interface State {
  readonly users: User[];
  readonly bot: { readonly id: string; readonly name: string };
  readonly channels: Channel[];
  readonly messages: Message[];
  readonly views: OpenView[];
  readonly ephemerals: Ephemeral[];
  readonly finMode: string;
  /** The procedure ids the simulated Fin knows (any other is "not found"). */
  readonly procedures: string[];
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

/** A reaction's emoji: `name` or `name::skin-tone-N`, as Slack names reactions. */
function emoji(reaction: string): string {
  const [name = '', tone] = reaction.split('::skin-tone-');
  return escapeHtml(emojiChar(name, tone) ?? `:${reaction}:`);
}

function messageHtml(m: Message, inThread: boolean): string {
  const author = m.botId !== undefined ? (state?.bot.name ?? 'Fin') : (directory.userName(m.user ?? '') ?? m.user ?? '?');
  const body = Array.isArray(m.blocks) && m.blocks.length > 0 ? renderBlocks(m.blocks, directory) : renderMrkdwn(m.text, directory);
  const replies = inThread ? [] : (state?.messages ?? []).filter((r) => r.channel === m.channel && r.threadTs === m.ts && r.ts !== m.ts);
  const time = new Date(Number(m.ts.split('.')[0]) * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return `<article class="message${m.botId !== undefined ? ' from-app' : ''}" data-ts="${escapeHtml(m.ts)}" data-channel="${escapeHtml(m.channel)}">
    <div class="avatar">${escapeHtml(author.slice(0, 1))}</div>
    <div class="content">
      <header><span class="author">${escapeHtml(author)}</span>${m.botId !== undefined ? '<span class="app-badge">APP</span>' : ''}<time>${time}</time>${
        m.streaming ? '<span class="streaming">streaming…</span>' : ''
      }</header>
      <div class="body">${body}</div>
      ${(m.reactions ?? []).length > 0 ? `<div class="reactions">${(m.reactions ?? []).map((r) => `<span class="reaction" title=":${escapeHtml(r)}:">${emoji(r)}</span>`).join('')}</div>` : ''}
      ${inThread ? '' : `<button class="thread-link" data-open-thread="${escapeHtml(m.ts)}">${replies.length > 0 ? `${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}` : 'Reply in thread'}</button>`}
    </div>
  </article>`;
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
  const ephemeral = (e: Ephemeral) =>
    `<article class="message ephemeral"><div class="content"><header><span class="author">Only visible to you</span></header><div class="body">${renderMrkdwn(e.text, directory)}</div></div></article>`;
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
  $('#channel-title').textContent =
    channel === undefined ? '' : channel.kind === 'im' ? `Direct message with ${state.bot.name}` : `#${channel.name}`;
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
      : `Run a procedure: type <b>/fin-procedure ${escapeHtml(demo)}</b> in #support (the one this Fin knows; any other id gets Fin’s “not found”).`;

  const pane = $('#thread');
  const root = threadTs === undefined ? undefined : state.messages.find((m) => m.channel === channelId && m.ts === threadTs);
  pane.hidden = root === undefined;
  if (root !== undefined) {
    const replies = state.messages.filter((m) => m.channel === channelId && m.threadTs === root.ts && m.ts !== root.ts);
    const thread = $('#thread-messages');
    thread.innerHTML = withEphemerals([root, ...replies], true);
    collapseLong(thread);
  }
  // After the thread pane has opened or closed: the channel's width, and so its messages' heights, depend on it.
  channelScroll.stick();
  threadScroll.stick();
  renderModal();
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
    shownView = '';
    render();
  });
  $<HTMLSelectElement>('#fin-mode').addEventListener('change', (e) => {
    void api('/api/fin-mode', { mode: (e.target as HTMLSelectElement).value });
  });
  document.addEventListener('click', (e) => {
    const target = e.target as HTMLElement;
    const channelButton = target.closest<HTMLElement>('[data-channel-id]');
    if (channelButton !== null) {
      channelId = channelButton.dataset.channelId ?? '';
      threadTs = undefined;
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
    // A permalink to a thread of this workspace opens it here, as the Slack client does.
    const link = target.closest<HTMLAnchorElement>('a[href]');
    const permalink = link === null ? null : /\/archives\/([A-Z0-9]+)\/p(\d+)(\d{6})$/.exec(link.href);
    if (permalink !== null && state?.channels.some((c) => c.id === permalink[1] && c.members.includes(me))) {
      e.preventDefault();
      channelId = permalink[1] ?? '';
      threadTs = `${permalink[2]}.${permalink[3]}`;
      channelScroll.pin();
      threadScroll.pin();
      render();
      return;
    }
    const threadButton = target.closest<HTMLElement>('[data-open-thread]');
    if (threadButton !== null) {
      threadTs = threadButton.dataset.openThread;
      threadScroll.pin();
      render();
      return;
    }
    const action = target.closest<HTMLElement>('.message .bk-button');
    if (action !== null) {
      const message = action.closest<HTMLElement>('.message');
      const press = () => {
        if (action.dataset.url && /^https?:\/\//i.test(action.dataset.url)) window.open(action.dataset.url, '_blank', 'noopener');
        void api('/api/press', {
          user: me,
          channel: message?.dataset.channel,
          ts: message?.dataset.ts,
          actionId: action.dataset.actionId,
          value: action.dataset.value,
          blockId: action.dataset.blockId,
        }).catch((error: Error) => showToast(error.message));
      };
      // With a confirmation dialog, Slack sends the press only once the person confirms.
      if (action.dataset.confirm !== undefined) askToConfirm(JSON.parse(action.dataset.confirm), press);
      else press();
    }
  });
  $('#confirm-ok').addEventListener('click', () => closeConfirm(true));
  $('#confirm-deny').addEventListener('click', () => closeConfirm(false));
  $('#confirm').addEventListener('click', (e) => {
    if (e.target === e.currentTarget) closeConfirm(false);
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && confirming !== undefined) closeConfirm(false);
  });
  $('#thread-close').addEventListener('click', () => {
    threadTs = undefined;
    render();
  });
  $<HTMLSelectElement>('#user').addEventListener('change', () => {
    channelScroll.pin();
    threadScroll.pin();
  });
  $('#modal-close').addEventListener('click', () => {
    void api('/api/close-view', { viewId: $('#modal').dataset.viewId });
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
