import type { Database } from 'better-sqlite3';

export type HealthReport =
  | { readonly status: 'ok'; readonly mode: string; readonly database: 'writable' }
  | { readonly status: 'unavailable'; readonly mode: string; readonly database: string };

/** The health check must answer quickly even when the database is locked: it waits this long, not the usual 5 s. */
const CHECK_BUSY_TIMEOUT_MS = 250;

/**
 * `/healthz`: the configuration loaded (the app would not be running otherwise) and the database takes a write. A
 * failure names the reason (SQLite's message, never a path or a secret) so the operator knows where to look.
 */
export function checkHealth(db: Database, mode: string, now: () => number = Date.now): HealthReport {
  const usual = db.pragma('busy_timeout', { simple: true });
  db.pragma(`busy_timeout = ${CHECK_BUSY_TIMEOUT_MS}`);
  try {
    db.prepare('INSERT INTO health (id, checked_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at').run(now());
    return { status: 'ok', mode, database: 'writable' };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return { status: 'unavailable', mode, database: typeof code === 'string' ? code : 'error' };
  } finally {
    db.pragma(`busy_timeout = ${Number(usual)}`);
  }
}
