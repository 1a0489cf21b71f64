import { SLACK_LIMITS as L } from '../src/slack/limits.ts';

/**
 * Checks a message's or a view's Block Kit against Slack's limits (`src/slack/limits.ts`) and reports every breach,
 * with the error Slack answers for it. The fake Slack refuses a call with the first breach's error; the unit tests
 * build posts and forms from huge inputs and expect none. One walker for both, so the two cannot disagree.
 *
 * It checks what Slack documents (lengths, counts, the fields a block cannot do without), not everything Slack
 * validates: a payload that passes may still be refused by Slack for a reason not modelled here.
 */

/** The error codes Slack answers (/reference/methods/chat.postMessage, /reference/methods/views.open). */
export type SlackRefusal = 'invalid_blocks' | 'msg_blocks_too_long' | 'msg_too_long' | 'no_text' | 'invalid_arguments' | 'view_too_large';

export interface Breach {
  /** Where, as a JSON pointer into the call's arguments (`/blocks/2/text/text`), as Slack's own error messages say it. */
  readonly at: string;
  /** What was broken, named after `SLACK_LIMITS` (`section.text`, `modal.title`…) or the field a block needs. */
  readonly rule: string;
  readonly detail: string;
  readonly error: SlackRefusal;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A message for `chat.postMessage` (`textLimit` Slack's 40,000) or `chat.update` (about 4,000): its `text` and its
 * `blocks`. A message needs one or the other.
 */
export function messageBreaches(args: { text?: unknown; blocks?: unknown }, textLimit: number = L.message.text): Breach[] {
  const walk = new Walker('invalid_blocks');
  const text = typeof args.text === 'string' ? args.text : '';
  if (text.length > textLimit)
    walk.add('/text', 'message.text', `text is ${text.length} characters (at most ${textLimit})`, 'msg_too_long');
  if (args.blocks === undefined || args.blocks === null || args.blocks === '') {
    if (text.trim() === '') walk.add('/text', 'message.text', 'a message needs text or blocks', 'no_text');
    return walk.breaches;
  }
  if (!Array.isArray(args.blocks)) {
    walk.add('/blocks', 'blocks', 'blocks must be an array', 'invalid_blocks');
    return walk.breaches;
  }
  walk.count('/blocks', 'message.blocks', args.blocks, L.message.blocks);
  for (const [i, block] of args.blocks.entries()) walk.block(`/blocks/${i}`, block);
  const total = blockText(args.blocks);
  if (total > L.message.blocksText)
    walk.add(
      '/blocks',
      'message.blocksText',
      `the blocks' text is ${total} characters (at most ${L.message.blocksText})`,
      'msg_blocks_too_long',
    );
  return walk.breaches;
}

/**
 * A view: a modal for `views.open`, `views.update` or `views.push`, or with `home`, a Home tab for `views.publish`.
 * Slack answers `invalid_arguments` for any breach. Both are 250 kB and 100 blocks at most, each block within its own
 * limits; a modal also has a title, buttons and a rule about inputs, a Home tab none of these (and no limit on its text
 * as a whole, unlike a message).
 */
export function viewBreaches(view: unknown, type: 'modal' | 'home' = 'modal'): Breach[] {
  const walk = new Walker('invalid_arguments');
  if (!isObject(view)) {
    walk.add('/view', 'view', 'view must be an object');
    return walk.breaches;
  }
  const bytes = Buffer.byteLength(JSON.stringify(view));
  if (bytes > L.modal.bytes) walk.add('/view', 'modal.bytes', `the view is ${bytes} bytes (at most ${L.modal.bytes})`, 'view_too_large');
  if (view.type !== type) walk.add('/view/type', 'view.type', `type must be "${type}", not ${JSON.stringify(view.type)}`);
  if (type === 'modal') {
    if (view.title === undefined) walk.add('/view/title', 'modal.title', 'a modal needs a title');
    else walk.text('/view/title', 'modal.title', view.title, L.modal.title, { plainOnly: true });
    if (view.submit !== undefined) walk.text('/view/submit', 'modal.submit', view.submit, L.modal.submit, { plainOnly: true });
    if (view.close !== undefined) walk.text('/view/close', 'modal.close', view.close, L.modal.close, { plainOnly: true });
  }
  walk.string('/view/private_metadata', 'modal.privateMetadata', view.private_metadata, L.modal.privateMetadata);
  walk.string('/view/callback_id', 'modal.callbackId', view.callback_id, L.modal.callbackId);
  walk.string('/view/external_id', 'modal.externalId', view.external_id, L.modal.externalId);
  if (!Array.isArray(view.blocks)) {
    walk.add('/view/blocks', 'view.blocks', 'a view needs an array of blocks');
    return walk.breaches;
  }
  walk.count('/view/blocks', 'modal.blocks', view.blocks, L.modal.blocks);
  for (const [i, block] of view.blocks.entries()) walk.block(`/view/blocks/${i}`, block);
  // "must define submit to use input block" (Slack's own message; node-slack-sdk #875).
  if (type === 'modal' && view.submit === undefined && view.blocks.some((b) => isObject(b) && b.type === 'input'))
    walk.add('/view/submit', 'modal.submit', 'a modal with input blocks needs a submit button');
  return walk.breaches;
}

/** Every `text` string in `blocks`, added up: what `message.blocksText` limits (the count bolt-js #2867 measured). */
export function blockText(blocks: unknown): number {
  let total = 0;
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (isObject(value)) {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'text' && typeof inner === 'string') total += inner.length;
        else visit(inner);
      }
    }
  };
  visit(blocks);
  return total;
}

/** One breach per line, for a test's failure message or the fake's `response_metadata.messages`. */
export function describeBreaches(breaches: readonly Breach[]): string[] {
  return breaches.map((b) => `[ERROR] ${b.detail} [json-pointer:${b.at}]`);
}

class Walker {
  readonly breaches: Breach[] = [];
  readonly #error: SlackRefusal;

  constructor(error: SlackRefusal) {
    this.#error = error;
  }

  add(at: string, rule: string, detail: string, error: SlackRefusal = this.#error): void {
    this.breaches.push({ at, rule, detail, error });
  }

  count(at: string, rule: string, list: unknown, max: number, min = 0): void {
    if (!Array.isArray(list)) {
      if (min > 0) this.add(at, rule, 'must be an array');
      return;
    }
    if (list.length > max) this.add(at, rule, `${list.length} items (at most ${max})`);
    if (list.length < min) this.add(at, rule, `${list.length} items (at least ${min})`);
  }

  /** A plain string field, absent or at most `max` characters. */
  string(at: string, rule: string, value: unknown, max: number, options: { required?: boolean } = {}): void {
    if (value === undefined) {
      if (options.required === true) this.add(at, rule, 'is required');
      return;
    }
    if (typeof value !== 'string') this.add(at, rule, 'must be a string');
    else if (value.length > max) this.add(at, rule, `${value.length} characters (at most ${max})`);
  }

  /** A text object: `plain_text` (or `mrkdwn` where allowed) whose text is 1 to `max` characters (and never over 3,000). */
  text(at: string, rule: string, value: unknown, max: number, options: { plainOnly?: boolean } = {}): void {
    if (!isObject(value)) {
      this.add(at, rule, 'must be a text object');
      return;
    }
    if (value.type !== 'plain_text' && (options.plainOnly === true || value.type !== 'mrkdwn')) {
      this.add(`${at}/type`, rule, `a text object of type ${JSON.stringify(value.type)} is not allowed here`);
    }
    const text = value.text;
    if (typeof text !== 'string') {
      this.add(`${at}/text`, rule, 'text must be a string');
      return;
    }
    const limit = Math.min(max, L.textObject.max);
    if (text.length > limit) this.add(`${at}/text`, rule, `must be less than ${limit + 1} characters (is ${text.length})`);
    if (text.length < L.textObject.min) this.add(`${at}/text`, 'textObject.min', 'must be at least 1 character');
  }

  block(at: string, block: unknown): void {
    if (!isObject(block)) {
      this.add(at, 'block', 'a block must be an object');
      return;
    }
    this.string(`${at}/block_id`, 'blockId', block.block_id, L.blockId);
    switch (block.type) {
      case 'section':
        if (block.text === undefined && block.fields === undefined) this.add(at, 'section', 'a section needs text or fields');
        if (block.text !== undefined) this.text(`${at}/text`, 'section.text', block.text, L.section.text);
        if (block.fields !== undefined) {
          this.count(`${at}/fields`, 'section.fields', block.fields, L.section.fields, 1);
          if (Array.isArray(block.fields))
            for (const [i, f] of block.fields.entries()) this.text(`${at}/fields/${i}`, 'section.fieldText', f, L.section.fieldText);
        }
        if (block.accessory !== undefined) this.element(`${at}/accessory`, block.accessory);
        return;
      case 'header':
        this.text(`${at}/text`, 'header.text', block.text, L.header.text, { plainOnly: true });
        return;
      case 'context':
        this.count(`${at}/elements`, 'context.elements', block.elements, L.context.elements, 1);
        if (Array.isArray(block.elements))
          for (const [i, e] of block.elements.entries()) {
            if (isObject(e) && e.type === 'image') this.image(`${at}/elements/${i}`, e);
            else this.text(`${at}/elements/${i}`, 'textObject', e, L.textObject.max);
          }
        return;
      case 'actions':
        this.count(`${at}/elements`, 'actions.elements', block.elements, L.actions.elements, 1);
        if (Array.isArray(block.elements)) for (const [i, e] of block.elements.entries()) this.element(`${at}/elements/${i}`, e);
        return;
      case 'input':
        this.text(`${at}/label`, 'input.label', block.label, L.input.label, { plainOnly: true });
        if (block.hint !== undefined) this.text(`${at}/hint`, 'input.hint', block.hint, L.input.hint, { plainOnly: true });
        if (block.element === undefined) this.add(`${at}/element`, 'input.element', 'an input block needs an element');
        else this.element(`${at}/element`, block.element);
        return;
      case 'image':
        this.image(at, block);
        if (block.title !== undefined) this.text(`${at}/title`, 'image.title', block.title, L.image.title, { plainOnly: true });
        return;
      case 'markdown':
        this.string(`${at}/text`, 'markdown.text', block.text, L.markdown.text, { required: true });
        return;
      case 'rich_text':
        this.count(`${at}/elements`, 'rich_text.elements', block.elements, Number.POSITIVE_INFINITY, 1);
        return;
      case 'divider':
        return;
      default:
        if (typeof block.type !== 'string') this.add(`${at}/type`, 'block.type', 'a block needs a type');
    }
  }

  image(at: string, image: Json): void {
    this.string(`${at}/alt_text`, 'image.altText', image.alt_text, L.image.altText, { required: true });
    this.string(`${at}/image_url`, 'image.url', image.image_url, L.image.url);
  }

  element(at: string, element: unknown): void {
    if (!isObject(element)) {
      this.add(at, 'element', 'an element must be an object');
      return;
    }
    this.string(`${at}/action_id`, 'actionId', element.action_id, L.actionId);
    if (element.placeholder !== undefined)
      this.text(`${at}/placeholder`, 'placeholder', element.placeholder, L.placeholder, { plainOnly: true });
    if (element.confirm !== undefined) this.confirm(`${at}/confirm`, element.confirm);
    switch (element.type) {
      case 'button':
        this.text(`${at}/text`, 'button.text', element.text, L.button.text, { plainOnly: true });
        this.string(`${at}/value`, 'button.value', element.value, L.button.value);
        this.string(`${at}/url`, 'button.url', element.url, L.button.url);
        this.string(`${at}/accessibility_label`, 'button.accessibilityLabel', element.accessibility_label, L.button.accessibilityLabel);
        return;
      case 'static_select':
      case 'multi_static_select':
        if (element.options === undefined && element.option_groups === undefined)
          this.add(at, 'select.options', 'a static select needs options or option groups');
        if (element.options !== undefined) this.options(`${at}/options`, 'select.options', element.options, L.select.options, true);
        if (element.option_groups !== undefined) {
          this.count(`${at}/option_groups`, 'select.optionGroups', element.option_groups, L.select.optionGroups, 1);
          if (Array.isArray(element.option_groups))
            for (const [i, g] of element.option_groups.entries()) {
              if (!isObject(g)) {
                this.add(`${at}/option_groups/${i}`, 'optionGroup', 'an option group must be an object');
                continue;
              }
              this.text(`${at}/option_groups/${i}/label`, 'optionGroup.label', g.label, L.optionGroup.label, { plainOnly: true });
              this.options(`${at}/option_groups/${i}/options`, 'optionGroup.options', g.options, L.optionGroup.options, true);
            }
        }
        return;
      case 'overflow':
        this.options(`${at}/options`, 'overflow.options', element.options, L.overflow.options, true);
        return;
      case 'radio_buttons':
        this.options(`${at}/options`, 'radioButtons.options', element.options, L.radioButtons.options, false);
        return;
      case 'checkboxes':
        this.options(`${at}/options`, 'checkboxes.options', element.options, L.checkboxes.options, false);
        return;
      case 'plain_text_input':
        this.bounded(`${at}/min_length`, 'plainTextInput.minLength', element.min_length, 0, L.plainTextInput.minLength);
        this.bounded(`${at}/max_length`, 'plainTextInput.maxLength', element.max_length, 1, L.plainTextInput.maxLength);
        return;
      case 'number_input':
        // "is_decimal_allowed: Required" (/reference/block-kit/block-elements/number-input-element).
        if (typeof element.is_decimal_allowed !== 'boolean')
          this.add(`${at}/is_decimal_allowed`, 'numberInput.isDecimalAllowed', 'a number input needs is_decimal_allowed');
        return;
      case 'image':
        this.image(at, element);
        return;
      default:
        if (typeof element.type !== 'string') this.add(`${at}/type`, 'element.type', 'an element needs a type');
    }
  }

  bounded(at: string, rule: string, value: unknown, min: number, max: number): void {
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
      this.add(at, rule, `must be a whole number from ${min} to ${max} (is ${JSON.stringify(value)})`);
  }

  options(at: string, rule: string, options: unknown, max: number, plainOnly: boolean): void {
    this.count(at, rule, options, max, 1);
    if (!Array.isArray(options)) return;
    for (const [i, o] of options.entries()) {
      const here = `${at}/${i}`;
      if (!isObject(o)) {
        this.add(here, 'option', 'an option must be an object');
        continue;
      }
      this.text(`${here}/text`, 'option.text', o.text, L.option.text, { plainOnly });
      this.string(`${here}/value`, 'option.value', o.value, L.option.value, { required: true });
      if (o.description !== undefined)
        this.text(`${here}/description`, 'option.description', o.description, L.option.description, { plainOnly: true });
      this.string(`${here}/url`, 'option.url', o.url, L.option.url);
    }
  }

  confirm(at: string, confirm: unknown): void {
    if (!isObject(confirm)) {
      this.add(at, 'confirm', 'a confirmation dialog must be an object');
      return;
    }
    this.text(`${at}/title`, 'confirm.title', confirm.title, L.confirm.title, { plainOnly: true });
    this.text(`${at}/text`, 'confirm.text', confirm.text, L.confirm.text);
    this.text(`${at}/confirm`, 'confirm.confirm', confirm.confirm, L.confirm.confirm, { plainOnly: true });
    this.text(`${at}/deny`, 'confirm.deny', confirm.deny, L.confirm.deny, { plainOnly: true });
  }
}
