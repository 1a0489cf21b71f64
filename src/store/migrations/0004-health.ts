import type { Migration } from '../migrate.ts';

/** One row the health check rewrites, proving the database still takes writes. */
export const health: Migration = {
  version: 4,
  name: 'health',
  up: `
    CREATE TABLE health (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      checked_at INTEGER NOT NULL
    );
  `,
};
