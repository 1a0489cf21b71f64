import type { InputBlockElement, KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { escapeText, plainText } from '../format/escape.ts';
import { truncate } from '../format/truncate.ts';
import type { HitlAttribute } from './notification.ts';

export const HITL_SUBMIT_CALLBACK = 'fin_hitl_submit';
/** Every input uses this action id; blocks are told apart by their block id. */
export const VALUE_ACTION = 'value';

/** The block id of the attribute at `index`: stable, short, and free of the attribute's own identifier. */
export function blockIdFor(index: number): string {
  return `attr_${index}`;
}

const MAX_OPTIONS = 100;

/**
 * The modal an agent fills in: whose conversation it is (`context`), then one required input per attribute, with the
 * element that fits its type. Only the request's id travels in `private_metadata` (limited to 3,000 characters);
 * everything else stays in the store.
 */
export function hitlModal(requestId: number, attributes: readonly HitlAttribute[], context: KnownBlock | undefined): ModalView {
  const blocks: KnownBlock[] = [];
  if (context !== undefined) blocks.push(context, { type: 'divider' });
  attributes.forEach((attribute, index) => {
    blocks.push({
      type: 'input',
      block_id: blockIdFor(index),
      label: { type: 'plain_text', text: truncate(plainText(attribute.label), 2_000) },
      optional: false,
      element: elementFor(attribute),
    });
  });
  return {
    type: 'modal',
    callback_id: HITL_SUBMIT_CALLBACK,
    private_metadata: JSON.stringify({ requestId }),
    title: { type: 'plain_text', text: 'Fin needs input' },
    submit: { type: 'plain_text', text: 'Send to Fin' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks,
  };
}

function elementFor(attribute: HitlAttribute): InputBlockElement {
  switch (attribute.kind) {
    case 'boolean':
      return {
        type: 'radio_buttons',
        action_id: VALUE_ACTION,
        options: [option('Yes', 'true'), option('No', 'false')],
      };
    case 'integer':
    case 'decimal':
      return { type: 'number_input', action_id: VALUE_ACTION, is_decimal_allowed: attribute.kind === 'decimal' };
    case 'list':
      return {
        type: 'static_select',
        action_id: VALUE_ACTION,
        placeholder: { type: 'plain_text', text: 'Choose one' },
        options: attribute.options.slice(0, MAX_OPTIONS).map((o) => option(o.label, o.id)),
      };
    case 'date':
      return { type: 'datepicker', action_id: VALUE_ACTION };
    case 'datetime':
      return { type: 'datetimepicker', action_id: VALUE_ACTION };
    default:
      return { type: 'plain_text_input', action_id: VALUE_ACTION, max_length: 3_000 };
  }
}

function option(label: string, value: string): PlainTextOption {
  return { text: { type: 'plain_text', text: truncate(plainText(label), 75) || value.slice(0, 75) }, value };
}

/** What the modal shows while the values travel to Intercom, and once they arrived (or did not). */
export function messageModal(title: string, text: string): ModalView {
  return {
    type: 'modal',
    callback_id: 'fin_hitl_result',
    title: { type: 'plain_text', text: truncate(title, 24) },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: escapeText(text), verbatim: true } }],
  };
}
