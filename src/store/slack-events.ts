import type { Database, Statement } from 'better-sqlite3';

/** Slack `event_id`s already handled, kept long enough to cover Slack's retries (≥ 24 h). */
export class SlackEventStore {
  readonly #claim: Statement<[string, number]>;
  readonly #has: Statement<[string], { n: number }>;

  constructor(db: Database) {
    this.#has = db.prepare('SELECT count(*) AS n FROM slack_events WHERE event_id = ?');
    this.#claim = db.prepare('INSERT INTO slack_events (event_id, received_at) VALUES (?, ?) ON CONFLICT DO NOTHING');
  }

  /** Returns false when this event id was handled before (a Slack retry). */
  claim(eventId: string, now: number): boolean {
    return this.#claim.run(eventId, now).changes === 1;
  }

  has(eventId: string): boolean {
    return (this.#has.get(eventId)?.n ?? 0) > 0;
  }
}
