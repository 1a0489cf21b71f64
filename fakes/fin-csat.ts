import type { CsatRating, CsatRequest } from './fin-request-schemas.ts';

/**
 * The satisfaction surveys of the simulated Fin: which conversations Fin asked to rate (`csat_requested`), what was
 * answered through `POST /fin/csat`, and the rules the reference gives for answering twice. Its 422 bodies are the
 * reference's, which are not Intercom's usual `error.list`.
 */

/** One choice of a survey, as `csat_requested` carries it: the key goes back as `rating`, the label is shown. */
export interface CsatOption {
  readonly key: CsatRating;
  readonly emoji: string;
  readonly label: string;
}

/** The five ratings, worst first, as a survey with no other setting offers them. */
export const DEFAULT_CSAT_OPTIONS: readonly CsatOption[] = [
  { key: 'terrible', emoji: '😡', label: 'Terrible' },
  { key: 'bad', emoji: '🙁', label: 'Bad' },
  { key: 'ok', emoji: '😐', label: 'OK' },
  { key: 'good', emoji: '😃', label: 'Great' },
  { key: 'amazing', emoji: '🤩', label: 'Amazing' },
];

/** What a conversation's survey holds now. */
export interface CsatState {
  readonly options: readonly CsatOption[];
  readonly rating: CsatRating | undefined;
  readonly remark: string | undefined;
  /** While open, a different rating replaces the one recorded; Fin closes it some time after asking. */
  readonly windowOpen: boolean;
}

export interface CsatAnswer {
  readonly status: number;
  readonly body: unknown;
}

export class CsatLedger {
  readonly #surveys = new Map<string, CsatState>();

  /** Fin asked again: a new survey, nothing answered yet. */
  requested(conversationId: string, options: readonly CsatOption[]): void {
    this.#surveys.set(conversationId, { options, rating: undefined, remark: undefined, windowOpen: true });
  }

  closeWindow(conversationId: string): void {
    const survey = this.#surveys.get(conversationId);
    if (survey !== undefined) this.#surveys.set(conversationId, { ...survey, windowOpen: false });
  }

  get(conversationId: string): CsatState | undefined {
    return this.#surveys.get(conversationId);
  }

  /**
   * A rating submitted for a conversation Fin knows (`known`) or not. A retry of what is recorded succeeds whatever
   * the state, so an at-least-once client never sees its own retry fail; anything else must find the window open
   * and no remark recorded.
   */
  submit(request: CsatRequest, known: boolean): CsatAnswer {
    const { conversation_id: conversationId, rating, remark } = request;
    if (!known) return refused('external_conversation_id', 'Conversation not found for the given external_conversation_id');
    const survey = this.#surveys.get(conversationId);
    if (survey === undefined) return refused('base', 'No rating survey found for this conversation');
    if (!survey.options.some((o) => o.key === rating)) return refused('rating', "Rating isn't an option");
    const rated = { status: 200, body: { conversation_id: conversationId, rating, status: 'rated' } };
    if (rating === survey.rating && (remark === undefined || remark === survey.remark)) return rated;
    if (!survey.windowOpen) return refused('base', 'The rating window for this conversation has closed');
    if (survey.remark !== undefined) {
      return refused('base', 'This rating can no longer be changed because a remark has already been submitted');
    }
    this.#surveys.set(conversationId, { ...survey, rating, remark });
    return rated;
  }
}

/** The reference's 422: messages keyed by the field they are about, or `base` for the conversation as a whole. */
export function refused(key: string, message: string): CsatAnswer {
  return { status: 422, body: { errors: { [key]: message } } };
}
