import type { Database, Statement } from 'better-sqlite3';
import { z } from 'zod';
import type { SharedFile } from '../core/shared-types.ts';

/** A user message the app accepted for Fin: the durable inbox from which turns are built. */
export interface InboundMessage {
  readonly teamId: string;
  readonly channelId: string;
  readonly ts: string;
  readonly conversationId: string;
  readonly userId: string;
  /** Slack's text as received (markup intact); it is turned into plain text when the turn is sent. */
  readonly text: string;
  /** Files shared with the message; downloaded only when its turn goes to Fin. */
  readonly files: readonly SharedFile[];
}

interface Row {
  team_id: string;
  channel_id: string;
  ts: string;
  conversation_id: string;
  user_id: string;
  text: string;
  files_json: string | null;
}

const storedFilesSchema = z.array(
  z.object({
    id: z.string(),
    name: z.string(),
    mimetype: z.string().optional(),
    size: z.number().optional(),
    url: z.string().optional(),
  }),
);

/** Rows written by this code always parse; anything else is treated as no files rather than failing the turn. */
function filesOf(json: string | null): SharedFile[] {
  if (json === null) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return [];
  }
  const parsed = storedFilesSchema.safeParse(raw);
  return parsed.success ? parsed.data.map((f) => ({ id: f.id, name: f.name, mimetype: f.mimetype, size: f.size, url: f.url })) : [];
}

const toMessage = (r: Row): InboundMessage => ({
  teamId: r.team_id,
  channelId: r.channel_id,
  ts: r.ts,
  conversationId: r.conversation_id,
  userId: r.user_id,
  text: r.text,
  files: filesOf(r.files_json),
});

export class InboundStore {
  readonly #claim: Statement<[string, string, string, string, string, string, string | null, number]>;
  readonly #queued: Statement<[string], Row>;
  readonly #ofTurn: Statement<[number], Row>;
  readonly #assign: Statement<[number, string, string, string]>;
  readonly #conversationsWithQueue: Statement<[], { conversation_id: string }>;
  readonly #skipQueued: Statement<[string]>;
  readonly #latest: Statement<[string], Row>;
  readonly #has: Statement<[string, string, string], { n: number }>;
  readonly #writer: Statement<[string, string], { n: number }>;

  readonly #conversationOf: Statement<[string, string, string], { conversation_id: string }>;

  constructor(db: Database) {
    this.#claim = db.prepare(
      `INSERT INTO inbound_messages (team_id, channel_id, ts, conversation_id, user_id, text, files_json, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    this.#queued = db.prepare('SELECT * FROM inbound_messages WHERE conversation_id = ? AND turn_id IS NULL AND skipped = 0 ORDER BY ts');
    this.#ofTurn = db.prepare('SELECT * FROM inbound_messages WHERE turn_id = ? ORDER BY ts');
    this.#assign = db.prepare(
      'UPDATE inbound_messages SET turn_id = ? WHERE team_id = ? AND channel_id = ? AND ts = ? AND turn_id IS NULL',
    );
    this.#conversationsWithQueue = db.prepare(
      'SELECT DISTINCT conversation_id FROM inbound_messages WHERE turn_id IS NULL AND skipped = 0',
    );
    // Set aside for good: only the conversation's latest message keeps its text (the agents' post quotes it).
    this.#skipQueued = db.prepare(
      `UPDATE inbound_messages SET skipped = 1,
         text = CASE WHEN ts = (SELECT max(ts) FROM inbound_messages AS newer WHERE newer.conversation_id = inbound_messages.conversation_id)
                     THEN text ELSE '' END,
         files_json = NULL
       WHERE conversation_id = ? AND turn_id IS NULL`,
    );
    this.#latest = db.prepare('SELECT * FROM inbound_messages WHERE conversation_id = ? ORDER BY ts DESC LIMIT 1');
    this.#has = db.prepare('SELECT count(*) AS n FROM inbound_messages WHERE team_id = ? AND channel_id = ? AND ts = ?');
    this.#writer = db.prepare('SELECT count(*) AS n FROM inbound_messages WHERE conversation_id = ? AND user_id = ?');
    this.#conversationOf = db.prepare('SELECT conversation_id FROM inbound_messages WHERE team_id = ? AND channel_id = ? AND ts = ?');
  }

  /**
   * Records a message exactly once, keyed by where Slack put it (team, channel, ts): a mention arrives both as
   * `app_mention` and as `message`, and Slack retries deliveries, but all of them carry the same ts.
   */
  claim(m: Omit<InboundMessage, 'files'> & { files?: readonly SharedFile[] }, now: number): boolean {
    const files = m.files !== undefined && m.files.length > 0 ? JSON.stringify(m.files) : null;
    return this.#claim.run(m.teamId, m.channelId, m.ts, m.conversationId, m.userId, m.text, files, now).changes === 1;
  }

  /** Whether the message at (team, channel, ts) was recorded already. */
  has(teamId: string, channelId: string, ts: string): boolean {
    return (this.#has.get(teamId, channelId, ts)?.n ?? 0) > 0;
  }

  queued(conversationId: string): InboundMessage[] {
    return this.#queued.all(conversationId).map(toMessage);
  }

  ofTurn(turnId: number): InboundMessage[] {
    return this.#ofTurn.all(turnId).map(toMessage);
  }

  assign(turnId: number, messages: readonly InboundMessage[]): void {
    for (const m of messages) this.#assign.run(turnId, m.teamId, m.channelId, m.ts);
  }

  /** Sets queued messages aside: they were written for the people now answering, not for Fin. */
  skipQueued(conversationId: string): number {
    return this.#skipQueued.run(conversationId).changes;
  }

  /** Whether this person wrote in the conversation (among the messages the app still keeps). */
  hasWriter(conversationId: string, userId: string): boolean {
    return (this.#writer.get(conversationId, userId)?.n ?? 0) > 0;
  }

  /** The conversation a person's message belongs to, if the app recorded it. */
  conversationOf(teamId: string, channelId: string, ts: string): string | undefined {
    return this.#conversationOf.get(teamId, channelId, ts)?.conversation_id;
  }

  /** The conversation's most recent message from a person. */
  latest(conversationId: string): InboundMessage | undefined {
    const row = this.#latest.get(conversationId);
    return row && toMessage(row);
  }

  conversationsWithQueue(): string[] {
    return this.#conversationsWithQueue.all().map((r) => r.conversation_id);
  }
}
