import type { Database, Statement } from 'better-sqlite3';

export type FinEventSource = 'sse' | 'webhook';

export interface StoredFinEvent {
  readonly dedupeKey: string;
  readonly payload: string;
}

/**
 * Fin events (final replies and statuses) in the order they were accepted. Recording one is the dedupe step:
 * the same reply delivered by SSE and by webhook has the same key, and only the first is processed. An event
 * stays `pending` until processed, so one accepted just before a crash is processed after the restart. Keys are kept
 * as long as their conversation (see `prune.ts`): a reply redelivered any time later is still recognised.
 */
export class FinEventStore {
  readonly #insert: Statement<[string, string, string, string, number]>;
  readonly #done: Statement<[number, string]>;
  readonly #pending: Statement<[], { dedupe_key: string; payload: string }>;
  readonly #isPending: Statement<[string], { n: number }>;

  constructor(db: Database) {
    this.#insert = db.prepare(
      `INSERT INTO fin_events (dedupe_key, conversation_id, source, payload, state, received_at)
       VALUES (?, ?, ?, ?, 'pending', ?) ON CONFLICT DO NOTHING`,
    );
    // Once acted on, only the key matters (it recognises a redelivery): Fin's text is not kept.
    this.#done = db.prepare("UPDATE fin_events SET state = 'done', processed_at = ?, payload = '' WHERE dedupe_key = ?");
    this.#pending = db.prepare("SELECT dedupe_key, payload FROM fin_events WHERE state = 'pending' ORDER BY received_at, rowid");
    this.#isPending = db.prepare("SELECT count(*) AS n FROM fin_events WHERE dedupe_key = ? AND state = 'pending'");
  }

  /** Returns false when the event was seen before (from either source). */
  record(e: { dedupeKey: string; conversationId: string; source: FinEventSource; payload: string }, now: number) {
    return this.#insert.run(e.dedupeKey, e.conversationId, e.source, e.payload, now).changes === 1;
  }

  markDone(dedupeKey: string, now: number): void {
    this.#done.run(now, dedupeKey);
  }

  isPending(dedupeKey: string): boolean {
    return (this.#isPending.get(dedupeKey)?.n ?? 0) > 0;
  }

  pending(): StoredFinEvent[] {
    return this.#pending.all().map((r) => ({ dedupeKey: r.dedupe_key, payload: r.payload }));
  }
}
