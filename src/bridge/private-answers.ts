import { randomUUID } from 'node:crypto';
import { errorCode, FinApiError } from '../core/errors.ts';
import { isSessionExists } from '../fin/client.ts';
import type { FinEvent, FinMessage, FinTurnRequest } from '../fin/schemas.ts';
import type { SseEnd } from '../fin/sse.ts';
import { htmlToMrkdwn } from '../format/html-to-mrkdwn.ts';
import { truncate } from '../format/truncate.ts';
import { deliverFinalText } from '../slack/delivery.ts';
import { CHANNEL_UNAVAILABLE } from '../slack/errors.ts';
import { channelTypeFromId } from '../slack/incoming.ts';
import { slackToPlainText } from '../slack/plain-text.ts';
import { cutIntoParts } from '../slack/poster.ts';
import type { PrivateReply, ResponseOutcome } from '../slack/response-url.ts';
import type { Ask } from '../store/asks.ts';
import type { FinEventSource } from '../store/fin-events.ts';
import type { BridgeContext } from './context.ts';
import {
  PRIVATE_ASK_SLOW,
  type PrivateAskFailure,
  privateAnswerDmText,
  privateAskFailedText,
  privateAskingText,
  sharedQuestionText,
} from './copy.ts';
import type { FinEventAcceptance } from './fin-events.ts';
import { privateAnswerMessage } from './private-answer-view.ts';
import { encodePriorHistory } from './prior-history.ts';
import { MAX_BODY_CHARS } from './requests.ts';

/** Slack takes messages at a slash command's `response_url` for 30 minutes after the command, 5 at most. */
export const RESPONSE_URL_LIFETIME_MS = 30 * 60_000;
/**
 * After Fin reports `complete`, how long its answer may still be on its way (a webhook can overtake the stream's
 * `fin_replied`) before the person is told Fin had none.
 */
export const COMPLETE_GRACE_MS = 5_000;
/**
 * A question with no answer this long after it was asked is given up, and the person told (well within the private
 * reply's 30 minutes). An answer that comes later still reaches them, in their direct message.
 */
export const GIVE_UP_MS = 20 * 60_000;
/** A share into the channel that began this long ago without a thread to show for it was cut short: it may be made again. */
const SHARE_STALE_MS = 60_000;

const DONE = Promise.resolve();

/** What the private answers need of the bridge's shared parts. */
export type PrivateAnswersDeps = Pick<
  BridgeContext,
  | 'store'
  | 'fin'
  | 'poster'
  | 'directory'
  | 'responses'
  | 'ownMessages'
  | 'log'
  | 'now'
  | 'inOrder'
  | 'inOrderDetached'
  | 'replyTimeoutMs'
  | 'webhooksEnabled'
  | 'botUserId'
> & {
  /** Follows a stream Fin returned, its events going through the one pipeline; `onEnd` hears when it stops. */
  readonly follow: (conversationId: string, url: string, onEnd: (end: SseEnd) => void) => void;
  /** Takes one of the person's turns of the minute: a private question counts like any other. */
  readonly reserveTurn: (userId: string) => boolean;
};

export type AskOutcome =
  | { readonly kind: 'asking'; readonly id: string; readonly placeholder: string }
  | { readonly kind: 'rate_limited' }
  | { readonly kind: 'empty' };

export type ShareOutcome = 'shared' | 'unknown' | 'not_yours' | 'not_answered' | 'already' | 'cannot_post';

/**
 * `/fin <question>`: one question, answered only to the person who asked (Fin's `/fin/ask`), through the command's
 * `response_url`, with a button to share it as a thread in the channel.
 *
 * The question is recorded before Slack is acknowledged, and each step after is recorded as it happens, so a restart
 * resumes whichever came next and nothing is said twice: Fin's answer is recorded once (the first `fin_replied`, by
 * SSE or webhook); a question Fin said it finished without answering, or did not answer in time, is settled by
 * deadlines worked out from what is recorded. Slack does not let a command's later messages replace its first, so
 * each thing the person is told is a message of its own below the question. A private reply lasts only as long as the
 * person's session: an answer that comes after they were told Fin is slow (or after the reply's 30 minutes, or its 5
 * messages) goes to their direct message with the app, and so does the whole of one too long to show privately.
 */
export class PrivateAnswers {
  readonly #ctx: PrivateAnswersDeps;
  /** Per question, the timer of its next deadline (Fin slow, no answer after `complete`, given up). */
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #stopped = false;

  constructor(ctx: PrivateAnswersDeps) {
    this.#ctx = ctx;
  }

  /** Whether `conversationId` is a private question's (Fin's events about it come here, not to a thread). */
  owns(conversationId: string): boolean {
    return this.#ctx.store.asks.get(conversationId) !== undefined;
  }

  /**
   * Records the question (durably, before this returns) and asks Fin after. `text` is the command's, in Slack's markup;
   * `placeholder` is what the person sees at once.
   */
  ask(input: { teamId: string; channelId: string; userId: string; text: string; responseUrl: string }): AskOutcome {
    const question = truncate(slackToPlainText(input.text, { botUserId: this.#ctx.botUserId }), MAX_BODY_CHARS);
    if (question === '') return { kind: 'empty' };
    if (!this.#ctx.reserveTurn(input.userId)) return { kind: 'rate_limited' };
    // Not derived from the command: Slack sends no id for it, and each question is a conversation of its own.
    const id = `slack-ask-${input.teamId}-${randomUUID()}`;
    const { text: _markup, ...where } = input;
    this.#ctx.store.asks.record({ ...where, id, question }, this.#ctx.now());
    this.#ctx.inOrderDetached(id, 'asking Fin privately', () => this.#send(id));
    return { kind: 'asking', id, placeholder: privateAskingText(question) };
  }

  /** One of Fin's events about a private question: only its answer and its end matter (nothing streams into a private reply). */
  accept(event: FinEvent, source: FinEventSource): FinEventAcceptance {
    const { store, log } = this.#ctx;
    const id = event.conversation_id;
    if (event.event_name === 'fin_replied') {
      const text = htmlToMrkdwn(event.message.body);
      if (text === '') {
        log.warn({ source, askId: id, messageId: event.message.id }, 'Fin answered a private question with no text');
        return { kind: 'ignored', processed: DONE };
      }
      if (!store.asks.answer(id, { text, finMessageId: event.message.id }, this.#ctx.now())) {
        const known = store.asks.get(id)?.finMessageId;
        // Fin documents one answer per question; a second one would be a change in Fin worth hearing about.
        if (known !== null && known !== undefined && known !== event.message.id) {
          log.warn(
            { source, askId: id, messageId: event.message.id },
            'Fin sent a second answer to a private question; only the first is shown',
          );
        } else {
          log.debug({ source, askId: id, messageId: event.message.id }, 'duplicate answer to a private question');
        }
        return { kind: 'duplicate', processed: DONE };
      }
      this.#clearTimer(id);
      log.info({ source, askId: id, messageId: event.message.id }, 'Fin answered a private question');
      return { kind: 'accepted', processed: this.#deliverInOrder(id) };
    }
    if (event.event_name === 'fin_status_updated' && (event.status === 'complete' || event.status === 'resolved')) {
      // The answer may still be on its way by the other channel: the person is told there is none only after a grace.
      if (!store.asks.markCompleted(id, this.#ctx.now())) return { kind: 'duplicate', processed: DONE };
      this.#schedule(id);
      return { kind: 'accepted', processed: DONE };
    }
    return { kind: 'ignored', processed: DONE };
  }

  /**
   * "Share in channel" on a private answer: the question (as the person's) and Fin's answer become a thread in the
   * channel, whose conversation with Fin starts with them as history when someone replies. `responseUrl` is the
   * press's own: the private answer is removed through it once the thread is there.
   */
  async share(input: { askId: string; userId: string; responseUrl: string | undefined }): Promise<ShareOutcome> {
    const { store, poster, log } = this.#ctx;
    const ask = store.asks.get(input.askId);
    if (ask === undefined) return 'unknown';
    if (ask.userId !== input.userId) return 'not_yours';
    if (ask.sharedTs !== null) return 'already';
    if (ask.state !== 'shown' || ask.answer === null) return 'not_answered';
    const now = this.#ctx.now();
    if (!store.asks.claimShare(ask.id, now, now - SHARE_STALE_MS)) return 'already';
    let rootTs: string;
    try {
      rootTs = await poster.postRoot(ask.channelId, sharedQuestionText(ask.userId, ask.question));
    } catch (error) {
      store.asks.releaseShare(ask.id, this.#ctx.now());
      const code = errorCode(error);
      log.warn({ askId: ask.id, channelId: ask.channelId, error: code }, 'could not share a private answer');
      if (CHANNEL_UNAVAILABLE.has(code)) return 'cannot_post';
      throw error;
    }
    // The thread, its conversation and what Fin is to know of it land together; the answer's parts follow, resumably.
    store.transaction(() => {
      const conv = store.conversations.ensure(
        { teamId: ask.teamId, channelId: ask.channelId, threadTs: rootTs, channelType: channelTypeFromId(ask.channelId) },
        this.#ctx.now(),
      );
      store.conversations.noteTopic(conv.id, ask.question);
      store.conversations.setPriorHistory(
        conv.id,
        encodePriorHistory({ afterTs: rootTs, messages: priorMessages(ask, this.#ctx.botUserId) }),
        this.#ctx.now(),
      );
      store.asks.shared(ask.id, rootTs, this.#ctx.now());
    });
    log.info({ askId: ask.id, channelId: ask.channelId, threadTs: rootTs }, 'a private answer was shared in the channel');
    await this.#finishShare(ask.id);
    if (input.responseUrl !== undefined) await this.#reply(input.responseUrl, { text: '', delete_original: true }, ask.id);
    return 'shared';
  }

  /** "Dismiss" on a private answer: only its asker can, and it simply goes away. */
  async dismiss(input: { askId: string; userId: string; responseUrl: string | undefined }): Promise<'dismissed' | 'not_yours'> {
    const ask = this.#ctx.store.asks.get(input.askId);
    if (ask !== undefined && ask.userId !== input.userId) return 'not_yours';
    if (input.responseUrl !== undefined) await this.#reply(input.responseUrl, { text: '', delete_original: true }, input.askId);
    return 'dismissed';
  }

  /**
   * Resumes what a previous process left: questions not yet sent, waiting for Fin, or answered but not yet shown, and
   * shared answers not yet all in their thread.
   */
  recover(): void {
    const { store } = this.#ctx;
    for (const ask of store.asks.unfinished()) {
      if (ask.state === 'sending') this.#ctx.inOrderDetached(ask.id, 'asking Fin privately', () => this.#send(ask.id));
      else if (ask.state === 'answered') void this.#deliverInOrder(ask.id);
      // Fin's answer can only come by webhook now (the stream went with the process); without them it will not come.
      else if (!this.#ctx.webhooksEnabled && ask.completedAt === null)
        this.#ctx.inOrderDetached(ask.id, 'giving up a private question', () => this.#fail(ask.id, 'stream_lost'));
      else this.#schedule(ask.id);
    }
    for (const ask of store.asks.unfinishedShares()) {
      this.#ctx.inOrderDetached(ask.id, 'finishing a shared answer', () => this.#finishShare(ask.id));
    }
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  async #send(id: string): Promise<void> {
    const { store, fin, log } = this.#ctx;
    const ask = store.asks.get(id);
    if (ask === undefined || ask.state !== 'sending' || this.#stopped) return;
    const profile = await this.#ctx.directory.user(ask.userId);
    const request: FinTurnRequest = {
      conversation_id: ask.id,
      // The question's own time: a resend after a restart is the same message, which Fin recognises.
      message: { author: 'user', body: ask.question, timestamp: new Date(ask.createdAt).toISOString() },
      user: {
        id: ask.userId,
        ...(profile.name !== undefined ? { name: profile.name } : {}),
        ...(profile.email !== undefined ? { email: profile.email } : {}),
      },
      conversation_metadata: {
        attributes: {
          slack_team_id: ask.teamId,
          slack_channel_id: ask.channelId,
          slack_channel_type: channelTypeFromId(ask.channelId),
          slack_private_ask: 'true',
        },
      },
    };
    let url: string | undefined;
    try {
      const response = await fin.ask(request);
      url = response.sse_subscription_url;
      if (response.errors !== undefined) log.info({ askId: id, attributeErrors: response.errors }, 'Fin rejected some attributes');
    } catch (error) {
      // An earlier process got the question through: its answer comes by webhook, if at all.
      if (!isSessionExists(error)) {
        if (error instanceof FinApiError) {
          log.error(
            { askId: id, failure: error.failure, status: error.status, requestId: error.requestId },
            `fin ask failed: ${error.message}`,
          );
          await this.#fail(id, error.status === 403 ? 'feature_off' : 'unexpected', error);
        } else {
          log.error({ askId: id, err: error }, 'asking Fin privately failed unexpectedly');
          await this.#fail(id, 'unexpected');
        }
        return;
      }
      log.info({ askId: id }, 'Fin already has this private question; waiting for its answer');
    }
    store.asks.markAsked(id, this.#ctx.now());
    if (url !== undefined && /^https?:\/\//.test(url)) {
      this.#ctx.follow(id, url, (end) => this.#streamEnded(id, end));
    } else if (!this.#ctx.webhooksEnabled) {
      await this.#fail(id, 'stream_lost');
      return;
    }
    this.#schedule(id);
  }

  /** The stream stopped: with no answer yet, no word from Fin that it is done and no webhooks, there will be none. */
  #streamEnded(id: string, end: SseEnd): void {
    if (end.reason === 'closed' || this.#ctx.webhooksEnabled) return;
    this.#ctx.inOrderDetached(id, 'ending a private question whose stream ended', async () => {
      const ask = this.#ctx.store.asks.get(id);
      // Fin's `complete` came on this stream: the grace for a late answer runs instead.
      if (ask === undefined || !awaiting(ask) || ask.completedAt !== null) return;
      this.#ctx.log.warn({ askId: id, reason: end.reason, detail: end.detail }, 'the stream of a private question ended before its answer');
      await this.#fail(id, 'stream_lost');
    });
  }

  /**
   * Sets the timer of the question's next deadline, from what is recorded (so a restart sets the same ones): Fin slow
   * (the reply timeout), no answer after Fin said it is done (`COMPLETE_GRACE_MS`), given up (`GIVE_UP_MS`).
   */
  #schedule(id: string): void {
    this.#clearTimer(id);
    const ask = this.#ctx.store.asks.get(id);
    if (ask === undefined || !awaiting(ask) || this.#stopped) return;
    const at = Math.min(...deadlines(ask, this.#ctx.replyTimeoutMs));
    const timer = setTimeout(
      () => {
        this.#timers.delete(id);
        this.#ctx.inOrderDetached(id, 'a private question’s deadline', () => this.#onDeadline(id));
      },
      Math.max(0, at - this.#ctx.now()),
    );
    timer.unref();
    this.#timers.set(id, timer);
  }

  async #onDeadline(id: string): Promise<void> {
    const { store, log } = this.#ctx;
    const ask = store.asks.get(id);
    if (ask === undefined || !awaiting(ask)) return;
    const now = this.#ctx.now();
    if (ask.completedAt !== null && now >= ask.completedAt + COMPLETE_GRACE_MS) return this.#fail(id, 'no_answer');
    if (now >= ask.createdAt + GIVE_UP_MS) return this.#fail(id, 'timed_out');
    if (now >= ask.createdAt + this.#ctx.replyTimeoutMs && store.asks.markOverdue(id, now)) {
      log.warn({ askId: id }, 'no answer from Fin in time to a private question');
      if (ask.responseUrl !== null) await this.#reply(ask.responseUrl, { text: PRIVATE_ASK_SLOW }, id);
    }
    this.#schedule(id);
  }

  #clearTimer(id: string): void {
    const timer = this.#timers.get(id);
    if (timer !== undefined) clearTimeout(timer);
    this.#timers.delete(id);
  }

  /** Shows a recorded answer, in the question's order; a failure leaves it recorded for the next start. */
  #deliverInOrder(id: string): Promise<void> {
    return this.#ctx
      .inOrder(id, () => this.#deliver(id))
      .catch((error: unknown) => {
        this.#ctx.log.error({ askId: id, err: error }, 'could not show a private answer; it is tried again at the next start');
      });
  }

  async #deliver(id: string): Promise<void> {
    const { store, log } = this.#ctx;
    const ask = store.asks.get(id);
    if (ask === undefined || ask.state !== 'answered' || ask.answer === null || this.#stopped) return;
    // Told Fin was slow (or that it gave up), the person may have moved on: the answer goes where it stays.
    const late = ask.failure !== null || (ask.answeredAt ?? 0) >= ask.createdAt + this.#ctx.replyTimeoutMs;
    let shown = false;
    let whole = true;
    if (!late && ask.responseUrl !== null && this.#ctx.now() - ask.createdAt < RESPONSE_URL_LIFETIME_MS) {
      const message = privateAnswerMessage({
        askId: ask.id,
        question: ask.question,
        answer: ask.answer,
        channelId: ask.channelId,
        shareable: await this.#shareable(ask),
      });
      try {
        shown = (await this.#respond(ask.responseUrl, message)).kind === 'sent';
        whole = !message.cut;
      } catch (error) {
        log.warn({ askId: id, error: errorCode(error) }, 'the private reply failed; the answer goes to the direct message');
      }
    }
    if (!shown || !whole) await this.#directMessage(ask, ask.answer);
    store.asks.markShown(id, this.#ctx.now());
  }

  /** Whether the app can post where the question was asked: anywhere but a direct message that is not its own. */
  async #shareable(ask: Ask): Promise<boolean> {
    if (channelTypeFromId(ask.channelId) !== 'im') return true;
    try {
      return (await this.#ctx.poster.openDm(ask.userId)) === ask.channelId;
    } catch {
      return false;
    }
  }

  /** Fin's answer in the person's direct message with the app, as a thread under their question. */
  async #directMessage(ask: Ask, answer: string): Promise<void> {
    const { poster } = this.#ctx;
    const dm = await poster.openDm(ask.userId);
    const root = await poster.postRoot(dm, privateAnswerDmText(ask.channelId, ask.question));
    for (const part of cutIntoParts(answer)) await poster.post(dm, root, part.text);
    this.#ctx.log.info({ askId: ask.id }, 'a private answer went to the direct message');
  }

  /** Posts the shared answer in its thread, part by part, once (resumed after an interruption); Fin's history follows it. */
  async #finishShare(id: string): Promise<void> {
    const { store } = this.#ctx;
    const ask = store.asks.get(id);
    if (ask?.sharedTs == null || ask.answer === null) return;
    const conv = store.conversations.findByThread(ask.teamId, ask.channelId, ask.sharedTs);
    if (conv === undefined) return;
    const threadTs = ask.sharedTs;
    await deliverFinalText(
      this.#ctx,
      { key: `share:${ask.id}`, conversationId: conv.id, channelId: ask.channelId, threadTs, targetTs: undefined, text: ask.answer },
      {
        landed: (_index, ts) => {
          store.posted.add(
            { channelId: ask.channelId, ts, conversationId: conv.id, turnId: null, kind: 'reply', state: 'final' },
            this.#ctx.now(),
          );
          // What the thread says after the answer is history of its own; the answer itself Fin has already.
          store.conversations.setPriorHistory(
            conv.id,
            encodePriorHistory({ afterTs: ts, messages: priorMessages(ask, this.#ctx.botUserId) }),
            this.#ctx.now(),
          );
        },
      },
    );
  }

  /** The person hears why there is no answer; the question is settled (a late answer still reaches them). */
  async #fail(id: string, reason: PrivateAskFailure, error?: FinApiError): Promise<void> {
    this.#clearTimer(id);
    const ask = this.#ctx.store.asks.get(id);
    if (ask === undefined || !this.#ctx.store.asks.fail(id, reason, this.#ctx.now())) return;
    this.#ctx.log.info({ askId: id, reason }, 'a private question got no answer');
    if (ask.responseUrl !== null && this.#ctx.now() - ask.createdAt < RESPONSE_URL_LIFETIME_MS) {
      await this.#reply(ask.responseUrl, { text: privateAskFailedText(reason, error) }, id);
    }
  }

  /** Sends at a response_url; a failure is logged (the person may simply not see this one message). */
  async #reply(url: string, reply: PrivateReply, askId: string): Promise<void> {
    await this.#respond(url, reply).catch((error: unknown) => {
      this.#ctx.log.warn({ askId, error: errorCode(error) }, 'could not reply privately');
    });
  }

  async #respond(url: string, reply: PrivateReply): Promise<ResponseOutcome> {
    const outcome = await this.#ctx.responses.send(url, reply);
    if (outcome.kind === 'gone') this.#ctx.log.info({ error: outcome.error }, 'a response_url no longer takes messages');
    return outcome;
  }
}

function awaiting(ask: Ask): boolean {
  return ask.state === 'sending' || ask.state === 'asked' || ask.state === 'overdue';
}

/** When the question's deadlines fall: given up; Fin slow (until the person was told); no answer after `complete`. */
function deadlines(ask: Ask, replyTimeoutMs: number): number[] {
  const at = [ask.createdAt + GIVE_UP_MS];
  // Only a question Fin took can be slow (one being sent is not yet), and it is so once.
  if (ask.state === 'asked') at.push(ask.createdAt + replyTimeoutMs);
  if (ask.completedAt !== null) at.push(ask.completedAt + COMPLETE_GRACE_MS);
  return at;
}

/** The question and Fin's answer, as Fin reads them in the history of the thread they were shared in. */
function priorMessages(ask: Ask, botUserId: string): FinMessage[] {
  const answeredAt = ask.answeredAt ?? ask.createdAt;
  return [
    { author: 'user', body: ask.question, timestamp: new Date(ask.createdAt).toISOString() },
    // Fin's words as a person read them: the mrkdwn's markup is for Slack.
    { author: 'fin', body: slackToPlainText(ask.answer ?? '', { botUserId }), timestamp: new Date(answeredAt).toISOString() },
  ];
}
