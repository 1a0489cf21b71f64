import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { migrate } from './migrate.ts';
import { initial } from './migrations/0001-initial.ts';
import { handoff } from './migrations/0002-handoff.ts';
import { hitlAndProcedures } from './migrations/0003-hitl-procedures.ts';
import { health } from './migrations/0004-health.ts';
import { sharedFiles } from './migrations/0005-shared-files.ts';
import { streamsPerConversation } from './migrations/0006-streams-per-conversation.ts';
import { retention } from './migrations/0007-retention.ts';
import { deliveries } from './migrations/0008-deliveries.ts';
import { messagesByConversation } from './migrations/0009-messages-by-conversation.ts';
import { csatAndPersonRequests } from './migrations/0010-csat-and-person-requests.ts';
import { conversationTopic } from './migrations/0011-conversation-topic.ts';
import { privateAsks } from './migrations/0012-private-asks.ts';
import { conversationsByPerson } from './migrations/0013-conversations-by-person.ts';

export const MIGRATIONS = [
  initial,
  handoff,
  hitlAndProcedures,
  health,
  sharedFiles,
  streamsPerConversation,
  retention,
  deliveries,
  messagesByConversation,
  csatAndPersonRequests,
  conversationTopic,
  privateAsks,
  conversationsByPerson,
] as const;

/**
 * One connection for the whole process: better-sqlite3 is synchronous, so every statement runs to completion
 * between awaits and transactions never interleave.
 */
export function openDatabase(path: string, log?: (message: string, error?: unknown) => void): Database {
  if (path !== ':memory:') createPrivately(path);
  const db = new BetterSqlite3(path, { timeout: 5000 });
  // Only takes effect on a new database: pruning can then hand freed pages back to the file system.
  if (db.pragma('user_version', { simple: true }) === 0) db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  // Set explicitly: a connection that switches to WAL reports FULL while a reopened one reports NORMAL.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db, MIGRATIONS);
  if (path !== ':memory:' && db.pragma('auto_vacuum', { simple: true }) === 0) {
    // A database from before pruning could hand pages back (it may hold every file ever shared, base64): rewritten
    // once, so it shrinks now and pruning can shrink it from then on. It needs room for a copy; without it the app
    // runs all the same, and tries again at the next start.
    try {
      log?.('rewriting the database once so it can shrink (VACUUM)');
      db.pragma('auto_vacuum = INCREMENTAL');
      db.exec('VACUUM');
    } catch (error) {
      log?.('could not rewrite the database (not enough free space?); it keeps its size until the next start', error);
    }
  }
  return db;
}

/**
 * The database holds people's messages until they are answered: its folder is created readable by this user only
 * (0700), and the file is created (or kept) 0600. SQLite gives its `-wal` and `-shm` files the database file's mode.
 */
function createPrivately(path: string): void {
  makeFolder(dirname(path));
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
}

/**
 * Creates the folder and its missing parents one level at a time. Node's `recursive` mkdir loops for ever where a
 * level cannot be created yet reads as missing (a path under `/proc`, say); one level at a time fails with ENOENT.
 */
function makeFolder(folder: string): void {
  if (existsSync(folder)) return;
  const parent = dirname(folder);
  if (parent !== folder) makeFolder(parent);
  try {
    mkdirSync(folder, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}
