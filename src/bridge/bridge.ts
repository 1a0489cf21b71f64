import type { View } from '@slack/types';
import { errorCode } from '../core/errors.ts';
import { within } from '../core/within.ts';
import { type CommentFormOutcome, type CommentInput, type CommentOutcome, type RateOutcome, Ratings } from '../csat/ratings.ts';
import { type HandBackOutcome, HandOff } from '../handoff/handoff.ts';
import { type PersonRequestInput, PersonRequests } from '../handoff/person-request.ts';
import { ProcedureCatalog } from '../fin/procedure-catalog.ts';
import type { FinProcedure } from '../fin/schemas.ts';
import type { SlackUserProfile } from '../slack/directory.ts';
import { CHANNEL_UNAVAILABLE } from '../slack/errors.ts';
import { SLACK_LIMITS } from '../slack/limits.ts';

import { channelTypeFromId, type IncomingUserMessage, type MessageRevision } from '../slack/incoming.ts';
import type { Conversation } from '../store/conversations.ts';
import type { Turn } from '../store/turns.ts';
import type { FinEventSource } from '../store/fin-events.ts';
import { type BridgeContext, type BridgeOptions, createContext } from './context.ts';
import { type FinEventAcceptance, FinEvents } from './fin-events.ts';
import { askedAboutText, procedureStartedText } from './copy.ts';
import { questionAbout } from './requests.ts';
import { type ConversationStanding, HOME_CONVERSATIONS, type HomeContent } from './home-view.ts';
import { type AskOutcome, PrivateAnswers, type ShareOutcome } from './private-answers.ts';
import { ThreadView } from './thread-view.ts';
import { type SlackMessageOutcome, Turns } from './turns.ts';

const SUGGESTED_PROMPTS_LIMIT = SLACK_LIMITS.suggestedPrompts.prompts;
/**
 * How long a person waits for Fin to list their procedures (a form opening, a Home tab, a prompt clicked): Slack's
 * triggers last 3 seconds, and a slow Fin should not hold up what does not need the list.
 */
const PROCEDURES_WAIT_MS = 2_000;

export type { BridgeOptions } from './context.ts';
export type { FinEventAcceptance, FinEventOutcome } from './fin-events.ts';
export type { SlackMessageOutcome } from './turns.ts';
export type { AskOutcome, ShareOutcome } from './private-answers.ts';
export type { HandBackOutcome } from '../handoff/handoff.ts';

/**
 * Slack threads ⇄ Fin conversations. Messages from Slack go through `handleSlackMessage` (turn-taking, in
 * `Turns`); every Fin event, by SSE or webhook, goes through `acceptFinEvent` (the one pipeline, in `FinEvents`);
 * what the thread shows is `ThreadView`'s job. All work on one conversation runs in order.
 */
export class Bridge {
  readonly #ctx: BridgeContext;
  readonly #view: ThreadView;
  readonly #turns: Turns;
  readonly #events: FinEvents;
  readonly #handOff: HandOff;
  readonly #ratings: Ratings;
  readonly #persons: PersonRequests;
  readonly #procedures: ProcedureCatalog;
  readonly #questions: PrivateAnswers;

  constructor(options: BridgeOptions) {
    this.#ctx = createContext(options);
    this.#questions = new PrivateAnswers({
      ...this.#ctx,
      follow: (conversationId, url, onEnd) => this.#events.follow(conversationId, url, onEnd),
      reserveTurn: (userId) => this.#turns.reserveTurn(userId),
    });
    this.#view = new ThreadView(this.#ctx);
    this.#handOff = new HandOff(this.#ctx);
    this.#ratings = new Ratings(this.#ctx, { ratingChanged: (conv) => this.#handOff.ratingChanged(conv) });
    // The pipeline and the turn-taking each tell the other one thing; the bridge carries it, so neither imports the other.
    this.#events = new FinEvents(
      this.#ctx,
      this.#view,
      this.#handOff,
      {
        end: (conv, reason) => this.#turns.end(conv, reason),
        streamEnded: (conversationId, turnId, end) => this.#turns.streamEnded(conversationId, turnId, end),
      },
      this.#ratings,
      this.#questions,
    );
    this.#procedures = new ProcedureCatalog({ fin: this.#ctx.fin, logger: this.#ctx.log, now: this.#ctx.now });
    this.#persons = new PersonRequests({ ...this.#ctx, follow: (conversationId, url) => this.#events.follow(conversationId, url) });
    this.#turns = new Turns(
      this.#ctx,
      this.#view,
      { openStream: (conversationId, turnId, url) => this.#events.openStream(conversationId, turnId, url) },
      async (userId, text) => {
        const wanted = text.trim().toLocaleLowerCase('en');
        return (await this.proceduresFor(userId)).find((p) => p.name.trim().toLocaleLowerCase('en') === wanted)?.id;
      },
    );
  }

  /** A person's message; recorded durably before this returns. `eventId` is the Slack event that carried it. */
  handleSlackMessage(message: IncomingUserMessage, eventId?: string): SlackMessageOutcome {
    const outcome = this.#turns.accept(message, eventId);
    if (outcome === 'ignored_human_owned') this.#showAgents(message);
    return outcome;
  }

  /** A person edited or deleted a message: the agents' copy of it, if the app made one, follows. */
  messageRevised(revision: MessageRevision): void {
    const conv = this.#ctx.store.conversations.findByThread(revision.teamId, revision.channelId, revision.threadTs);
    if (conv === undefined) return;
    this.#ctx.inOrderDetached(conv.id, "following an edit in the agents' copy", () => this.#handOff.customerRevised(conv, revision));
  }

  /** A message in a thread people own: Fin is not asked, and the agents see it under their post. */
  #showAgents(message: IncomingUserMessage): void {
    const conv = this.#ctx.store.conversations.findByThread(message.teamId, message.channelId, message.threadTs);
    if (conv === undefined) return;
    const relayed = { userId: message.userId, ts: message.ts, text: message.text, fileCount: message.files.length };
    this.#ctx.inOrderDetached(conv.id, "showing the customer's message to the agents", () => this.#handOff.customerWrote(conv, relayed));
  }

  acceptFinEvent(raw: unknown, source: FinEventSource): FinEventAcceptance {
    return this.#events.accept(raw, source);
  }

  /**
   * What a person sees when they open their direct message with Fin: the configured prompts, then their procedures by
   * name (choosing one runs it), four at most (Slack's limit).
   */
  async suggestedPrompts(
    userId: string,
    configured: readonly { title: string; message: string }[],
  ): Promise<{ title: string; message: string }[]> {
    const procedures = await this.proceduresFor(userId);
    return [...configured, ...procedures.map((p) => ({ title: p.name, message: p.name }))].slice(0, SUGGESTED_PROMPTS_LIMIT);
  }

  /**
   * What one person's Home tab shows: their procedures, and the conversations they wrote in with where each stands
   * (`teamUrl`, the workspace's address, makes links to the threads without asking Slack).
   */
  async homeContent(
    userId: string,
    options: { helpText: string | undefined; escalationEmoji: readonly string[]; teamUrl: string | undefined },
  ): Promise<HomeContent> {
    const { store } = this.#ctx;
    const procedures = await this.proceduresFor(userId);
    const conversations = store.conversations.recentFor(userId, HOME_CONVERSATIONS).map((conv) => {
      const standing: ConversationStanding =
        conv.owner === 'human'
          ? 'with_a_person'
          : conv.finStatus === 'resolved' || conv.finStatus === 'complete'
            ? 'resolved'
            : homeStanding(store.turns.latest(conv.id));
      return {
        topic: conv.topic ?? (conv.procedureId === null ? '' : (procedures.find((p) => p.id === conv.procedureId)?.name ?? '')),
        standing,
        url: options.teamUrl === undefined ? undefined : `${options.teamUrl}archives/${conv.channelId}/p${conv.threadTs.replace('.', '')}`,
        channelId: conv.channelType === 'im' ? undefined : conv.channelId,
        updatedAt: conv.updatedAt,
      };
    });
    return { userId, procedures, conversations, helpText: options.helpText, escalationEmoji: options.escalationEmoji };
  }

  /**
   * The procedures this person may run (Fin's list for them, cached a few minutes); none when Fin will not say, or
   * when the app is set not to ask (`FIN_OFFER_PROCEDURES=off`). A
   * person is waiting: past `PROCEDURES_WAIT_MS` the list Fin last gave stands in (the lookup goes on for next time).
   */
  async proceduresFor(userId: string): Promise<readonly FinProcedure[]> {
    if (this.#ctx.offerProcedures === false) return [];
    const profile = await within<SlackUserProfile>(PROCEDURES_WAIT_MS, this.#ctx.directory.user(userId), () => ({}));
    return this.#procedures.within(
      {
        id: userId,
        ...(profile.name !== undefined ? { name: profile.name } : {}),
        ...(profile.email !== undefined ? { email: profile.email } : {}),
      },
      PROCEDURES_WAIT_MS,
    );
  }

  /**
   * `/fin-procedure`: starts a thread in the channel, for the person who asked, whose first turn runs the procedure.
   * `cannot_post` when the app may not write in that channel (not invited, say); `rate_limited` when the person is at
   * the limit of turns a minute.
   */
  async startProcedureThread(input: {
    teamId: string;
    channelId: string;
    userId: string;
    procedureId: string;
    message: string;
    /** Its name, when Fin listed it for the person: the thread says which procedure in words. */
    procedureName?: string | undefined;
  }): Promise<'started' | 'cannot_post' | 'rate_limited'> {
    // A procedure is a turn like any other: counted (and refused, at the limit) before anything is posted.
    if (!this.#turns.reserveTurn(input.userId)) return 'rate_limited';
    let rootTs: string;
    try {
      rootTs = await this.#ctx.poster.postRoot(
        input.channelId,
        procedureStartedText(
          input.userId,
          input.procedureId,
          input.message,
          input.procedureName,
          channelTypeFromId(input.channelId) === 'im',
        ),
      );
    } catch (error) {
      const code = errorCode(error);
      this.#ctx.log.warn({ channelId: input.channelId, error: code }, 'could not start a procedure thread');
      if (CHANNEL_UNAVAILABLE.has(code)) return 'cannot_post';
      throw error;
    }
    const { procedureName, ...procedure } = input;
    this.#turns.startProcedure({
      ...procedure,
      rootTs,
      text: input.message,
      topic: input.message.trim() === '' ? procedureName : input.message,
    });
    return 'started';
  }

  /**
   * "Ask Fin about this" on a message: the question is posted in the message's thread for the person (quoting it), and
   * goes to Fin as their message there, the thread's messages before it (the one asked about among them) as history.
   * `with_people`: the thread is with the team; `cannot_post`: the app may not write there; `rate_limited`: the
   * person is at their limit of turns a minute.
   */
  async askAboutMessage(input: {
    teamId: string;
    channelId: string;
    messageTs: string;
    threadTs: string;
    userId: string;
    question: string;
    /** The message asked about, in Slack's markup, and who wrote it (a mention, or an app's name). */
    about?: { author: string; text: string } | undefined;
  }): Promise<'asked' | 'with_people' | 'cannot_post' | 'rate_limited'> {
    const conv = this.#ctx.store.conversations.findByThread(input.teamId, input.channelId, input.threadTs);
    if (conv?.owner === 'human') return 'with_people';
    if (!this.#turns.reserveTurn(input.userId)) return 'rate_limited';
    let postedTs: string;
    try {
      const link = await this.#ctx.poster.permalink(input.channelId, input.messageTs);
      postedTs = await this.#ctx.poster.post(input.channelId, input.threadTs, askedAboutText(input.userId, link, input.question));
    } catch (error) {
      const code = errorCode(error);
      this.#ctx.log.warn({ channelId: input.channelId, error: code }, 'could not post a question about a message');
      if (CHANNEL_UNAVAILABLE.has(code)) return 'cannot_post';
      throw error;
    }
    const text = input.about === undefined ? input.question : questionAbout(input.about, input.question);
    this.#turns.startOnBehalf({ ...input, messageTs: postedTs, text, topic: input.question });
    return 'asked';
  }

  /**
   * `/fin <question>`: recorded before this returns (so Slack may be acknowledged), then asked of Fin; the answer goes
   * only to the person, through the command's `response_url`. `placeholder` is what they see meanwhile.
   */
  askPrivately(input: { teamId: string; channelId: string; userId: string; text: string; responseUrl: string }): AskOutcome {
    return this.#questions.ask(input);
  }

  /** "Share in channel" on a private answer: it becomes a thread in the channel, which goes on with Fin. */
  sharePrivateAnswer(input: { askId: string; userId: string; responseUrl: string | undefined }): Promise<ShareOutcome> {
    return this.#ctx.inOrder(input.askId, () => this.#questions.share(input));
  }

  /** "Dismiss" on a private answer. */
  dismissPrivateAnswer(input: { askId: string; userId: string; responseUrl: string | undefined }): Promise<'dismissed' | 'not_yours'> {
    return this.#questions.dismiss(input);
  }

  /**
   * Someone pressed "Hand back to Fin" on an escalation post (`postTs`, when Slack says). Only members of the agents' channel may (asked of Slack
   * afresh: someone removed a moment ago may not). Runs in the conversation's order.
   */
  async handBack(escalationId: number, agentUserId: string, postTs?: string): Promise<HandBackOutcome> {
    const escalation = this.#ctx.store.escalations.get(escalationId);
    // The button must be on this escalation's own post: a post whose escalation is gone never acts on a newer one.
    if (escalation === undefined || (postTs !== undefined && escalation.agentTs !== postTs)) return 'unknown';
    const { conversationId } = escalation;
    const membership = await this.#ctx.membership.check(agentUserId, { fresh: true });
    if (membership !== 'member') {
      this.#ctx.log.warn({ escalationId, userId: agentUserId, membership }, "hand-back refused: not a member of the agents' channel");
      return membership;
    }
    return this.#ctx.inOrder(conversationId, () => this.#handOff.handBack(escalationId, agentUserId));
  }

  /** A press on a rating prompt's buttons or menu, in the conversation's order (two quick presses go one after the other). */
  async rate(input: { surveyId: number; userId: string; rating: string }): Promise<RateOutcome> {
    const survey = this.#ctx.store.csat.get(input.surveyId);
    if (survey === undefined) return 'unknown';
    return this.#ctx.inOrder(survey.conversationId, () => this.#ratings.rate(input));
  }

  /** "Add a comment" on a rating prompt. Not queued: Slack's trigger for the form is valid for 3 seconds only. */
  openCommentForm(input: { surveyId: number; userId: string; triggerId: string }): Promise<CommentFormOutcome> {
    return this.#ratings.openCommentForm(input);
  }

  /** A comment sent from the form: held durably (before Slack hears back), or why it is not taken. */
  holdComment(input: CommentInput): 'held' | Exclude<CommentOutcome, 'sent'> {
    return this.#ratings.holdComment(input);
  }

  /** What the form shows when its comment was not taken. */
  commentRefusal(outcome: Exclude<CommentOutcome, 'sent'>, remark: string): View {
    return this.#ratings.commentResult(outcome, remark);
  }

  /** Sends a held comment in the conversation's order; `view` is what the form shows afterwards. */
  async sendComment(surveyId: number): Promise<{ kind: CommentOutcome; view: View }> {
    const survey = this.#ctx.store.csat.get(surveyId);
    const remark = survey?.pendingComment?.remark ?? '';
    const outcome: CommentOutcome =
      survey === undefined ? 'unknown' : await this.#ctx.inOrder(survey.conversationId, () => this.#ratings.sendComment(surveyId));
    return { kind: outcome, view: this.#ratings.commentResult(outcome, remark) };
  }

  /**
   * A user asked for a person (a reaction, the message shortcut) on a message of a thread. `eventId` is the Slack event
   * that carried it: Slack's retry of it does nothing. The request is recorded before this returns, then sent to Fin.
   */
  async requestPerson(
    input: PersonRequestInput,
    eventId?: string,
  ): Promise<{ kind: 'requested' | 'already'; conv: Conversation } | { kind: 'not_bridged' | 'duplicate' }> {
    const { store } = this.#ctx;
    const conv = await this.#conversationOfMessage(input);
    // The event and the request are recorded together: a crash before this leaves Slack's retry to do it all again.
    const claim = store.transaction(() => {
      if (eventId !== undefined && !store.slackEvents.claim(eventId, this.#ctx.now())) return { kind: 'duplicate' } as const;
      return this.#persons.claim(conv, input);
    });
    if (claim.kind !== 'claimed') return claim;
    this.#ctx.inOrderDetached(claim.conv.id, 'asking Fin for a person', () => this.#persons.send(claim.conv, input));
    return { kind: 'requested', conv: claim.conv };
  }

  /** The bridged conversation a message is part of: from what the app recorded, else from Slack. */
  async #conversationOfMessage(input: PersonRequestInput): Promise<Conversation | undefined> {
    const { store } = this.#ctx;
    const inThread = (threadTs: string) => store.conversations.findByThread(input.teamId, input.channelId, threadTs);
    if (input.threadTs !== undefined) return inThread(input.threadTs);
    const known =
      inThread(input.messageTs)?.id ??
      store.inbound.conversationOf(input.teamId, input.channelId, input.messageTs) ??
      store.posted.get(input.channelId, input.messageTs)?.conversationId;
    if (known !== undefined) return store.conversations.get(known);
    // A channel Fin has no conversation in has no bridged thread: no need to ask Slack (reactions there are common).
    if (!store.conversations.anyInChannel(input.teamId, input.channelId)) return undefined;
    const threadTs = await this.#ctx.threadOf(input.channelId, input.messageTs);
    return threadTs === undefined ? undefined : inThread(threadTs);
  }

  /** Resumes what a previous process left unfinished: turns in flight, recorded events, queued messages. */
  recover(): void {
    // Events first: a reply recorded before the crash may be the very answer an open turn is waiting for.
    this.#events.recover();
    this.#turns.recover();
    this.#questions.recover();
    for (const survey of this.#ratings.heldComments()) {
      this.#ctx.inOrderDetached(survey.conversationId, 'sending a held rating comment', async () => {
        const outcome = await this.#ratings.sendComment(survey.id);
        if (outcome === 'sent') return;
        const text = this.#ratings.commentResultText(outcome, survey.pendingComment?.remark ?? '');
        await this.#ctx.poster.tellPrivately(survey.userId, { channelId: survey.channelId, threadTs: survey.threadTs }, text);
      });
    }
    for (const { conv, input } of this.#persons.unsent()) {
      this.#ctx.inOrderDetached(conv.id, 'asking Fin for a person', () => this.#persons.send(conv, input));
    }
  }

  /** Resolves once no work is queued or running. */
  idle(): Promise<void> {
    return this.#ctx.idle();
  }

  /** Stops taking work, closes streams and waits (bounded by the caller) for work in progress. */
  async stop(): Promise<void> {
    this.#turns.stop();
    this.#questions.stop();
    this.#events.stop();
    await this.#view.closeAll();
    await this.#ctx.idle();
  }
}

/** Where a conversation Fin still has stands, from its latest turn: Fin at work, Fin's answer, or Fin unable to answer. */
function homeStanding(turn: Turn | undefined): ConversationStanding {
  if (turn === undefined) return 'answered';
  if (turn.state === 'pending' || turn.state === 'open' || turn.state === 'overdue') return 'answering';
  return turn.state === 'failed' ? 'unanswered' : 'answered';
}
