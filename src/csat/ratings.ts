import type { View } from '@slack/types';
import { errorCode, FinApiError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { CsatResult } from '../fin/client.ts';
import { CSAT_RATINGS, type CsatRating, type FinCsatRequested } from '../fin/schemas.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { DeliveryDeps } from '../slack/delivery.ts';
import { messageModal } from '../slack/message-modal.ts';
import type { SlackPoster } from '../slack/poster.ts';
import type { Conversation } from '../store/conversations.ts';
import type { CsatSurvey } from '../store/csat.ts';
import type { Store } from '../store/index.ts';
import { commentModal, csatPrompt } from './prompt.ts';

/** A comment from the form: who sent it, about which survey, and the rating the form showed. */
export interface CommentInput {
  readonly surveyId: number;
  readonly userId: string;
  readonly remark: string;
  readonly rating?: string | undefined;
}

/** What a press on the prompt came to; anything but `rated`/`unchanged` is told to the person who pressed. */
export type RateOutcome = 'rated' | 'unchanged' | 'not_yours' | 'unknown' | 'locked' | 'closed' | 'invalid' | 'failed';
export type CommentFormOutcome = 'opened' | 'not_yours' | 'unknown' | 'locked' | 'closed' | 'not_rated';
export type CommentOutcome = 'sent' | 'not_yours' | 'unknown' | 'locked' | 'closed' | 'failed';

/** What a press that did nothing tells the person, only them. */
export const RATING_REFUSALS: Readonly<
  Record<Exclude<RateOutcome | CommentFormOutcome | CommentOutcome, 'rated' | 'unchanged' | 'opened' | 'sent'>, string>
> = {
  not_yours: 'This rating belongs to the person who asked Fin, so only they can give it.',
  unknown: 'This rating is no longer known to the app.',
  locked: 'This rating is final: a comment was already sent with it, so it can no longer be changed.',
  closed: 'Fin no longer takes a rating for this conversation.',
  invalid: 'Fin does not offer that rating.',
  not_rated: 'Please choose a rating first; then you can add a comment to it.',
  failed: 'Your rating could not be sent to Fin just now. Please try again in a moment.',
};

export interface RatingsDeps extends DeliveryDeps {
  readonly fin: { csat(body: { conversation_id: string; rating: CsatRating; remark?: string }): Promise<CsatResult> };
  readonly poster: SlackPoster;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly store: Store;
}

/** What the ratings tell the hand-off: the agents' post of an escalated conversation shows the rating. */
export interface RatingListener {
  ratingChanged(conv: Conversation): Promise<void>;
}

/** Slack's clock and ours may differ a little: a prompt posted "before" the attempt began may still be ours. */
const CLOCK_SKEW_MS = 60_000;

/**
 * Ratings Fin asks for (CSAT). Fin's `csat_requested` becomes one prompt in the thread; the person Fin served rates
 * with its buttons, may change the rating, and may add one comment, which locks it. Every choice goes to
 * `/fin/csat`; the prompt then shows what Fin recorded. The state is in the store, so a press after a restart works.
 * Callers run each call in the conversation's order.
 */
export class Ratings {
  readonly #d: RatingsDeps;
  readonly #listener: RatingListener;

  constructor(deps: RatingsDeps, listener: RatingListener) {
    this.#d = deps;
    this.#listener = listener;
  }

  /**
   * Fin asked for a rating: the prompt is posted once per request (the same request by SSE and webhook is one
   * survey), and a post interrupted by a crash is found in the thread rather than posted again.
   */
  async requested(conv: Conversation, event: FinCsatRequested, dedupeKey: string): Promise<void> {
    const { store } = this.#d;
    const ratedBy = this.#ratedBy(conv, event.user_id);
    if (ratedBy === undefined) {
      this.#d.log.warn({ conversationId: conv.id }, 'Fin asked for a rating in a conversation with no known asker; no prompt');
      return;
    }
    const survey = store.csat.ensure(
      {
        conversationId: conv.id,
        dedupeKey,
        userId: ratedBy,
        options: event.csat.options.map(({ key, emoji, label }) => ({ key, emoji, label })),
        channelId: conv.channelId,
        threadTs: conv.threadTs,
      },
      this.#d.now(),
    );
    if (survey.promptTs !== null) return;
    // Fin asks again (a later resolution): the older prompt stops taking a rating, so the thread has one that does.
    for (const older of store.csat.othersOpen(conv.id, survey.id)) {
      store.csat.close(older.id, 'superseded', this.#d.now());
      await this.#showPrompt(older.id);
    }
    if (survey.postingSince !== null) {
      // A post a crash interrupted may have landed, as the question (it was posted before anyone could rate).
      const asPosted = csatPrompt({ ...survey, state: 'open' }).text;
      const after = ((survey.postingSince - CLOCK_SKEW_MS) / 1000).toFixed(6);
      const own = await this.#d.ownMessages(survey.channelId, survey.threadTs, after);
      const found = own?.find((m) => m.text === asPosted && store.posted.get(survey.channelId, m.ts) === undefined);
      if (found !== undefined) {
        store.csat.posted(survey.id, found.ts, this.#d.now());
        // It shows the survey as it stands now (rated in between, say).
        await this.#showPrompt(survey.id);
        return;
      }
    }
    store.csat.postingBegan(survey.id, this.#d.now());
    const ts = await this.#d.poster.postBlocks(survey.channelId, { ...csatPrompt(survey), threadTs: survey.threadTs });
    store.csat.posted(survey.id, ts, this.#d.now());
    this.#d.log.info({ conversationId: conv.id, surveyId: survey.id }, 'asked for a rating');
  }

  /** A press on a rating (a button, or the menu that changes it). */
  async rate(input: { surveyId: number; userId: string; rating: string }): Promise<RateOutcome> {
    const survey = this.#d.store.csat.get(input.surveyId);
    const refused = this.#refusal(survey, input.userId);
    if (refused !== undefined) return refused;
    if (survey === undefined) return 'unknown';
    const rating = CSAT_RATINGS.find((r) => r === input.rating);
    if (rating === undefined || !survey.options.some((o) => o.key === rating)) return 'invalid';
    if (survey.rating === rating) {
      // Fin has it already; the prompt may not show it (an edit Slack refused earlier).
      await this.#showPrompt(survey.id);
      return 'unchanged';
    }
    return this.#send(survey, { rating });
  }

  /** "Add a comment": the form opens for the person who rated, while the rating can still take one. */
  async openCommentForm(input: { surveyId: number; userId: string; triggerId: string }): Promise<CommentFormOutcome> {
    const survey = this.#d.store.csat.get(input.surveyId);
    const refused = this.#refusal(survey, input.userId);
    if (refused !== undefined) return refused;
    if (survey === undefined) return 'unknown';
    if (survey.rating === null) return 'not_rated';
    await this.#d.poster.openView(input.triggerId, commentModal(survey));
    return 'opened';
  }

  /**
   * The comment from the form, held in the store before Slack hears back (so a crash does not lose it), with the rating
   * the form showed: `held` when it is to be sent (`sendComment`), or why not.
   */
  holdComment(input: CommentInput): 'held' | Exclude<CommentOutcome, 'sent'> {
    const survey = this.#d.store.csat.get(input.surveyId);
    const refused = this.#refusal(survey, input.userId);
    if (refused !== undefined) return refused;
    if (survey?.rating == null) return 'unknown';
    // The rating the form showed (changed since in the menu, perhaps): the comment was written about it.
    const shown = input.rating ?? survey.rating;
    const rating = survey.options.some((o) => o.key === shown) ? shown : survey.rating;
    // One comment at a time: a second form sent while the first is on its way finds the rating about to lock.
    return this.#d.store.csat.holdComment(survey.id, { rating, remark: input.remark }, this.#d.now()) ? 'held' : 'locked';
  }

  /** Sends a held comment to Fin with its rating, which it then locks. The hold is let go whatever Fin answers. */
  async sendComment(surveyId: number): Promise<CommentOutcome> {
    const { store } = this.#d;
    const survey = store.csat.get(surveyId);
    const held = survey?.pendingComment;
    if (survey === undefined || held == null) return 'unknown';
    const rating = CSAT_RATINGS.find((r) => r === held.rating);
    const result = rating === undefined ? 'failed' : await this.#send(survey, { rating, remark: held.remark });
    store.csat.releaseComment(surveyId, this.#d.now());
    return result === 'rated' ? 'sent' : result === 'invalid' ? 'failed' : result;
  }

  /** Comments held when the process stopped, to send again; a person whose comment then fails is told in the thread. */
  heldComments(): CsatSurvey[] {
    return this.#d.store.csat.pendingComments();
  }

  /** What the comment form shows once Fin has answered (the comment quoted back when it did not arrive, so it is not lost). */
  commentResult(outcome: CommentOutcome, remark: string): View {
    if (outcome === 'sent') return messageModal('Thank you', 'Your comment was sent with your rating. Thank you!');
    return messageModal('Not sent', this.commentResultText(outcome, remark));
  }

  /** Why a comment did not reach Fin, with what the person wrote. */
  commentResultText(outcome: Exclude<CommentOutcome, 'sent'>, remark: string): string {
    const why = outcome === 'failed' ? 'Your comment could not be sent to Fin just now.' : RATING_REFUSALS[outcome];
    return `${why}\n\nWhat you wrote:\n${remark}`;
  }

  #refusal(survey: CsatSurvey | undefined, userId: string): 'unknown' | 'not_yours' | 'locked' | 'closed' | undefined {
    if (survey === undefined) return 'unknown';
    if (survey.userId !== userId) return 'not_yours';
    if (survey.state === 'commented') return 'locked';
    if (survey.state === 'closed') return 'closed';
    return undefined;
  }

  /** Sends a rating (with a comment, once) to Fin and brings the prompt, the metrics and the agents' post up to date. */
  async #send(
    survey: CsatSurvey,
    body: { rating: CsatRating; remark?: string },
  ): Promise<'rated' | 'locked' | 'closed' | 'invalid' | 'failed'> {
    const { store, log } = this.#d;
    const logged = log.child({ conversationId: survey.conversationId, surveyId: survey.id });
    let result: CsatResult;
    try {
      result = await this.#d.fin.csat({ conversation_id: survey.conversationId, ...body });
    } catch (error) {
      logged.warn(
        { error: errorCode(error), status: error instanceof FinApiError ? error.status : undefined },
        'Fin did not take a rating',
      );
      return 'failed';
    }
    const now = this.#d.now();
    if (result.kind === 'refused') {
      logged.info({ why: result.why, detail: result.detail }, 'Fin refused a rating');
      if (result.why === 'invalid_rating') return 'invalid';
      // A refusal Fin does not document (a comment it finds too long, say) changes nothing: the person may try again.
      if (result.why === 'refused') return 'failed';
      if (result.why === 'locked') {
        // Fin holds a comment the app did not record (sent just before a crash, say): the rating is final.
        if (!store.csat.commented(survey.id, now)) store.csat.close(survey.id, 'locked', now);
      } else {
        store.csat.close(survey.id, result.why, now);
      }
      await this.#showPrompt(survey.id);
      return result.why === 'locked' ? 'locked' : 'closed';
    }
    store.transaction(() => {
      store.csat.rated(survey.id, body.rating, now);
      if (body.remark !== undefined) store.csat.commented(survey.id, now);
    });
    if (body.remark === undefined) this.#d.metrics.csatRatings.inc({ rating: body.rating });
    logged.info({ rating: body.rating, commented: body.remark !== undefined }, 'rating recorded');
    await this.#showPrompt(survey.id);
    const conv = store.conversations.get(survey.conversationId);
    if (conv !== undefined) {
      await this.#listener.ratingChanged(conv).catch((error: unknown) => {
        logged.warn({ error: errorCode(error) }, "could not show the rating on the agents' post");
      });
    }
    return 'rated';
  }

  /** The prompt shows what the store holds; a failed edit leaves Fin's record as it is (logged). */
  async #showPrompt(surveyId: number): Promise<void> {
    const survey = this.#d.store.csat.get(surveyId);
    if (survey?.promptTs == null) return;
    await this.#d.poster.updateBlocks(survey.channelId, survey.promptTs, csatPrompt(survey)).catch((error: unknown) => {
      this.#d.log.warn({ surveyId, error: errorCode(error) }, 'could not update the rating prompt');
    });
  }

  /**
   * Who may rate: the person Fin served. Fin names its user; the app gave Fin the Slack id of whoever asked, so that
   * is trusted when that person did write in the thread, and otherwise the thread's latest asker is.
   */
  #ratedBy(conv: Conversation, finUserId: string | undefined): string | undefined {
    if (finUserId !== undefined && this.#d.store.inbound.hasWriter(conv.id, finUserId)) return finUserId;
    return this.#d.store.inbound.latest(conv.id)?.userId;
  }
}
