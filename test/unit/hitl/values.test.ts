import { describe, expect, it } from 'vitest';
import type { HitlAttribute } from '../../../src/hitl/notification.ts';
import { readValues } from '../../../src/hitl/values.ts';

const attr = (kind: HitlAttribute['kind'], options: HitlAttribute['options'] = []): HitlAttribute => ({
  identifier: `id.${kind}`,
  label: kind,
  kind,
  dataType: kind,
  options,
});

const one = (attribute: HitlAttribute, input: Record<string, unknown>) => readValues([attribute], { attr_0: { value: input } });

describe('readValues', () => {
  it.each([
    [attr('integer'), { value: '-42' }, -42],
    [attr('integer'), { value: '+7' }, 7],
    [attr('decimal'), { value: '3.25' }, 3.25],
    [attr('decimal'), { value: '.5' }, 0.5],
    [attr('decimal'), { value: '1e3' }, 1000],
    [attr('boolean'), { selected_option: { value: 'false' } }, false],
    [attr('list', [{ id: 'opt-1', label: 'One' }]), { selected_option: { value: 'opt-1' } }, 'opt-1'],
    [attr('date'), { selected_date: '2026-02-28' }, '2026-02-28'],
    [attr('datetime'), { selected_date_time: 0 }, '1970-01-01T00:00:00.000Z'],
    [attr('string'), { value: '  hi  ' }, 'hi'],
  ])('%j %j → %j', (attribute, input, expected) => {
    const read = one(attribute, input);
    expect(read.ok && read.values[0]?.value).toEqual(expected);
  });

  it.each([
    [attr('integer'), { value: '1.5' }],
    [attr('integer'), { value: '99999999999999999999' }],
    [attr('decimal'), { value: 'NaN' }],
    [attr('decimal'), { value: '' }],
    [attr('boolean'), { selected_option: { value: 'maybe' } }],
    [attr('list', [{ id: 'opt-1', label: 'One' }]), { selected_option: { value: 'opt-forged' } }],
    [attr('date'), { selected_date: '2026-02-30' }],
    [attr('datetime'), {}],
    [attr('string'), { value: ' ' }],
    [attr('unsupported'), { value: 'x' }],
  ])('refuses %j %j', (attribute, input) => {
    const read = one(attribute, input);
    expect(read.ok).toBe(false);
    expect(!read.ok && Object.keys(read.errors)).toEqual(['attr_0']);
  });

  it('reports every bad input at once, and a missing state as missing values', () => {
    const read = readValues([attr('string'), attr('integer')], undefined);
    expect(!read.ok && Object.keys(read.errors)).toEqual(['attr_0', 'attr_1']);
  });
});
