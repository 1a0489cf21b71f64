import type { Migration } from '../migrate.ts';

/** The files a user shared with a message (name, type, size and Slack's download address), sent to Fin with it. */
export const sharedFiles: Migration = {
  version: 5,
  name: 'shared-files',
  up: `
    ALTER TABLE inbound_messages ADD COLUMN files_json TEXT;
  `,
};
