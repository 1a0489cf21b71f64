import type { Database, Statement } from 'better-sqlite3';

import type { ChannelType } from '../core/shared-types.ts';
import { AppError } from '../core/errors.ts';

export interface Conversation {
  readonly id: string;
  readonly teamId: string;
  readonly channelId: string;
  readonly threadTs: string;
  readonly channelType: ChannelType;
  readonly intercomConversationId: string | null;
  readonly finStatus: string | null;
  readonly finStarted: boolean;
  /** `human` from an escalation until an agent hands the conversation back: the app then stays quiet. */
  readonly owner: 'fin' | 'human';
  /** The Fin Procedure this thread was started to run (`/fin-procedure`), if any. */
  readonly procedureId: string | null;
  /** When anything last happened in it (epoch ms). */
  readonly updatedAt: number;
  /** Its person's first words, shortened (what the Home tab lists it by), once known. */
  readonly topic: string | null;
  /**
   * What was said with Fin before the thread's conversation began (a private answer shared into the channel), as the
   * JSON the bridge wrote: Fin receives it as history when the conversation starts.
   */
  readonly priorHistory: string | null;
}

interface Row {
  id: string;
  team_id: string;
  channel_id: string;
  thread_ts: string;
  channel_type: ChannelType;
  intercom_conversation_id: string | null;
  fin_status: string | null;
  fin_started: number;
  owner: 'fin' | 'human';
  procedure_id: string | null;
  updated_at: number;
  topic: string | null;
  prior_history: string | null;
}

const toConversation = (r: Row): Conversation => ({
  id: r.id,
  teamId: r.team_id,
  channelId: r.channel_id,
  threadTs: r.thread_ts,
  channelType: r.channel_type,
  intercomConversationId: r.intercom_conversation_id,
  finStatus: r.fin_status,
  finStarted: r.fin_started === 1,
  owner: r.owner,
  procedureId: r.procedure_id,
  updatedAt: r.updated_at,
  topic: r.topic,
  priorHistory: r.prior_history,
});

/**
 * The id Fin knows a thread by. Deterministic, so the same thread always maps to the same Fin conversation even
 * if the mapping row were lost, and free of characters that could clash with Fin's `app:conversation` channel names.
 */
export function conversationIdFor(teamId: string, channelId: string, threadTs: string): string {
  return `slack-${teamId}-${channelId}-${threadTs}`;
}

/** How much of a person's first words a conversation keeps as its topic. */
const TOPIC_LIMIT = 150;

export class ConversationStore {
  readonly #byThread: Statement<[string, string, string], Row>;
  readonly #byId: Statement<[string], Row>;
  readonly #byIntercomId: Statement<[string], Row>;
  readonly #insert: Statement<[string, string, string, string, string, number, number]>;
  readonly #started: Statement<[string | null, number, string]>;
  readonly #status: Statement<[string, number, string]>;
  readonly #owner: Statement<['fin' | 'human', number, string]>;
  readonly #procedure: Statement<[string, number, string]>;
  readonly #touch: Statement<[number, string]>;
  readonly #inChannel: Statement<[string, string], { n: number }>;
  readonly #recentFor: Statement<[string, number], Row>;
  readonly #topic: Statement<[string, string]>;
  readonly #priorHistory: Statement<[string, number, string]>;

  constructor(db: Database) {
    this.#byThread = db.prepare('SELECT * FROM conversations WHERE team_id = ? AND channel_id = ? AND thread_ts = ?');
    this.#byId = db.prepare('SELECT * FROM conversations WHERE id = ?');
    this.#byIntercomId = db.prepare('SELECT * FROM conversations WHERE intercom_conversation_id = ? ORDER BY updated_at DESC LIMIT 1');
    this.#insert = db.prepare(
      `INSERT INTO conversations (id, team_id, channel_id, thread_ts, channel_type, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    this.#started = db.prepare(
      `UPDATE conversations SET fin_started = 1,
         intercom_conversation_id = COALESCE(?, intercom_conversation_id), updated_at = ? WHERE id = ?`,
    );
    this.#status = db.prepare('UPDATE conversations SET fin_status = ?, updated_at = ? WHERE id = ?');
    this.#owner = db.prepare('UPDATE conversations SET owner = ?, updated_at = ? WHERE id = ?');
    this.#procedure = db.prepare('UPDATE conversations SET procedure_id = ?, updated_at = ? WHERE id = ?');
    this.#touch = db.prepare('UPDATE conversations SET updated_at = max(updated_at, ?) WHERE id = ?');
    this.#recentFor = db.prepare(
      // From the person's messages (indexed by person), not from every conversation.
      `SELECT c.* FROM conversations AS c
       WHERE c.id IN (SELECT i.conversation_id FROM inbound_messages AS i WHERE i.user_id = ?)
       ORDER BY c.updated_at DESC LIMIT ?`,
    );
    this.#topic = db.prepare('UPDATE conversations SET topic = ? WHERE id = ? AND topic IS NULL');
    this.#priorHistory = db.prepare('UPDATE conversations SET prior_history = ?, updated_at = ? WHERE id = ? AND fin_started = 0');
    this.#inChannel = db.prepare('SELECT count(*) AS n FROM (SELECT 1 FROM conversations WHERE team_id = ? AND channel_id = ? LIMIT 1)');
  }

  findByThread(teamId: string, channelId: string, threadTs: string): Conversation | undefined {
    const row = this.#byThread.get(teamId, channelId, threadTs);
    return row && toConversation(row);
  }

  get(id: string): Conversation | undefined {
    const row = this.#byId.get(id);
    return row && toConversation(row);
  }

  /** The thread whose conversation Intercom knows by this id (its webhooks use Intercom's ids, not ours). */
  findByIntercomId(intercomConversationId: string): Conversation | undefined {
    const row = this.#byIntercomId.get(intercomConversationId);
    return row && toConversation(row);
  }

  /** Returns the thread's conversation, creating it if this is the thread's first bridged message. */
  ensure(thread: { teamId: string; channelId: string; threadTs: string; channelType: ChannelType }, now: number) {
    const id = conversationIdFor(thread.teamId, thread.channelId, thread.threadTs);
    this.#insert.run(id, thread.teamId, thread.channelId, thread.threadTs, thread.channelType, now, now);
    const row = this.#byId.get(id);
    if (!row) throw new AppError('invariant_broken', `conversation ${id} vanished right after insert`);
    return toConversation(row);
  }

  /** Sets what the conversation is about, once: its first words (later messages do not rename it). */
  noteTopic(id: string, topic: string): void {
    const short = topic.replace(/\s+/g, ' ').trim().slice(0, TOPIC_LIMIT);
    if (short !== '') this.#topic.run(short, id);
  }

  /** What Fin should read as said before the conversation's first message (only until Fin has the conversation). */
  setPriorHistory(id: string, json: string, now: number): void {
    this.#priorHistory.run(json, now, id);
  }

  /** The conversations a person wrote in, most recently active first. */
  recentFor(userId: string, limit: number): Conversation[] {
    return this.#recentFor.all(userId, limit).map(toConversation);
  }

  /** Whether Fin has, or had, any conversation in this channel. */
  anyInChannel(teamId: string, channelId: string): boolean {
    return (this.#inChannel.get(teamId, channelId)?.n ?? 0) > 0;
  }

  /** Fin accepted /fin/start (or a procedure run): later messages go to /fin/reply. */
  markStarted(id: string, intercomConversationId: string | undefined, now: number): void {
    this.#started.run(intercomConversationId ?? null, now, id);
  }

  setStatus(id: string, status: string, now: number): void {
    this.#status.run(status, now, id);
  }

  setOwner(id: string, owner: 'fin' | 'human', now: number): void {
    this.#owner.run(owner, now, id);
  }

  /** Something happened in the conversation (a message, a Fin event): it is kept for the retention window from now. */
  touch(id: string, now: number): void {
    this.#touch.run(now, id);
  }

  setProcedure(id: string, procedureId: string, now: number): void {
    this.#procedure.run(procedureId, now, id);
  }
}
