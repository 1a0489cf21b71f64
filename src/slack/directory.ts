import type { WebClient } from '@slack/web-api';
import type { Logger } from '../core/log.ts';
import { TtlCache } from '../core/ttl-cache.ts';
import type { ChannelType } from '../store/conversations.ts';
import { errorCode } from './errors.ts';
import { conversationsInfoSchema, usersInfoSchema } from './schemas.ts';

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
 */
export class SlackDirectory {
  readonly #client: WebClient;
  readonly #logger: Logger;
  readonly #users = new TtlCache<string, Promise<SlackUserProfile>>({ ttlMs: 60 * 60_000, maxEntries: 10_000 });
  readonly #channels = new TtlCache<string, Promise<SlackChannelInfo>>({ ttlMs: 60 * 60_000, maxEntries: 5_000 });

  constructor(client: WebClient, logger: Logger) {
    this.#client = client;
    this.#logger = logger;
  }

  user(userId: string): Promise<SlackUserProfile> {
    const cached = this.#users.get(userId);
    if (cached) return cached;
    const lookup = this.#lookupUser(userId);
    this.#users.set(userId, lookup);
    return lookup;
  }

  channel(channelId: string): Promise<SlackChannelInfo> {
    const cached = this.#channels.get(channelId);
    if (cached) return cached;
    const lookup = this.#lookupChannel(channelId);
    this.#channels.set(channelId, lookup);
    return lookup;
  }

  async userNames(userIds: readonly string[]): Promise<Map<string, string>> {
    const entries = await Promise.all(userIds.map(async (id) => [id, (await this.user(id)).name] as const));
    return new Map(entries.filter((e): e is readonly [string, string] => e[1] !== undefined));
  }

  async #lookupUser(userId: string): Promise<SlackUserProfile> {
    try {
      const parsed = usersInfoSchema.safeParse(await this.#client.users.info({ user: userId }));
      if (!parsed.success) return {};
      const { user } = parsed.data;
      const name = nonEmpty(user.profile?.display_name) ?? nonEmpty(user.profile?.real_name) ?? nonEmpty(user.real_name);
      return {
        ...(name !== undefined || user.name !== undefined ? { name: name ?? user.name } : {}),
        ...(nonEmpty(user.profile?.email) ? { email: user.profile?.email } : {}),
        ...(user.is_bot !== undefined ? { isBot: user.is_bot } : {}),
      };
    } catch (error) {
      this.#logger.info({ userId, error: errorCode(error) }, 'users.info failed; continuing without the name');
      // A failure is remembered briefly so a missing scope does not cost one call per message.
      this.#users.set(userId, Promise.resolve({}), 5 * 60_000);
      return {};
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
      this.#logger.info({ channelId, error: errorCode(error) }, 'conversations.info failed; continuing without it');
      this.#channels.set(channelId, Promise.resolve({}), 5 * 60_000);
      return {};
    }
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
