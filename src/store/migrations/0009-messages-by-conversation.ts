import type { Migration } from '../migrate.ts';

/**
 * A conversation's messages by time: what forgetting a finished turn's messages, finding a conversation's latest
 * message and pruning ask for at every turn and every hour, which would otherwise read the whole table.
 */
export const messagesByConversation: Migration = {
  version: 9,
  name: 'messages-by-conversation',
  up: `
    CREATE INDEX inbound_by_conversation ON inbound_messages (conversation_id, ts);
    CREATE INDEX posted_by_turn_all ON posted_messages (turn_id);
    CREATE INDEX deliveries_by_age ON deliveries (created_at);
  `,
};
