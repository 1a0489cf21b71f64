import type { Database } from 'better-sqlite3';

/** Slack retries within minutes, and its opt-in Delayed Events for up to 24 hours: event ids are kept twice that. */
export const SLACK_EVENT_RETENTION_MS = 48 * 60 * 60_000;

/** Rows deleted per transaction, so pruning a large backlog never holds the write lock for long. */
const BATCH = 500;

const ENDED = "('done', 'failed', 'abandoned')";
const ACTIVE = "('pending', 'open', 'overdue')";
const SETTLED_HITL = "('submitted', 'expired', 'answered_elsewhere', 'unanswerable')";

export interface PruneReport {
  readonly conversations: number;
  readonly turns: number;
  readonly hitlRequests: number;
  readonly intercomEvents: number;
  readonly slackEvents: number;
}

/**
 * Forgets what is past the retention window. A conversation with nothing happening for `retentionMs` (no message, no
 * Fin event, nothing in progress, no open human-in-the-loop request) is deleted with everything that belongs to it,
 * its Fin event keys included: until then a redelivered reply is recognised. In conversations still going, turns
 * that ended before the window go with their messages (but for the conversation's latest message, which the agents'
 * post quotes). Settled human-in-the-loop requests and processed Intercom events go after the window, Slack event ids
 * after 48 hours. Freed pages go back to the file system where the database allows it.
 */
export function pruneExpired(db: Database, now: number, retentionMs: number): PruneReport {
  const cutoff = now - retentionMs;
  const inBatches = (select: string, remove: readonly string[], ...params: unknown[]): number => {
    const pick = db.prepare(`${select} LIMIT ${BATCH}`).pluck();
    const statements = remove.map((sql) => db.prepare(sql));
    let total = 0;
    for (;;) {
      const ids = JSON.stringify(pick.all(...params));
      const removed = db.transaction(() => {
        let count = 0;
        statements.forEach((statement, i) => {
          const changes = statement.run(ids).changes;
          if (i === statements.length - 1) count = changes;
        });
        return count;
      })();
      total += removed;
      if (removed < BATCH) return total;
    }
  };
  const each = 'SELECT value FROM json_each(?)';

  const conversations = inBatches(
    `SELECT c.id FROM conversations AS c WHERE c.updated_at < ?
       AND NOT EXISTS (SELECT 1 FROM turns AS t WHERE t.conversation_id = c.id AND t.state IN ${ACTIVE})
       AND NOT EXISTS (SELECT 1 FROM hitl_requests AS r WHERE r.conversation_id = c.id AND r.state IN ('open', 'submitting'))`,
    [
      `DELETE FROM fin_events WHERE conversation_id IN (${each})`,
      `DELETE FROM deliveries WHERE conversation_id IN (${each})`,
      `DELETE FROM posted_messages WHERE conversation_id IN (${each})`,
      `DELETE FROM inbound_messages WHERE conversation_id IN (${each})`,
      `DELETE FROM escalations WHERE conversation_id IN (${each})`,
      `DELETE FROM hitl_requests WHERE conversation_id IN (${each})`,
      `DELETE FROM turns WHERE conversation_id IN (${each})`,
      `DELETE FROM conversations WHERE id IN (${each})`,
    ],
    cutoff,
  );
  const turns = inBatches(
    `SELECT t.id FROM turns AS t WHERE t.state IN ${ENDED} AND t.ended_at < ?
       AND NOT EXISTS (SELECT 1 FROM inbound_messages AS i WHERE i.turn_id = t.id
                       AND i.ts = (SELECT max(ts) FROM inbound_messages AS n WHERE n.conversation_id = t.conversation_id))`,
    [
      `DELETE FROM posted_messages WHERE turn_id IN (${each})`,
      `DELETE FROM inbound_messages WHERE turn_id IN (${each})`,
      `DELETE FROM turns WHERE id IN (${each})`,
    ],
    cutoff,
  );
  const hitlRequests = inBatches(`SELECT id FROM hitl_requests WHERE state IN ${SETTLED_HITL} AND updated_at < ?`, [
    `DELETE FROM hitl_requests WHERE id IN (${each})`,
  ], cutoff);
  const intercomEvents = inBatches(`SELECT dedupe_key FROM intercom_events WHERE state = 'done' AND received_at < ?`, [
    `DELETE FROM intercom_events WHERE dedupe_key IN (${each})`,
  ], cutoff);
  const slackEvents = inBatches('SELECT event_id FROM slack_events WHERE received_at < ?', [
    `DELETE FROM slack_events WHERE event_id IN (${each})`,
  ], now - SLACK_EVENT_RETENTION_MS);

  // A no-op for databases created before incremental vacuum was turned on; they reuse freed pages instead.
  db.pragma('incremental_vacuum');
  db.pragma('wal_checkpoint(TRUNCATE)');
  return { conversations, turns, hitlRequests, intercomEvents, slackEvents };
}
