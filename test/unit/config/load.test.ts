import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.ts';
import { ConfigError } from '../../../src/core/errors.ts';

const valid = {
  SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
  SLACK_SIGNING_SECRET: 'signing-secret',
  SLACK_AGENT_CHANNEL: 'C0AGENTS',
  FIN_API_TOKEN: 'fin-token',
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => p.variable);
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(valid);
    expect(config.slack.mode).toBe('http');
    expect(config.slack.apiUrl).toBe('https://slack.com/api/');
    expect(config.fin).toMatchObject({ apiUrl: 'https://api.intercom.io', apiVersion: '2.15', replyTimeoutMs: 180_000 });
    expect(config.http.port).toBe(3000);
    expect(config.store.path).toBe('./data/fin-slack.sqlite');
    expect(config.streaming.updateIntervalMs).toBe(1000);
    expect(config.streaming.mode).toBe('edit');
  });

  it('streams natively only when asked to, and names a wrong mode', () => {
    expect(loadConfig({ ...valid, SLACK_STREAMING: 'native' }).streaming.mode).toBe('native');
    expect(problems({ ...valid, SLACK_STREAMING: 'fast' })).toEqual(['SLACK_STREAMING']);
  });

  it('reports every missing required variable at once', () => {
    expect(problems({}).sort()).toEqual(
      ['FIN_API_TOKEN', 'SLACK_AGENT_CHANNEL', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET'].sort(),
    );
  });

  it('treats empty values as unset', () => {
    expect(problems({ ...valid, SLACK_SIGNING_SECRET: '  ', PORT: '' })).toEqual(['SLACK_SIGNING_SECRET']);
  });

  it('uses Socket Mode when an app token is set, and then needs no signing secret', () => {
    const config = loadConfig({ ...valid, SLACK_SIGNING_SECRET: '', SLACK_APP_TOKEN: 'xapp-1-abc' });
    expect(config.slack.mode).toBe('socket');
  });

  it.each([
    ['SLACK_BOT_TOKEN', 'xoxp-user-token'],
    ['SLACK_APP_TOKEN', 'xoxb-not-an-app-token'],
    ['SLACK_AGENT_CHANNEL', '#agents'],
    ['SLACK_API_URL', 'not a url'],
    ['FIN_API_URL', 'ftp://api.intercom.io'],
    ['FIN_API_VERSION', 'latest'],
    ['PORT', '70000'],
    ['PORT', 'http'],
    ['STREAM_UPDATE_INTERVAL_MS', '10'],
    ['FIN_REPLY_TIMEOUT_MS', '1.5'],
    ['LOG_LEVEL', 'loud'],
  ])('rejects %s=%s', (name, value) => {
    expect(problems({ ...valid, [name]: value })).toEqual([name]);
  });

  it('names variables but never echoes their values', () => {
    try {
      loadConfig({ ...valid, SLACK_BOT_TOKEN: 'xoxp-secret-value', FIN_API_TOKEN: '' });
      expect.unreachable();
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('xoxp-secret-value');
      expect(String((error as Error).message)).toContain('SLACK_BOT_TOKEN');
    }
  });

  it('normalises URLs: a trailing slash on the Slack base, none on the Fin host', () => {
    const config = loadConfig({ ...valid, SLACK_API_URL: 'http://127.0.0.1:9/api', FIN_API_URL: 'https://api.eu.intercom.io/' });
    expect(config.slack.apiUrl).toBe('http://127.0.0.1:9/api/');
    expect(config.fin.apiUrl).toBe('https://api.eu.intercom.io');
  });
});
