import { z } from 'zod';

/**
 * The operator contract: every environment variable the app reads. Names are fixed (README, .env.example and
 * deployments rely on them); each description is what an operator sees when the variable is wrong. The error names the
 * variable itself (`ConfigError`), so a description starts with what is wrong ("must be…", "is required…") and never
 * repeats the name; where only some values are allowed, it says which.
 */

const httpUrl = (what: string) => z.url({ protocol: /^https?$/, error: `must be an http(s) URL (${what})` });

/** Whatever is wrong with it (not a number, a fraction, out of range), the operator reads the one allowed range. */
const integer = (what: string, min: number, max: number) => {
  const error = `must be a whole number from ${min} to ${max} (${what})`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};

/** At least `min` characters: a value shorter than that is a truncated or wrong paste. */
const secret = (min: number, what: string) => z.string().min(min, { error: `looks too short to be ${what} (${min} characters or more)` });

const slackChannelId = z
  .string({ error: 'is required: the channel id for escalations, e.g. C0123456789' })
  .regex(/^[CG][A-Z0-9]{2,}$/, { error: 'must be a Slack channel id such as C0123456789 (not a #name)' });

export const envSchema = z.object({
  SLACK_BOT_TOKEN: z
    .string({ error: 'is required: the bot token (xoxb-…) from OAuth & Permissions' })
    .startsWith('xoxb-', { error: 'must be a bot token starting with xoxb-' }),
  SLACK_SIGNING_SECRET: secret(8, 'the signing secret from Basic Information').optional(),
  SLACK_APP_TOKEN: z.string().startsWith('xapp-', { error: 'must be an app-level token starting with xapp- (Socket Mode)' }).optional(),
  SLACK_API_URL: httpUrl('the Slack Web API base').default('https://slack.com/api/'),
  SLACK_AGENT_CHANNEL: slackChannelId,
  FIN_API_TOKEN: z
    .string({ error: 'is required: the Fin Agent API key' })
    .min(8, { error: 'looks too short to be a Fin Agent API key (8 characters or more)' }),
  FIN_API_URL: httpUrl('the Intercom API host, e.g. https://api.intercom.io').default('https://api.intercom.io'),
  FIN_API_VERSION: z
    .string()
    .regex(/^(\d+\.\d+|Preview)$/, { error: 'must be an Intercom API version such as 2.15 or Preview' })
    .default('2.15'),
  FIN_WEBHOOK_SECRET: secret(8, 'the webhook signing secret').optional(),
  INTERCOM_WORKSPACE_ID: z
    .string()
    .regex(/^[a-z0-9]+$/, { error: 'must be the workspace id from your Intercom URLs, e.g. abc12def' })
    .optional(),
  INTERCOM_CLIENT_SECRET: secret(8, 'the app client secret').optional(),
  INTERCOM_ACCESS_TOKEN: secret(8, 'an access token').optional(),
  FIN_CHANNEL_PROCEDURES: z
    .string()
    .regex(/^\s*[CGD][A-Z0-9]+\s*:\s*[^\s,:]+\s*(,\s*[CGD][A-Z0-9]+\s*:\s*[^\s,:]+\s*)*$/, {
      error: 'must be a comma-separated list of CHANNEL_ID:PROCEDURE_ID pairs, e.g. C0123:4567,C0456:8910',
    })
    .optional(),
  FIN_OFFER_PROCEDURES: z
    .enum(['on', 'off'], { error: 'must be "on" (offer each person the procedures Fin lists for them) or "off"' })
    .default('on'),
  FIN_HOME_TEXT: z.string().max(3_000, { error: 'must be at most 3,000 characters (one section of the Home tab)' }).optional(),
  FIN_SUGGESTED_PROMPTS: z
    .string()
    .refine(
      (text) =>
        text
          .split(';')
          .filter((p) => p.trim() !== '')
          .every((p) => {
            const [title = '', ...rest] = p.split('|');
            return title.trim() !== '' && title.trim().length <= 75 && rest.join('|').trim().length <= 2_000;
          }),
      { error: 'must be prompts separated by ";", each "title|message" or just the message (a title of at most 75 characters)' },
    )
    .optional(),
  FIN_ESCALATION_EMOJI: z
    .string()
    .regex(/^\s*:?[a-z0-9_+'-]+:?\s*(,\s*:?[a-z0-9_+'-]+:?\s*)*$/, {
      error: 'must be a comma-separated list of emoji names, e.g. raising_hand,sos',
    })
    .default('raising_hand'),
  FIN_REPLY_TIMEOUT_MS: integer('how long a turn may wait for Fin, in ms', 1_000, 3_600_000).default(180_000),
  FIN_ATTACHMENT_MAX_MB: integer('the largest file sent to Fin, in MB', 1, 25).default(5),
  FIN_USER_TURNS_PER_MIN: integer('questions one person may start a minute', 1, 1_000).default(10),
  PORT: integer('the HTTP port', 0, 65_535).default(3000),
  HTTP_MAX_CONNECTIONS: integer('connections the HTTP server keeps open at once', 16, 100_000).default(1024),
  DATABASE_PATH: z.string().min(1, { error: 'must be the path of the SQLite file' }).default('./data/fin-slack.sqlite'),
  DATA_RETENTION_DAYS: integer('days a finished conversation is kept after its last activity', 1, 3_650).default(30),
  STREAM_UPDATE_INTERVAL_MS: integer('least time between two edits of one message, in ms', 100, 60_000).default(1000),
  SLACK_UPDATE_RATE_PER_MIN: integer('message edits a minute the app allows itself, for the whole workspace', 1, 10_000).default(50),
  SLACK_UPDATE_BURST: integer('message edits that may go at once', 2, 1_000).default(10),
  SLACK_STREAMING: z
    .enum(['edit', 'native'], { error: 'must be "edit" (edit the placeholder) or "native" (Slack\'s streaming methods)' })
    .default('edit'),
  METRICS_TOKEN: z.string().min(16, { error: 'must be 16 characters or more (a random bearer token for /metrics)' }).optional(),
  METRICS_PORT: integer('a port for /metrics of its own', 0, 65_535).optional(),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'must be one of fatal, error, warn, info, debug, trace or silent',
    })
    .default('info'),
});

/**
 * Rules that span variables. Checked apart from the schema so they are reported together with every other
 * problem (a schema refinement only runs once all fields are valid).
 */
export function crossVariableProblems(env: Readonly<Record<string, string>>): { variable: string; message: string }[] {
  const problems: { variable: string; message: string }[] = [];
  if (env.SLACK_APP_TOKEN === undefined && env.SLACK_SIGNING_SECRET === undefined) {
    problems.push({
      variable: 'SLACK_SIGNING_SECRET',
      message: 'is required in HTTP mode (Basic Information → Signing Secret), or set SLACK_APP_TOKEN for Socket Mode',
    });
  }
  // Both servers would take the same port: the second could not start, and the failure would blame PORT.
  const metricsPort = env.METRICS_PORT === undefined ? undefined : Number(env.METRICS_PORT);
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === Number(env.PORT ?? 3000)) {
    problems.push({ variable: 'METRICS_PORT', message: 'must differ from PORT: it serves /metrics on a port of its own' });
  }
  return problems;
}
