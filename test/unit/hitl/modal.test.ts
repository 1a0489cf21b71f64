import type { ModalView } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { expectViewWithinLimits } from '../../helpers/block-kit-limits.ts';
import { blockIdFor, hitlModal, MAX_FORM_INPUTS, messageModal, optionValues, VALUE_ACTION } from '../../../src/hitl/modal.ts';
import type { HitlAttribute } from '../../../src/hitl/notification.ts';
import { hitlFormContext } from '../../../src/hitl/post.ts';
import { readValues } from '../../../src/hitl/values.ts';
import { SLACK_LIMITS } from '../../../src/slack/limits.ts';

const KINDS: HitlAttribute['kind'][] = ['boolean', 'string', 'integer', 'decimal', 'list', 'date', 'datetime'];

const options = (n: number, label: (i: number) => string = (i) => `Option ${i}`, id: (i: number) => string = (i) => `opt-${i}`) =>
  Array.from({ length: n }, (_, i) => ({ id: id(i), label: label(i) }));

const attribute = (i: number, overrides: Partial<HitlAttribute> = {}): HitlAttribute => {
  const kind = KINDS[i % KINDS.length] ?? 'string';
  return { identifier: `attr.${i}`, label: `Value ${i}`, kind, dataType: kind, options: kind === 'list' ? options(5) : [], ...overrides };
};

const context = hitlFormContext({
  thread: { askerId: 'U1', askerName: 'Ann', channelId: 'C1', channelType: 'channel', url: 'https://fake.slack.com/archives/C1/p1' },
  intercom: { id: '2154', url: 'https://app.intercom.com/a/inbox/ws/inbox/conversation/2154' },
});

type Input = { type: 'input'; block_id: string; label: { text: string }; hint?: { text: string }; element: Record<string, unknown> };
const inputs = (view: ModalView) => view.blocks.filter((b): b is Input & typeof b => b.type === 'input') as unknown as Input[];
const offered = (input: Input | undefined) => {
  const element = input?.element as { options?: { value: string }[]; option_groups?: { options: { value: string }[] }[] } | undefined;
  return element?.options ?? (element?.option_groups ?? []).flatMap((g) => g.options);
};

describe('hitlModal within Slack limits', () => {
  it('builds an ordinary form as before: one required input per attribute, option ids as values', () => {
    const attributes = KINDS.map((_, i) => attribute(i));
    const view = hitlModal(7, attributes, context);
    expectViewWithinLimits(view);
    expect(inputs(view).map((b) => b.block_id)).toEqual(attributes.map((_, i) => blockIdFor(i)));
    expect(offered(inputs(view)[4]).map((o) => o.value)).toEqual(['opt-0', 'opt-1', 'opt-2', 'opt-3', 'opt-4']);
    expect(inputs(view).some((b) => b.hint !== undefined)).toBe(false);
  });

  it('stays within every limit with 60 attributes of 2,000-character labels and lists of 200 long options', () => {
    const attributes = Array.from({ length: 60 }, (_, i) =>
      attribute(i, {
        label: `${'Label '.repeat(500)}${i}`,
        options: options(
          200,
          (n) => `Option ${'o'.repeat(200)} ${n}`,
          (n) => `id-${'i'.repeat(200)}-${n}`,
        ),
      }),
    );
    const view = hitlModal(7, attributes, context);
    expectViewWithinLimits(view);
    expect(inputs(view)).toHaveLength(60);
    // Something had to give to fit 250 kB: every list that lost options says so.
    for (const input of inputs(view).filter((b) => b.element.type === 'static_select')) {
      if (offered(input).length < 200) expect(input.hint?.text).toMatch(/Only the first \d+ of 200 options/);
    }
  });

  it('offers a list of 200 options in groups of 100, and ids too long for Slack as positions read back to the ids', () => {
    const long = attribute(4, { kind: 'list', options: options(200, undefined, (n) => `${'x'.repeat(200)}-${n}`) });
    const view = hitlModal(7, [long], undefined);
    expectViewWithinLimits(view);
    const element = inputs(view)[0]?.element as { option_groups?: { label: { text: string }; options: unknown[] }[] };
    expect(element.option_groups?.map((g) => [g.label.text, g.options.length])).toEqual([
      ['Options 1–100', 100],
      ['Options 101–200', 100],
    ]);
    expect(optionValues(long).slice(0, 3)).toEqual(['0', '1', '2']);
    const picked = offered(inputs(view)[0])[150]?.value;
    const read = readValues([long], { [blockIdFor(0)]: { [VALUE_ACTION]: { selected_option: { value: picked } } } });
    expect(read.ok && read.values[0]?.value).toBe(`${'x'.repeat(200)}-150`);
  });

  it('holds at most 98 inputs below its context (a request asking for more is answered in Intercom)', () => {
    const view = hitlModal(
      7,
      Array.from({ length: 200 }, (_, i) => attribute(i)),
      context,
    );
    expectViewWithinLimits(view);
    expect(view.blocks).toHaveLength(SLACK_LIMITS.modal.blocks);
    expect(inputs(view)).toHaveLength(MAX_FORM_INPUTS);
  });

  it('never shows an empty label or option (Slack refuses empty texts)', () => {
    const blank = attribute(4, { label: '\u202e', kind: 'list', options: [{ id: 'a', label: '' }] });
    const view = hitlModal(7, [blank], undefined);
    expectViewWithinLimits(view);
    expect(inputs(view)[0]?.label.text).toBe('attr.4');
  });

  it('keeps its result message within a title of 24 and a section of 3,000, even when escaping lengthens it', () => {
    const view = messageModal('A title far longer than twenty-four characters', '&'.repeat(50_000));
    expectViewWithinLimits(view);
    expect(view.title.text).toHaveLength(SLACK_LIMITS.modal.title);
  });
});
