import type { Database, Statement } from 'better-sqlite3';

export type PersonRequestVia = 'reaction' | 'shortcut';

/** A user asked for a person: `sending` until Fin took the request, `sent` after (until the thread is Fin's again). */
export interface PersonRequest {
  readonly conversationId: string;
  readonly userId: string;
  readonly via: PersonRequestVia;
  /** The reaction's name, when it was one (the teammate's note says which). */
  readonly reaction: string | null;
  /** The message the user reacted to or used the shortcut on. */
  readonly messageTs: string;
  readonly state: 'sending' | 'sent';
  readonly createdAt: number;
}

interface Row {
  conversation_id: string;
  user_id: string;
  via: PersonRequestVia;
  reaction: string | null;
  message_ts: string;
  state: 'sending' | 'sent';
  created_at: number;
}

const toRequest = (r: Row): PersonRequest => ({
  conversationId: r.conversation_id,
  userId: r.user_id,
  via: r.via,
  reaction: r.reaction,
  messageTs: r.message_ts,
  state: r.state,
  createdAt: r.created_at,
});

export class PersonRequestStore {
  readonly #get: Statement<[string], Row>;
  readonly #sending: Statement<[], Row>;
  readonly #claim: Statement<[string, string, PersonRequestVia, string | null, string, number, number]>;
  readonly #sent: Statement<[number, string]>;
  readonly #clear: Statement<[string]>;

  constructor(db: Database) {
    this.#get = db.prepare('SELECT * FROM person_requests WHERE conversation_id = ?');
    this.#sending = db.prepare("SELECT * FROM person_requests WHERE state = 'sending' ORDER BY created_at");
    this.#claim = db.prepare(
      `INSERT INTO person_requests (conversation_id, user_id, via, reaction, message_ts, state, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 'sending', ?, ?) ON CONFLICT (conversation_id) DO NOTHING`,
    );
    this.#sent = db.prepare("UPDATE person_requests SET state = 'sent', updated_at = ? WHERE conversation_id = ?");
    this.#clear = db.prepare('DELETE FROM person_requests WHERE conversation_id = ?');
  }

  get(conversationId: string): PersonRequest | undefined {
    const row = this.#get.get(conversationId);
    return row && toRequest(row);
  }

  /** Records the request unless one is already made for the conversation: true when this one is the first. */
  claim(
    r: { conversationId: string; userId: string; via: PersonRequestVia; reaction?: string | undefined; messageTs: string },
    now: number,
  ): boolean {
    return this.#claim.run(r.conversationId, r.userId, r.via, r.reaction ?? null, r.messageTs, now, now).changes === 1;
  }

  sent(conversationId: string, now: number): void {
    this.#sent.run(now, conversationId);
  }

  /** The request failed, or the thread is Fin's again: the next request is a new one. */
  clear(conversationId: string): void {
    this.#clear.run(conversationId);
  }

  /** Requests a previous process began sending and may not have finished. */
  unsent(): PersonRequest[] {
    return this.#sending.all().map(toRequest);
  }
}
