import type { Database } from 'better-sqlite3';
import { AppError } from '../core/errors.ts';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly up: string;
}

/**
 * Applies pending migrations and the new `user_version` in one transaction, so a crash mid-upgrade leaves the
 * previous schema intact. A database written by a newer release is refused rather than silently misread.
 */
export function migrate(db: Database, migrations: readonly Migration[]): { from: number; to: number } {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new AppError('store_migrations_invalid', `migration ${m.name} is out of order`);
  });
  const latest = migrations.length;
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > latest) {
    throw new AppError(
      'store_from_future',
      `the database schema is version ${current} but this release knows only up to ${latest}; run a newer release or restore a backup`,
    );
  }
  if (current === latest) return { from: current, to: current };
  db.transaction(() => {
    for (const m of migrations.slice(current)) db.exec(m.up);
    db.pragma(`user_version = ${latest}`);
  }).immediate();
  db.pragma('optimize');
  return { from: current, to: latest };
}
