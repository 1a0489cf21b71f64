import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { plainText } from '../format/escape.ts';
import { truncate } from '../format/truncate.ts';
import type { FinProcedure } from '../fin/schemas.ts';
import { SLACK_LIMITS as L } from '../slack/limits.ts';

export const PROCEDURE_PICK_CALLBACK = 'fin_procedure_pick';
export const PICK_BLOCK = 'procedure';
export const PICK_INPUT = 'procedure';
export const PICK_MESSAGE_BLOCK = 'message';
export const PICK_MESSAGE_INPUT = 'message';

/**
 * The most procedures one form lists: one `static_select` of 100 options, which Slack lets people search by typing.
 * Option groups would take 10,000, but a view that size passes Slack's 250 kB (`view_too_large`) near 1,000 options, and
 * numbered groups mean nothing to a person: beyond 100 the form says how many more there are, and that
 * `/fin-procedure <name>` finds any of them. 100 options at their longest stay well within the 250 kB (the unit tests
 * check the worst case).
 */
const MAX_LISTED = L.select.options;

/**
 * A procedure the form can offer: its id fits an option's value whole. A longer id would be cut, and choosing it
 * would run another id; such a procedure is left out (it can still be run by name).
 */
const offerable = (p: FinProcedure) => p.id.length <= L.option.value;

function option(p: FinProcedure): PlainTextOption {
  const name = plainText(p.name).trim();
  const description = plainText(p.description).trim();
  return {
    text: { type: 'plain_text', text: truncate(name === '' ? p.id : name, L.option.text) },
    value: p.id,
    ...(description !== '' ? { description: { type: 'plain_text', text: truncate(description, L.option.description) } } : {}),
  };
}

const count = (n: number) => n.toLocaleString('en-US');
const procedureCount = (n: number) => `${count(n)} ${n === 1 ? 'procedure' : 'procedures'}`;

/** What the form shows while Fin is asked which procedures the person may run (the click's trigger lasts 3 seconds). */
export function procedurePickerLoading(): ModalView {
  return saying(':hourglass_flowing_sand: Finding the procedures you can run…', 'Cancel');
}

/** The form with one thing to say and nothing to submit (loading, nothing to offer, a failure). */
function saying(text: string, close: 'Cancel' | 'Close'): ModalView {
  return {
    type: 'modal',
    callback_id: PROCEDURE_PICK_CALLBACK,
    title: { type: 'plain_text', text: 'Run a procedure' },
    close: { type: 'plain_text', text: close },
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
  };
}

/**
 * The form `/fin-procedure` opens with no argument: the procedures this person may run (name and description, in a
 * menu Slack lets them search by typing), and an optional message for Fin. The channel travels in `private_metadata`.
 * At most 100 are listed (Fin's first, whose ids fit an option); when Fin lists more, the form says how many it
 * leaves out and how to run any of them by name.
 */
export function procedurePicker(procedures: readonly FinProcedure[], channelId: string): ModalView {
  const listed = procedures.filter(offerable).slice(0, MAX_LISTED);
  const left = procedures.length - listed.length;
  const more: KnownBlock[] =
    left === 0
      ? []
      : [
          {
            type: 'context',
            elements: [
              {
                type: 'mrkdwn',
                text:
                  listed.length === 0
                    ? `You can run ${procedureCount(procedures.length)}, but none can be chosen from a list. Type \`/fin-procedure <name> [message]\` to run one.`
                    : `This list shows ${count(listed.length)} of the ${count(procedures.length)} procedures you can run. To run any of the other ${count(left)}, type \`/fin-procedure <name> [message]\`.`,
              },
            ],
          },
        ];
  const base = {
    type: 'modal' as const,
    callback_id: PROCEDURE_PICK_CALLBACK,
    private_metadata: JSON.stringify({ channelId }),
    title: { type: 'plain_text' as const, text: 'Run a procedure' },
  };
  if (listed.length === 0) return { ...base, close: { type: 'plain_text', text: 'Close' }, blocks: more };
  return {
    ...base,
    submit: { type: 'plain_text', text: 'Run' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'input',
        block_id: PICK_BLOCK,
        label: { type: 'plain_text', text: 'Procedure' },
        hint: { type: 'plain_text', text: 'Type to search. Fin starts a thread in this channel that runs it with you.' },
        element: {
          type: 'static_select',
          action_id: PICK_INPUT,
          placeholder: { type: 'plain_text', text: 'Choose a procedure' },
          options: listed.map(option),
        },
      },
      ...more,
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

/**
 * The form when Fin's procedures could not be shown (Slack refused the form, or something failed after it opened):
 * the person is never left looking at "Finding the procedures…".
 */
export function procedurePickerFailed(): ModalView {
  return saying(
    ':warning: Fin could not show the procedures you can run just now. Please try again, or type `/fin-procedure <name or id> [message]`.',
    'Close',
  );
}

/** The form when the person may run no procedure (or Fin would not say). */
export function noProcedures(): ModalView {
  return saying(
    'Fin has no procedures to offer you here. If you know a procedure’s id, type `/fin-procedure <procedure id> [message]`.',
    'Close',
  );
}
