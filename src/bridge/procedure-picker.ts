import type { ModalView, PlainTextOption } from '@slack/types';
import { plainText } from '../format/escape.ts';
import { truncate } from '../format/truncate.ts';
import type { FinProcedure } from '../fin/schemas.ts';
import { SLACK_LIMITS as L } from '../slack/limits.ts';

export const PROCEDURE_PICK_CALLBACK = 'fin_procedure_pick';
export const PICK_BLOCK = 'procedure';
export const PICK_INPUT = 'procedure';
export const PICK_MESSAGE_BLOCK = 'message';
export const PICK_MESSAGE_INPUT = 'message';

/** The most procedures one form lists: option groups of 100, up to 100 groups (Slack's limits for one menu). */
const MAX_LISTED = L.select.optionGroups * L.optionGroup.options;

function option(p: FinProcedure): PlainTextOption {
  return {
    text: { type: 'plain_text', text: truncate(plainText(p.name), L.option.text) || p.id },
    value: truncate(p.id, L.option.value),
    ...(p.description !== ''
      ? { description: { type: 'plain_text', text: truncate(plainText(p.description), L.option.description) } }
      : {}),
  };
}

/** What the form shows while Fin is asked which procedures the person may run (the click's trigger lasts 3 seconds). */
export function procedurePickerLoading(): ModalView {
  return {
    type: 'modal',
    callback_id: PROCEDURE_PICK_CALLBACK,
    title: { type: 'plain_text', text: 'Run a procedure' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: ':hourglass_flowing_sand: Finding the procedures you can run…' } }],
  };
}

/**
 * The form `/fin-procedure` opens with no argument: the procedures this person may run (name and description, in a
 * menu Slack lets them search by typing), and an optional message for Fin. The channel travels in `private_metadata`.
 */
export function procedurePicker(procedures: readonly FinProcedure[], channelId: string): ModalView {
  const listed = procedures.slice(0, MAX_LISTED);
  const options = listed.map(option);
  const menu =
    options.length <= L.select.options
      ? { options }
      : {
          option_groups: Array.from({ length: Math.ceil(options.length / L.optionGroup.options) }, (_, i) => {
            const group = options.slice(i * L.optionGroup.options, (i + 1) * L.optionGroup.options);
            return {
              label: { type: 'plain_text' as const, text: `${i * L.optionGroup.options + 1}–${i * L.optionGroup.options + group.length}` },
              options: group,
            };
          }),
        };
  return {
    type: 'modal',
    callback_id: PROCEDURE_PICK_CALLBACK,
    private_metadata: JSON.stringify({ channelId }),
    title: { type: 'plain_text', text: 'Run a procedure' },
    submit: { type: 'plain_text', text: 'Run' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'input',
        block_id: PICK_BLOCK,
        label: { type: 'plain_text', text: 'Procedure' },
        hint: { type: 'plain_text', text: 'Type to search. Fin starts a thread in this channel that runs it with you.' },
        element: { type: 'static_select', action_id: PICK_INPUT, placeholder: { type: 'plain_text', text: 'Choose a procedure' }, ...menu },
      },
      {
        type: 'input',
        block_id: PICK_MESSAGE_BLOCK,
        optional: true,
        label: { type: 'plain_text', text: 'Anything Fin should know' },
        element: { type: 'plain_text_input', action_id: PICK_MESSAGE_INPUT, multiline: true, max_length: L.plainTextInput.maxLength },
      },
    ],
  };
}

/** The form when the person may run no procedure (or Fin would not say). */
export function noProcedures(): ModalView {
  return {
    type: 'modal',
    callback_id: PROCEDURE_PICK_CALLBACK,
    title: { type: 'plain_text', text: 'Run a procedure' },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: 'Fin has no procedures to offer you here. If you know a procedure’s id, type `/fin-procedure <procedure id> [message]`.',
        },
      },
    ],
  };
}
