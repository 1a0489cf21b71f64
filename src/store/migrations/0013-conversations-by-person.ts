import type { Migration } from '../migrate.ts';

/**
 * A person's conversations, found from their messages (the Home tab lists them each time it opens): without this
 * index the lookup walks every conversation.
 */
export const conversationsByPerson: Migration = {
  version: 13,
  name: 'conversations-by-person',
  up: `CREATE INDEX inbound_by_user ON inbound_messages (user_id, conversation_id);`,
};
