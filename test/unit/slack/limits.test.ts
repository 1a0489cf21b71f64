import { describe, expect, it } from 'vitest';
import { blockText, messageBreaches, viewBreaches } from '../../helpers/block-kit-limits.ts';
import { MESSAGE_LIMIT, METHOD_TIERS, RATE_TIERS, SLACK_LIMITS } from '../../../src/slack/limits.ts';

const plain = (text: string) => ({ type: 'plain_text', text });
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const x = (n: number) => 'x'.repeat(n);
const section = (text: string) => ({ type: 'section', text: mrkdwn(text) });
const errors = (breaches: readonly { error: string }[]) => breaches.map((b) => b.error);
const rules = (breaches: readonly { rule: string }[]) => breaches.map((b) => b.rule);

const modal = (extra: Record<string, unknown> = {}) => ({
  type: 'modal',
  title: plain('Fin needs input'),
  submit: plain('Send'),
  blocks: [{ type: 'input', label: plain('Reason'), element: { type: 'plain_text_input', action_id: 'value' } }],
  ...extra,
});

describe('the table of Slack limits', () => {
  it('has the figures Slack documents', () => {
    expect(SLACK_LIMITS.section.text).toBe(3_000);
    expect(SLACK_LIMITS.message.blocks).toBe(50);
    expect(SLACK_LIMITS.modal.blocks).toBe(100);
    expect(SLACK_LIMITS.modal.title).toBe(24);
    expect(SLACK_LIMITS.input.label).toBe(2_000);
    expect(SLACK_LIMITS.select.options).toBe(100);
    expect(SLACK_LIMITS.button.value).toBe(2_000);
    expect(SLACK_LIMITS.modal.privateMetadata).toBe(3_000);
    expect(SLACK_LIMITS.triggerIdMs).toBe(3_000);
    expect(SLACK_LIMITS.message.text).toBe(40_000);
    expect(RATE_TIERS[METHOD_TIERS['chat.update']]).toBe(50);
  });

  it("keeps the app's own message cut below what Slack refuses in an edit", () => {
    expect(MESSAGE_LIMIT).toBeLessThan(SLACK_LIMITS.message.updateText);
  });
});

describe('the Block Kit limits checker', () => {
  it('passes a message within every limit', () => {
    expect(messageBreaches({ text: 'hi', blocks: [section(x(3_000)), { type: 'divider' }] })).toEqual([]);
  });

  it('refuses a section over 3,000 characters as invalid_blocks, at its JSON pointer', () => {
    const [breach, ...rest] = messageBreaches({ text: 'hi', blocks: [{ type: 'divider' }, section(x(3_001))] });
    expect(rest).toEqual([]);
    expect(breach).toMatchObject({ at: '/blocks/1/text/text', rule: 'section.text', error: 'invalid_blocks' });
  });

  it('refuses more than 50 blocks, an empty text object and a missing section text', () => {
    const blocks = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    expect(rules(messageBreaches({ text: 'hi', blocks }))).toEqual(['message.blocks']);
    expect(rules(messageBreaches({ text: 'hi', blocks: [section('')] }))).toEqual(['textObject.min']);
    expect(rules(messageBreaches({ text: 'hi', blocks: [{ type: 'section' }] }))).toEqual(['section']);
  });

  it('refuses over-long texts as msg_too_long, and blocks carrying too much text together as msg_blocks_too_long', () => {
    expect(errors(messageBreaches({ text: x(40_001) }))).toEqual(['msg_too_long']);
    expect(errors(messageBreaches({ text: x(4_001) }, SLACK_LIMITS.message.updateText))).toEqual(['msg_too_long']);
    expect(errors(messageBreaches({ text: '' }))).toEqual(['no_text']);
    const blocks = Array.from({ length: 4 }, () => section(x(2_600)));
    expect(blockText(blocks)).toBe(10_400);
    expect(errors(messageBreaches({ text: 'hi', blocks }))).toEqual(['msg_blocks_too_long']);
  });

  it('checks elements: button, confirm dialog, context and actions counts, options, inputs', () => {
    const button = {
      type: 'button',
      action_id: x(256),
      text: plain(x(76)),
      value: x(2_001),
      confirm: { title: plain(x(101)), text: mrkdwn(x(301)), confirm: plain(x(31)), deny: plain(x(31)) },
    };
    expect(rules(messageBreaches({ text: 'hi', blocks: [{ type: 'actions', elements: [button] }] })).sort()).toEqual(
      ['actionId', 'button.text', 'button.value', 'confirm.confirm', 'confirm.deny', 'confirm.text', 'confirm.title'].sort(),
    );
    const context = { type: 'context', elements: Array.from({ length: 11 }, () => mrkdwn('a')) };
    const actions = { type: 'actions', elements: Array.from({ length: 26 }, () => ({ type: 'button', text: plain('a') })) };
    expect(rules(messageBreaches({ text: 'hi', blocks: [context, actions] }))).toEqual(['context.elements', 'actions.elements']);
    const options = Array.from({ length: 101 }, (_, i) => ({ text: plain(i === 0 ? x(76) : 'a'), value: i === 1 ? x(151) : `${i}` }));
    const select = { type: 'input', label: plain(x(2_001)), element: { type: 'static_select', placeholder: plain(x(151)), options } };
    expect(rules(viewBreaches(modal({ blocks: [select] }))).sort()).toEqual(
      ['input.label', 'option.text', 'option.value', 'placeholder', 'select.options'].sort(),
    );
    const input = { type: 'input', label: plain('a'), element: { type: 'plain_text_input', max_length: 3_001 } };
    const number = { type: 'input', label: plain('a'), element: { type: 'number_input' } };
    expect(rules(viewBreaches(modal({ blocks: [input, number] })))).toEqual(['plainTextInput.maxLength', 'numberInput.isDecimalAllowed']);
  });

  it('refuses a modal Slack would not open: title, blocks, private_metadata, submit, size', () => {
    expect(viewBreaches(modal())).toEqual([]);
    expect(rules(viewBreaches(modal({ title: plain(x(25)) })))).toEqual(['modal.title']);
    expect(rules(viewBreaches(modal({ title: mrkdwn('Hi') })))).toEqual(['modal.title']);
    expect(rules(viewBreaches(modal({ private_metadata: x(3_001) })))).toEqual(['modal.privateMetadata']);
    expect(rules(viewBreaches(modal({ blocks: Array.from({ length: 101 }, () => ({ type: 'divider' })) })))).toEqual(['modal.blocks']);
    expect(rules(viewBreaches(modal({ submit: undefined })))).toEqual(['modal.submit']);
    expect(errors(viewBreaches(modal({ title: plain(x(25)) })))).toEqual(['invalid_arguments']);
    const huge = modal({ blocks: Array.from({ length: 100 }, () => section(x(2_600))) });
    expect(errors(viewBreaches(huge))).toEqual(['view_too_large']);
  });
});
