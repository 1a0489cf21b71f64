import { errorCode } from '../core/errors.ts';
import { SlidingWindowLimiter } from '../core/sliding-window.ts';
import type { Logger } from '../core/log.ts';
import { showAgentsPost } from '../slack/agents-post.ts';
import { deliverFinalText, type DeliveryDeps } from '../slack/delivery.ts';
import type { SlackDirectory } from '../slack/directory.ts';
import type { ChannelMembership } from '../slack/membership.ts';
import { HANDED_BACK_NOTICE, HELD_REPLY_HEADER } from './copy.ts';
import type { MessageRevision } from '../slack/incoming.ts';
import { slackToPlainText } from '../slack/plain-text.ts';
import { cutIntoParts } from '../slack/poster.ts';
import type { Conversation } from '../store/conversations.ts';
import type { Escalation } from '../store/escalations.ts';
import { ratingShown } from '../store/csat.ts';
import { agentPost, customerMessageRelay, type EscalationView } from './agent-post.ts';

/** `not_member` / `membership_unknown`: the person is not (or could not be confirmed as) in the agents' channel. */
export type HandBackOutcome = 'handed_back' | 'already' | 'unknown' | 'not_member' | 'membership_unknown';

/** A customer's messages shown under the agents' post, per conversation and minute. */
const RELAYS_PER_MINUTE = 6;

/** Reactions that mark, without chatter, what Fin reported at the end of a conversation. */
const STATUS_REACTION = { resolved: 'white_check_mark', complete: 'checkered_flag' } as const;

/** What the hand-off needs, and nothing more. */
export interface HandOffDeps extends DeliveryDeps {
  readonly directory: SlackDirectory;
  /** Who is in the agents' channel: their own answers in a customer's thread are not copied back to them. */
  readonly membership: ChannelMembership;
  readonly botUserId: string;
  /** Where escalations are posted for human agents. */
  readonly agentChannel: string;
  /** Base of a link to a conversation in the Intercom inbox (the conversation id is appended), if known. */
  readonly intercomInboxUrl?: string | undefined;
  readonly log: Logger;
}

/**
 * The hand-off to people. An escalation gives the conversation to them: a post in the agents' channel, the app
 * quiet in the thread (nothing more goes to Fin), until an agent hands it back with the post's button.
 */
export class HandOff {
  readonly #ctx: HandOffDeps;
  readonly #relays = new SlidingWindowLimiter({ limit: RELAYS_PER_MINUTE, windowMs: 60_000 });
  /** Messages not shown to the agents because of that limit, per conversation, until the next one shown says so. */
  readonly #unshown = new Map<string, number>();

  constructor(ctx: HandOffDeps) {
    this.#ctx = ctx;
  }

  /** Fin escalated: people own the conversation from now on, and the agents' channel hears about it. */
  async escalated(conv: Conversation, reason: string | null): Promise<void> {
    const { store } = this.#ctx;
    const now = this.#ctx.now();
    const escalation = store.transaction(() => {
      store.conversations.setOwner(conv.id, 'human', now);
      // Messages waiting for Fin's turn to end were meant for Fin, who is no longer answering.
      store.inbound.skipQueued(conv.id);
      return (
        store.escalations.active(conv.id) ??
        store.escalations.open({ conversationId: conv.id, reason, agentChannelId: this.#ctx.agentChannel }, now)
      );
    });
    await this.#showPost(conv, escalation);
  }

  /**
   * Fin replied in a conversation people own (an inactivity nudge, a late answer). It is not posted in the customer's
   * thread: the agents see it in the thread of their escalation post instead; with no post to attach it to, it is
   * dropped, and the log says so.
   */
  async heldReply(conv: Conversation, messageId: string, mrkdwn: string): Promise<void> {
    const { store } = this.#ctx;
    const escalation = store.escalations.active(conv.id);
    const log = this.#ctx.log.child({ conversationId: conv.id, messageId });
    if (escalation?.agentTs == null || mrkdwn === '') {
      log.info('Fin replied in a conversation people own; there is no agents’ post to show it under, so it is dropped');
      return;
    }
    const outcome = await deliverFinalText(
      this.#ctx,
      {
        key: `held:${conv.id}:${messageId}`,
        conversationId: conv.id,
        channelId: escalation.agentChannelId,
        threadTs: escalation.agentTs,
        targetTs: undefined,
        text: `${HELD_REPLY_HEADER}\n\n${mrkdwn}`,
      },
      { landed: () => {} },
    );
    if (outcome === 'delivered') log.info('Fin replied in a conversation people own; shown to the agents instead of the customer');
  }

  /**
   * Someone wrote in a thread people own. A customer's message goes under the agents' post, once (its delivery is
   * recorded under the message's own key, so a redelivered Slack event finds it done); an agent answering in the thread
   * (a member of the agents' channel) is not echoed back to the agents. A conversation relays a few messages a minute
   * at most; the next one shown says how many were not.
   */
  async customerWrote(conv: Conversation, message: { userId: string; ts: string; text: string; fileCount: number }): Promise<void> {
    const escalation = this.#ctx.store.escalations.active(conv.id);
    const log = this.#ctx.log.child({ conversationId: conv.id });
    if (escalation?.agentTs == null) {
      log.info("the customer wrote in a thread people own; there is no agents' post to show it under");
      return;
    }
    if ((await this.#ctx.membership.check(message.userId, { fresh: false })) === 'member') return;
    if (!this.#relays.tryTake(conv.id, this.#ctx.now())) {
      this.#unshown.set(conv.id, (this.#unshown.get(conv.id) ?? 0) + 1);
      log.info("the customer writes faster than the agents' post shows; this message stays in the thread only");
      return;
    }
    const unshown = this.#unshown.get(conv.id) ?? 0;
    this.#unshown.delete(conv.id);
    const author = await this.#ctx.directory.user(message.userId);
    const words = slackToPlainText(message.text, { botUserId: this.#ctx.botUserId });
    await deliverFinalText(
      this.#ctx,
      {
        key: `customer:${conv.id}:${message.ts}`,
        conversationId: conv.id,
        channelId: escalation.agentChannelId,
        threadTs: escalation.agentTs,
        targetTs: undefined,
        text: customerMessageRelay({ name: author.name ?? message.userId, words, fileCount: message.fileCount, unshown }),
      },
      { landed: () => {} },
    );
  }

  /**
   * The customer edited or deleted a message the agents were shown: their copy is edited or deleted too, so a detail
   * someone took back (a card number, say) does not stay in the agents' channel.
   */
  async customerRevised(conv: Conversation, revision: MessageRevision): Promise<void> {
    const shown = this.#ctx.store.deliveries.get(`customer:${conv.id}:${revision.ts}`);
    if (shown === undefined || shown.tss.length === 0) return;
    const [first, ...rest] = shown.tss;
    if (revision.kind === 'edited' && first !== undefined) {
      const author = await this.#ctx.directory.user(revision.userId);
      const words = slackToPlainText(revision.text, { botUserId: this.#ctx.botUserId });
      const text = customerMessageRelay({ name: author.name ?? revision.userId, words, fileCount: 0, unshown: 0, edited: true });
      await this.#ctx.poster.update(shown.channelId, first, cutIntoParts(text)[0]?.text ?? text);
    } else if (first !== undefined) {
      await this.#ctx.poster.remove(shown.channelId, first);
    }
    for (const ts of rest) await this.#ctx.poster.remove(shown.channelId, ts);
  }

  /** Fin reported the conversation resolved or complete: a mark in the thread, and the agents' post updated. */
  async statusChanged(conv: Conversation, status: 'resolved' | 'complete'): Promise<void> {
    const { store, poster } = this.#ctx;
    const escalation = store.escalations.active(conv.id);
    // Fin completes right after escalating: its part is over, not the conversation, so the customer's thread gets no
    // finish mark while people have it.
    const latest = escalation !== undefined && status === 'complete' ? undefined : store.posted.latestFinal(conv.id);
    if (latest !== undefined) await poster.react(latest.channelId, latest.ts, STATUS_REACTION[status]);
    if (escalation === undefined) return;
    store.escalations.setState(escalation.id, status, this.#ctx.now());
    await this.#showPost(conv, store.escalations.get(escalation.id) ?? escalation);
  }

  /** The customer rated the conversation: the agents' post of its latest escalation, if it had one, shows it. */
  async ratingChanged(conv: Conversation): Promise<void> {
    const escalation = this.#ctx.store.escalations.latest(conv.id);
    if (escalation?.agentTs == null) return;
    await this.#showPost(conv, escalation);
  }

  /** An agent gave the thread back: Fin answers the next message again (as a reply in the same conversation). */
  async handBack(escalationId: number, agentUserId: string): Promise<HandBackOutcome> {
    const { store, poster } = this.#ctx;
    const escalation = store.escalations.get(escalationId);
    const conv = escalation && store.conversations.get(escalation.conversationId);
    if (escalation === undefined || conv === undefined) return 'unknown';
    const handed = store.transaction(() => {
      if (!store.escalations.handBack(escalationId, agentUserId, this.#ctx.now())) return false;
      store.conversations.setOwner(conv.id, 'fin', this.#ctx.now());
      // Fin has the thread again: a later request for a person is a new one.
      store.personRequests.clear(conv.id);
      return true;
    });
    if (!handed) return 'already';
    this.#ctx.log.info({ conversationId: conv.id, escalationId, agentUserId }, 'conversation handed back to Fin');
    await this.#showPost(conv, store.escalations.get(escalationId) ?? escalation);
    try {
      await poster.post(conv.channelId, conv.threadTs, HANDED_BACK_NOTICE);
    } catch (error) {
      this.#ctx.log.warn({ conversationId: conv.id, error: errorCode(error) }, 'could not tell the thread Fin is back');
    }
    return 'handed_back';
  }

  /** Posts the escalation in the agents' channel, or brings the existing post up to date. */
  async #showPost(conv: Conversation, escalation: Escalation): Promise<void> {
    await showAgentsPost(
      { poster: this.#ctx.poster, log: this.#ctx.log },
      { channelId: escalation.agentChannelId, ts: escalation.agentTs, context: { conversationId: conv.id } },
      async () => agentPost(await this.#view(conv, escalation)),
      (ts) => this.#ctx.store.escalations.setAgentPost(escalation.id, ts, this.#ctx.now()),
    );
  }

  async #view(conv: Conversation, escalation: Escalation): Promise<EscalationView> {
    const { store, directory, poster } = this.#ctx;
    const last = store.inbound.latest(conv.id);
    const askerId = last?.userId ?? '';
    const [asker, threadUrl, agent] = await Promise.all([
      askerId === '' ? Promise.resolve({ name: undefined }) : directory.user(askerId),
      poster.permalink(conv.channelId, conv.threadTs),
      escalation.handedBackBy === null ? Promise.resolve(undefined) : directory.user(escalation.handedBackBy),
    ]);
    const intercomId = store.conversations.get(conv.id)?.intercomConversationId ?? conv.intercomConversationId;
    return {
      escalationId: escalation.id,
      state: escalation.state,
      reason: escalation.reason,
      asker: { id: askerId, name: asker.name },
      channel: { id: conv.channelId, type: conv.channelType },
      lastMessage: last === undefined ? undefined : slackToPlainText(last.text, { botUserId: this.#ctx.botUserId }),
      threadUrl,
      intercom: {
        id: intercomId,
        url: intercomId !== null && this.#ctx.intercomInboxUrl !== undefined ? `${this.#ctx.intercomInboxUrl}${intercomId}` : undefined,
      },
      handedBackBy: escalation.handedBackBy === null ? undefined : (agent?.name ?? escalation.handedBackBy),
      escalatedAt: escalation.createdAt,
      rating: ratingShown(store, conv.id),
    };
  }
}
