import { SLACK_LIMITS } from '../src/slack/limits.ts';
import { messageBreaches } from './block-kit-limits.ts';

/**
 * Slack's `response_url`s, as the fake hands them out with slash commands and presses: each belongs to one person in
 * one channel, takes at most 5 messages within 30 minutes (docs.slack.dev, "Handling user interaction": "up to 5 times
 * within 30 minutes"), and answers 404 once it will take no more. What arrives there is a private message only that
 * person sees: a new one, or (`replace_original`, `delete_original`) the private message whose button was pressed.
 */
export interface PrivateMessage {
  readonly id: number;
  readonly channel: string;
  readonly user: string;
  text: string;
  blocks: readonly Record<string, unknown>[] | undefined;
  deleted: boolean;
}

interface Issued {
  readonly channel: string;
  readonly user: string;
  readonly issuedAt: number;
  uses: number;
  /** The private message the interaction was on (a press on it): what `replace_original` and `delete_original` act on. */
  original: number | undefined;
}

export const RESPONSE_URL_USES = 5;
export const RESPONSE_URL_LIFETIME_MS = 30 * 60_000;

export class FakeResponseUrls {
  /** Every private message sent through a response_url (or a command's acknowledgement), in order. */
  readonly messages: PrivateMessage[] = [];
  readonly #base: string;
  readonly #urls = new Map<string, Issued>();
  readonly #lifetimeMs: number;
  #seq = 0;

  constructor(base: string, options: { lifetimeMs?: number } = {}) {
    this.#base = base;
    this.#lifetimeMs = options.lifetimeMs ?? RESPONSE_URL_LIFETIME_MS;
  }

  /** A new response_url for `user` in `channel`; `original` is the private message it was issued for (a press on it). */
  issue(input: { channel: string; user: string; original?: number }): string {
    this.#seq += 1;
    const key = `${this.#seq}-${Math.random().toString(16).slice(2, 10)}`;
    this.#urls.set(key, { channel: input.channel, user: input.user, issuedAt: Date.now(), uses: 0, original: input.original });
    return `${this.#base}/respond/${key}`;
  }

  /**
   * A slash command was acknowledged with a message: it shows privately. It is not the URL's original: Slack does not
   * let a command's response_url replace or delete its acknowledgement (*reported*, not documented: slackapi/bolt-js
   * #2287, slackapi/bolt-python #1268), so `replace_original` there adds a message, as it does in Slack.
   */
  acknowledged(url: string, body: { text?: unknown; blocks?: unknown }): PrivateMessage | undefined {
    const issued = this.#urls.get(keyOf(url));
    if (issued === undefined || typeof body.text !== 'string') return undefined;
    return this.#add(issued, body);
  }

  /** The private messages `user` sees now, oldest first. */
  visibleTo(user: string, channel?: string): PrivateMessage[] {
    return this.messages.filter((m) => !m.deleted && m.user === user && (channel === undefined || m.channel === channel));
  }

  /** A POST to `/respond/<key>`: Slack's answer, as status and body. */
  receive(key: string, body: Record<string, unknown>): { status: number; body: string } {
    const issued = this.#urls.get(key);
    const refuse = (status: number, error: string) => ({ status, body: JSON.stringify({ ok: false, error }) });
    if (issued === undefined || Date.now() - issued.issuedAt > this.#lifetimeMs) return refuse(404, 'expired_url');
    if (issued.uses >= RESPONSE_URL_USES) return refuse(404, 'used_url');
    if (body.delete_original !== true) {
      if (typeof body.text !== 'string' && !Array.isArray(body.blocks)) return refuse(400, 'no_text');
      const breach = messageBreaches(body, SLACK_LIMITS.message.text)[0];
      if (breach !== undefined) return refuse(400, breach.error);
    }
    issued.uses += 1;
    const original = this.messages.find((m) => m.id === issued.original && !m.deleted);
    if (body.delete_original === true) {
      if (original !== undefined) original.deleted = true;
    } else if (body.replace_original === true && original !== undefined) {
      original.text = typeof body.text === 'string' ? body.text : '';
      original.blocks = Array.isArray(body.blocks) ? (body.blocks as Record<string, unknown>[]) : undefined;
    } else {
      this.#add(issued, body);
    }
    return { status: 200, body: 'ok' };
  }

  #add(issued: Issued, body: { text?: unknown; blocks?: unknown }): PrivateMessage {
    this.#seq += 1;
    const message: PrivateMessage = {
      id: this.#seq,
      channel: issued.channel,
      user: issued.user,
      text: typeof body.text === 'string' ? body.text : '',
      blocks: Array.isArray(body.blocks) ? (body.blocks as Record<string, unknown>[]) : undefined,
      deleted: false,
    };
    this.messages.push(message);
    return message;
  }
}

function keyOf(url: string): string {
  return url.slice(url.lastIndexOf('/respond/') + '/respond/'.length);
}
