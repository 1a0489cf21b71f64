import type { Database, Statement, Transaction } from 'better-sqlite3';
import { AppError } from '../core/errors.ts';

export type TurnKind = 'start' | 'reply';
/**
 * pending: recorded, Fin not yet known to have it · open: Fin has it and is working · overdue: Fin is past the
 * reply timeout; the user was told, and Fin is still not interrupted · then one end state: done (Fin said so),
 * failed (Fin could not take it, or its answer was lost), abandoned (overdue, and the user wrote again).
 */
export type TurnState = 'pending' | 'open' | 'overdue' | 'done' | 'failed' | 'abandoned';
export type EndState = 'done' | 'failed' | 'abandoned';

export interface Turn {
  readonly id: number;
  readonly conversationId: string;
  readonly kind: TurnKind;
  readonly state: TurnState;
  readonly userId: string;
  /** ISO timestamp sent as `message.timestamp`; resent unchanged on retries so Fin deduplicates them. */
  readonly messageTimestamp: string;
  /**
   * The request sent to Fin, without its files' contents, kept until Fin accepts it so a resend after a restart is the
   * same call (the files are downloaded again: `attachedFileIds`).
   */
  readonly requestJson: string | null;
  /** Slack ids of the shared files the request carried as attachments, in order. */
  readonly attachedFileIds: readonly string[];
  readonly placeholderTs: string | null;
  /** A `start` turn that runs this Fin Procedure instead of a plain /fin/start. */
  readonly procedureId: string | null;
  readonly createdAt: number;
}

interface Row {
  id: number;
  conversation_id: string;
  kind: TurnKind;
  state: TurnState;
  user_id: string;
  message_timestamp: string;
  request_json: string | null;
  placeholder_ts: string | null;
  procedure_id: string | null;
  attached_file_ids: string | null;
  created_at: number;
}

const toTurn = (r: Row): Turn => ({
  id: r.id,
  conversationId: r.conversation_id,
  kind: r.kind,
  state: r.state,
  userId: r.user_id,
  messageTimestamp: r.message_timestamp,
  requestJson: r.request_json,
  placeholderTs: r.placeholder_ts,
  procedureId: r.procedure_id,
  attachedFileIds: fileIdsOf(r.attached_file_ids),
  createdAt: r.created_at,
});

/** Rows written by this code always parse; anything else is read as no files rather than failing the turn. */
function fileIdsOf(json: string | null): string[] {
  if (json === null) return [];
  try {
    const ids: unknown = JSON.parse(json);
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

const ACTIVE = "('pending', 'open', 'overdue')";

export class TurnStore {
  readonly #active: Statement<[string], Row>;
  readonly #byId: Statement<[number], Row>;
  readonly #allActive: Statement<[], Row>;
  readonly #latest: Statement<[string], Row>;
  readonly #insert: Statement<[string, TurnKind, string, string, string | null, number]>;
  readonly #request: Statement<[string, TurnKind, string | null, number]>;
  readonly #forgetMessages: Statement<[number]>;
  readonly #forgetStreamed: Statement<[number]>;
  readonly #ending: Transaction<(id: number, state: EndState, reason: string, now: number) => boolean>;
  readonly #kind: Statement<[TurnKind, number]>;
  readonly #placeholder: Statement<[string, number]>;
  readonly #open: Statement<[number]>;
  readonly #overdue: Statement<[number]>;
  readonly #end: Statement<[EndState, string, number, number]>;

  constructor(db: Database) {
    this.#active = db.prepare(`SELECT * FROM turns WHERE conversation_id = ? AND state IN ${ACTIVE}`);
    this.#byId = db.prepare('SELECT * FROM turns WHERE id = ?');
    this.#allActive = db.prepare(`SELECT * FROM turns WHERE state IN ${ACTIVE} ORDER BY id`);
    this.#latest = db.prepare('SELECT * FROM turns WHERE conversation_id = ? ORDER BY id DESC LIMIT 1');
    this.#insert = db.prepare(
      `INSERT INTO turns (conversation_id, kind, state, user_id, message_timestamp, procedure_id, created_at)
       VALUES (?, ?, 'pending', ?, ?, ?, ?)`,
    );
    this.#request = db.prepare('UPDATE turns SET request_json = ?, kind = ?, attached_file_ids = ? WHERE id = ?');
    this.#placeholder = db.prepare('UPDATE turns SET placeholder_ts = ? WHERE id = ?');
    this.#kind = db.prepare('UPDATE turns SET kind = ? WHERE id = ?');
    // Fin has the request: the copy (with the person's email and the thread's history) is no longer needed.
    this.#open = db.prepare(
      "UPDATE turns SET state = 'open', request_json = NULL, attached_file_ids = NULL WHERE id = ? AND state = 'pending'",
    );
    // What ended turns carried is forgotten, but for the conversation's latest message, which the agents' post quotes
    // if Fin escalates later.
    this.#forgetMessages = db.prepare(
      `UPDATE inbound_messages
         SET text = CASE WHEN ts = (SELECT max(ts) FROM inbound_messages AS newer WHERE newer.conversation_id = inbound_messages.conversation_id)
                         THEN text ELSE '' END,
             files_json = NULL
       WHERE conversation_id = (SELECT conversation_id FROM turns WHERE id = ?)
         AND turn_id IS NOT NULL AND turn_id NOT IN (SELECT id FROM turns WHERE conversation_id = inbound_messages.conversation_id AND state IN ${ACTIVE})
         AND (text != '' OR files_json IS NOT NULL)`,
    );
    // Streamed text is kept so a restart can show it again; once the turn is over, the message shows what it shows.
    this.#forgetStreamed = db.prepare('UPDATE posted_messages SET streamed_text = NULL WHERE turn_id = ? AND streamed_text IS NOT NULL');
    this.#ending = db.transaction((id: number, state: EndState, reason: string, now: number) => {
      const ended = this.#end.run(state, reason, now, id).changes === 1;
      if (ended) {
        this.#forgetMessages.run(id);
        this.#forgetStreamed.run(id);
      }
      return ended;
    });
    this.#overdue = db.prepare("UPDATE turns SET state = 'overdue' WHERE id = ? AND state = 'open'");
    this.#end = db.prepare(
      `UPDATE turns SET state = ?, end_reason = ?, ended_at = ?, request_json = NULL WHERE id = ? AND state IN ${ACTIVE}`,
    );
  }

  /** The conversation's unfinished turn, if any: while it exists Fin must not be interrupted. */
  active(conversationId: string): Turn | undefined {
    const row = this.#active.get(conversationId);
    return row && toTurn(row);
  }

  /** The conversation's most recent turn, ended or not (how its last question went). */
  latest(conversationId: string): Turn | undefined {
    const row = this.#latest.get(conversationId);
    return row && toTurn(row);
  }

  get(id: number): Turn | undefined {
    const row = this.#byId.get(id);
    return row && toTurn(row);
  }

  allActive(): Turn[] {
    return this.#allActive.all().map(toTurn);
  }

  create(
    t: { conversationId: string; kind: TurnKind; userId: string; messageTimestamp: string; procedureId?: string | null },
    now: number,
  ): Turn {
    const id = Number(this.#insert.run(t.conversationId, t.kind, t.userId, t.messageTimestamp, t.procedureId ?? null, now).lastInsertRowid);
    const turn = this.get(id);
    if (turn === undefined) throw new AppError('invariant_broken', `turn ${id} vanished right after insert`);
    return turn;
  }

  /**
   * Records the request about to be sent (and which endpoint it goes to). It must not carry file contents: the ids of
   * the files it attaches are recorded instead.
   */
  setRequest(id: number, requestJson: string, kind: TurnKind, attachedFileIds: readonly string[] = []): void {
    this.#request.run(requestJson, kind, attachedFileIds.length > 0 ? JSON.stringify(attachedFileIds) : null, id);
  }

  /** The recorded request goes to another endpoint (a start Fin already had goes as a reply). */
  setKind(id: number, kind: TurnKind): void {
    this.#kind.run(kind, id);
  }

  setPlaceholder(id: number, ts: string): void {
    this.#placeholder.run(ts, id);
  }

  markOpen(id: number): void {
    this.#open.run(id);
  }

  markOverdue(id: number): boolean {
    return this.#overdue.run(id).changes === 1;
  }

  /**
   * Ends the turn once; returns false if it had already ended (a duplicate or late done signal). Its request, its
   * streamed text, its messages' files and their text (all but the conversation's latest) are forgotten with it.
   */
  end(id: number, state: EndState, reason: string, now: number): boolean {
    return this.#ending(id, state, reason, now);
  }
}
