import type { Migration } from '../migrate.ts';

/**
 * Keep only what is needed, only as long as it is needed. Requests are kept until Fin accepts them (they held people's
 * emails, history and, base64, every shared file); a turn's shared files are named by their Slack ids instead. What
 * was processed loses its copy of Fin's text. Indexes let whole conversations, idle past the retention window, be
 * deleted with everything that belongs to them.
 */
export const retention: Migration = {
  version: 7,
  name: 'retention',
  up: `
    ALTER TABLE turns ADD COLUMN attached_file_ids TEXT;
    UPDATE turns SET request_json = NULL WHERE state != 'pending';
    UPDATE fin_events SET payload = '' WHERE state = 'done';
    UPDATE intercom_events SET payload = '' WHERE state = 'done';
    UPDATE posted_messages SET streamed_text = NULL WHERE state = 'final';
    UPDATE inbound_messages SET text = '', files_json = NULL
      WHERE (skipped = 1 OR turn_id IN (SELECT id FROM turns WHERE state IN ('done', 'failed', 'abandoned')))
        AND ts < (SELECT max(ts) FROM inbound_messages AS newer WHERE newer.conversation_id = inbound_messages.conversation_id);

    CREATE INDEX conversations_by_activity ON conversations (updated_at);
    CREATE INDEX turns_by_conversation ON turns (conversation_id, state);
    CREATE INDEX inbound_by_turn ON inbound_messages (turn_id);
    CREATE INDEX fin_events_by_conversation ON fin_events (conversation_id);
    CREATE INDEX escalations_by_conversation ON escalations (conversation_id);
    CREATE INDEX hitl_by_conversation ON hitl_requests (conversation_id);
    CREATE INDEX hitl_by_age ON hitl_requests (updated_at);
    CREATE INDEX intercom_events_by_age ON intercom_events (received_at);
  `,
};
