import type { Migration } from '../migrate.ts';

/**
 * A final answer in progress: the parts it was cut into and the messages that show the ones in Slack already, so that
 * a delivery interrupted (a Slack error, a crash) resumes with the next part instead of posting the first ones again;
 * and, once done, a marker that it was (its parts cleared), so it is never delivered twice.
 */
export const deliveries: Migration = {
  version: 8,
  name: 'deliveries',
  up: `
    CREATE TABLE deliveries (
      key TEXT PRIMARY KEY,
      conversation_id TEXT NOT NULL REFERENCES conversations (id),
      channel_id TEXT NOT NULL,
      thread_ts TEXT NOT NULL,
      target_ts TEXT,
      parts_json TEXT NOT NULL,
      tss_json TEXT NOT NULL DEFAULT '[]',
      created_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX deliveries_by_conversation ON deliveries (conversation_id);
  `,
};
