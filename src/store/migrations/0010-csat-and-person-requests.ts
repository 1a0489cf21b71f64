import type { Migration } from '../migrate.ts';

/**
 * Ratings Fin asks for (one prompt per request, its state kept so a click after a restart still works; a comment is
 * held here from the form's submission until Fin has it), and a
 * person asked for by the user (at most one request in flight per conversation, resumed after a crash).
 */
export const csatAndPersonRequests: Migration = {
  version: 10,
  name: 'csat-and-person-requests',
  up: `
    CREATE TABLE csat_surveys (
      id INTEGER PRIMARY KEY,
      conversation_id TEXT NOT NULL REFERENCES conversations (id),
      dedupe_key TEXT NOT NULL UNIQUE,
      user_id TEXT NOT NULL,
      options_json TEXT NOT NULL,
      channel_id TEXT NOT NULL,
      thread_ts TEXT NOT NULL,
      prompt_ts TEXT,
      posting_since INTEGER,
      rating TEXT,
      state TEXT NOT NULL CHECK (state IN ('open', 'rated', 'commented', 'closed')),
      closed_reason TEXT,
      pending_rating TEXT,
      pending_remark TEXT,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX csat_by_conversation ON csat_surveys (conversation_id);

    CREATE TABLE person_requests (
      conversation_id TEXT PRIMARY KEY REFERENCES conversations (id),
      user_id TEXT NOT NULL,
      via TEXT NOT NULL CHECK (via IN ('reaction', 'shortcut')),
      reaction TEXT,
      message_ts TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('sending', 'sent')),
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    ) STRICT;
  `,
};
