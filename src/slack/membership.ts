import { errorCode } from '../core/errors.ts';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { Logger } from '../core/log.ts';
import { TtlCache } from '../core/ttl-cache.ts';

const membersSchema = z.looseObject({
  members: z.array(z.string()).default([]),
  response_metadata: z.looseObject({ next_cursor: z.string().optional() }).optional(),
});

/** `membership_unknown` when Slack would not say (an error, a rate limit): callers refuse, and say why. */
export type Membership = 'member' | 'not_member' | 'membership_unknown';

/**
 * Who is a member of a channel (the agents' channel: only its members may answer Fin's questions or hand a thread
 * back to Fin). Read from `conversations.members`. A quick answer for showing a button's form may come from a list
 * read in the last minute; whatever acts (a submission, a hand-back) asks Slack afresh, so someone removed from the
 * channel a moment ago cannot act.
 */
export class ChannelMembership {
  readonly #client: WebClient;
  readonly #channelId: string;
  readonly #logger: Logger;
  readonly #cache = new TtlCache<'members', Promise<Set<string> | undefined>>({ ttlMs: 60_000, maxEntries: 1 });
  /** The read of the member list under way, if any. */
  #reading: Promise<Set<string> | undefined> | undefined;
  /**
   * The read that starts when the one under way ends: fresh checks made meanwhile share it, so a burst of clicks is at
   * most two reads, and no fresh check is answered by a read that began before it was asked.
   */
  #next: Promise<Set<string> | undefined> | undefined;

  constructor(client: WebClient, channelId: string, logger: Logger) {
    this.#client = client;
    this.#channelId = channelId;
    this.#logger = logger;
  }

  async check(userId: string, options: { fresh: boolean }): Promise<Membership> {
    const members = options.fresh ? this.#freshRead() : (this.#cache.get('members') ?? this.#reading ?? this.#read());
    const set = await members;
    // A failure is remembered for a few seconds only, so a burst of clicks does not become a burst of calls.
    if (set === undefined) this.#cache.set('members', Promise.resolve(undefined), 5_000);
    if (set === undefined) return 'membership_unknown';
    return set.has(userId) ? 'member' : 'not_member';
  }

  /** A read that starts now, or right after the one under way (never one that began earlier). */
  #freshRead(): Promise<Set<string> | undefined> {
    const current = this.#reading;
    if (current === undefined) return this.#read();
    this.#next ??= current.then(() => {
      this.#next = undefined;
      return this.#read();
    });
    return this.#next;
  }

  #read(): Promise<Set<string> | undefined> {
    const reading = this.#load().finally(() => {
      if (this.#reading === reading) this.#reading = undefined;
    });
    this.#reading = reading;
    this.#cache.set('members', reading);
    return reading;
  }

  async #load(): Promise<Set<string> | undefined> {
    try {
      const members = new Set<string>();
      let cursor: string | undefined;
      for (let page = 0; page < 50; page += 1) {
        const raw = await this.#client.conversations.members({ channel: this.#channelId, limit: 1000, ...(cursor ? { cursor } : {}) });
        const parsed = membersSchema.parse(raw);
        for (const id of parsed.members) members.add(id);
        cursor = parsed.response_metadata?.next_cursor || undefined;
        if (cursor === undefined) break;
      }
      return members;
    } catch (error) {
      this.#logger.error({ channelId: this.#channelId, error: errorCode(error) }, "could not read the agents' channel members");
      return undefined;
    }
  }
}

/** What a person is told when membership of the agents' channel stops them doing `what` ("answer Fin's questions"). */
export function membershipRefusal(membership: Exclude<Membership, 'member'>, what: string): string {
  return membership === 'not_member'
    ? `Only members of the agents' channel can ${what}.`
    : `Slack would not confirm that you are a member of the agents' channel, so you cannot ${what} right now. Please try again in a moment.`;
}
