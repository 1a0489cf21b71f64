import { App, HTTPReceiver } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { Bridge } from './bridge/bridge.ts';
import type { Config } from './config/load.ts';
import type { RetryPolicy } from './core/backoff.ts';
import { errorCode } from './core/errors.ts';
import { boltLogger, type Logger } from './core/log.ts';
import { FinClient } from './fin/client.ts';
import { checkHealth } from './ops/health.ts';
import { Metrics } from './ops/metrics.ts';
import { SlackAuthHealth } from './ops/slack-auth.ts';
import { metricsRoute } from './server/metrics-route.ts';
import { subscribe } from './fin/sse.ts';
import { HitlCallbacks } from './hitl/callback.ts';
import { HumanInTheLoop } from './hitl/hitl.ts';
import { finWebhookRoute } from './server/fin-webhook-route.ts';
import { close, createHttpServer, HTTP_LIMITS, type HttpLimits, listen, sendJson } from './server/http.ts';
import { intercomWebhookRoute } from './server/intercom-webhook-route.ts';
import { slackEventsRoute } from './server/slack-events-route.ts';
import { registerActions, registerHitlActions } from './inbound/actions.ts';
import { registerCommands } from './inbound/commands.ts';
import { registerAskAbout } from './inbound/ask-about.ts';
import { registerCsatActions } from './inbound/csat-actions.ts';
import { registerHome } from './inbound/home.ts';
import { registerPersonRequests } from './inbound/person-requests.ts';
import { registerPrivateAsk } from './inbound/private-ask.ts';
import { SlackDirectory } from './slack/directory.ts';
import { SLACK_CLIENT_POLICIES } from './slack/client-policies.ts';
import { POST_MESSAGE_PER_CHANNEL } from './slack/limits.ts';
import { SlackFiles } from './slack/files.ts';
import { ownMessagesInThread, threadHistory, threadOfMessage } from './slack/history.ts';
import { ResponseUrls } from './slack/response-url.ts';
import { ThinkingStatus } from './slack/thinking-status.ts';
import { ChannelPacer } from './stream/channel-pacer.ts';
import { verifyBotToken } from './slack/identity.ts';
import { registerMessageListeners } from './inbound/listeners.ts';
import { meteredFetch } from './slack/metered-fetch.ts';
import { ChannelMembership } from './slack/membership.ts';
import { budgetedWrites, NativeStreaming, SlackPoster, type SlackWrites } from './slack/poster.ts';
import { LiveMessage, type LiveMessageFactory } from './stream/live-message.ts';
import { UpdateScheduler } from './stream/update-scheduler.ts';
import { openDatabase } from './store/db.ts';
import { createStore } from './store/index.ts';

export interface StartOptions {
  readonly logger: Logger;
  /** How calls to Fin are retried; tests shorten the delays. */
  readonly finRetry?: RetryPolicy;
  /** Interface to listen on; all interfaces by default. */
  readonly host?: string;
  /**
   * Paces streaming edits otherwise than the app's own `budgetedPacing`, from the app's main Web API client (Bolt's,
   * which waits out a 429 with its whole queue). Only the benchmark gives one, to compare naive policies on the same code.
   */
  readonly editPacing?: (slack: { readonly client: WebClient }) => EditPacing;
  /** How long a native stream runs before it is handed over to edits; tests shorten it. */
  readonly nativeStreamMaxMs?: number;
  /** Timeouts and the connection cap of the HTTP server; tests shorten them. */
  readonly httpLimits?: HttpLimits;
  /** How often the bot token is checked with `auth.test` when nothing else calls Slack; tests shorten it. */
  readonly tokenCheckMs?: number;
  /** The first wait before a Fin event is acted on again after a failure (2 s); tests shorten it. */
  readonly eventRetryBaseMs?: number;
  /** How often Slack's thinking indicator is set again on a long turn; tests shorten its 100 s (Slack drops it at 2 min). */
  readonly thinkingRefreshMs?: number;
}

/** How replies stream into Slack by edits: how the poster's updates go out, and how each streaming message paces its edits. */
export interface EditPacing {
  /** The poster's updates and when it may post a new message. */
  readonly writes: SlackWrites;
  /** The live message of each message that streams by edits. */
  readonly liveMessage: LiveMessageFactory;
  /** Lets go of timers at stop. */
  close(): void;
}

/**
 * The app's pacing: every update within one workspace budget (`SLACK_UPDATE_RATE_PER_MIN`, `SLACK_UPDATE_BURST`),
 * each streaming message edited at most once per `STREAM_UPDATE_INTERVAL_MS` when the budget grants it a slot, and new
 * messages at their channel's pace.
 */
export function budgetedPacing(
  config: Config,
  clients: { readonly interimClient: WebClient; readonly finalClient: WebClient },
): EditPacing {
  const updates = new UpdateScheduler({ ratePerMinute: config.streaming.updatesPerMinute, burst: config.streaming.updateBurst });
  // About one new message a second per channel, with short bursts (Slack's limit for chat.postMessage).
  const pacer = new ChannelPacer({ ratePerMinute: POST_MESSAGE_PER_CHANNEL.perMinute, burst: POST_MESSAGE_PER_CHANNEL.burst });
  return {
    writes: budgetedWrites({ updates, pacer, ...clients }),
    liveMessage: (target) => new LiveMessage({ ...target, intervalMs: config.streaming.updateIntervalMs, lane: updates.lane() }),
    close: () => updates.close(),
  };
}

export interface RunningApp {
  readonly port: number;
  /** Where `/metrics` is served when it has a port of its own (`METRICS_PORT`). */
  readonly metricsPort: number | undefined;
  /** Stops taking work, lets work in progress finish (bounded), closes streams, connections and the database. */
  stop(): Promise<void>;
}

/** Wires the app together and starts serving. The only place that opens sockets and files. */
export async function startApp(config: Config, options: StartOptions): Promise<RunningApp> {
  const { logger } = options;
  const boltLog = boltLogger(logger);
  const metrics = new Metrics();
  const slackAuth = new SlackAuthHealth();
  const fetch = meteredFetch(metrics, slackAuth);
  const clientOptions = { slackApiUrl: config.slack.apiUrl, timeout: SLACK_CLIENT_POLICIES.main.timeoutMs, logger: boltLog, fetch };

  const receiver =
    config.slack.mode === 'http'
      ? new HTTPReceiver({
          signingSecret: config.slack.signingSecret ?? '',
          endpoints: '/slack/events',
          // Acknowledge Slack only once listeners have recorded the message, so an acknowledged message is never lost.
          processBeforeResponse: true,
          logger: boltLog,
        })
      : undefined;
  const identity = await verifyBotToken({ token: config.slack.botToken, apiUrl: config.slack.apiUrl, logger: boltLog, fetch });
  const db = openDatabase(config.store.path, (message, error) =>
    error === undefined ? logger.info({ component: 'store' }, message) : logger.warn({ component: 'store', err: error }, message),
  );
  const store = createStore(db);
  const app = new App({
    token: config.slack.botToken,
    // Verified above; Bolt would otherwise check again with no bound on its retries.
    botId: identity.botId,
    botUserId: identity.botUserId,
    tokenVerificationEnabled: false,
    ...(receiver !== undefined
      ? { receiver }
      : {
          socketMode: true,
          ...(config.slack.appToken !== undefined ? { appToken: config.slack.appToken } : {}),
          installerOptions: { port: 0 },
        }),
    logger: boltLog,
    clientOptions,
    convoStore: false,
    deferInitialization: true,
  });

  await app.init();

  // Updates are paced by the app's own budget (UpdateScheduler), and lookups never hold up an answer: these clients
  // refuse rate-limited calls rather than pause their queue (SLACK_CLIENT_POLICIES says how each retries).
  const client = (policy: 'interim' | 'final' | 'lookup') =>
    new WebClient(config.slack.botToken, {
      ...clientOptions,
      timeout: SLACK_CLIENT_POLICIES[policy].timeoutMs,
      rejectRateLimitedCalls: true,
      retryConfig: SLACK_CLIENT_POLICIES[policy].retryConfig,
    });
  const interimClient = client('interim');
  const finalClient = client('final');
  const readClient = client('lookup');
  const pacing = options.editPacing?.({ client: app.client }) ?? budgetedPacing(config, { interimClient, finalClient });
  const native = config.streaming.mode === 'native' ? new NativeStreaming() : undefined;
  const poster = new SlackPoster({
    client: app.client,
    readClient,
    interimClient,
    finalClient,
    logger,
    writes: pacing.writes,
    native,
  });
  const directory = new SlackDirectory(readClient, logger);
  const membership = new ChannelMembership(readClient, config.slack.agentChannel, logger);
  const fin = new FinClient({
    baseUrl: config.fin.apiUrl,
    token: config.fin.token,
    apiVersion: config.fin.apiVersion,
    logger: logger.child({ component: 'fin' }),
    metrics,
    ...(options.finRetry !== undefined ? { retry: options.finRetry } : {}),
  });
  const files = new SlackFiles({
    token: config.slack.botToken,
    apiUrl: config.slack.apiUrl,
    logger: logger.child({ component: 'slack-files' }),
    maxBytes: config.fin.attachmentMaxBytes,
  });
  const responses = new ResponseUrls({ apiUrl: config.slack.apiUrl, logger: logger.child({ component: 'slack' }) });
  const thinking = new ThinkingStatus({
    client: interimClient,
    logger: logger.child({ component: 'slack' }),
    ...(options.thinkingRefreshMs !== undefined ? { refreshMs: options.thinkingRefreshMs } : {}),
  });
  const bridge = new Bridge({
    thinking,
    store,
    fin,
    poster,
    responses,
    directory,
    history: (thread) =>
      threadHistory({ client: readClient, directory, logger }, { ...thread, botUserId: identity.botUserId, botId: identity.botId }),
    ownMessages: (channelId, threadTs, oldest) =>
      ownMessagesInThread(
        { client: readClient, logger },
        { channelId, threadTs, oldest, botUserId: identity.botUserId, botId: identity.botId },
      ),
    threadOf: (channelId, ts) => threadOfMessage({ client: readClient, logger }, channelId, ts),
    downloadFile: (file) => files.download(file),
    maxFileBytes: files.maxBytes,
    subscribe: (url, onData) => {
      const subscription = subscribe(url, { onData });
      metrics.sseOpen.inc();
      void subscription.done.then((end) => {
        metrics.sseOpen.dec();
        metrics.sseEnded.inc({ reason: end.reason });
      });
      return subscription;
    },
    botUserId: identity.botUserId,
    logger,
    metrics,
    streamIntervalMs: config.streaming.updateIntervalMs,
    liveMessage: pacing.liveMessage,
    streaming: config.streaming.mode,
    ...(options.nativeStreamMaxMs !== undefined ? { nativeStreamMaxMs: options.nativeStreamMaxMs } : {}),
    ...(options.eventRetryBaseMs !== undefined ? { eventRetryBaseMs: options.eventRetryBaseMs } : {}),
    replyTimeoutMs: config.fin.replyTimeoutMs,
    webhooksEnabled: config.fin.webhookSecret !== undefined,
    agentChannel: config.slack.agentChannel,
    membership,
    intercomInboxUrl: config.intercom.inboxUrl,
    channelProcedures: config.fin.channelProcedures,
    offerProcedures: config.fin.offerProcedures,
    userTurnsPerMinute: config.fin.userTurnsPerMinute,
    retentionMs: config.store.retentionMs,
  });
  const callbacks = new HitlCallbacks({
    apiUrl: config.fin.apiUrl,
    token: config.intercom.accessToken,
    logger: logger.child({ component: 'hitl-callback' }),
    metrics,
    ...(options.finRetry !== undefined ? { retry: options.finRetry } : {}),
  });
  const hitl = new HumanInTheLoop({
    store,
    poster,
    directory,
    callbacks,
    membership,
    agentChannel: config.slack.agentChannel,
    intercomInboxUrl: config.intercom.inboxUrl,
    retentionMs: config.store.retentionMs,
    logger,
  });
  registerMessageListeners(app, { bridge, logger, metrics, botUserId: identity.botUserId, teamId: identity.teamId });
  registerActions(app, { bridge, poster, logger });
  registerHitlActions(app, { hitl, poster, logger });
  registerCsatActions(app, { bridge, poster, logger });
  registerAskAbout(app, { bridge, poster, logger, teamId: identity.teamId });
  registerHome(app, {
    bridge,
    poster,
    logger,
    options: {
      prompts: config.fin.suggestedPrompts,
      helpText: config.fin.homeText,
      escalationEmoji: [...config.fin.escalationEmoji],
      teamUrl: identity.teamUrl,
      teamId: identity.teamId,
    },
  });
  registerPersonRequests(app, {
    bridge,
    poster,
    logger,
    metrics,
    botUserId: identity.botUserId,
    teamId: identity.teamId,
    emoji: config.fin.escalationEmoji,
  });
  registerCommands(app, { bridge, poster, logger, botUserId: identity.botUserId });
  registerPrivateAsk(app, { bridge, logger, userTurnsPerMinute: config.fin.userTurnsPerMinute });
  if (config.fin.webhookSecret === undefined) {
    logger.warn('FIN_WEBHOOK_SECRET is not set: Fin webhooks are refused, and answers rely on streaming alone');
  }

  const httpLimits = options.httpLimits ?? { ...HTTP_LIMITS, maxConnections: config.http.maxConnections };
  const health = () => checkHealth(db, config.slack.mode, slackAuth.problem);
  const metricsHandler = metricsRoute(metrics, config.metrics.token);
  // The main port is often public: metrics are served there only behind a token, and never when they have a port.
  const metricsOnMainPort = config.metrics.port === undefined && config.metrics.token !== undefined;
  const server = createHttpServer(
    [
      {
        method: 'GET',
        path: '/healthz',
        handler: (_req, res) => {
          const report = health();
          sendJson(res, report.status === 'ok' ? 200 : 503, report);
        },
      },
      { method: 'HEAD', path: '/healthz', handler: (_req, res) => void res.writeHead(health().status === 'ok' ? 200 : 503).end() },
      ...(metricsOnMainPort ? [{ method: 'GET' as const, path: '/metrics', handler: metricsHandler }] : []),
      {
        method: 'POST',
        path: '/fin/webhooks',
        handler: finWebhookRoute({
          secret: config.fin.webhookSecret,
          clientSecret: config.intercom.clientSecret,
          accept: (event) => bridge.acceptFinEvent(event, 'webhook'),
          logger,
          metrics,
        }),
      },
      // Intercom checks a webhook URL with HEAD before it sends anything.
      { method: 'HEAD', path: '/fin/webhooks', handler: (_req, res) => void res.writeHead(200).end() },
      {
        method: 'POST',
        path: '/intercom/webhooks',
        handler: intercomWebhookRoute({
          clientSecret: config.intercom.clientSecret,
          accept: (body) => hitl.accept(body),
          logger,
          metrics,
        }),
      },
      { method: 'HEAD', path: '/intercom/webhooks', handler: (_req, res) => void res.writeHead(200).end() },
      ...(receiver !== undefined
        ? [{ method: 'POST' as const, path: '/slack/events', handler: slackEventsRoute(receiver.requestListener) }]
        : []),
    ],
    logger,
    httpLimits,
  );
  // Work left by a previous process is queued before anything new can arrive, so nothing is taken twice.
  bridge.recover();
  hitl.recover();
  const port = await listen(server, config.http.port, options.host);
  const metricsServer =
    config.metrics.port === undefined
      ? undefined
      : createHttpServer([{ method: 'GET', path: '/metrics', handler: metricsHandler }], logger, httpLimits);
  const metricsPort = metricsServer === undefined ? undefined : await listen(metricsServer, config.metrics.port ?? 0, options.host);
  if (metricsServer === undefined && !metricsOnMainPort) {
    logger.info('/metrics is off: set METRICS_PORT (a port of its own) or METRICS_TOKEN (a bearer token) to serve it');
  }
  if (config.slack.mode === 'socket') await app.start();
  // An uninstalled app gets no events and makes no calls: the token is checked now and then so /healthz notices.
  const tokenCheck = setInterval(() => {
    readClient.auth
      .test()
      .catch((error: unknown) => logger.warn({ component: 'slack', error: errorCode(error) }, 'the bot token check failed'));
  }, options.tokenCheckMs ?? 60_000);
  tokenCheck.unref();
  let stopping = false;
  let pruning: Promise<void> | undefined;
  const prune = () => {
    // One run at a time: an hour's run still going (a large backlog) is not doubled.
    pruning ??= store
      .prune(Date.now(), config.store.retentionMs, { stopping: () => stopping })
      .then(
        (report) => logger.info({ component: 'store', ...report }, 'pruned what is past the retention window'),
        (error: unknown) => logger.error({ component: 'store', err: error }, 'pruning the database failed; it is tried again in an hour'),
      )
      .finally(() => {
        pruning = undefined;
      });
    return pruning;
  };
  await prune();
  const pruneTimer = setInterval(prune, 60 * 60_000);
  pruneTimer.unref();
  logger.info({ port, metricsPort, mode: config.slack.mode, botUserId: identity.botUserId }, 'fin-slack is running');

  return {
    port,
    metricsPort,
    async stop() {
      stopping = true;
      clearInterval(pruneTimer);
      clearInterval(tokenCheck);
      await pruning;
      await Promise.all([close(server), metricsServer === undefined ? undefined : close(metricsServer)]);
      if (config.slack.mode === 'socket') await app.stop();
      await bridge.stop();
      thinking.close();
      pacing.close();
      native?.close();
      await fin.close();
      await callbacks.close();
      db.close();
    },
  };
}
