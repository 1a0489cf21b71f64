import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, WORKSPACE } from '../helpers/harness.ts';
import { withStore } from '../helpers/seed.ts';
import { waitFor } from '../helpers/wait.ts';

const { alice, support, dm } = WORKSPACE;

/** Bytes of the database and its write-ahead log. */
function databaseBytes(path: string): number {
  const size = (p: string) => {
    try {
      return statSync(p).size;
    } catch {
      return 0;
    }
  };
  return size(path) + size(`${path}-wal`);
}

function rows<T>(path: string, sql: string): T[] {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

describe('what the app keeps', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('keeps no file contents in the database, and keeps the database private (0600 in a 0700 folder)', async () => {
    h = await Harness.start({ env: { FIN_ATTACHMENT_MAX_MB: '5' } });
    const harness = h;
    const path = harness.env.DATABASE_PATH ?? '';
    const before = databaseBytes(path);
    const files = Array.from({ length: 10 }, (_, i) =>
      harness.slack.sharedFile({ name: `scan-${i}.pdf`, mimetype: 'application/pdf', content: Buffer.alloc(2 * 1024 * 1024, i) }),
    );
    const root = await harness.say({ user: alice, channel: dm, text: 'here are my receipts', files });
    const turn = await harness.fin.nextTurn(10_000);
    expect(turn.call.body.attachments).toHaveLength(10);
    await turn.answer('<p>Thanks, got them.</p>');
    await harness.slack.waitFor(() => harness.slack.botReplies(dm, root)[0]?.text === 'Thanks, got them.');
    // 20 MB of files went to Fin (27 MB as base64); the database grew by a few kilobytes.
    expect(databaseBytes(path) - before).toBeLessThan(512 * 1024);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(path)).mode & 0o777).toBe(0o700);
    const [turnRow] = rows<{ request_json: string | null; attached_file_ids: string | null }>(
      path,
      'SELECT request_json, attached_file_ids FROM turns',
    );
    // Fin has it: the request (with the email) and the list of its files are gone.
    expect(turnRow).toEqual({ request_json: null, attached_file_ids: null });
  });

  it('downloads the files again when a request recorded before a restart is resent', async () => {
    h = await Harness.start();
    const harness = h;
    const file = harness.slack.sharedFile({ name: 'photo.png', mimetype: 'image/png', content: 'PNGDATA' });
    // Fin is unreachable while the app records the request and tries to send it; then the app stops.
    harness.fin.onTurn(() => ({ status: 503, body: {} }));
    const root = await harness.say({ user: alice, channel: dm, text: 'see attached', files: [file] });
    await waitFor(() => harness.fin.calls.length >= 3, { what: 'the attempts to reach Fin' });
    await harness.stopApp();
    const path = harness.env.DATABASE_PATH ?? '';
    // As if the process had died mid-call: the turn is still pending, its request recorded without the file's bytes.
    withStore(path, (store) => {
      const row = store.db.prepare('SELECT id FROM turns').get() as { id: number };
      store.db.prepare("UPDATE turns SET state = 'pending', ended_at = NULL, request_json = ? WHERE id = ?").run(
        JSON.stringify({
          conversation_id: 'x',
          message: { author: 'user', body: 'see attached', timestamp: '2026-12-04T00:00:00.000Z' },
          user: { id: alice },
        }),
        row.id,
      );
      store.db
        .prepare('UPDATE inbound_messages SET text = ?, files_json = ?')
        .run('see attached', JSON.stringify([{ ...file, url: file.url_private_download }]));
    });
    harness.fin.onTurn(undefined);
    await harness.startApp();
    const resent = await harness.fin.nextTurn();
    expect(resent.call.body.message?.timestamp).toBe('2026-12-04T00:00:00.000Z');
    expect(resent.call.body.attachments).toEqual([
      { type: 'file', name: 'photo.png', content_type: 'image/png', data: Buffer.from('PNGDATA').toString('base64') },
    ]);
    expect(root).toBeDefined();
  });

  it('forgets message texts once their turn is over, but for the latest one, which the agents’ post may quote', async () => {
    h = await Harness.start();
    const harness = h;
    const root = await harness.say({
      user: alice,
      channel: support,
      text: `<@${harness.slack.botUserId}> first question, my email is alice@example.com`,
    });
    const first = await harness.fin.nextTurn();
    await first.answer('<p>One.</p>');
    await harness.slack.waitFor(() => harness.slack.botReplies(support, root)[0]?.text === 'One.');
    await harness.say({ user: alice, channel: support, text: 'second question', threadTs: root });
    const second = await harness.fin.nextTurn();
    await second.answer('<p>Two.</p>');
    await harness.slack.waitFor(() => harness.slack.botReplies(support, root)[1]?.text === 'Two.');
    const path = harness.env.DATABASE_PATH ?? '';
    await waitFor(() => rows<{ state: string }>(path, 'SELECT state FROM turns').every((t) => t.state === 'done'), {
      what: 'both turns to end',
    });
    const texts = rows<{ text: string }>(path, 'SELECT text FROM inbound_messages ORDER BY ts').map((r) => r.text);
    expect(texts).toEqual(['', 'second question']);
    const everything = JSON.stringify([
      ...rows(path, 'SELECT * FROM turns'),
      ...rows(path, 'SELECT * FROM fin_events'),
      ...rows(path, 'SELECT * FROM posted_messages'),
    ]);
    expect(everything).not.toContain('alice@example.com');
    expect(everything).not.toContain('One.');
  });

  it('deletes conversations idle for DATA_RETENTION_DAYS when it starts (and hourly after)', async () => {
    h = await Harness.start({ env: { DATA_RETENTION_DAYS: '7' } });
    const harness = h;
    const root = await harness.say({ user: alice, channel: support, text: `<@${harness.slack.botUserId}> old question` });
    await (await harness.fin.nextTurn()).answer('<p>Old answer.</p>');
    await harness.slack.waitFor(() => harness.slack.botReplies(support, root)[0]?.text === 'Old answer.');
    await harness.stopApp();
    const path = harness.env.DATABASE_PATH ?? '';
    withStore(path, (store) => store.db.prepare('UPDATE conversations SET updated_at = ?').run(Date.now() - 8 * 24 * 60 * 60_000));
    await harness.startApp();
    expect(rows(path, 'SELECT * FROM conversations')).toEqual([]);
    expect(rows(path, 'SELECT * FROM inbound_messages')).toEqual([]);
    expect(harness.logged('pruned what is past the retention window').at(-1)).toMatchObject({ conversations: 1 });
  });
});
