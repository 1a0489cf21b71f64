import type { Database, Statement } from 'better-sqlite3';
import { z } from 'zod';

/** One message of a final answer, with the size it was cut to (a part Slack refuses as too long is cut smaller). */
export interface DeliveryPart {
  readonly text: string;
  readonly limit: number;
}

export interface Delivery {
  readonly key: string;
  readonly conversationId: string;
  readonly channelId: string;
  readonly threadTs: string;
  /** The message the first part replaces (the placeholder), if any. */
  readonly targetTs: string | null;
  readonly parts: readonly DeliveryPart[];
  /** How many parts, from the first, are in Slack. */
  readonly delivered: number;
}

interface Row {
  key: string;
  conversation_id: string;
  channel_id: string;
  thread_ts: string;
  target_ts: string | null;
  parts_json: string;
  delivered: number;
}

const partsSchema = z.array(z.object({ text: z.string(), limit: z.number().int().positive() }));

const toDelivery = (r: Row): Delivery => ({
  key: r.key,
  conversationId: r.conversation_id,
  channelId: r.channel_id,
  threadTs: r.thread_ts,
  targetTs: r.target_ts,
  // Rows are written by this code; a row that does not parse resumes as if nothing were left to send.
  parts: partsSchema.safeParse(safeJson(r.parts_json)).data ?? [],
  delivered: r.delivered,
});

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Final answers being delivered. A delivery is recorded before its first part goes out and forgotten once its last
 * part is in Slack; in between, each part is counted as it lands, in the same transaction as the record of the message
 * it became.
 */
export class DeliveryStore {
  readonly #get: Statement<[string], Row>;
  readonly #insert: Statement<[string, string, string, string, string | null, string, number]>;
  readonly #delivered: Statement<[number, string]>;
  readonly #parts: Statement<[string, string]>;
  readonly #remove: Statement<[string]>;

  constructor(db: Database) {
    this.#get = db.prepare('SELECT * FROM deliveries WHERE key = ?');
    this.#insert = db.prepare(
      `INSERT INTO deliveries (key, conversation_id, channel_id, thread_ts, target_ts, parts_json, delivered, created_at)
       VALUES (?, ?, ?, ?, ?, ?, 0, ?) ON CONFLICT DO NOTHING`,
    );
    this.#delivered = db.prepare('UPDATE deliveries SET delivered = ? WHERE key = ?');
    this.#parts = db.prepare('UPDATE deliveries SET parts_json = ? WHERE key = ?');
    this.#remove = db.prepare('DELETE FROM deliveries WHERE key = ?');
  }

  get(key: string): Delivery | undefined {
    const row = this.#get.get(key);
    return row && toDelivery(row);
  }

  /** Records a delivery about to start (once: an existing one is returned as it is, to be resumed). */
  begin(d: Omit<Delivery, 'delivered'>, now: number): Delivery {
    this.#insert.run(d.key, d.conversationId, d.channelId, d.threadTs, d.targetTs, JSON.stringify(d.parts), now);
    const row = this.#get.get(d.key);
    if (!row) throw new Error(`delivery ${d.key} vanished right after insert`);
    return toDelivery(row);
  }

  setDelivered(key: string, delivered: number): void {
    this.#delivered.run(delivered, key);
  }

  setParts(key: string, parts: readonly DeliveryPart[]): void {
    this.#parts.run(JSON.stringify(parts), key);
  }

  finish(key: string): void {
    this.#remove.run(key);
  }
}
