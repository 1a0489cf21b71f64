import type { Migration } from '../migrate.ts';

/**
 * A stream id names a stream within its conversation: Fin's ids are random, but nothing promises they are unique
 * across conversations, and a clash must never bind one conversation's answer to another's message.
 */
export const streamsPerConversation: Migration = {
  version: 6,
  name: 'streams-per-conversation',
  up: `
    DROP INDEX posted_by_stream;
    CREATE UNIQUE INDEX posted_by_stream ON posted_messages (conversation_id, stream_id) WHERE stream_id IS NOT NULL;
  `,
};
