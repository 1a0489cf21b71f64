import { z } from 'zod';
import { blockIdFor, optionValues, VALUE_ACTION } from './modal.ts';
import type { HitlAttribute } from './notification.ts';

/** One input's state as Slack reports it in `view.state.values[block][action]`. */
const stateValueSchema = z.looseObject({
  value: z.string().nullish(),
  selected_option: z.looseObject({ value: z.string() }).nullish(),
  selected_date: z.string().nullish(),
  selected_date_time: z.number().nullish(),
});
const stateSchema = z.record(z.string(), z.record(z.string(), stateValueSchema));

export type JsonValue = string | number | boolean;

/** A value as agents read it: its label, its text, and for a date and time the moment (epoch seconds). */
export interface ShownValue {
  readonly label: string;
  readonly value: string;
  readonly at?: number;
}

export type ReadValues =
  | {
      readonly ok: true;
      /** What Intercom receives, in the JSON type of each attribute. */
      readonly values: readonly { readonly identifier: string; readonly value: JsonValue }[];
      /** The same, as agents read it. */
      readonly shown: readonly ShownValue[];
    }
  | { readonly ok: false; readonly errors: Readonly<Record<string, string>> };

const integer = z
  .string()
  .trim()
  .regex(/^[+-]?\d+$/, 'Enter a whole number.')
  .transform(Number)
  .refine(Number.isSafeInteger, 'That number is too large.');
const decimal = z
  .string()
  .trim()
  .regex(/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/, 'Enter a number.')
  .transform(Number)
  .refine(Number.isFinite, 'That number is too large.');
const date = z.iso.date({ error: 'Pick a date.' });
const DAY = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

/**
 * Reads and checks what an agent submitted, against each attribute's type: a value Intercom would refuse is reported
 * on its own input, in Slack, before anything is sent.
 */
export function readValues(attributes: readonly HitlAttribute[], rawState: unknown): ReadValues {
  const state = stateSchema.safeParse(rawState);
  const blocks = state.success ? state.data : {};
  const errors: Record<string, string> = {};
  const values: { identifier: string; value: JsonValue }[] = [];
  const shown: ShownValue[] = [];
  attributes.forEach((attribute, index) => {
    const blockId = blockIdFor(index);
    const input = blocks[blockId]?.[VALUE_ACTION];
    const result = readOne(attribute, input);
    if (!result.ok) {
      errors[blockId] = result.error;
      return;
    }
    values.push({ identifier: attribute.identifier, value: result.value });
    shown.push({ label: attribute.label, value: result.shown, ...(result.at !== undefined ? { at: result.at } : {}) });
  });
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, values, shown };
}

type One = { ok: true; value: JsonValue; shown: string; at?: number } | { ok: false; error: string };

function readOne(attribute: HitlAttribute, input: z.infer<typeof stateValueSchema> | undefined): One {
  const missing: One = { ok: false, error: 'This value is required.' };
  switch (attribute.kind) {
    case 'boolean': {
      const picked = input?.selected_option?.value;
      if (picked !== 'true' && picked !== 'false') return { ok: false, error: 'Choose yes or no.' };
      return { ok: true, value: picked === 'true', shown: picked === 'true' ? 'Yes' : 'No' };
    }
    case 'list': {
      const picked = input?.selected_option?.value;
      // The form's options carry their ids, or their positions when an id is too long for Slack (`optionValues`).
      const position = picked === undefined ? -1 : optionValues(attribute).indexOf(picked);
      const chosen = position < 0 ? undefined : attribute.options[position];
      if (chosen === undefined) return { ok: false, error: 'Choose one of the options.' };
      return { ok: true, value: chosen.id, shown: chosen.label };
    }
    case 'integer':
    case 'decimal': {
      if (!input?.value) return missing;
      const parsed = (attribute.kind === 'integer' ? integer : decimal).safeParse(input.value);
      if (!parsed.success) return { ok: false, error: parsed.error.issues[0]?.message ?? 'Enter a number.' };
      return { ok: true, value: parsed.data, shown: String(parsed.data) };
    }
    case 'date': {
      const parsed = date.safeParse(input?.selected_date ?? '');
      // A calendar day, the same in every time zone: shown as a day ("Tue, 1 Dec 2026"), never as a moment.
      return parsed.success
        ? { ok: true, value: parsed.data, shown: DAY.format(new Date(`${parsed.data}T00:00:00Z`)) }
        : { ok: false, error: 'Pick a date.' };
    }
    case 'datetime': {
      const seconds = input?.selected_date_time;
      if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return { ok: false, error: 'Pick a date and a time.' };
      const iso = new Date(seconds * 1000).toISOString();
      return { ok: true, value: iso, shown: iso, at: seconds };
    }
    case 'string': {
      const value = input?.value?.trim() ?? '';
      return value === '' ? missing : { ok: true, value, shown: value };
    }
    case 'unsupported':
      return { ok: false, error: 'This value can only be given in Intercom.' };
  }
}
