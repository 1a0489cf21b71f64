import { type Directory, escapeHtml, renderMrkdwn } from './mrkdwn.ts';

/**
 * Block Kit → HTML for the sandbox page: the blocks of messages (sections, context, actions, dividers, headers,
 * images) and the inputs of modals. Interactive elements carry data attributes the page's script reads: buttons their
 * action id, value and block id; inputs their block and action ids and element type, so a submission can be built in
 * the shape Slack reports (`view.state.values`).
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
  return `<button class="bk-button${style ? ` bk-${escapeHtml(style)}` : ''}" data-action-id="${escapeHtml(str(element.action_id))}" data-value="${escapeHtml(str(element.value))}" data-block-id="${escapeHtml(blockId)}"${
    str(element.url) ? ` data-url="${escapeHtml(str(element.url))}"` : ''
  }>${textObject(element.text, directory)}</button>`;
}

function element(e: Json, blockId: string, directory: Directory): string {
  switch (e.type) {
    case 'button':
      return button(e, blockId, directory);
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
          return `<div class="bk-context">${arr(block.elements).map((e) => element(e, blockId, directory)).join('')}</div>`;
        case 'actions':
          return `<div class="bk-actions">${arr(block.elements).map((e) => element(e, blockId, directory)).join('')}</div>`;
        case 'divider':
          return '<hr class="bk-divider">';
        case 'header':
          return `<div class="bk-header">${textObject(block.text, directory)}</div>`;
        case 'image':
          return `<figure class="bk-image"><img src="${escapeHtml(str(block.image_url))}" alt="${escapeHtml(str(block.alt_text))}"><figcaption>${escapeHtml(str(obj(block.title).text))}</figcaption></figure>`;
        case 'markdown':
          return `<div class="bk-markdown">${escapeHtml(str(block.text))}</div>`;
        default:
          return `<div class="bk-unknown">[${escapeHtml(str(block.type))} block]</div>`;
      }
    })
    .join('');
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
    case 'static_select':
      return `<select class="bk-input" ${data}><option value="">${escapeHtml(placeholder || 'Select an option')}</option>${arr(e.options)
        .map(option)
        .map((o) => `<option value="${escapeHtml(o.value)}">${escapeHtml(o.text)}</option>`)
        .join('')}</select>`;
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
