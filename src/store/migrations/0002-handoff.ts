import type { Migration } from '../migrate.ts';

/**
 * Human hand-off: who owns a conversation (Fin, or people after an escalation), the escalations with the post in
 * the agents' channel, and user messages set aside because people, not Fin, were answering.
 */
export const handoff: Migration = {
  version: 2,
  name: 'handoff',
  up: `
    ALTER TABLE conversations ADD COLUMN owner TEXT NOT NULL DEFAULT 'fin' CHECK (owner IN ('fin', 'human'));

    CREATE TABLE escalations (
      id INTEGER PRIMARY KEY,
      conversation_id TEXT NOT NULL REFERENCES conversations (id),
      reason TEXT,
      state TEXT NOT NULL CHECK (state IN ('open', 'resolved', 'complete', 'handed_back')),
      agent_channel_id TEXT NOT NULL,
      agent_ts TEXT,
      handed_back_by TEXT,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    ) STRICT;
    CREATE UNIQUE INDEX escalations_one_active ON escalations (conversation_id) WHERE state != 'handed_back';

    ALTER TABLE inbound_messages ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0;
  `,
};
