import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { get } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox } from '../../sandbox/sandbox.ts';

/** The sandbox's own server: only its page may act on the workspace. */
describe('the sandbox API', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await Sandbox.start({ port: 0, logLevel: 'silent' });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  const say = (headers: Record<string, string>, body = JSON.stringify({ user: 'UALICE', channel: 'DALICE', text: 'hi' })) =>
    fetch(`${sandbox.url}/api/say`, { method: 'POST', headers, body });

  it('takes a message from its page and shows it in the workspace', async () => {
    const res = await say({ 'content-type': 'application/json', origin: sandbox.url });
    expect(res.status).toBe(200);
    const { ts } = (await res.json()) as { ts: string };
    expect(sandbox.slack.message('DALICE', ts)?.text).toBe('hi');
  });

  it('refuses requests another site could make: a simple form post, a foreign origin, a foreign host', async () => {
    expect((await say({ 'content-type': 'text/plain' })).status).toBe(403);
    expect((await say({ 'content-type': 'application/json', origin: 'https://evil.example' })).status).toBe(403);
    expect((await say({ 'content-type': 'application/json', origin: 'null' })).status).toBe(403);
    // fetch will not forge a Host header; a DNS-rebound page's requests carry the attacker's name.
    const rebound = await new Promise<number | undefined>((resolve, reject) => {
      get(`${sandbox.url}/api/state`, { headers: { host: 'evil.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      }).on('error', reject);
    });
    expect(rebound).toBe(403);
  });

  it('answers a malformed request with 400 and what was wrong', async () => {
    const res = await say({ 'content-type': 'application/json' }, JSON.stringify({ user: 'UALICE', channel: 'DALICE' }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain('text');
  });
});

describe('npm run sandbox', () => {
  it('names a bad LOG_LEVEL once, plainly, and exits', async () => {
    const root = resolve(import.meta.dirname, '../..');
    const child = spawn(process.execPath, ['--import', 'tsx', 'sandbox/main.ts'], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'loud', SANDBOX_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((done) => child.once('close', done));
    expect(code).toBe(1);
    expect(stderr).toBe(
      'fin-slack sandbox could not start:\n  - LOG_LEVEL must be one of fatal, error, warn, info, debug, trace or silent\n',
    );
  });
});
