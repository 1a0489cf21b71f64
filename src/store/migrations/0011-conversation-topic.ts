import type { Migration } from '../migrate.ts';

/**
 * What a conversation is about, in its person's first words (a short excerpt): the Home tab lists conversations by
 * it, since the messages' own texts are forgotten once their turn is over.
 */
export const conversationTopic: Migration = {
  version: 11,
  name: 'conversation-topic',
  up: `ALTER TABLE conversations ADD COLUMN topic TEXT;`,
};
