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

  it('reads the emoji that ask for a person and the suggested prompts in their documented formats', () => {
    expect([...loadConfig(valid).fin.escalationEmoji]).toEqual(['raising_hand']);
    expect([...loadConfig({ ...valid, FIN_ESCALATION_EMOJI: ':sos:, person_raising_hand' }).fin.escalationEmoji]).toEqual([
      'sos',
      'person_raising_hand',
    ]);
    expect(problems({ ...valid, FIN_ESCALATION_EMOJI: 'raising hand' })).toEqual(['FIN_ESCALATION_EMOJI']);
    expect(loadConfig(valid).fin.suggestedPrompts).toEqual([]);
    expect(
      loadConfig({ ...valid, FIN_SUGGESTED_PROMPTS: 'Reset|How do I reset my password?; What are your plans? ;' }).fin.suggestedPrompts,
    ).toEqual([
      { title: 'Reset', message: 'How do I reset my password?' },
      { title: 'What are your plans?', message: 'What are your plans?' },
    ]);
    expect(problems({ ...valid, FIN_SUGGESTED_PROMPTS: `${'x'.repeat(76)}|too long a title` })).toEqual(['FIN_SUGGESTED_PROMPTS']);
    expect(problems({ ...valid, FIN_SUGGESTED_PROMPTS: '|no title' })).toEqual(['FIN_SUGGESTED_PROMPTS']);
  });

  it('reports every missing required variable at once', () => {
    expect(problems({}).sort()).toEqual(['FIN_API_TOKEN', 'SLACK_AGENT_CHANNEL', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET'].sort());
  });

  it('treats empty values as unset', () => {
    expect(problems({ ...valid, SLACK_SIGNING_SECRET: '  ', PORT: '' })).toEqual(['SLACK_SIGNING_SECRET']);
  });

  it('refuses a METRICS_PORT that is PORT (the second server could not start), but not port 0', () => {
    expect(problems({ ...valid, METRICS_PORT: '3000' })).toEqual(['METRICS_PORT']);
    expect(problems({ ...valid, PORT: '8080', METRICS_PORT: '8080' })).toEqual(['METRICS_PORT']);
    expect(problems({ ...valid, PORT: '0', METRICS_PORT: '0' })).toEqual([]);
    expect(problems({ ...valid, METRICS_PORT: '9090' })).toEqual([]);
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

  /** The operator's message, as `npm start` prints it. */
  function message(env: Record<string, string>): string {
    try {
      loadConfig(env);
    } catch (error) {
      if (error instanceof ConfigError) return error.message;
      throw error;
    }
    return expect.unreachable('the configuration was accepted');
  }

  it('names each bad variable once, with what is wrong and what is allowed', () => {
    const bad: Record<string, string> = {
      SLACK_BOT_TOKEN: 'xoxp-user',
      SLACK_SIGNING_SECRET: 'short',
      SLACK_APP_TOKEN: 'xoxb-app',
      SLACK_API_URL: 'not a url',
      SLACK_AGENT_CHANNEL: '#agents',
      FIN_API_TOKEN: 'short',
      FIN_API_URL: 'ftp://api.intercom.io',
      FIN_API_VERSION: 'latest',
      FIN_WEBHOOK_SECRET: 'short',
      INTERCOM_WORKSPACE_ID: 'Not An Id',
      INTERCOM_CLIENT_SECRET: 'short',
      INTERCOM_ACCESS_TOKEN: 'short',
      FIN_CHANNEL_PROCEDURES: 'support',
      FIN_REPLY_TIMEOUT_MS: '-1.5',
      FIN_ATTACHMENT_MAX_MB: '100',
      FIN_USER_TURNS_PER_MIN: 'ten',
      PORT: '70000',
      HTTP_MAX_CONNECTIONS: '1',
      DATA_RETENTION_DAYS: '0',
      STREAM_UPDATE_INTERVAL_MS: '10',
      SLACK_UPDATE_RATE_PER_MIN: '0.5',
      SLACK_UPDATE_BURST: '1',
      SLACK_STREAMING: 'fast',
      METRICS_TOKEN: 'short',
      METRICS_PORT: '-1',
      LOG_LEVEL: 'loud',
    };
    const text = message(bad);
    for (const name of Object.keys(bad)) {
      // Word boundaries: PORT inside METRICS_PORT does not count.
      expect([name, text.match(new RegExp(`\\b${name}\\b`, 'g'))?.length]).toEqual([name, 1]);
    }
    const lines = text.split('\n').filter((line) => line.startsWith('  - '));
    expect(lines).toHaveLength(Object.keys(bad).length);
    expect(lines).toContain('  - SLACK_STREAMING must be "edit" (edit the placeholder) or "native" (Slack\'s streaming methods)');
    expect(lines).toContain('  - LOG_LEVEL must be one of fatal, error, warn, info, debug, trace or silent');
    expect(lines).toContain('  - PORT must be a whole number from 0 to 65535 (the HTTP port)');
    expect(lines).toContain('  - METRICS_PORT must be a whole number from 0 to 65535 (a port for /metrics of its own)');
    expect(lines).toContain(
      '  - FIN_REPLY_TIMEOUT_MS must be a whole number from 1000 to 3600000 (how long a turn may wait for Fin, in ms)',
    );
    expect(lines).toContain('  - FIN_ATTACHMENT_MAX_MB must be a whole number from 1 to 25 (the largest file sent to Fin, in MB)');
    expect(lines).toContain(
      '  - SLACK_SIGNING_SECRET looks too short to be the signing secret from Basic Information (8 characters or more)',
    );
  });

  it('names an invalid SLACK_STREAMING once, as `npm start` prints it', () => {
    expect(message({ ...valid, SLACK_STREAMING: 'fast' })).toBe(
      [
        'fin-slack cannot start: the configuration is invalid.',
        '  - SLACK_STREAMING must be "edit" (edit the placeholder) or "native" (Slack\'s streaming methods)',
        'Set these environment variables (or put them in a .env file); README.md and .env.example describe each one.',
        'To try fin-slack without a Slack workspace or an Intercom account, run `npm run sandbox`.',
      ].join('\n'),
    );
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
