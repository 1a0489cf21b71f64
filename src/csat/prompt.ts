import type { ActionsBlock, KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { escapeText, plainText } from '../format/escape.ts';
import { truncate } from '../format/truncate.ts';
import { SLACK_LIMITS as L } from '../slack/limits.ts';
import type { CsatSurvey, StoredCsatOption } from '../store/csat.ts';

/** Each rating button's action id is this and the rating key: the ids in one block must differ. */
export const CSAT_RATE_ACTION_PREFIX = 'fin_csat_rate_';
export const CSAT_CHANGE_ACTION = 'fin_csat_change';
export const CSAT_COMMENT_ACTION = 'fin_csat_comment';
export const CSAT_COMMENT_CALLBACK = 'fin_csat_comment_submit';
export const CSAT_COMMENT_BLOCK = 'csat_comment';
export const CSAT_COMMENT_INPUT = 'comment';

const QUESTION = 'How would you rate this conversation?';

/** Why a survey no longer takes a rating, as the prompt says it. */
const CLOSED_WORDS: Readonly<Record<string, string>> = {
  window_closed: 'The time to rate this conversation has passed.',
  no_survey: 'Fin is no longer asking for a rating here.',
  superseded: 'Fin asked again further down the thread.',
  locked: 'Your rating is final.',
};

/** An option as a button or menu shows it: Fin's emoji and its label, in the user's language, as sent. */
function optionText(option: StoredCsatOption, max: number): string {
  return truncate(plainText(`${option.emoji} ${option.label}`.trim()), max);
}

function chosen(survey: CsatSurvey): StoredCsatOption | undefined {
  return survey.options.find((o) => o.key === survey.rating);
}

/** The choice in mrkdwn: Fin's words shown as written. */
function choiceText(option: StoredCsatOption | undefined, fallback: string): string {
  return option === undefined ? escapeText(fallback) : escapeText(`${option.emoji} ${option.label}`.trim());
}

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, L.section.text), verbatim: true } };
}

function note(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, L.section.text), verbatim: true }] };
}

/**
 * The rating prompt in the thread, as the survey stands: Fin's options as buttons (in Fin's order) until the person
 * rates; then their choice, a button to add a comment and a menu to change the rating; after a comment, the rating
 * as final. Only the person Fin served may use it (the mention says who).
 */
export function csatPrompt(survey: CsatSurvey): { text: string; blocks: KnownBlock[] } {
  const forWhom = note(`For <@${survey.userId}>: only you can rate it.`);
  const option = chosen(survey);
  switch (survey.state) {
    case 'open':
      return {
        text: QUESTION,
        blocks: [
          section(`:speech_balloon: ${QUESTION}`),
          {
            type: 'actions',
            block_id: `csat-${survey.id}`,
            elements: survey.options.slice(0, L.actions.elements).map((o) => ({
              type: 'button',
              action_id: `${CSAT_RATE_ACTION_PREFIX}${o.key}`,
              text: { type: 'plain_text', text: optionText(o, L.button.text), emoji: true },
              value: `${survey.id}:${o.key}`,
            })),
          },
          forWhom,
        ],
      };
    case 'rated': {
      const actions: ActionsBlock = {
        type: 'actions',
        block_id: `csat-${survey.id}`,
        elements: [
          {
            type: 'button',
            action_id: CSAT_COMMENT_ACTION,
            text: { type: 'plain_text', text: 'Add a comment' },
            value: String(survey.id),
          },
          {
            type: 'static_select',
            action_id: CSAT_CHANGE_ACTION,
            placeholder: { type: 'plain_text', text: 'Change rating' },
            options: survey.options.slice(0, L.select.options).map((o) => ratingOption(survey.id, o)),
          },
        ],
      };
      return {
        text: `You rated this conversation: ${choiceText(option, survey.rating ?? '')}`,
        blocks: [
          section(`:speech_balloon: You rated this conversation *${choiceText(option, survey.rating ?? '')}*. Thank you!`),
          actions,
          note(`For <@${survey.userId}>: you can change your rating or add a comment. After a comment, the rating is final.`),
        ],
      };
    }
    case 'commented':
      return {
        text: 'Thank you for your rating and comment',
        blocks: [
          section(
            `:speech_balloon: You rated this conversation *${choiceText(option, survey.rating ?? '')}* and left a comment. Thank you!`,
          ),
          note('Your rating is final now: it can no longer be changed.'),
        ],
      };
    case 'closed': {
      const why = CLOSED_WORDS[survey.closedReason ?? ''] ?? 'This rating is closed.';
      return {
        text: why,
        blocks: [
          section(
            option === undefined
              ? `:speech_balloon: ${why}`
              : `:speech_balloon: You rated this conversation *${choiceText(option, survey.rating ?? '')}*. ${why}`,
          ),
        ],
      };
    }
  }
}

function ratingOption(surveyId: number, option: StoredCsatOption): PlainTextOption {
  return { text: { type: 'plain_text', text: optionText(option, L.option.text), emoji: true }, value: `${surveyId}:${option.key}` };
}

/** The form for a comment: the rating it goes with, one multi-line input, and what sending it means. */
export function commentModal(survey: CsatSurvey): ModalView {
  return {
    type: 'modal',
    callback_id: CSAT_COMMENT_CALLBACK,
    // The rating the form shows goes with the comment, even if the menu changed it while the form was open.
    private_metadata: JSON.stringify({ surveyId: survey.id, rating: survey.rating }),
    title: { type: 'plain_text', text: 'Add a comment' },
    submit: { type: 'plain_text', text: 'Send' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section(`Your rating: *${choiceText(chosen(survey), survey.rating ?? '')}*`),
      {
        type: 'input',
        block_id: CSAT_COMMENT_BLOCK,
        label: { type: 'plain_text', text: 'Your comment' },
        hint: { type: 'plain_text', text: 'Once you send a comment, your rating can no longer be changed.' },
        element: {
          type: 'plain_text_input',
          action_id: CSAT_COMMENT_INPUT,
          multiline: true,
          max_length: L.plainTextInput.maxLength,
          placeholder: { type: 'plain_text', text: 'What went well, or what could be better?' },
        },
      },
    ],
  };
}
