import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LoopbackServer } from '../../../fakes/loopback-server.ts';
import { createLogger } from '../../../src/core/log.ts';
import { ResponseUrls } from '../../../src/slack/response-url.ts';

/** A response_url endpoint that answers each POST with the next scripted answer, recording what it was sent. */
describe('ResponseUrls', () => {
  let server: LoopbackServer;
  let base: string;
  let answers: { status: number; body: string }[];
  let received: Record<string, unknown>[];
  const logger = createLogger({ level: 'silent', secrets: [], destination: { write: () => undefined } });
  const urls = () =>
    new ResponseUrls({ apiUrl: `${base}/api/`, logger, retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 1_000 } });

  beforeEach(async () => {
    answers = [];
    received = [];
    server = new LoopbackServer(async (req, res) => {
      let text = '';
      for await (const chunk of req) text += String(chunk);
      received.push(JSON.parse(text) as Record<string, unknown>);
      const answer = answers.shift() ?? { status: 200, body: 'ok' };
      res.writeHead(answer.status, { 'content-type': answer.body.startsWith('{') ? 'application/json' : 'text/plain' }).end(answer.body);
    });
    base = await server.listen(0);
  });
  afterEach(() => server.close());

  it('sends a private message, trying again after 5xx and 429, and says when Slack takes no more at the URL', async () => {
    answers.push({ status: 503, body: '' }, { status: 429, body: '' });
    expect(await urls().send(`${base}/respond/1`, { text: 'Hello', replace_original: true })).toEqual({ kind: 'sent' });
    expect(received).toHaveLength(3);
    expect(received[2]).toEqual({ response_type: 'ephemeral', text: 'Hello', replace_original: true });

    answers.push({ status: 404, body: '{"ok":false,"error":"used_url"}' });
    expect(await urls().send(`${base}/respond/1`, { text: 'Again' })).toEqual({ kind: 'gone', error: 'used_url' });
    answers.push({ status: 200, body: '{"ok":false,"error":"expired_url"}' });
    expect(await urls().send(`${base}/respond/1`, { text: 'Later' })).toEqual({ kind: 'gone', error: 'expired_url' });
  });

  it('throws a coded error for a refused message, failures past the retries, and a URL that is not Slack’s', async () => {
    answers.push({ status: 400, body: '{"ok":false,"error":"invalid_blocks"}' });
    await expect(urls().send(`${base}/respond/1`, { text: 'x' })).rejects.toMatchObject({ code: 'slack_response_url_failed' });
    answers.push({ status: 500, body: '' }, { status: 500, body: '' }, { status: 500, body: '' });
    await expect(urls().send(`${base}/respond/1`, { text: 'x' })).rejects.toMatchObject({ code: 'slack_response_url_failed' });
    const before = received.length;
    await expect(urls().send('https://evil.example.com/respond/1', { text: 'x' })).rejects.toMatchObject({
      code: 'slack_response_url_failed',
    });
    expect(received).toHaveLength(before);
    expect(urls().trusts('https://hooks.slack.com/commands/T1/2/abc')).toBe(true);
    expect(urls().trusts('http://hooks.slack.com/commands/T1/2/abc')).toBe(false);
    expect(urls().trusts('https://user:pw@hooks.slack.com/x')).toBe(false);
    expect(urls().trusts('https://slack.com.evil.example/x')).toBe(false);
  });
});
