import type { Database, Statement } from 'better-sqlite3';

/** open: people have the conversation · resolved/complete: what Fin reported since · handed_back: Fin has it again. */
export type EscalationState = 'open' | 'resolved' | 'complete' | 'handed_back';

export interface Escalation {
  readonly id: number;
  readonly conversationId: string;
  readonly reason: string | null;
  readonly state: EscalationState;
  readonly agentChannelId: string;
  /** The post in the agents' channel, once it exists. */
  readonly agentTs: string | null;
  readonly handedBackBy: string | null;
  /** When Fin handed the conversation over (epoch ms). */
  readonly createdAt: number;
}

interface Row {
  id: number;
  conversation_id: string;
  reason: string | null;
  state: EscalationState;
  agent_channel_id: string;
  agent_ts: string | null;
  handed_back_by: string | null;
  created_at: number;
}

const toEscalation = (r: Row): Escalation => ({
  id: r.id,
  conversationId: r.conversation_id,
  reason: r.reason,
  state: r.state,
  agentChannelId: r.agent_channel_id,
  agentTs: r.agent_ts,
  handedBackBy: r.handed_back_by,
  createdAt: r.created_at,
});

export class EscalationStore {
  readonly #active: Statement<[string], Row>;
  readonly #byId: Statement<[number], Row>;
  readonly #latest: Statement<[string], Row>;
  readonly #insert: Statement<[string, string | null, string, number, number]>;
  readonly #post: Statement<[string, number, number]>;
  readonly #state: Statement<[EscalationState, number, number]>;
  readonly #handBack: Statement<[string, number, number]>;

  constructor(db: Database) {
    this.#active = db.prepare("SELECT * FROM escalations WHERE conversation_id = ? AND state != 'handed_back'");
    this.#byId = db.prepare('SELECT * FROM escalations WHERE id = ?');
    this.#latest = db.prepare('SELECT * FROM escalations WHERE conversation_id = ? ORDER BY id DESC LIMIT 1');
    this.#insert = db.prepare(
      `INSERT INTO escalations (conversation_id, reason, state, agent_channel_id, created_at, updated_at)
       VALUES (?, ?, 'open', ?, ?, ?)`,
    );
    this.#post = db.prepare('UPDATE escalations SET agent_ts = ?, updated_at = ? WHERE id = ?');
    this.#state = db.prepare("UPDATE escalations SET state = ?, updated_at = ? WHERE id = ? AND state != 'handed_back'");
    this.#handBack = db.prepare(
      "UPDATE escalations SET state = 'handed_back', handed_back_by = ?, updated_at = ? WHERE id = ? AND state != 'handed_back'",
    );
  }

  /** The conversation's escalation that people still own, if any. */
  active(conversationId: string): Escalation | undefined {
    const row = this.#active.get(conversationId);
    return row && toEscalation(row);
  }

  /** The conversation's latest escalation, handed back or not. */
  latest(conversationId: string): Escalation | undefined {
    const row = this.#latest.get(conversationId);
    return row && toEscalation(row);
  }

  get(id: number): Escalation | undefined {
    const row = this.#byId.get(id);
    return row && toEscalation(row);
  }

  open(e: { conversationId: string; reason: string | null; agentChannelId: string }, now: number): Escalation {
    const id = Number(this.#insert.run(e.conversationId, e.reason, e.agentChannelId, now, now).lastInsertRowid);
    return this.get(id) as Escalation;
  }

  setAgentPost(id: number, ts: string, now: number): void {
    this.#post.run(ts, now, id);
  }

  setState(id: number, state: Exclude<EscalationState, 'handed_back'>, now: number): void {
    this.#state.run(state, now, id);
  }

  /** Returns false if it had been handed back already (a second click). */
  handBack(id: number, byUserId: string, now: number): boolean {
    return this.#handBack.run(byUserId, now, id).changes === 1;
  }
}
