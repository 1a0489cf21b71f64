import { randomUUID } from 'node:crypto';
import { errorCode, FinApiError } from '../core/errors.ts';
import { isSessionExists } from '../fin/client.ts';
import type { FinEvent, FinMessage, FinTurnRequest } from '../fin/schemas.ts';
import type { SseEnd } from '../fin/sse.ts';
import { htmlToMrkdwn } from '../format/html-to-mrkdwn.ts';
import { CHANNEL_UNAVAILABLE } from '../slack/errors.ts';
import { channelTypeFromId } from '../slack/incoming.ts';
import { slackToPlainText } from '../slack/plain-text.ts';
import { cutIntoParts } from '../slack/poster.ts';
import type { PrivateReply, ResponseOutcome } from '../slack/response-url.ts';
import type { Ask } from '../store/asks.ts';
import type { FinEventSource } from '../store/fin-events.ts';
import type { BridgeContext } from './context.ts';
import { PRIVATE_ASK_SLOW, privateAnswerDmText, privateAskFailedText, privateAskingText, sharedQuestionText } from './copy.ts';
import type { FinEventAcceptance } from './fin-events.ts';
import { privateAnswerMessage } from './private-answer-view.ts';
import { encodePriorHistory } from './prior-history.ts';

/** Slack takes messages at a slash command's `response_url` for 30 minutes after the command. */
export const RESPONSE_URL_LIFETIME_MS = 30 * 60_000;
/**
 * After Fin reports `complete`, how long its answer may still be on its way (a webhook can overtake the stream's
 * `fin_replied`) before the person is told Fin had none.
 */
const COMPLETE_GRACE_MS = 5_000;
/** A share into the channel that began this long ago without finishing was cut short (its process died): it may be made again. */
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

export type AskOutcome = { readonly kind: 'asking'; readonly id: string; readonly placeholder: string } | { readonly kind: 'rate_limited' };

export type ShareOutcome = 'shared' | 'unknown' | 'not_yours' | 'not_answered' | 'already' | 'cannot_post';

/**
 * `/fin <question>`: one question, answered only to the person who asked (Fin's `/fin/ask`), through the command's
 * `response_url`, with a button to share it as a thread in the channel. The question is recorded before Slack is
 * acknowledged; Fin's answer is recorded once (its first `fin_replied`, by SSE or webhook, wins) and then shown; a
 * restart resumes whichever step was next. When the `response_url` no longer takes messages (30 minutes, 5 uses), the
 * answer goes to the person's direct message with the app instead.
 */
export class PrivateAnswers {
  readonly #ctx: PrivateAnswersDeps;
  /** Per question, what happens when its wait is over: the person hears Fin is slow, or that it had no answer. */
  readonly #timers = new Map<string, { readonly timer: NodeJS.Timeout; readonly then: 'slow' | 'no_answer' }>();
  #stopped = false;

  constructor(ctx: PrivateAnswersDeps) {
    this.#ctx = ctx;
  }

  /** Whether `conversationId` is a private question's (Fin's events about it come here, not to a thread). */
  owns(conversationId: string): boolean {
    return this.#ctx.store.asks.get(conversationId) !== undefined;
  }

  /**
   * Records the question (durably, before this returns) and asks Fin after. `placeholder` is what the person sees
   * at once; the answer replaces it.
   */
  ask(input: { teamId: string; channelId: string; userId: string; question: string; responseUrl: string }): AskOutcome {
    if (!this.#ctx.reserveTurn(input.userId)) return { kind: 'rate_limited' };
    // Not derived from the command: Slack sends no id for it, and each question is a conversation of its own.
    const id = `slack-ask-${input.teamId}-${randomUUID()}`;
    this.#ctx.store.asks.record({ ...input, id }, this.#ctx.now());
    this.#ctx.inOrderDetached(id, 'asking Fin privately', () => this.#send(id));
    return { kind: 'asking', id, placeholder: privateAskingText(input.question) };
  }

  /** One of Fin's events about a private question: only its answer and its end matter (nothing streams into a private reply). */
  accept(event: FinEvent, source: FinEventSource): FinEventAcceptance {
    const { store, log } = this.#ctx;
    const id = event.conversation_id;
    if (event.event_name === 'fin_replied') {
      const text = htmlToMrkdwn(event.message.body);
      if (!store.asks.answer(id, { text, finMessageId: event.message.id }, this.#ctx.now())) {
        log.debug({ source, askId: id, messageId: event.message.id }, 'duplicate or late answer to a private question');
        return { kind: 'duplicate', processed: DONE };
      }
      this.#clearTimer(id);
      log.info({ source, askId: id, messageId: event.message.id }, 'Fin answered a private question');
      return { kind: 'accepted', processed: this.#deliverInOrder(id) };
    }
    if (event.event_name === 'fin_status_updated' && (event.status === 'complete' || event.status === 'resolved')) {
      const ask = store.asks.get(id);
      if (ask === undefined || !awaiting(ask)) return { kind: 'duplicate', processed: DONE };
      // The answer may still be on its way by the other channel: the person is told there is none only after a grace.
      this.#arm(id, COMPLETE_GRACE_MS, 'no_answer');
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
    const answer = ask.answer;
    const conv = store.transaction(() => {
      const created = store.conversations.ensure(
        { teamId: ask.teamId, channelId: ask.channelId, threadTs: rootTs, channelType: channelTypeFromId(ask.channelId) },
        this.#ctx.now(),
      );
      store.conversations.noteTopic(created.id, ask.question);
      store.asks.shared(ask.id, rootTs, this.#ctx.now());
      return created;
    });
    let lastTs = rootTs;
    for (const part of cutIntoParts(answer)) {
      lastTs = await poster.post(ask.channelId, rootTs, part.text);
      store.posted.add(
        { channelId: ask.channelId, ts: lastTs, conversationId: conv.id, turnId: null, kind: 'reply', state: 'final' },
        this.#ctx.now(),
      );
    }
    const history: FinMessage[] = [
      { author: 'user', body: ask.question, timestamp: new Date(ask.createdAt).toISOString() },
      {
        author: 'fin',
        body: slackToPlainText(answer, { botUserId: this.#ctx.botUserId }),
        timestamp: new Date(this.#ctx.now()).toISOString(),
      },
    ];
    store.conversations.setPriorHistory(conv.id, encodePriorHistory({ afterTs: lastTs, messages: history }), this.#ctx.now());
    log.info({ askId: ask.id, channelId: ask.channelId, threadTs: rootTs }, 'a private answer was shared in the channel');
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

  /** Resumes questions a previous process left: not yet sent, waiting for Fin, or answered but not yet shown. */
  recover(): void {
    for (const ask of this.#ctx.store.asks.unfinished()) {
      if (ask.state === 'sending') this.#ctx.inOrderDetached(ask.id, 'asking Fin privately', () => this.#send(ask.id));
      else if (ask.state === 'answered') void this.#deliverInOrder(ask.id);
      // Fin's answer can only come by webhook now (the stream went with the process); without them it is lost.
      else if (this.#ctx.webhooksEnabled)
        this.#arm(ask.id, Math.max(0, ask.createdAt + this.#ctx.replyTimeoutMs - this.#ctx.now()), 'slow');
      else this.#ctx.inOrderDetached(ask.id, 'giving up a private question', () => this.#fail(ask.id, 'stream_lost'));
    }
  }

  stop(): void {
    this.#stopped = true;
    for (const { timer } of this.#timers.values()) clearTimeout(timer);
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
    this.#arm(id, Math.max(0, ask.createdAt + this.#ctx.replyTimeoutMs - this.#ctx.now()), 'slow');
  }

  /** The stream stopped: with no answer yet and no webhooks to bring it, there will be none. */
  #streamEnded(id: string, end: SseEnd): void {
    if (end.reason === 'closed' || this.#ctx.webhooksEnabled) return;
    this.#ctx.inOrderDetached(id, 'ending a private question whose stream ended', async () => {
      const ask = this.#ctx.store.asks.get(id);
      if (ask === undefined || !awaiting(ask)) return;
      // Fin's `complete` came on this stream: the grace for a late answer runs instead.
      if (this.#timers.get(id)?.then === 'no_answer') return;
      this.#ctx.log.warn({ askId: id, reason: end.reason, detail: end.detail }, 'the stream of a private question ended before its answer');
      await this.#fail(id, 'stream_lost');
    });
  }

  /** After `delayMs`, the person hears Fin is slow (`slow`), or that it had no answer (`no_answer`), unless it answered. */
  #arm(id: string, delayMs: number, then: 'slow' | 'no_answer'): void {
    if (this.#stopped) return;
    this.#clearTimer(id);
    const timer = setTimeout(() => {
      this.#timers.delete(id);
      this.#ctx.inOrderDetached(id, 'telling a person Fin has not answered', async () => {
        if (then === 'no_answer') return this.#fail(id, 'no_answer');
        const ask = this.#ctx.store.asks.get(id);
        if (ask === undefined || !this.#ctx.store.asks.markOverdue(id, this.#ctx.now())) return;
        this.#ctx.log.warn({ askId: id }, 'no answer from Fin in time to a private question');
        if (ask.responseUrl !== null) await this.#reply(ask.responseUrl, { text: PRIVATE_ASK_SLOW, replace_original: true }, id);
      });
    }, delayMs);
    timer.unref();
    this.#timers.set(id, { timer, then });
  }

  #clearTimer(id: string): void {
    const armed = this.#timers.get(id);
    if (armed !== undefined) clearTimeout(armed.timer);
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
    let shown = false;
    if (ask.responseUrl !== null && this.#ctx.now() - ask.createdAt < RESPONSE_URL_LIFETIME_MS) {
      const message = privateAnswerMessage({ askId: ask.id, question: ask.question, answer: ask.answer, channelId: ask.channelId });
      try {
        shown = (await this.#respond(ask.responseUrl, { ...message, replace_original: true })).kind === 'sent';
      } catch (error) {
        log.warn({ askId: id, error: errorCode(error) }, 'the private reply failed; the answer goes to the direct message');
      }
    }
    if (!shown) await this.#directMessage(ask, ask.answer);
    store.asks.markShown(id, this.#ctx.now());
  }

  /** Fin's answer in the person's direct message with the app, when the private reply can no longer be used. */
  async #directMessage(ask: Ask, answer: string): Promise<void> {
    const { poster } = this.#ctx;
    const dm = await poster.openDm(ask.userId);
    const root = await poster.postRoot(dm, privateAnswerDmText(ask.channelId, ask.question));
    for (const part of cutIntoParts(answer)) await poster.post(dm, root, part.text);
    this.#ctx.log.info({ askId: ask.id }, 'a private answer went to the direct message: the command’s reply no longer takes messages');
  }

  /** The person hears why there is no answer, in place of it; the question is settled. */
  async #fail(id: string, reason: Parameters<typeof privateAskFailedText>[0], error?: FinApiError): Promise<void> {
    this.#clearTimer(id);
    const ask = this.#ctx.store.asks.get(id);
    if (ask === undefined || !this.#ctx.store.asks.fail(id, reason, this.#ctx.now())) return;
    this.#ctx.log.info({ askId: id, reason }, 'a private question got no answer');
    const text = privateAskFailedText(reason, error);
    if (ask.responseUrl !== null && this.#ctx.now() - ask.createdAt < RESPONSE_URL_LIFETIME_MS) {
      await this.#reply(ask.responseUrl, { text, replace_original: true }, id);
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
