import type { Database } from 'better-sqlite3';

/** Slack retries within minutes, and its opt-in Delayed Events for up to 24 hours: event ids are kept twice that. */
export const SLACK_EVENT_RETENTION_MS = 48 * 60 * 60_000;

/** Rows deleted per transaction, so pruning a large backlog never holds the write lock (or the event loop) for long. */
const BATCH = 500;
/** Pages handed back to the file system per run: a large backlog shrinks over a few runs, each one short. */
const VACUUM_PAGES = 20_000;

const ENDED = "('done', 'failed', 'abandoned')";
const ACTIVE = "('pending', 'open', 'overdue')";

export interface PruneReport {
  /** Conversations deleted outright. */
  readonly conversations: number;
  /** Conversations idle past the window whose content was deleted (those people own are kept, empty). */
  readonly emptied: number;
  readonly turns: number;
  readonly hitlRequests: number;
  readonly intercomEvents: number;
  readonly slackEvents: number;
  /** Private questions (`/fin`) asked before the window. */
  readonly asks: number;
}

/**
 * A conversation nothing has happened in for the window (no message, no Fin event), with nothing still going on in it:
 * a turn or a human-in-the-loop request counts as going on only if it was itself active within the window (Fin does
 * not answer a month later; Intercom has long expired such a request).
 */
const IDLE = `c.updated_at < :cutoff
  AND NOT EXISTS (SELECT 1 FROM turns AS t WHERE t.conversation_id = c.id AND t.state IN ${ACTIVE} AND t.created_at >= :cutoff)
  AND NOT EXISTS (SELECT 1 FROM hitl_requests AS r WHERE r.conversation_id = c.id AND r.state IN ('open', 'submitting') AND r.updated_at >= :cutoff)`;

const HAS_CONTENT = `(EXISTS (SELECT 1 FROM turns AS t WHERE t.conversation_id = c.id)
  OR EXISTS (SELECT 1 FROM inbound_messages AS i WHERE i.conversation_id = c.id)
  OR EXISTS (SELECT 1 FROM posted_messages AS p WHERE p.conversation_id = c.id)
  OR EXISTS (SELECT 1 FROM fin_events AS f WHERE f.conversation_id = c.id)
  OR EXISTS (SELECT 1 FROM deliveries AS d WHERE d.conversation_id = c.id)
  OR EXISTS (SELECT 1 FROM hitl_requests AS r WHERE r.conversation_id = c.id)
  OR EXISTS (SELECT 1 FROM csat_surveys AS s WHERE s.conversation_id = c.id)
  OR EXISTS (SELECT 1 FROM person_requests AS q WHERE q.conversation_id = c.id)
  OR c.topic IS NOT NULL OR c.prior_history IS NOT NULL)`;

/** People still own it: Fin escalated and nobody handed it back. */
const PEOPLE_OWN = "EXISTS (SELECT 1 FROM escalations AS e WHERE e.conversation_id = c.id AND e.state != 'handed_back')";

/**
 * Forgets what is past the retention window, in small batches with the event loop free between them.
 *
 * A conversation idle for `retentionMs` loses everything that belongs to it, its Fin event keys included (until then a
 * redelivered reply is recognised; after it, Fin's events about it are older than the window and ignored). Then the
 * conversation itself goes, unless people own it: its row and its escalation stay, so the thread stays with people
 * (and the agents' post can still hand it back) rather than turning back into a Fin conversation. In conversations
 * still going, turns that ended before the window go with their messages (but for the conversation's latest message,
 * which the agents' post quotes). Human-in-the-loop requests, processed Intercom events and private questions go after
 * the window, Slack event ids after 48 hours. Freed pages go back to the file system where the database allows it.
 */
export async function pruneExpired(
  db: Database,
  now: number,
  retentionMs: number,
  options: { readonly stopping?: () => boolean } = {},
): Promise<PruneReport> {
  const cutoff = now - retentionMs;
  const each = 'SELECT value FROM json_each(:ids)';
  const inBatches = async (select: string, remove: readonly string[], params: Record<string, number>): Promise<number> => {
    const pick = db.prepare(`${select} LIMIT ${BATCH}`).pluck();
    const statements = remove.map((sql) => db.prepare(sql));
    let total = 0;
    for (;;) {
      // A shutdown does not wait for a long prune: what is left goes at the next run.
      if (options.stopping?.() === true) return total;
      const ids = pick.all(params);
      if (ids.length === 0) return total;
      db.transaction(() => {
        for (const statement of statements) statement.run({ ids: JSON.stringify(ids) });
      })();
      total += ids.length;
      if (ids.length < BATCH) return total;
      // Messages and events keep flowing while a backlog is pruned.
      await new Promise((resolve) => setImmediate(resolve));
    }
  };

  const emptied = await inBatches(
    `SELECT c.id FROM conversations AS c WHERE ${IDLE} AND ${HAS_CONTENT}`,
    [
      `DELETE FROM fin_events WHERE conversation_id IN (${each})`,
      `DELETE FROM deliveries WHERE conversation_id IN (${each})`,
      `DELETE FROM posted_messages WHERE conversation_id IN (${each})`,
      `DELETE FROM inbound_messages WHERE conversation_id IN (${each})`,
      `DELETE FROM hitl_requests WHERE conversation_id IN (${each})`,
      `DELETE FROM csat_surveys WHERE conversation_id IN (${each})`,
      `DELETE FROM person_requests WHERE conversation_id IN (${each})`,
      `DELETE FROM turns WHERE conversation_id IN (${each})`,
      // What people wrote goes too: a conversation people own keeps its row, not their words.
      `UPDATE conversations SET topic = NULL, prior_history = NULL WHERE id IN (${each})`,
    ],
    { cutoff },
  );
  const conversations = await inBatches(
    // Anything added while the first pass yielded (a message, a request) keeps the conversation, to the next run.
    `SELECT c.id FROM conversations AS c WHERE ${IDLE} AND NOT ${PEOPLE_OWN} AND NOT ${HAS_CONTENT}`,
    [`DELETE FROM escalations WHERE conversation_id IN (${each})`, `DELETE FROM conversations WHERE id IN (${each})`],
    { cutoff },
  );
  const turns = await inBatches(
    `SELECT t.id FROM turns AS t WHERE t.state IN ${ENDED} AND t.ended_at < :cutoff
       AND NOT EXISTS (SELECT 1 FROM inbound_messages AS i WHERE i.turn_id = t.id
                       AND i.ts = (SELECT max(ts) FROM inbound_messages AS n WHERE n.conversation_id = t.conversation_id))`,
    [
      `DELETE FROM posted_messages WHERE turn_id IN (${each})`,
      `DELETE FROM inbound_messages WHERE turn_id IN (${each})`,
      `DELETE FROM turns WHERE id IN (${each})`,
    ],
    { cutoff },
  );
  const hitlRequests = await inBatches(
    // Settled ones, and open ones too: nothing has happened to them for the window, and Intercom has moved on.
    'SELECT id FROM hitl_requests WHERE updated_at < :cutoff',
    [`DELETE FROM hitl_requests WHERE id IN (${each})`],
    { cutoff },
  );
  await inBatches(`SELECT key FROM deliveries WHERE created_at < :cutoff`, [`DELETE FROM deliveries WHERE key IN (${each})`], { cutoff });
  const intercomEvents = await inBatches(
    `SELECT dedupe_key FROM intercom_events WHERE state = 'done' AND received_at < :cutoff`,
    [`DELETE FROM intercom_events WHERE dedupe_key IN (${each})`],
    { cutoff },
  );
  const asks = await inBatches('SELECT id FROM asks WHERE created_at < :cutoff', [`DELETE FROM asks WHERE id IN (${each})`], {
    cutoff,
  });
  const slackEvents = await inBatches(
    'SELECT event_id FROM slack_events WHERE received_at < :cutoff',
    [`DELETE FROM slack_events WHERE event_id IN (${each})`],
    { cutoff: now - SLACK_EVENT_RETENTION_MS },
  );

  if (options.stopping?.() !== true) {
    db.pragma(`incremental_vacuum(${VACUUM_PAGES})`);
    db.pragma('wal_checkpoint(TRUNCATE)');
  }
  return { conversations, emptied, turns, hitlRequests, intercomEvents, slackEvents, asks };
}
