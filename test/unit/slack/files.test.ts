import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { SlackFiles, sharedFiles } from '../../../src/slack/files.ts';

describe('SlackFiles.trusts: where the bot token may go', () => {
  const files = new SlackFiles({
    token: 'xoxb-t',
    apiUrl: 'http://127.0.0.1:4000/api/',
    logger: pino({ level: 'silent' }),
    maxBytes: 1024,
  });

  it.each([
    ['https://files.slack.com/files-pri/T1-F1/download/a.png', true],
    ['https://files.slack-gov.com/files-pri/T1-F1/a.png', true],
    ['http://127.0.0.1:4000/files-pri/T1-F1/a.png', true],
    ['http://files.slack.com/files-pri/T1-F1/a.png', false],
    ['https://files.slack.com.evil.example/a.png', false],
    ['https://evilslack.com/a.png', false],
    ['https://user:pw@files.slack.com/a.png', false],
    ['http://127.0.0.1:4001/a.png', false],
    ['not a url', false],
  ])('%s → %s', (url, trusted) => {
    expect(files.trusts(url)).toBe(trusted);
  });
});

describe('sharedFiles', () => {
  it('keeps every file, with no address for the ones that cannot be fetched', () => {
    const out = sharedFiles([
      { id: 'F1', name: 'a.png', mimetype: 'image/png', size: 3, url_private_download: 'https://files.slack.com/d/a.png' },
      { id: 'F2', title: 'Deleted', mode: 'tombstone' },
      { id: 'F3', name: 'doc', mode: 'external', url_private: 'https://files.slack.com/d/doc' },
      { id: 'F4', url_private: 'https://files.slack.com/p/F4' },
    ]);
    expect(out).toEqual([
      { id: 'F1', name: 'a.png', mimetype: 'image/png', size: 3, url: 'https://files.slack.com/d/a.png' },
      { id: 'F2', name: 'Deleted', mimetype: undefined, size: undefined, url: undefined },
      { id: 'F3', name: 'doc', mimetype: undefined, size: undefined, url: undefined },
      { id: 'F4', name: 'F4', mimetype: undefined, size: undefined, url: 'https://files.slack.com/p/F4' },
    ]);
  });
});
