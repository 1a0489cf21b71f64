import { SLACK_CLIENT_POLICIES } from './client-policies.ts';
import { ErrorCode, type FetchFunction, type Logger as SlackLogger, WebClient } from '@slack/web-api';
import { AppError, errorCode } from '../core/errors.ts';

export interface BotIdentity {
  readonly botUserId: string;
  readonly botId: string;
  readonly teamId: string;
  /** The workspace's address (`https://acme.slack.com/`), for links to messages without asking Slack each time. */
  readonly teamUrl?: string | undefined;
}

/**
 * Checks the bot token once at startup and learns who the app is. Retries briefly: an app that cannot reach Slack
 * should say so and stop (a supervisor restarts it) rather than sit in the Web API client's half-hour retry policy.
 */
export async function verifyBotToken(options: {
  token: string;
  apiUrl: string;
  logger: SlackLogger;
  fetch?: FetchFunction;
}): Promise<BotIdentity> {
  const client = new WebClient(options.token, {
    slackApiUrl: options.apiUrl,
    logger: options.logger,
    timeout: SLACK_CLIENT_POLICIES.identity.timeoutMs,
    ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
    retryConfig: SLACK_CLIENT_POLICIES.identity.retryConfig,
  });
  let auth: Awaited<ReturnType<WebClient['auth']['test']>>;
  try {
    auth = await client.auth.test();
  } catch (error) {
    const code = errorCode(error);
    const unreachable = (error as { code?: unknown }).code === ErrorCode.RequestError;
    throw new AppError(
      'slack_auth_failed',
      unreachable
        ? `Slack could not be reached at ${options.apiUrl} (${code}); check SLACK_API_URL and the network`
        : `Slack refused SLACK_BOT_TOKEN (${code}); check the bot token and that the app is installed`,
      { cause: error },
    );
  }
  if (typeof auth.user_id !== 'string' || typeof auth.bot_id !== 'string' || typeof auth.team_id !== 'string') {
    throw new AppError('slack_auth_failed', 'SLACK_BOT_TOKEN is not a bot token (auth.test returned no bot id)');
  }
  return {
    botUserId: auth.user_id,
    botId: auth.bot_id,
    teamId: auth.team_id,
    teamUrl: typeof auth.url === 'string' && /^https:\/\/[^/]+\/$/.test(auth.url) ? auth.url : undefined,
  };
}
