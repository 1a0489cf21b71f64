import type { InputBlock, InputBlockElement, KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { plainText } from '../format/escape.ts';
import { truncate } from '../format/truncate.ts';
import { SLACK_LIMITS as L } from '../slack/limits.ts';
import type { HitlAttribute } from './notification.ts';

export { messageModal } from '../slack/message-modal.ts';

export const HITL_SUBMIT_CALLBACK = 'fin_hitl_submit';
/** Every input uses this action id; blocks are told apart by their block id. */
export const VALUE_ACTION = 'value';

/** The block id of the attribute at `index`: stable, short, and free of the attribute's own identifier. */
export function blockIdFor(index: number): string {
  return `attr_${index}`;
}

/**
 * Values one form can ask for: a modal's blocks, less the two above the inputs (whose conversation it is, a divider).
 * A request asking for more cannot be answered from Slack.
 */
export const MAX_FORM_INPUTS = L.modal.blocks - 2;

/** Options one list can offer: as option groups of 100, up to 100 groups. */
const MAX_LIST_OPTIONS = L.select.optionGroups * L.optionGroup.options;

/**
 * The app's share of a view's 250 kB (`view_too_large`): a little is left for what Slack adds to the view it stores
 * (ids, hash, state).
 */
const VIEW_BYTES = L.modal.bytes - 10_000;

/** Labels are cut this short before any list loses an option, when a form would not fit otherwise (the app's choice). */
const SHORT_LABEL = 150;

/** No option takes fewer bytes in a view than this (`{"text":{"type":"plain_text","text":"x"},"value":"0"}` is 54). */
const MIN_OPTION_BYTES = 50;

/**
 * The value a list's option carries, by position: the option's id, unless one of the list's ids is longer than Slack
 * takes (`option.value`); then every option of the list carries its position instead. `readValues` reads them back.
 */
export function optionValues(attribute: HitlAttribute): string[] {
  const ids = attribute.options.slice(0, MAX_LIST_OPTIONS).map((o) => o.id);
  return ids.every((id) => id.length <= L.option.value) ? ids : ids.map((_, i) => String(i));
}

/**
 * The modal an agent fills in: whose conversation it is (`context`), then one required input per attribute, with the
 * element that fits its type. Only the request's id travels in `private_metadata` (limited to 3,000 characters);
 * everything else stays in the store.
 *
 * Every text is within Slack's limits (`slack/limits.ts`), and so is the view: at most `MAX_FORM_INPUTS` inputs and
 * 250 kB. A form that would be larger gets shorter labels first, then fewer options per list (each cut list says so in
 * its hint), so it always opens.
 */
export function hitlModal(requestId: number, attributes: readonly HitlAttribute[], context: KnownBlock | undefined): ModalView {
  const shown = attributes.slice(0, MAX_FORM_INPUTS);
  const build = (labelMax: number, optionMax: number): ModalView => {
    const blocks: KnownBlock[] = [];
    if (context !== undefined) blocks.push(context, { type: 'divider' });
    for (const [index, attribute] of shown.entries()) blocks.push(inputFor(attribute, index, labelMax, optionMax));
    return {
      type: 'modal',
      callback_id: HITL_SUBMIT_CALLBACK,
      private_metadata: JSON.stringify({ requestId }),
      title: { type: 'plain_text', text: 'Fin needs input' },
      submit: { type: 'plain_text', text: 'Send to Fin' },
      close: { type: 'plain_text', text: 'Cancel' },
      blocks,
    };
  };
  const fits = (view: ModalView) => Buffer.byteLength(JSON.stringify(view)) <= VIEW_BYTES;
  const lists = shown.filter((a) => a.kind === 'list').length;
  // More options than could ever fit are not even tried (a list of 10,000 makes a view of megabytes).
  const longestList = Math.max(1, ...shown.map((a) => Math.min(a.options.length, MAX_LIST_OPTIONS)));
  const mostOptions = Math.min(longestList, Math.ceil(VIEW_BYTES / (MIN_OPTION_BYTES * Math.max(1, lists))));
  const whole = build(L.input.label, mostOptions);
  if (fits(whole)) return whole;
  // Shorter labels first, down to SHORT_LABEL; then fewer options; then shorter labels still.
  const labelMax = largest(SHORT_LABEL, L.input.label, (n) => fits(build(n, mostOptions)));
  if (labelMax !== undefined) return build(labelMax, mostOptions);
  const optionMax = largest(1, mostOptions, (n) => fits(build(SHORT_LABEL, n)));
  if (optionMax !== undefined) return build(SHORT_LABEL, optionMax);
  return build(largest(1, SHORT_LABEL, (n) => fits(build(n, 1))) ?? 1, 1);
}

/** The largest n in [low, high] for which `ok(n)` holds (`ok` holding for every smaller n too), or undefined. */
function largest(low: number, high: number, ok: (n: number) => boolean): number | undefined {
  if (!ok(low)) return undefined;
  let [good, bad] = [low, high + 1];
  while (bad - good > 1) {
    const mid = Math.floor((good + bad) / 2);
    if (ok(mid)) good = mid;
    else bad = mid;
  }
  return good;
}

function inputFor(attribute: HitlAttribute, index: number, labelMax: number, optionMax: number): InputBlock {
  const { element, cut } = elementFor(attribute, optionMax);
  return {
    type: 'input',
    block_id: blockIdFor(index),
    label: { type: 'plain_text', text: truncate(labelOf(attribute), labelMax) },
    ...(cut > 0
      ? {
          hint: {
            type: 'plain_text' as const,
            text: `Only the first ${optionMax} of ${optionMax + cut} options fit in a Slack form; for another, answer in Intercom.`,
          },
        }
      : {}),
    optional: false,
    element,
  };
}

/** An attribute's label as a form shows it: never empty (Slack refuses an empty text). */
function labelOf(attribute: HitlAttribute): string {
  return plainText(attribute.label).trim() || plainText(attribute.identifier).trim() || 'Value';
}

/** The element for an attribute's type, and how many of a list's options it leaves out. */
function elementFor(attribute: HitlAttribute, optionMax: number): { element: InputBlockElement; cut: number } {
  switch (attribute.kind) {
    case 'boolean':
      return {
        element: {
          type: 'radio_buttons',
          action_id: VALUE_ACTION,
          options: [option('Yes', 'true', 0), option('No', 'false', 1)],
        },
        cut: 0,
      };
    case 'integer':
    case 'decimal':
      return { element: { type: 'number_input', action_id: VALUE_ACTION, is_decimal_allowed: attribute.kind === 'decimal' }, cut: 0 };
    case 'list': {
      const values = optionValues(attribute);
      const options = attribute.options
        .slice(0, Math.min(values.length, optionMax))
        .map((o, i) => option(o.label || o.id, values[i] ?? String(i), i));
      return {
        element: {
          type: 'static_select',
          action_id: VALUE_ACTION,
          placeholder: { type: 'plain_text', text: 'Choose one' },
          ...grouped(options),
        },
        cut: attribute.options.length - options.length,
      };
    }
    case 'date':
      return { element: { type: 'datepicker', action_id: VALUE_ACTION }, cut: 0 };
    case 'datetime':
      return { element: { type: 'datetimepicker', action_id: VALUE_ACTION }, cut: 0 };
    default:
      return { element: { type: 'plain_text_input', action_id: VALUE_ACTION, max_length: L.plainTextInput.maxLength }, cut: 0 };
  }
}

/** A list's options as they fit a select: as they are up to 100, in groups of 100 beyond ("Options 101–200"…). */
function grouped(
  options: PlainTextOption[],
): { options: PlainTextOption[] } | { option_groups: { label: { type: 'plain_text'; text: string }; options: PlainTextOption[] }[] } {
  if (options.length <= L.select.options) return { options };
  const size = L.optionGroup.options;
  const groups = [];
  for (let start = 0; start < options.length && groups.length < L.select.optionGroups; start += size) {
    const part = options.slice(start, start + size);
    groups.push({ label: { type: 'plain_text' as const, text: `Options ${start + 1}–${start + part.length}` }, options: part });
  }
  return { option_groups: groups };
}

function option(label: string, value: string, index: number): PlainTextOption {
  const text = truncate(plainText(label).trim(), L.option.text) || `Option ${index + 1}`;
  return { text: { type: 'plain_text', text }, value };
}
