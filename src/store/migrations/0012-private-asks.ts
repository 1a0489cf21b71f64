import type { Migration } from '../migrate.ts';

/**
 * Questions asked with `/fin` (Fin's one-shot `/fin/ask`), answered privately through the command's `response_url`:
 * kept from the command until the person has the answer, so neither a restart nor an event that arrives twice loses or
 * repeats it; the `response_url` is forgotten once it is no longer needed. A person may then share the answer as a
 * thread in the channel: the thread's conversation starts with the question and answer as what was said before it
 * (`prior_history`), since Fin closes an ask's own conversation.
 */
export const privateAsks: Migration = {
  version: 12,
  name: 'private-asks',
  up: `
    CREATE TABLE asks (
      id TEXT PRIMARY KEY,
      team_id TEXT NOT NULL,
      channel_id TEXT NOT NULL,
      user_id TEXT NOT NULL,
      question TEXT NOT NULL,
      response_url TEXT,
      state TEXT NOT NULL CHECK (state IN ('sending', 'asked', 'overdue', 'answered', 'shown', 'failed')),
      answer TEXT,
      fin_message_id TEXT,
      answered_at INTEGER,
      completed_at INTEGER,
      failure TEXT,
      sharing_since INTEGER,
      shared_ts TEXT,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX asks_unfinished ON asks (state) WHERE state IN ('sending', 'asked', 'overdue', 'answered');
    CREATE INDEX asks_by_age ON asks (created_at);

    ALTER TABLE conversations ADD COLUMN prior_history TEXT;
  `,
};
