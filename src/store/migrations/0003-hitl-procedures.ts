import type { Migration } from '../migrate.ts';

/**
 * Human-in-the-loop steps of Fin Procedures (one request per step, with the agents' post and how it was answered),
 * Intercom app webhooks in the order they were accepted, the procedure a thread was started with (/fin-procedure),
 * and the procedure a turn ran.
 */
export const hitlAndProcedures: Migration = {
  version: 3,
  name: 'hitl-procedures',
  up: `
    CREATE TABLE hitl_requests (
      id INTEGER PRIMARY KEY,
      step_id TEXT NOT NULL UNIQUE,
      intercom_conversation_id TEXT,
      conversation_id TEXT REFERENCES conversations (id),
      callback_url TEXT NOT NULL,
      attributes_json TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('open', 'submitting', 'submitted', 'expired', 'answered_elsewhere', 'unanswerable')),
      agent_channel_id TEXT NOT NULL,
      agent_ts TEXT,
      submitted_by TEXT,
      values_json TEXT,
      note TEXT,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE intercom_events (
      dedupe_key TEXT PRIMARY KEY,
      topic TEXT NOT NULL,
      payload TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('pending', 'done')),
      received_at INTEGER NOT NULL,
      processed_at INTEGER
    ) STRICT;
    CREATE INDEX intercom_events_pending ON intercom_events (received_at) WHERE state = 'pending';

    ALTER TABLE turns ADD COLUMN procedure_id TEXT;
    ALTER TABLE conversations ADD COLUMN procedure_id TEXT;
  `,
};
