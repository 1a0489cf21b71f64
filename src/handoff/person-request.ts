import { errorCode, FinApiError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { FinTurnResponse } from '../fin/schemas.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { SlackDirectory } from '../slack/directory.ts';
import type { SlackPoster } from '../slack/poster.ts';
import type { Conversation } from '../store/conversations.ts';
import type { Store } from '../store/index.ts';
import type { PersonRequest, PersonRequestVia } from '../store/person-requests.ts';

/** A user's request for a person, from a reaction or the message shortcut, on a message in a bridged thread. */
export interface PersonRequestInput {
  readonly teamId: string;
  readonly channelId: string;
  /** The message reacted to, or the one the shortcut was used on. */
  readonly messageTs: string;
  /** Its thread, when Slack says (the shortcut does; a reaction names only the message). */
  readonly threadTs?: string | undefined;
  readonly userId: string;
  readonly via: PersonRequestVia;
  /** How it was asked, for the teammate's note: the reaction's name. */
  readonly reaction?: string | undefined;
}

/** `claimed`: the request is recorded and goes to Fin next · `already`: people have it, or a request is under way. */
export type PersonRequestClaim =
  | { readonly kind: 'claimed'; readonly conv: Conversation }
  | { readonly kind: 'already'; readonly conv: Conversation }
  | { readonly kind: 'not_bridged' };

/** What the user is told, only them, when their request does not simply go through. */
export const PERSON_REQUEST_REPLIES = {
  already: ':raising_hand: This conversation is already with our support team. A person will follow up in this thread.',
  not_bridged: 'Fin is not part of this thread, so there is no conversation to pass to a person. Mention Fin with your question first.',
  not_found: 'Fin no longer has this conversation, so it could not be passed to a person from here. Please ask Fin again in a new message.',
  not_enabled: 'Asking for a person from Slack is not turned on for this workspace. Please contact the support team another way.',
  failed: 'Fin could not be reached to pass this conversation to a person. Please try again in a few minutes.',
} as const;

/** The longest internal note Fin takes (`context`, 10,000 characters). */
const CONTEXT_LIMIT = 10_000;

/**
 * Fin took a request this long ago and never reported the escalation (its events lost, say): the conversation is still
 * Fin's, so the next request is a new one rather than "already with the team" for good. Fin reports within seconds.
 */
export const UNHEARD_REQUEST_MS = 10 * 60_000;

export interface PersonRequestDeps {
  readonly store: Store;
  readonly fin: { escalate(body: { conversation_id: string; context: string }): Promise<FinTurnResponse> };
  readonly poster: SlackPoster;
  readonly directory: SlackDirectory;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly now: () => number;
  /** Follows Fin's stream for the escalation (`escalated`, then `complete`) when no stream of the conversation is open. */
  readonly follow: (conversationId: string, url: string) => void;
}

/**
 * A person on request: the user's reaction or shortcut becomes one `POST /fin/escalate` (Preview) with a note for the
 * teammate saying who asked, where and how. Fin then reports `escalated` and `complete`, and the hand-off runs as for
 * any escalation. A conversation people already have, or one whose request is under way, is not escalated again.
 */
export class PersonRequests {
  readonly #d: PersonRequestDeps;

  constructor(deps: PersonRequestDeps) {
    this.#d = deps;
  }

  /** Records the request, once per conversation until it is Fin's again; synchronous, so it is durable before Slack hears back. */
  claim(conv: Conversation | undefined, input: PersonRequestInput): PersonRequestClaim {
    if (conv === undefined) return { kind: 'not_bridged' };
    const { store } = this.#d;
    return store.transaction(() => {
      const current = store.conversations.get(conv.id) ?? conv;
      if (current.owner === 'human') return { kind: 'already', conv: current } as const;
      const earlier = store.personRequests.get(conv.id);
      if (earlier?.state === 'sent' && earlier.createdAt < this.#d.now() - UNHEARD_REQUEST_MS) {
        this.#d.log.warn(
          { conversationId: conv.id, requestedAt: earlier.createdAt },
          'Fin never reported an escalation it took; asking again',
        );
        store.personRequests.clear(conv.id);
      }
      const claimed = store.personRequests.claim(
        { conversationId: conv.id, userId: input.userId, via: input.via, reaction: input.reaction, messageTs: input.messageTs },
        this.#d.now(),
      );
      return claimed ? ({ kind: 'claimed', conv: current } as const) : ({ kind: 'already', conv: current } as const);
    });
  }

  /** Sends a recorded request to Fin. A failure frees the conversation for another request and tells the user why. */
  async send(conv: Conversation, input: PersonRequestInput): Promise<void> {
    const { store, log } = this.#d;
    const logged = log.child({ conversationId: conv.id, via: input.via, userId: input.userId });
    let answer: FinTurnResponse;
    try {
      answer = await this.#d.fin.escalate({ conversation_id: conv.id, context: await this.#context(conv, input) });
    } catch (error) {
      const why = failureOf(error);
      logged.warn(
        { reason: why, error: errorCode(error), status: error instanceof FinApiError ? error.status : undefined },
        'Fin did not take the request for a person',
      );
      store.personRequests.clear(conv.id);
      this.#d.metrics.personRequests.inc({ via: input.via, outcome: why });
      await this.#d.poster.tellPrivately(input.userId, { channelId: conv.channelId, threadTs: conv.threadTs }, PERSON_REQUEST_REPLIES[why]);
      return;
    }
    store.personRequests.sent(conv.id, this.#d.now());
    this.#d.metrics.personRequests.inc({ via: input.via, outcome: 'requested' });
    logged.info('asked Fin for a person at the user’s request');
    if (answer.sse_subscription_url !== undefined) this.#d.follow(conv.id, answer.sse_subscription_url);
  }

  /** Requests a previous process recorded but may not have sent: sent now (Fin takes a repeated escalation as one). */
  unsent(): { conv: Conversation; input: PersonRequestInput }[] {
    const { store } = this.#d;
    return store.personRequests.unsent().flatMap((r: PersonRequest) => {
      const conv = store.conversations.get(r.conversationId);
      if (conv === undefined || conv.owner === 'human') {
        if (conv === undefined) store.personRequests.clear(r.conversationId);
        return [];
      }
      return [
        {
          conv,
          input: {
            teamId: conv.teamId,
            channelId: conv.channelId,
            messageTs: r.messageTs,
            threadTs: conv.threadTs,
            userId: r.userId,
            via: r.via,
            reaction: r.reaction ?? undefined,
          },
        },
      ];
    });
  }

  /** The teammate's note: who asked, from which channel and thread, and how. Never shown to the user. */
  async #context(conv: Conversation, input: PersonRequestInput): Promise<string> {
    const [person, channel, link] = await Promise.all([
      this.#d.directory.user(input.userId),
      conv.channelType === 'im' || conv.channelType === 'mpim'
        ? Promise.resolve({ name: undefined })
        : this.#d.directory.channel(conv.channelId),
      this.#d.poster.permalink(conv.channelId, conv.threadTs),
    ]);
    const who = person.name === undefined ? `Slack user ${input.userId}` : `${person.name} (Slack user ${input.userId})`;
    const how = input.via === 'reaction' ? `the :${input.reaction ?? 'raising_hand'}: reaction` : 'the "Talk to a person" message shortcut';
    const where =
      conv.channelType === 'im'
        ? `their direct message with the app (${conv.channelId})`
        : conv.channelType === 'mpim'
          ? `a group message (${conv.channelId})`
          : `#${channel.name ?? conv.channelId} (${conv.channelId})`;
    const note = [
      `${who} asked for a person from Slack, with ${how}, in ${where}.`,
      `Slack thread: ${link ?? `${conv.channelId} / ${conv.threadTs}`}`,
    ].join('\n');
    return note.slice(0, CONTEXT_LIMIT);
  }
}

/** What went wrong, in the terms the user is told. */
function failureOf(error: unknown): 'not_found' | 'not_enabled' | 'failed' {
  if (!(error instanceof FinApiError)) return 'failed';
  if (error.status === 403) return 'not_enabled';
  if (error.status === 404 || (error.status === 400 && /not found/i.test(error.finMessage ?? ''))) return 'not_found';
  return 'failed';
}
