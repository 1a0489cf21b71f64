import { errorCode } from '../core/errors.ts';
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../core/log.ts';
import { TtlCache } from '../core/ttl-cache.ts';
import type { ChannelType } from '../core/shared-types.ts';
import { rateLimitedRetryAfter } from '../stream/rate-limited.ts';
import { TokenBucket } from '../stream/token-bucket.ts';
import { conversationsInfoSchema, usersInfoSchema } from './schemas.ts';

/**
 * Names looked up for one message (its mentions, or a thread's speakers): beyond this, people are left as their ids.
 * A message can mention thousands of people; the names are a courtesy to Fin, not worth the workspace's budget.
 */
export const MAX_NAME_LOOKUPS = 20;

/**
 * Name lookups for mentions and history the whole workspace may make in a minute: half of `users.info`'s Tier 4, so
 * the lookups that matter more (the asker's own name and email, the agents' names) always find room.
 */
export const NAME_LOOKUPS_PER_MINUTE = 50;

export interface SlackUserProfile {
  readonly name?: string;
  readonly email?: string;
  readonly isBot?: boolean;
}

export interface SlackChannelInfo {
  readonly name?: string;
  readonly type?: ChannelType;
}

/**
 * Names and emails of Slack users and names of channels, cached: every message would otherwise cost a Web API
 * call. When the app lacks a scope (users:read.email, channels:read…) the field is simply absent.
 *
 * Lookups are a courtesy, never worth delaying an answer: `client` must refuse rate-limited calls (not wait and
 * retry), and after a 429 no lookup is made until Slack's `Retry-After` has passed; meanwhile names are left out.
 */
export class SlackDirectory {
  readonly #client: WebClient;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #users = new TtlCache<string, Promise<SlackUserProfile>>({ ttlMs: 60 * 60_000, maxEntries: 10_000 });
  readonly #channels = new TtlCache<string, Promise<SlackChannelInfo>>({ ttlMs: 60 * 60_000, maxEntries: 5_000 });
  /** No lookup goes to Slack before this time (Slack answered 429). */
  #pausedUntil = 0;
  /** The workspace's budget for looking up the people a message mentions or a thread's speakers. */
  readonly #nameBudget: TokenBucket;

  constructor(client: WebClient, logger: Logger, now: () => number = Date.now) {
    this.#client = client;
    this.#logger = logger;
    this.#now = now;
    this.#nameBudget = new TokenBucket(NAME_LOOKUPS_PER_MINUTE, MAX_NAME_LOOKUPS, now());
  }

  user(userId: string): Promise<SlackUserProfile> {
    const cached = this.#users.get(userId);
    if (cached) return cached;
    if (this.#paused()) return Promise.resolve({});
    const lookup = this.#lookupUser(userId);
    this.#users.set(userId, lookup);
    return lookup;
  }

  channel(channelId: string): Promise<SlackChannelInfo> {
    const cached = this.#channels.get(channelId);
    if (cached) return cached;
    if (this.#paused()) return Promise.resolve({});
    const lookup = this.#lookupChannel(channelId);
    this.#channels.set(channelId, lookup);
    return lookup;
  }

  /**
   * Names of these users, for those Slack tells: every cached one, and at most `MAX_NAME_LOOKUPS` looked up (the
   * first ones given, so callers put the people who matter most first), within the workspace's budget for such
   * lookups. The others are left out of the map.
   */
  async userNames(userIds: readonly string[]): Promise<Map<string, string>> {
    const chosen: string[] = [];
    let lookups = 0;
    for (const id of new Set(userIds)) {
      if (this.#users.get(id) === undefined) {
        if (lookups >= MAX_NAME_LOOKUPS || !this.#nameBudget.tryTake(this.#now())) continue;
        lookups += 1;
      }
      chosen.push(id);
    }
    const entries = await Promise.all(chosen.map(async (id) => [id, (await this.user(id)).name] as const));
    return new Map(entries.filter((e): e is readonly [string, string] => e[1] !== undefined));
  }

  #paused(): boolean {
    return this.#now() < this.#pausedUntil;
  }

  /** A failed lookup: after a 429 every lookup waits out Slack's delay; other failures are remembered briefly. */
  #failed<T>(cache: TtlCache<string, Promise<T>>, key: string, empty: T, error: unknown, what: string): T {
    const retryAfter = rateLimitedRetryAfter(error);
    if (retryAfter !== undefined) {
      this.#pausedUntil = Math.max(this.#pausedUntil, this.#now() + retryAfter * 1000);
      // Not remembered: once the pause is over, this one is worth asking again.
      cache.delete(key);
      this.#logger.info({ retryAfter }, `${what} was rate limited; names are left out until Slack allows lookups again`);
      return empty;
    }
    this.#logger.info({ key, error: errorCode(error) }, `${what} failed; continuing without it`);
    // Remembered briefly so a missing scope does not cost one call per message.
    cache.set(key, Promise.resolve(empty), 5 * 60_000);
    return empty;
  }

  async #lookupUser(userId: string): Promise<SlackUserProfile> {
    try {
      const parsed = usersInfoSchema.safeParse(await this.#client.users.info({ user: userId }));
      if (!parsed.success) return {};
      const { user } = parsed.data;
      const name = nonEmpty(user.profile?.display_name) ?? nonEmpty(user.profile?.real_name) ?? nonEmpty(user.real_name) ?? user.name;
      const email = nonEmpty(user.profile?.email);
      return {
        ...(name !== undefined ? { name } : {}),
        ...(email !== undefined ? { email } : {}),
        ...(user.is_bot !== undefined ? { isBot: user.is_bot } : {}),
      };
    } catch (error) {
      return this.#failed(this.#users, userId, {}, error, 'users.info');
    }
  }

  async #lookupChannel(channelId: string): Promise<SlackChannelInfo> {
    try {
      const parsed = conversationsInfoSchema.safeParse(await this.#client.conversations.info({ channel: channelId }));
      if (!parsed.success) return {};
      const c = parsed.data.channel;
      const type: ChannelType = c.is_im ? 'im' : c.is_mpim ? 'mpim' : c.is_private ? 'group' : 'channel';
      return { type, ...(c.name !== undefined ? { name: c.name } : {}) };
    } catch (error) {
      return this.#failed(this.#channels, channelId, {}, error, 'conversations.info');
    }
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
