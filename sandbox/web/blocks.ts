import { formatSlackDate } from './dates.ts';
import { emojiChar } from './emoji.ts';
import { type Directory, escapeHtml, renderMrkdwn } from './mrkdwn.ts';

/**
 * Block Kit → HTML for the sandbox page: the blocks of messages (sections, context, actions, dividers, headers,
 * images, rich text) and the inputs of modals. Interactive elements carry data attributes the page's script reads:
 * buttons their action id, value, block id and confirmation dialog; inputs their block and action ids and element
 * type, so a submission can be built in the shape Slack reports (`view.state.values`).
 */

type Json = Record<string, unknown>;

const obj = (v: unknown): Json => (typeof v === 'object' && v !== null ? (v as Json) : {});
const arr = (v: unknown): Json[] => (Array.isArray(v) ? v.map(obj) : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** A text object: mrkdwn rendered, plain text escaped. */
export function textObject(value: unknown, directory: Directory): string {
  const t = obj(value);
  return t.type === 'mrkdwn' ? renderMrkdwn(str(t.text), directory) : escapeHtml(str(t.text));
}

function button(element: Json, blockId: string, directory: Directory): string {
  const style = str(element.style);
  // A confirmation dialog goes with the button as it is: the page shows it before anything is sent.
  const confirm =
    typeof element.confirm === 'object' && element.confirm !== null ? ` data-confirm="${escapeHtml(JSON.stringify(element.confirm))}"` : '';
  return `<button class="bk-button${style ? ` bk-${escapeHtml(style)}` : ''}" data-action-id="${escapeHtml(str(element.action_id))}" data-value="${escapeHtml(str(element.value))}" data-block-id="${escapeHtml(blockId)}"${
    str(element.url) ? ` data-url="${escapeHtml(str(element.url))}"` : ''
  }${confirm}>${textObject(element.text, directory)}</button>`;
}

/** A confirmation dialog (Block Kit's `confirm` object) as the page shows it; Slack's own words where a part is left out. */
export function confirmDialog(
  value: unknown,
  directory: Directory,
): { title: string; text: string; confirm: string; deny: string; danger: boolean } {
  const c = obj(value);
  const plain = (t: unknown, otherwise: string) => (str(obj(t).text) === '' ? escapeHtml(otherwise) : escapeHtml(str(obj(t).text)));
  return {
    title: plain(c.title, 'Are you sure?'),
    text: textObject(c.text, directory),
    confirm: plain(c.confirm, 'Yes'),
    deny: plain(c.deny, 'Cancel'),
    danger: c.style === 'danger',
  };
}

/**
 * A menu on a message (`static_select`): its placeholder until something is picked (or its `initial_option`); the
 * page sends the option picked as Slack does.
 */
function messageSelect(e: Json, blockId: string): string {
  const initial = str(obj(e.initial_option).value);
  const options = (list: unknown) =>
    arr(list)
      .map(option)
      .map(
        (o) =>
          `<option value="${escapeHtml(o.value)}"${o.value === initial && initial !== '' ? ' selected' : ''}>${escapeHtml(o.text)}</option>`,
      )
      .join('');
  const groups = arr(e.option_groups)
    .map((g) => `<optgroup label="${escapeHtml(str(obj(g.label).text))}">${options(g.options)}</optgroup>`)
    .join('');
  const placeholder = str(obj(e.placeholder).text) || 'Select an item';
  return `<select class="bk-select" data-action-id="${escapeHtml(str(e.action_id))}" data-block-id="${escapeHtml(blockId)}" aria-label="${escapeHtml(placeholder)}"><option value="" disabled hidden${initial === '' ? ' selected' : ''}>${escapeHtml(placeholder)}</option>${options(e.options)}${groups}</select>`;
}

function element(e: Json, blockId: string, directory: Directory): string {
  switch (e.type) {
    case 'button':
      return button(e, blockId, directory);
    case 'static_select':
      return messageSelect(e, blockId);
    case 'image':
      return `<img class="bk-inline-image" src="${escapeHtml(str(e.image_url))}" alt="${escapeHtml(str(e.alt_text))}">`;
    case 'mrkdwn':
    case 'plain_text':
      return `<span class="bk-context-text">${textObject(e, directory)}</span>`;
    default:
      return `<span class="bk-unknown">[${escapeHtml(str(e.type))}]</span>`;
  }
}

/** The blocks of a message. */
export function renderBlocks(blocks: unknown, directory: Directory): string {
  return arr(blocks)
    .map((block) => {
      const blockId = str(block.block_id);
      switch (block.type) {
        case 'section': {
          const fields = arr(block.fields);
          const accessory = obj(block.accessory);
          return `<div class="bk-section"><div class="bk-section-body">${block.text === undefined ? '' : textObject(block.text, directory)}${
            fields.length > 0 ? `<div class="bk-fields">${fields.map((f) => `<div>${textObject(f, directory)}</div>`).join('')}</div>` : ''
          }</div>${accessory.type === undefined ? '' : `<div class="bk-accessory">${element(accessory, blockId, directory)}</div>`}</div>`;
        }
        case 'context':
          return `<div class="bk-context">${arr(block.elements)
            .map((e) => element(e, blockId, directory))
            .join('')}</div>`;
        case 'actions':
          return `<div class="bk-actions">${arr(block.elements)
            .map((e) => element(e, blockId, directory))
            .join('')}</div>`;
        case 'divider':
          return '<hr class="bk-divider">';
        case 'header':
          return `<div class="bk-header">${textObject(block.text, directory)}</div>`;
        case 'image':
          return `<figure class="bk-image"><img src="${escapeHtml(str(block.image_url))}" alt="${escapeHtml(str(block.alt_text))}"><figcaption>${escapeHtml(str(obj(block.title).text))}</figcaption></figure>`;
        case 'rich_text':
          return `<div class="bk-rich-text">${arr(block.elements)
            .map((e) => richBlock(e, directory))
            .join('')}</div>`;
        case 'markdown':
          return `<div class="bk-markdown">${escapeHtml(str(block.text))}</div>`;
        default:
          return `<div class="bk-unknown">[${escapeHtml(str(block.type))} block]</div>`;
      }
    })
    .join('');
}

const SAFE_URL = /^(https?|mailto):/i;
const link = (url: string, html: string) =>
  SAFE_URL.test(url) ? `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${html}</a>` : html;

/** Rich text's bold, italic, strike, code (and underline) on one element. */
function styled(html: string, style: Json): string {
  let out = html;
  if (style.code === true) out = `<code>${out}</code>`;
  if (style.strike === true) out = `<s>${out}</s>`;
  if (style.italic === true) out = `<i>${out}</i>`;
  if (style.bold === true) out = `<b>${out}</b>`;
  if (style.underline === true) out = `<u>${out}</u>`;
  return out;
}

/** The character an emoji element names, from its name (and skin tone), else its `unicode`, else `:name:` as typed. */
function richEmoji(e: Json): string {
  const name = str(e.name);
  const found = emojiChar(name, typeof e.skin_tone === 'number' ? e.skin_tone : undefined);
  if (found !== undefined) return found;
  const unicode = str(e.unicode);
  if (/^[0-9a-f]{2,6}(-[0-9a-f]{2,6})*$/i.test(unicode)) {
    const points = unicode.split('-').map((hex) => Number.parseInt(hex, 16));
    if (points.every((p) => p <= 0x10ffff)) return String.fromCodePoint(...points);
  }
  return escapeHtml(`:${name}:`);
}

/** One element of a rich text section: its text is literal, never read as mrkdwn. */
function richElement(e: Json, directory: Directory): string {
  const style = obj(e.style);
  switch (e.type) {
    case 'text':
      return styled(escapeHtml(str(e.text)), style);
    case 'link': {
      const url = str(e.url);
      return link(url, styled(escapeHtml(str(e.text) || url), style));
    }
    case 'user': {
      const id = str(e.user_id);
      return styled(`<span class="mention">@${escapeHtml(directory.userName(id) ?? id)}</span>`, style);
    }
    case 'channel': {
      const id = str(e.channel_id);
      return styled(`<span class="mention">#${escapeHtml(directory.channelName(id) ?? id)}</span>`, style);
    }
    case 'usergroup':
      // The sandbox's workspace has no user groups: the id stands in for the group's handle.
      return styled(`<span class="mention">@${escapeHtml(str(e.usergroup_id))}</span>`, style);
    case 'team':
      return styled(`<span class="mention">@${escapeHtml(str(e.team_id))}</span>`, style);
    case 'broadcast':
      return styled(`<span class="mention broadcast">@${escapeHtml(str(e.range))}</span>`, style);
    case 'emoji':
      return `<span class="emoji" title=":${escapeHtml(str(e.name))}:">${richEmoji(e)}</span>`;
    case 'date': {
      const shown = formatSlackDate(e.timestamp, str(e.format));
      if (shown === undefined) return styled(escapeHtml(str(e.fallback)), style);
      return link(str(e.url), styled(`<time class="date">${escapeHtml(shown)}</time>`, style));
    }
    case 'color': {
      const value = str(e.value);
      const swatch = /^#([0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i.test(value)
        ? `<span class="rt-swatch" style="background:${value}"></span>`
        : '';
      return styled(`<span class="rt-color">${swatch}${escapeHtml(value)}</span>`, style);
    }
    default:
      return `<span class="bk-unknown">[${escapeHtml(str(e.type))}]</span>`;
  }
}

const BULLETS = ['disc', 'circle', 'square'];
const NUMBERS = ['decimal', 'lower-alpha', 'lower-roman'];

/** One element of a `rich_text` block: a section, a list (its indent and style), a quote or preformatted text. */
function richBlock(e: Json, directory: Directory): string {
  const inline = (elements: unknown) =>
    arr(elements)
      .map((x) => richElement(x, directory))
      .join('');
  const border = e.border === 1 ? ' rt-border' : '';
  switch (e.type) {
    case 'rich_text_section':
      return `<div class="rt-section">${inline(e.elements)}</div>`;
    case 'rich_text_quote':
      return `<blockquote class="rt-quote">${inline(e.elements)}</blockquote>`;
    case 'rich_text_preformatted':
      return `<pre class="fence${border}">${arr(e.elements)
        .map((x) => (x.type === 'link' ? link(str(x.url), escapeHtml(str(x.text) || str(x.url))) : escapeHtml(str(x.text))))
        .join('')}</pre>`;
    case 'rich_text_list': {
      const indent = typeof e.indent === 'number' && e.indent >= 0 && e.indent <= 8 ? Math.floor(e.indent) : 0;
      const ordered = e.style === 'ordered';
      const marker = (ordered ? NUMBERS : BULLETS)[indent % 3];
      const start = ordered && typeof e.offset === 'number' && e.offset > 0 ? ` start="${Math.floor(e.offset) + 1}"` : '';
      const tag = ordered ? 'ol' : 'ul';
      return `<${tag} class="rt-list${border}"${start} style="list-style-type:${marker};margin-left:${1.5 * indent}em">${arr(e.elements)
        .map((item) => `<li>${inline(item.elements)}</li>`)
        .join('')}</${tag}>`;
    }
    default:
      return `<div class="bk-unknown">[${escapeHtml(str(e.type))}]</div>`;
  }
}

function option(o: Json): { text: string; value: string } {
  return { text: str(obj(o.text).text), value: str(o.value) };
}

/** One input element of a modal, named so the page can read its value back in Slack's shape. */
function inputElement(e: Json, blockId: string): string {
  const actionId = escapeHtml(str(e.action_id));
  const data = `data-block-id="${escapeHtml(blockId)}" data-action-id="${actionId}" data-type="${escapeHtml(str(e.type))}"`;
  const placeholder = str(obj(e.placeholder).text);
  const ph = placeholder ? ` placeholder="${escapeHtml(placeholder)}"` : '';
  switch (e.type) {
    case 'plain_text_input':
      return e.multiline === true
        ? `<textarea class="bk-input" ${data}${ph}${typeof e.max_length === 'number' ? ` maxlength="${e.max_length}"` : ''}>${escapeHtml(str(e.initial_value))}</textarea>`
        : `<input class="bk-input" type="text" ${data}${ph}${typeof e.max_length === 'number' ? ` maxlength="${e.max_length}"` : ''} value="${escapeHtml(str(e.initial_value))}">`;
    case 'number_input':
      // Free text, as in Slack: the app, not the browser, decides what a valid number is.
      return `<input class="bk-input" type="text" inputmode="decimal" ${data}${ph} value="${escapeHtml(str(e.initial_value))}">`;
    case 'static_select': {
      const options = (list: unknown) =>
        arr(list)
          .map(option)
          .map((o) => `<option value="${escapeHtml(o.value)}">${escapeHtml(o.text)}</option>`)
          .join('');
      // A list of more than 100 options comes in groups (`option_groups`), each under its label.
      const groups = arr(e.option_groups)
        .map((g) => `<optgroup label="${escapeHtml(str(obj(g.label).text))}">${options(g.options)}</optgroup>`)
        .join('');
      return `<select class="bk-input" ${data}><option value="">${escapeHtml(placeholder || 'Select an option')}</option>${options(e.options)}${groups}</select>`;
    }
    case 'radio_buttons':
    case 'checkboxes': {
      const kind = e.type === 'radio_buttons' ? 'radio' : 'checkbox';
      return `<div class="bk-choices" ${data}>${arr(e.options)
        .map(option)
        .map(
          (o) =>
            `<label class="bk-choice"><input type="${kind}" name="${escapeHtml(blockId)}" value="${escapeHtml(o.value)}" data-text="${escapeHtml(o.text)}"> ${escapeHtml(o.text)}</label>`,
        )
        .join('')}</div>`;
    }
    case 'datepicker':
      return `<input class="bk-input" type="date" ${data} value="${escapeHtml(str(e.initial_date))}">`;
    case 'datetimepicker':
      return `<input class="bk-input" type="datetime-local" ${data}>`;
    case 'timepicker':
      return `<input class="bk-input" type="time" ${data}>`;
    default:
      return `<div class="bk-unknown">[${escapeHtml(str(e.type))}]</div>`;
  }
}

/** The body of a modal: its input blocks (with label, hint, optional mark and a slot for the app's error) and the rest. */
export function renderModalBlocks(blocks: unknown, directory: Directory): string {
  return arr(blocks)
    .map((block) => {
      if (block.type !== 'input') return renderBlocks([block], directory);
      const blockId = str(block.block_id);
      const hint = block.hint === undefined ? '' : `<div class="bk-hint">${textObject(block.hint, directory)}</div>`;
      return `<div class="bk-input-block" data-block-id="${escapeHtml(blockId)}"><label class="bk-label">${textObject(block.label, directory)}${
        block.optional === true ? ' <span class="bk-optional">(optional)</span>' : ''
      }</label>${inputElement(obj(block.element), blockId)}${hint}<div class="bk-error" data-error-for="${escapeHtml(blockId)}"></div></div>`;
    })
    .join('');
}
