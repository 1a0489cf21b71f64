import { ConfigError, type ConfigProblem } from '../core/errors.ts';
import { crossVariableProblems, envSchema } from './schema.ts';

export interface Config {
  readonly slack: {
    readonly botToken: string;
    readonly signingSecret: string | undefined;
    readonly appToken: string | undefined;
    readonly mode: 'http' | 'socket';
    readonly apiUrl: string;
    readonly agentChannel: string;
  };
  readonly fin: {
    readonly token: string;
    readonly apiUrl: string;
    readonly apiVersion: string;
    readonly replyTimeoutMs: number;
    /** Files larger than this are not sent to Fin (the user is told). */
    readonly attachmentMaxBytes: number;
    /** Signing secret of Fin's webhooks; without it the webhook route refuses every request. */
    readonly webhookSecret: string | undefined;
    /** Channel id → the Fin Procedure a new thread there runs instead of /fin/start. */
    readonly channelProcedures: ReadonlyMap<string, string>;
    /** Turns one person may start in any minute, so one person cannot use up the workspace's Slack budget. */
    readonly userTurnsPerMinute: number;
    /** Reactions that ask for a person, by name (without colons). */
    readonly escalationEmoji: ReadonlySet<string>;
    /** The admins' words at the top of everyone's Home tab (mrkdwn), if any. */
    /**
     * Whether the app asks Fin which procedures each person may run (`/fin/capabilities`), to offer them by name. Off,
     * it never asks (Intercom creates a user for each person it is asked about), and procedures run by id only.
     */
    readonly offerProcedures: boolean;
    readonly homeText: string | undefined;
    /** Prompts offered when someone opens their direct message with Fin, before their procedures. */
    readonly suggestedPrompts: readonly { readonly title: string; readonly message: string }[];
  };
  readonly intercom: {
    /** Base of links to a conversation in the Intercom inbox, when the workspace id is known. */
    readonly inboxUrl: string | undefined;
    /** The app's client secret: signs Intercom app webhooks (human-in-the-loop requests). */
    readonly clientSecret: string | undefined;
    /** Token for answering human-in-the-loop steps; the Fin Agent API key when not set. */
    readonly accessToken: string;
  };
  readonly http: {
    readonly port: number;
    /** Connections beyond this are closed at once (idle ones are cut within seconds anyway). */
    readonly maxConnections: number;
  };
  readonly store: {
    readonly path: string;
    /** How long a conversation is kept after anything last happened in it (and Fin events older than this ignored). */
    readonly retentionMs: number;
  };
  readonly streaming: {
    /** Least time between two edits of one message. */
    readonly updateIntervalMs: number;
    /** The workspace's edit budget (Slack's `chat.update` is Tier 3, about 50 a minute, shared by every thread). */
    readonly updatesPerMinute: number;
    readonly updateBurst: number;
    /** Edits of the placeholder, or Slack's native streaming methods (falling back to edits). */
    readonly mode: 'edit' | 'native';
  };
  readonly log: { readonly level: string };
  /**
   * Who may read `/metrics`. With a port, it is served there (and not on the main port); with a token, callers must
   * send it as a bearer token. With neither, it is not served at all: the main port is often public.
   */
  readonly metrics: { readonly token: string | undefined; readonly port: number | undefined };
}

/** Values of these variables must never reach a log line or an error message. */
export const SECRET_VARIABLES = [
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'FIN_API_TOKEN',
  'FIN_WEBHOOK_SECRET',
  'INTERCOM_CLIENT_SECRET',
  'INTERCOM_ACCESS_TOKEN',
  'METRICS_TOKEN',
] as const;

/** The Intercom web app of the API's region: api.eu.intercom.io → app.eu.intercom.com. */
function appHostFor(apiUrl: string): string {
  const region = /^https?:\/\/api\.(eu|au)\.intercom\.io/.exec(apiUrl)?.[1];
  return region === undefined ? 'app.intercom.com' : `app.${region}.intercom.com`;
}

/**
 * One problem per variable, in the order they were found: zod may report several issues for one value, and a
 * variable may also break a rule that spans variables. Their distinct messages are joined, so the error names each
 * bad variable once.
 */
function onePerVariable(problems: readonly ConfigProblem[]): ConfigProblem[] {
  const messages = new Map<string, string[]>();
  for (const { variable, message } of problems) {
    const list = messages.get(variable) ?? [];
    if (!list.includes(message)) list.push(message);
    messages.set(variable, list);
  }
  return [...messages].map(([variable, list]) => ({ variable, message: list.join('; ') }));
}

/**
 * Parses the environment once, reporting every bad variable together so an operator fixes them in one go.
 * Empty values count as unset: `.env` files commonly carry `NAME=` lines for optional variables.
 */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const present = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1].trim() !== ''),
  );
  const result = envSchema.safeParse(present);
  const problems = onePerVariable([
    ...(result.success
      ? []
      : result.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? 'environment'), message: issue.message }))),
    ...crossVariableProblems(present),
  ]);
  if (!result.success || problems.length > 0) throw new ConfigError(problems);
  const e = result.data;
  return {
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      mode: e.SLACK_APP_TOKEN === undefined ? 'http' : 'socket',
      apiUrl: e.SLACK_API_URL.endsWith('/') ? e.SLACK_API_URL : `${e.SLACK_API_URL}/`,
      agentChannel: e.SLACK_AGENT_CHANNEL,
    },
    fin: {
      token: e.FIN_API_TOKEN,
      apiUrl: e.FIN_API_URL.replace(/\/+$/, ''),
      apiVersion: e.FIN_API_VERSION,
      replyTimeoutMs: e.FIN_REPLY_TIMEOUT_MS,
      attachmentMaxBytes: e.FIN_ATTACHMENT_MAX_MB * 1024 * 1024,
      webhookSecret: e.FIN_WEBHOOK_SECRET,
      userTurnsPerMinute: e.FIN_USER_TURNS_PER_MIN,
      offerProcedures: e.FIN_OFFER_PROCEDURES === 'on',
      homeText: e.FIN_HOME_TEXT?.replace(/\\n/g, '\n'),
      suggestedPrompts: (e.FIN_SUGGESTED_PROMPTS ?? '')
        .split(';')
        .filter((prompt) => prompt.trim() !== '')
        .map((prompt) => {
          const [title = '', ...rest] = prompt.split('|');
          const message = rest.join('|').trim();
          return { title: title.trim(), message: message === '' ? title.trim() : message };
        }),
      escalationEmoji: new Set(
        e.FIN_ESCALATION_EMOJI.split(',')
          .map((name) => name.trim().replace(/^:|:$/g, ''))
          .filter((name) => name !== ''),
      ),
      channelProcedures: new Map(
        (e.FIN_CHANNEL_PROCEDURES ?? '')
          .split(',')
          .map((pair) => pair.split(':').map((part) => part.trim()))
          .filter((pair): pair is [string, string] => pair.length === 2 && pair[0] !== '' && pair[1] !== ''),
      ),
    },
    intercom: {
      clientSecret: e.INTERCOM_CLIENT_SECRET,
      accessToken: e.INTERCOM_ACCESS_TOKEN ?? e.FIN_API_TOKEN,
      inboxUrl:
        e.INTERCOM_WORKSPACE_ID === undefined
          ? undefined
          : `https://${appHostFor(e.FIN_API_URL)}/a/inbox/${e.INTERCOM_WORKSPACE_ID}/inbox/conversation/`,
    },
    http: { port: e.PORT, maxConnections: e.HTTP_MAX_CONNECTIONS },
    store: { path: e.DATABASE_PATH, retentionMs: e.DATA_RETENTION_DAYS * 24 * 60 * 60_000 },
    streaming: {
      updateIntervalMs: e.STREAM_UPDATE_INTERVAL_MS,
      updatesPerMinute: e.SLACK_UPDATE_RATE_PER_MIN,
      updateBurst: e.SLACK_UPDATE_BURST,
      mode: e.SLACK_STREAMING,
    },
    log: { level: e.LOG_LEVEL },
    metrics: { token: e.METRICS_TOKEN, port: e.METRICS_PORT },
  };
}
