import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, openDatabase } from '../../../src/store/db.ts';
import { migrate } from '../../../src/store/migrate.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempPath = () => {
  const dir = mkdtempSync(join(tmpdir(), 'fin-slack-db-'));
  dirs.push(dir);
  return join(dir, 'sub', 'fin.sqlite');
};

describe('the store', () => {
  it('shrinks a database from before pruning, once: what it no longer keeps is handed back to the file system', () => {
    const path = tempPath();
    mkdirSync(dirname(path), { recursive: true });
    const old = new BetterSqlite3(path);
    old.pragma('journal_mode = WAL');
    migrate(old, MIGRATIONS.slice(0, 6));
    old
      .prepare(
        "INSERT INTO conversations (id, team_id, channel_id, thread_ts, channel_type, created_at, updated_at) VALUES ('c', 'T', 'C', '1.1', 'channel', 0, 0)",
      )
      .run();
    // A finished turn whose request carried a shared file, base64, as requests used to.
    old
      .prepare(
        "INSERT INTO turns (conversation_id, kind, state, user_id, message_timestamp, request_json, created_at) VALUES ('c', 'start', 'done', 'U', 't', ?, 0)",
      )
      .run(JSON.stringify({ attachments: [{ data: 'A'.repeat(8 * 1024 * 1024) }] }));
    old.close();
    expect(statSync(path).size).toBeGreaterThan(8 * 1024 * 1024);
    const db = openDatabase(path);
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(2);
    expect(db.prepare('SELECT request_json FROM turns').pluck().get()).toBeNull();
    db.close();
    expect(statSync(path).size).toBeLessThan(1024 * 1024);
  });

  it('creates its folder, uses WAL with explicit durability, and migrates to the latest version', () => {
    const db = openDatabase(tempPath());
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    db.close();
  });

  it('creates missing folders level by level, and fails plainly where a folder cannot be made', () => {
    const path = join(dirname(tempPath()), 'a', 'b', 'fin.sqlite');
    openDatabase(path).close();
    expect(statSync(dirname(path)).mode & 0o777).toBe(0o700);
    // Node's recursive mkdir never returns for a path like this one (procfs says "missing" and refuses to create).
    expect(() => openDatabase('/proc/fin-slack-nowhere/fin.sqlite')).toThrow(/ENOENT/);
  });

  it('reopens an existing database without migrating again, keeping its data', () => {
    const path = tempPath();
    const db = openDatabase(path);
    db.prepare("INSERT INTO slack_events VALUES ('Ev1', 1)").run();
    db.close();
    const again = openDatabase(path);
    expect(again.prepare('SELECT count(*) AS n FROM slack_events').get()).toEqual({ n: 1 });
    again.close();
  });

  it('refuses a database written by a newer release', () => {
    const path = tempPath();
    openDatabase(path).close();
    const raw = new BetterSqlite3(path);
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    raw.close();
    expect(() => openDatabase(path)).toThrow(/newer release/);
  });

  it('applies nothing of a migration that fails', () => {
    const db = new BetterSqlite3(':memory:');
    const broken = [
      { version: 1, name: 'ok', up: 'CREATE TABLE a (x INTEGER);' },
      { version: 2, name: 'broken', up: 'CREATE TABLE b (x INTEGER); NOT SQL;' },
    ];
    expect(() => migrate(db, broken)).toThrow();
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()).toEqual([]);
  });
});
