import type { Migration } from '../migrate.ts';

/** Threads ⇄ conversations, turns, the durable inbox of user messages, what the app posted, and processed events. */
export const initial: Migration = {
  version: 1,
  name: 'initial',
  up: `
    CREATE TABLE conversations (
      id TEXT PRIMARY KEY,
      team_id TEXT NOT NULL,
      channel_id TEXT NOT NULL,
      thread_ts TEXT NOT NULL,
      channel_type TEXT NOT NULL,
      intercom_conversation_id TEXT,
      fin_status TEXT,
      fin_started INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      UNIQUE (team_id, channel_id, thread_ts)
    ) STRICT;
    CREATE INDEX conversations_by_intercom_id ON conversations (intercom_conversation_id)
      WHERE intercom_conversation_id IS NOT NULL;

    CREATE TABLE turns (
      id INTEGER PRIMARY KEY,
      conversation_id TEXT NOT NULL REFERENCES conversations (id),
      kind TEXT NOT NULL CHECK (kind IN ('start', 'reply')),
      state TEXT NOT NULL CHECK (state IN ('pending', 'open', 'overdue', 'done', 'failed', 'abandoned')),
      user_id TEXT NOT NULL,
      message_timestamp TEXT NOT NULL,
      request_json TEXT,
      placeholder_ts TEXT,
      end_reason TEXT,
      created_at INTEGER NOT NULL,
      ended_at INTEGER
    ) STRICT;
    CREATE UNIQUE INDEX turns_one_active_per_conversation ON turns (conversation_id)
      WHERE state IN ('pending', 'open', 'overdue');

    CREATE TABLE inbound_messages (
      team_id TEXT NOT NULL,
      channel_id TEXT NOT NULL,
      ts TEXT NOT NULL,
      conversation_id TEXT NOT NULL REFERENCES conversations (id),
      user_id TEXT NOT NULL,
      text TEXT NOT NULL,
      turn_id INTEGER REFERENCES turns (id),
      received_at INTEGER NOT NULL,
      PRIMARY KEY (team_id, channel_id, ts)
    ) STRICT;
    CREATE INDEX inbound_queued ON inbound_messages (conversation_id, ts) WHERE turn_id IS NULL;

    CREATE TABLE posted_messages (
      channel_id TEXT NOT NULL,
      ts TEXT NOT NULL,
      conversation_id TEXT NOT NULL REFERENCES conversations (id),
      turn_id INTEGER REFERENCES turns (id),
      kind TEXT NOT NULL CHECK (kind IN ('placeholder', 'reply', 'notice')),
      state TEXT NOT NULL CHECK (state IN ('waiting', 'streaming', 'final')),
      stream_id TEXT,
      streamed_text TEXT,
      fin_message_id TEXT,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (channel_id, ts)
    ) STRICT;
    CREATE INDEX posted_by_turn ON posted_messages (turn_id) WHERE state != 'final';
    CREATE UNIQUE INDEX posted_by_stream ON posted_messages (stream_id) WHERE stream_id IS NOT NULL;
    CREATE INDEX posted_by_conversation ON posted_messages (conversation_id, created_at);

    CREATE TABLE fin_events (
      dedupe_key TEXT PRIMARY KEY,
      conversation_id TEXT NOT NULL,
      source TEXT NOT NULL,
      payload TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('pending', 'done')),
      received_at INTEGER NOT NULL,
      processed_at INTEGER
    ) STRICT;
    CREATE INDEX fin_events_pending ON fin_events (received_at) WHERE state = 'pending';

    CREATE TABLE slack_events (
      event_id TEXT PRIMARY KEY,
      received_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX slack_events_by_age ON slack_events (received_at);
  `,
};
