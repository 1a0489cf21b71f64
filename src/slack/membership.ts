import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { Logger } from '../core/log.ts';
import { TtlCache } from '../core/ttl-cache.ts';
import { errorCode } from './errors.ts';

const membersSchema = z.looseObject({
  members: z.array(z.string()).default([]),
  response_metadata: z.looseObject({ next_cursor: z.string().optional() }).optional(),
});

/**
 * Who is a member of a channel (the agents' channel: only its members may answer Fin's questions). Read from
 * `conversations.members` and cached briefly, since it is checked on every button press, within Slack's 3 seconds.
 */
export class ChannelMembership {
  readonly #client: WebClient;
  readonly #channelId: string;
  readonly #logger: Logger;
  readonly #cache = new TtlCache<'members', Promise<Set<string> | undefined>>({ ttlMs: 60_000, maxEntries: 1 });

  constructor(client: WebClient, channelId: string, logger: Logger) {
    this.#client = client;
    this.#channelId = channelId;
    this.#logger = logger;
  }

  /** False also when membership cannot be read: refusing is the safe answer. */
  async isMember(userId: string): Promise<boolean> {
    let members = this.#cache.get('members');
    if (members === undefined) {
      members = this.#load();
      this.#cache.set('members', members);
    }
    const set = await members;
    if (set === undefined) this.#cache.set('members', Promise.resolve(undefined), 5_000);
    return set?.has(userId) ?? false;
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
