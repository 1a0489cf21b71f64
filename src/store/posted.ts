import type { Database, Statement } from 'better-sqlite3';

/**
 * placeholder: posted at the start of a turn, waiting for Fin's first reply part · reply: a further reply part ·
 * notice: an app-authored line (errors, escalation notices).
 */
export type PostedKind = 'placeholder' | 'reply' | 'notice';
/** waiting: nothing of Fin's shown yet · streaming: shows streamed text · final: shows a final answer or notice. */
export type PostedState = 'waiting' | 'streaming' | 'final';

export interface PostedMessage {
  readonly channelId: string;
  readonly ts: string;
  readonly conversationId: string;
  readonly turnId: number | null;
  readonly kind: PostedKind;
  readonly state: PostedState;
  readonly streamId: string | null;
  /** The raw text streamed into it so far, so it can be shown again after a restart. */
  readonly streamedText: string | null;
  readonly finMessageId: string | null;
}

interface Row {
  channel_id: string;
  ts: string;
  conversation_id: string;
  turn_id: number | null;
  kind: PostedKind;
  state: PostedState;
  stream_id: string | null;
  streamed_text: string | null;
  fin_message_id: string | null;
}

const toPosted = (r: Row): PostedMessage => ({
  channelId: r.channel_id,
  ts: r.ts,
  conversationId: r.conversation_id,
  turnId: r.turn_id,
  kind: r.kind,
  state: r.state,
  streamId: r.stream_id,
  streamedText: r.streamed_text,
  finMessageId: r.fin_message_id,
});

/** The messages the app posted in bridged threads, and which Fin stream or reply each one shows. */
export class PostedStore {
  readonly #insert: Statement<[string, string, string, number | null, PostedKind, PostedState, string | null, string | null, number]>;
  readonly #byStream: Statement<[string, string], Row>;
  readonly #get: Statement<[string, string], Row>;
  readonly #waitingPlaceholder: Statement<[string], Row>;
  readonly #unfinished: Statement<[number], Row>;
  readonly #latestFinal: Statement<[string], Row>;
  readonly #bindStream: Statement<[string, string, string]>;
  readonly #streamedText: Statement<[string, string, string]>;
  readonly #finalize: Statement<[PostedKind | null, string | null, string | null, string, string]>;

  constructor(db: Database) {
    this.#insert = db.prepare(
      `INSERT INTO posted_messages
         (channel_id, ts, conversation_id, turn_id, kind, state, stream_id, fin_message_id, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#byStream = db.prepare('SELECT * FROM posted_messages WHERE conversation_id = ? AND stream_id = ?');
    this.#get = db.prepare('SELECT * FROM posted_messages WHERE channel_id = ? AND ts = ?');
    this.#waitingPlaceholder = db.prepare(
      `SELECT * FROM posted_messages WHERE conversation_id = ? AND kind = 'placeholder' AND state = 'waiting'
       ORDER BY created_at DESC, rowid DESC LIMIT 1`,
    );
    this.#unfinished = db.prepare("SELECT * FROM posted_messages WHERE turn_id = ? AND state != 'final' ORDER BY created_at, rowid");
    this.#latestFinal = db.prepare(
      // A placeholder still of that kind once final is one that was removed (no answer came): it does not count.
      `SELECT * FROM posted_messages WHERE conversation_id = ? AND state = 'final' AND kind != 'placeholder'
       ORDER BY created_at DESC, rowid DESC LIMIT 1`,
    );
    this.#bindStream = db.prepare("UPDATE posted_messages SET stream_id = ?, state = 'streaming' WHERE channel_id = ? AND ts = ?");
    this.#streamedText = db.prepare('UPDATE posted_messages SET streamed_text = ? WHERE channel_id = ? AND ts = ?');
    this.#finalize = db.prepare(
      `UPDATE posted_messages SET state = 'final', kind = COALESCE(?, kind), fin_message_id = COALESCE(?, fin_message_id),
         stream_id = COALESCE(stream_id, ?), streamed_text = NULL WHERE channel_id = ? AND ts = ?`,
    );
  }

  add(
    m: {
      channelId: string;
      ts: string;
      conversationId: string;
      turnId: number | null;
      kind: PostedKind;
      state: PostedState;
      streamId?: string | null;
      finMessageId?: string | null;
    },
    now: number,
  ): void {
    this.#insert.run(m.channelId, m.ts, m.conversationId, m.turnId, m.kind, m.state, m.streamId ?? null, m.finMessageId ?? null, now);
  }

  get(channelId: string, ts: string): PostedMessage | undefined {
    const row = this.#get.get(channelId, ts);
    return row && toPosted(row);
  }

  /** The message a stream of the conversation is bound to. */
  byStream(conversationId: string, streamId: string): PostedMessage | undefined {
    const row = this.#byStream.get(conversationId, streamId);
    return row && toPosted(row);
  }

  /** The newest placeholder of the conversation that still waits for Fin's words. */
  waitingPlaceholder(conversationId: string): PostedMessage | undefined {
    const row = this.#waitingPlaceholder.get(conversationId);
    return row && toPosted(row);
  }

  /** The turn's messages that still wait for, or show, Fin's words without a final answer. */
  unfinishedOfTurn(turnId: number): PostedMessage[] {
    return this.#unfinished.all(turnId).map(toPosted);
  }

  /** The newest answer or notice the app left in the conversation. */
  latestFinal(conversationId: string): PostedMessage | undefined {
    const row = this.#latestFinal.get(conversationId);
    return row && toPosted(row);
  }

  bindStream(channelId: string, ts: string, streamId: string): void {
    this.#bindStream.run(streamId, channelId, ts);
  }

  setStreamedText(channelId: string, ts: string, text: string): void {
    this.#streamedText.run(text, channelId, ts);
  }

  /**
   * The message now shows a final text: `kind` says what it became (a placeholder replaced by an answer is a reply),
   * and is left out when it only stopped changing (a removed placeholder). A final reply also claims its stream, so a
   * chunk of that stream arriving afterwards (chunks come only by SSE, replies also by webhook) is dropped.
   */
  finalize(
    channelId: string,
    ts: string,
    final: { kind?: 'reply' | 'notice'; finMessageId?: string | null; streamId?: string | null } = {},
  ): void {
    this.#finalize.run(final.kind ?? null, final.finMessageId ?? null, final.streamId ?? null, channelId, ts);
  }
}
