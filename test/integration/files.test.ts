import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, WORKSPACE } from '../helpers/harness.ts';

const { alice, support, dm } = WORKSPACE;

describe('what users share beyond text: files and very long messages', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);

  it('sends shared files to Fin as base64 file attachments, downloaded with the bot token', async () => {
    h = await Harness.start();
    const files = [
      h.slack.sharedFile({ name: 'error screen.png', mimetype: 'image/png', content: png }),
      h.slack.sharedFile({ name: 'invoice.pdf', mimetype: 'application/pdf', content: '%PDF-1.7 invoice' }),
    ];
    await h.say({ user: alice, channel: dm, text: 'this is what I see', files });
    const turn = await h.fin.nextTurn();
    expect(turn.call.body.message?.body).toBe('this is what I see');
    expect(turn.call.body.attachments).toEqual([
      { type: 'file', name: 'error screen.png', content_type: 'image/png', data: png.toString('base64') },
      { type: 'file', name: 'invoice.pdf', content_type: 'application/pdf', data: Buffer.from('%PDF-1.7 invoice').toString('base64') },
    ]);
    expect(h.slack.downloads).toEqual([
      { id: files[0]?.id, authorized: true },
      { id: files[1]?.id, authorized: true },
    ]);
  });

  it('sends a message that is only a file, with a body saying so', async () => {
    h = await Harness.start();
    const file = h.slack.sharedFile({ name: 'log.txt', mimetype: 'text/plain', content: 'line 1\nline 2' });
    await h.say({ user: alice, channel: support, text: `<@${h.slack.botUserId}>`, files: [file] });
    const turn = await h.fin.nextTurn();
    expect(turn.call.body.message?.body).toBe('(shared a file)');
    expect(turn.call.body.attachments?.map((a) => a.name)).toEqual(['log.txt']);
  });

  it('sends at most ten files, none over the size cap, and tells the user which were left out and why', async () => {
    h = await Harness.start({ env: { FIN_ATTACHMENT_MAX_MB: '1' } });
    const harness = h;
    const small = Array.from({ length: 11 }, (_, i) =>
      harness.slack.sharedFile({ name: `shot-${i + 1}.png`, mimetype: 'image/png', content: png }),
    );
    const big = harness.slack.sharedFile({ name: 'movie.mov', mimetype: 'video/quicktime', content: 'x', size: 3 * 1024 * 1024 });
    // Slack's metadata says small; the bytes say otherwise: the download stops at the cap.
    const liar = harness.slack.sharedFile({
      name: 'dump.bin',
      mimetype: 'application/octet-stream',
      content: Buffer.alloc(1024 * 1024 + 1),
      size: 10,
    });
    const deleted = harness.slack.sharedFile({ name: 'gone.txt', mimetype: 'text/plain', content: 'x', mode: 'tombstone' });
    const root = await harness.say({
      user: alice,
      channel: support,
      text: `<@${harness.slack.botUserId}> files`,
      files: [big, liar, deleted, ...small],
    });
    const turn = await harness.fin.nextTurn();
    expect(turn.call.body.attachments?.map((a) => a.name)).toEqual(small.slice(0, 10).map((f) => f.name));
    const notice = await harness.slack.waitFor(() => harness.slack.botReplies(support, root).find((m) => /did not receive/.test(m.text)));
    expect(notice.text).toBe(
      ':paperclip: Fin did not receive these 4 files: movie.mov (larger than 1 MB), dump.bin (larger than 1 MB), ' +
        'gone.txt (Slack would not let the app read it), shot-11.png (Fin takes 10 files per message).',
    );
    // The file too large by its metadata, the deleted one and the eleventh were never fetched.
    expect(harness.slack.downloads.map((d) => d.id)).not.toContain(big.id);
    expect(harness.slack.downloads.map((d) => d.id)).not.toContain(deleted.id);
    expect(harness.slack.downloads.map((d) => d.id)).not.toContain(small[10]?.id);
  });

  it('never sends the bot token anywhere but Slack', async () => {
    const seen: (string | undefined)[] = [];
    const elsewhere = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    try {
      h = await Harness.start();
      const port = (elsewhere.address() as AddressInfo).port;
      const forged = {
        id: 'F999',
        name: 'trap.png',
        mimetype: 'image/png',
        size: 12,
        url_private_download: `http://127.0.0.1:${port}/trap.png`,
      };
      const root = await h.say({ user: alice, channel: support, text: `<@${h.slack.botUserId}> look`, files: [forged] });
      const turn = await h.fin.nextTurn();
      expect(turn.call.body.attachments).toBeUndefined();
      await h.slack.waitFor(() =>
        h?.slack.botReplies(support, root).find((m) => /trap\.png \(Slack would not let the app read it\)/.test(m.text)),
      );
      expect(seen).toEqual([]);
    } finally {
      await new Promise((resolve) => elsewhere.close(resolve));
    }
  });

  it('treats a sign-in page served in place of a file as a failed download (no files:read scope)', async () => {
    h = await Harness.start();
    const harness = h;
    harness.slack.filesNeedScope(true);
    const file = harness.slack.sharedFile({ name: 'a.png', mimetype: 'image/png', content: png });
    const root = await harness.say({ user: alice, channel: support, text: `<@${harness.slack.botUserId}> see`, files: [file] });
    const turn = await harness.fin.nextTurn();
    expect(turn.call.body.attachments).toBeUndefined();
    await harness.slack.waitFor(() =>
      harness.slack.botReplies(support, root).find((m) => /a\.png \(Slack would not let the app read it\)/.test(m.text)),
    );
    expect(harness.logged(/sign-in page instead of a shared file/)).toHaveLength(1);
  });

  it('tells procedures’ users that files cannot go with a procedure', async () => {
    h = await Harness.start({ env: { FIN_CHANNEL_PROCEDURES: `${support}:proc-1` } });
    const file = h.slack.sharedFile({ name: 'form.pdf', mimetype: 'application/pdf', content: '%PDF' });
    const root = await h.say({ user: alice, channel: support, text: `<@${h.slack.botUserId}> refund please`, files: [file] });
    const run = await h.fin.nextTurn();
    expect(run.call.kind).toBe('procedure');
    expect(run.call.body.attachments).toBeUndefined();
    await h.slack.waitFor(() =>
      h?.slack.botReplies(support, root).find((m) => /form\.pdf \(files cannot be sent with a procedure\)/.test(m.text)),
    );
  });

  it('caps a very long message at 10,000 characters and says so', async () => {
    h = await Harness.start();
    const long = `${'All the logs I have. '.repeat(600)}THE END`;
    const root = await h.say({ user: alice, channel: support, text: `<@${h.slack.botUserId}> ${long}` });
    const turn = await h.fin.nextTurn();
    const body = turn.call.body.message?.body ?? '';
    expect(Array.from(body).length).toBeLessThanOrEqual(10_000);
    expect(body.startsWith('All the logs I have.')).toBe(true);
    expect(body.endsWith('…')).toBe(true);
    await h.slack.waitFor(() => h?.slack.botReplies(support, root).find((m) => /Fin only read its first 10,000 characters/.test(m.text)));
  });
});
