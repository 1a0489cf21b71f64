import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROCEDURE_COMMAND } from '../../src/inbound/commands.ts';

const root = resolve(import.meta.dirname, '../..');
const manifest = parse(readFileSync(resolve(root, 'manifest.yml'), 'utf8')) as {
  features: { slash_commands?: { command: string; url?: string }[] };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { bot_events: string[]; request_url?: string };
    interactivity?: { is_enabled: boolean; request_url?: string };
  };
};
const schema = JSON.parse(readFileSync(resolve(root, 'test/fixtures/slack-manifest-schema/manifest.schema.1.0.0.json'), 'utf8')) as object;

describe('manifest.yml', () => {
  it('is a valid Slack app manifest', () => {
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
    const validate = ajv.compile(schema);
    const ok = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('subscribes to every event the app listens for, with the scope each one needs', () => {
    const events = manifest.settings.event_subscriptions.bot_events;
    const scopes = manifest.oauth_config.scopes.bot;
    const needs: Record<string, string> = {
      app_mention: 'app_mentions:read',
      'message.channels': 'channels:history',
      'message.groups': 'groups:history',
      'message.im': 'im:history',
      'message.mpim': 'mpim:history',
    };
    for (const [event, scope] of Object.entries(needs)) {
      expect(events).toContain(event);
      expect(scopes).toContain(scope);
    }
  });

  it('grants the scopes of the Web API methods the app calls', () => {
    const scopes = manifest.oauth_config.scopes.bot;
    for (const scope of ['chat:write', 'users:read', 'channels:read', 'groups:read', 'reactions:write', 'commands']) {
      expect(scopes).toContain(scope);
    }
  });

  it('declares the slash command the app listens for, sent to the route it serves', () => {
    const command = manifest.features.slash_commands?.find((c) => c.command === PROCEDURE_COMMAND);
    expect(command?.url).toMatch(/\/slack\/events$/);
  });

  it('sends Slack events and button presses to the route the app serves', () => {
    expect(manifest.settings.event_subscriptions.request_url).toMatch(/\/slack\/events$/);
    expect(manifest.settings.interactivity).toMatchObject({ is_enabled: true });
    expect(manifest.settings.interactivity?.request_url).toMatch(/\/slack\/events$/);
  });
});
