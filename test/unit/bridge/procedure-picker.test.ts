import { describe, expect, it } from 'vitest';
import {
  noProcedures,
  PICK_BLOCK,
  procedurePicker,
  procedurePickerFailed,
  procedurePickerLoading,
} from '../../../src/bridge/procedure-picker.ts';
import type { FinProcedure } from '../../../src/fin/schemas.ts';
import { SLACK_LIMITS as L } from '../../../src/slack/limits.ts';
import { expectViewWithinLimits } from '../../helpers/block-kit-limits.ts';

const procedures = (n: number, make: (i: number) => Partial<FinProcedure> = () => ({})): FinProcedure[] =>
  Array.from({ length: n }, (_, i) => ({ id: `p${i}`, name: `Procedure ${i}`, description: `Does thing ${i}.`, ...make(i) }));

type Option = { text: { text: string }; value: string; description?: { text: string } };
type Element = { type: string; options?: Option[]; option_groups?: unknown };

const menu = (view: ReturnType<typeof procedurePicker>): Element | undefined => {
  const block = view.blocks.find((b) => b.block_id === PICK_BLOCK) as { element: Element } | undefined;
  return block?.element;
};
const texts = (view: ReturnType<typeof procedurePicker>) =>
  JSON.stringify(view.blocks.filter((b) => b.type === 'context' || b.type === 'section'));

describe('the procedure picker form', () => {
  it('lists at most 100 procedures in one searchable menu, and says how many more there are and how to run them', () => {
    const view = procedurePicker(procedures(10_000), 'C1');
    expectViewWithinLimits(view);
    const element = menu(view);
    expect(element?.type).toBe('static_select');
    expect(element?.option_groups).toBeUndefined();
    expect(element?.options).toHaveLength(L.select.options);
    expect(element?.options?.[0]?.value).toBe('p0');
    expect(texts(view)).toContain('This list shows 100 of the 10,000 procedures you can run');
    expect(texts(view)).toContain('the other 9,900');
    expect(texts(view)).toContain('/fin-procedure <name> [message]');
  });

  it('says nothing more when every procedure is listed', () => {
    const view = procedurePicker(procedures(100), 'C1');
    expectViewWithinLimits(view);
    expect(menu(view)?.options).toHaveLength(100);
    expect(view.blocks.some((b) => b.type === 'context')).toBe(false);
  });

  it('stays within a modal’s 250 kB with 100 options at their longest, whatever their characters', () => {
    // A lone surrogate is the costliest UTF-16 unit in JSON (`\ud800`, 6 bytes); ids and names at Slack's limits.
    const costly = '\ud800'.repeat(3_000);
    const view = procedurePicker(
      procedures(500, (i) => ({ id: `${i}${'\ud800'.repeat(L.option.value - String(i).length)}`, name: costly, description: costly })),
      `C${'9'.repeat(2_000)}`,
    );
    expect(menu(view)?.options).toHaveLength(100);
    expectViewWithinLimits(view);
    expect(Buffer.byteLength(JSON.stringify(view))).toBeLessThanOrEqual(L.modal.bytes);
  });

  it('leaves out a procedure whose id is longer than an option’s value, never cutting an id', () => {
    const long = `p-${'x'.repeat(L.option.value)}`;
    const atLimit = 'y'.repeat(L.option.value);
    const view = procedurePicker(
      [
        { id: long, name: 'Too long', description: '' },
        { id: atLimit, name: 'Just fits', description: '' },
        { id: '7', name: 'Short', description: '' },
      ],
      'C1',
    );
    expectViewWithinLimits(view);
    expect(menu(view)?.options?.map((o) => o.value)).toEqual([atLimit, '7']);
    expect(texts(view)).toContain('This list shows 2 of the 3 procedures you can run');
  });

  it('has no menu when no procedure can be listed, and says how to run one by name', () => {
    const view = procedurePicker([{ id: 'z'.repeat(200), name: 'Too long', description: '' }], 'C1');
    expectViewWithinLimits(view);
    expect(menu(view)).toBeUndefined();
    expect(view.submit).toBeUndefined();
    expect(texts(view)).toContain('/fin-procedure <name> [message]');
  });

  it('shows a procedure whose name is only invisible characters by its id, and leaves out an empty description', () => {
    const view = procedurePicker([{ id: '42', name: '\u200e\u202e', description: '\u0007' }], 'C1');
    expectViewWithinLimits(view);
    expect(menu(view)?.options?.[0]).toEqual({ text: { type: 'plain_text', text: '42' }, value: '42' });
  });

  it('has loading, none and failure forms Slack takes, the failure one saying what to do instead', () => {
    for (const view of [procedurePickerLoading(), noProcedures(), procedurePickerFailed()]) expectViewWithinLimits(view);
    const failed = JSON.stringify(procedurePickerFailed().blocks);
    expect(failed).toContain('could not show the procedures');
    expect(failed).toContain('/fin-procedure <name or id> [message]');
  });
});
