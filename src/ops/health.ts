import type { Database } from 'better-sqlite3';
import { errorCode } from '../core/errors.ts';

export type HealthReport =
  | { readonly status: 'ok'; readonly mode: string; readonly database: 'writable'; readonly slack: 'ok' }
  | { readonly status: 'unavailable'; readonly mode: string; readonly database: string; readonly slack: string };

/** The health check must answer quickly even when the database is locked: it waits this long, not the usual 5 s. */
const CHECK_BUSY_TIMEOUT_MS = 250;

/**
 * `/healthz`: the configuration loaded (the app would not be running otherwise), the database takes a write, and
 * Slack has not kept refusing the bot token (`slackProblem`: the error it keeps answering). A failure names the
 * reason (SQLite's code, Slack's error code; never a path or a secret) so the operator knows where to look.
 */
export function checkHealth(db: Database, mode: string, slackProblem: string | undefined, now: () => number = Date.now): HealthReport {
  const database = databaseWritable(db, now);
  if (database === 'writable' && slackProblem === undefined) return { status: 'ok', mode, database, slack: 'ok' };
  return { status: 'unavailable', mode, database, slack: slackProblem ?? 'ok' };
}

function databaseWritable(db: Database, now: () => number): string {
  const usual = db.pragma('busy_timeout', { simple: true });
  db.pragma(`busy_timeout = ${CHECK_BUSY_TIMEOUT_MS}`);
  try {
    db.prepare('INSERT INTO health (id, checked_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at').run(
      now(),
    );
    return 'writable';
  } catch (error) {
    return errorCode(error);
  } finally {
    db.pragma(`busy_timeout = ${Number(usual)}`);
  }
}
