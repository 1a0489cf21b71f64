import type { Database, Statement } from 'better-sqlite3';

export interface StoredIntercomEvent {
  readonly dedupeKey: string;
  readonly topic: string;
  readonly payload: string;
}

/**
 * Intercom app webhooks (human-in-the-loop notifications), recorded before they are acknowledged and marked done once
 * acted on, so one acknowledged before a crash is acted on after the restart. Recording is the dedupe step.
 */
export class IntercomEventStore {
  readonly #insert: Statement<[string, string, string, number]>;
  readonly #done: Statement<[number, string]>;
  readonly #pending: Statement<[], { dedupe_key: string; topic: string; payload: string }>;

  constructor(db: Database) {
    this.#insert = db.prepare(
      `INSERT INTO intercom_events (dedupe_key, topic, payload, state, received_at)
       VALUES (?, ?, ?, 'pending', ?) ON CONFLICT DO NOTHING`,
    );
    this.#done = db.prepare("UPDATE intercom_events SET state = 'done', processed_at = ?, payload = '' WHERE dedupe_key = ?");
    this.#pending = db.prepare(
      "SELECT dedupe_key, topic, payload FROM intercom_events WHERE state = 'pending' ORDER BY received_at, rowid",
    );
  }

  record(e: StoredIntercomEvent, now: number): boolean {
    return this.#insert.run(e.dedupeKey, e.topic, e.payload, now).changes === 1;
  }

  markDone(dedupeKey: string, now: number): void {
    this.#done.run(now, dedupeKey);
  }

  pending(): StoredIntercomEvent[] {
    return this.#pending.all().map((r) => ({ dedupeKey: r.dedupe_key, topic: r.topic, payload: r.payload }));
  }
}
