import type { Database, Statement } from 'better-sqlite3';
import { z } from 'zod';
import { AppError } from '../core/errors.ts';

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
  /** What is left to know of the text: all its parts while it is being delivered, none once it is done. */
  readonly parts: readonly DeliveryPart[];
  /** How many parts, from the first, are in Slack (one message each, in `tss`). */
  readonly delivered: number;
  /** The message each delivered part became, in order. */
  readonly tss: readonly string[];
  readonly createdAt: number;
}

interface Row {
  key: string;
  conversation_id: string;
  channel_id: string;
  thread_ts: string;
  target_ts: string | null;
  parts_json: string;
  tss_json: string;
  created_at: number;
}

const partsSchema = z.array(z.object({ text: z.string(), limit: z.number().int().positive() }));
const tssSchema = z.array(z.string());

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

// Rows are written by this code; one that does not parse resumes as if nothing were left to send.
const toDelivery = (r: Row): Delivery => {
  const tss = tssSchema.safeParse(safeJson(r.tss_json)).data ?? [];
  return {
    key: r.key,
    conversationId: r.conversation_id,
    channelId: r.channel_id,
    threadTs: r.thread_ts,
    targetTs: r.target_ts,
    parts: partsSchema.safeParse(safeJson(r.parts_json)).data ?? [],
    delivered: tss.length,
    tss,
    createdAt: r.created_at,
  };
};

/**
 * Final texts being delivered, by a key that names the text for good (a Fin reply's message id). A delivery is
 * recorded before its first part goes out; each part is counted as it lands, in the same transaction as whatever else
 * records the message it became; once done, its parts are cleared and the row stays as the mark that it was delivered,
 * for the retention window (the reply's Fin event key, kept as long as the conversation, recognises it after that).
 */
export class DeliveryStore {
  readonly #get: Statement<[string], Row>;
  readonly #insert: Statement<[string, string, string, string, string | null, string, number]>;
  readonly #landed: Statement<[string, string]>;
  readonly #parts: Statement<[string, string]>;
  readonly #finish: Statement<[string]>;

  constructor(db: Database) {
    this.#get = db.prepare('SELECT * FROM deliveries WHERE key = ?');
    this.#insert = db.prepare(
      `INSERT INTO deliveries (key, conversation_id, channel_id, thread_ts, target_ts, parts_json, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    this.#landed = db.prepare("UPDATE deliveries SET tss_json = json_insert(tss_json, '$[#]', ?) WHERE key = ?");
    this.#parts = db.prepare('UPDATE deliveries SET parts_json = ? WHERE key = ?');
    this.#finish = db.prepare("UPDATE deliveries SET parts_json = '[]' WHERE key = ?");
  }

  get(key: string): Delivery | undefined {
    const row = this.#get.get(key);
    return row && toDelivery(row);
  }

  /**
   * Records a delivery about to start, once. `resumed` says it existed already: an earlier attempt was interrupted
   * (or it is done: then it has no parts left).
   */
  begin(d: Omit<Delivery, 'delivered' | 'tss' | 'createdAt'>, now: number): { delivery: Delivery; resumed: boolean } {
    const created =
      this.#insert.run(d.key, d.conversationId, d.channelId, d.threadTs, d.targetTs, JSON.stringify(d.parts), now).changes === 1;
    const row = this.#get.get(d.key);
    if (!row) throw new AppError('invariant_broken', `delivery ${d.key} vanished right after insert`);
    return { delivery: toDelivery(row), resumed: !created };
  }

  /** The next part is in Slack as message `ts`. */
  landed(key: string, ts: string): void {
    this.#landed.run(ts, key);
  }

  setParts(key: string, parts: readonly DeliveryPart[]): void {
    this.#parts.run(JSON.stringify(parts), key);
  }

  /** Every part is in Slack: the text is forgotten, the mark that it was delivered stays. */
  finish(key: string): void {
    this.#finish.run(key);
  }
}
