import { LogLevel, WebClient } from '@slack/web-api';
import { LoopbackServer, readBody } from '../../fakes/loopback-server.ts';
import { FakeSlack, type FakeSlackOptions } from '../../fakes/slack-api.ts';
import { createLogger, type Logger } from '../../src/core/log.ts';
import { budgetedWrites, type NativeStreaming, SlackPoster } from '../../src/slack/poster.ts';
import { openDatabase } from '../../src/store/db.ts';
import { createStore, type Store } from '../../src/store/index.ts';
import { ChannelPacer } from '../../src/stream/channel-pacer.ts';
import { UpdateScheduler } from '../../src/stream/update-scheduler.ts';

/**
 * The app's Slack-facing parts built for a unit test, as `src/app.ts` builds them, against a Slack Web API on loopback
 * (the fake, or `bareSlack`). Nothing here stands in for the module under test: the poster, the update budget, the
 * channel pacer, the Web API clients and the store are the app's own.
 */

/** A small workspace: a customer and an agent, a support channel, and the agents' channel with the agent in it. */
export const PEOPLE = { alice: 'UALICE', bob: 'UBOB', carol: 'UCAROL' } as const;
export const CHANNELS = { support: 'CSUPPORT', agents: 'CAGENTS' } as const;

export const SMALL_WORKSPACE: FakeSlackOptions = {
  users: [
    { id: PEOPLE.alice, name: 'alice', realName: 'Alice Smith', email: 'alice@example.com' },
    { id: PEOPLE.bob, name: 'bob', realName: 'Bob Jones' },
    { id: PEOPLE.carol, name: 'carol', realName: 'Carol Diaz' },
  ],
  channels: [
    { id: CHANNELS.support, name: 'support', kind: 'channel', members: [PEOPLE.alice, PEOPLE.bob] },
    { id: CHANNELS.agents, name: 'agents', kind: 'channel', members: [PEOPLE.bob] },
  ],
};

/** The fake Slack with the small workspace (and any options on top). */
export function startSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  return FakeSlack.start({ ...SMALL_WORKSPACE, ...options });
}

/** Where a Web API client points: the fake Slack, or any loopback server speaking the Web API. */
export interface SlackEndpoint {
  readonly apiUrl: string;
  readonly token: string;
}

/**
 * A Web API client like the app's own (`rejectRateLimitedCalls`: a 429 is the caller's to handle), without the
 * network retries a test has no use for. `token` overrides the endpoint's (a wrong one is refused `invalid_auth`).
 */
export function webClient(slack: SlackEndpoint, options: { token?: string } = {}): WebClient {
  return new WebClient(options.token ?? slack.token, {
    slackApiUrl: slack.apiUrl,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: 5_000,
    logLevel: LogLevel.ERROR,
  });
}

/** A JSON logger like the app's, keeping its lines for the test to read. */
export interface KeptLog {
  readonly logger: Logger;
  readonly lines: string[];
  /** Records (parsed lines) whose message is `msg`. */
  logged(msg: string | RegExp): Record<string, unknown>[];
}

export function keptLog(): KeptLog {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', secrets: [], destination: { write: (line) => void lines.push(line) } });
  return {
    logger,
    lines,
    logged: (msg) =>
      lines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((r) => (typeof msg === 'string' ? r.msg === msg : msg.test(String(r.msg)))),
  };
}

export interface PosterParts {
  readonly poster: SlackPoster;
  readonly updates: UpdateScheduler;
  readonly log: KeptLog;
  /** Lets go of the budgets' timers. */
  close(): void;
}

/**
 * A `SlackPoster` wired as the app wires it: `budgetedWrites` over a real update budget and channel pacer, with a main
 * client, an interim and a final client, and a lookup client. The budgets are generous unless given, so that a test
 * sees Slack's answers, not the app's own waiting.
 */
export function buildPoster(
  slack: SlackEndpoint,
  options: {
    readonly native?: NativeStreaming;
    readonly readClient?: WebClient;
    readonly pacer?: ChannelPacer;
    readonly log?: KeptLog;
  } = {},
): PosterParts {
  const log = options.log ?? keptLog();
  const updates = new UpdateScheduler({ ratePerMinute: 6_000, burst: 100 });
  const pacer = options.pacer ?? new ChannelPacer({ ratePerMinute: 6_000, burst: 100 });
  const interimClient = webClient(slack);
  const finalClient = webClient(slack);
  const poster = new SlackPoster({
    client: webClient(slack),
    readClient: options.readClient ?? webClient(slack),
    interimClient,
    finalClient,
    logger: log.logger,
    writes: budgetedWrites({ updates, pacer, interimClient, finalClient }),
    ...(options.native !== undefined ? { native: options.native } : {}),
  });
  return {
    poster,
    updates,
    log,
    close: () => {
      updates.close();
      options.native?.close();
    },
  };
}

/**
 * A `SlackPoster` whose writes go straight through `client`, unpaced: for tests of what is written (a delivery, the
 * bridge's parts), where the workspace's budget and each channel's pace would only slow them down.
 */
export function unpacedPoster(client: WebClient, logger: Logger, native?: NativeStreaming): SlackPoster {
  return new SlackPoster({
    client,
    interimClient: client,
    logger,
    writes: {
      beforePost: () => Promise.resolve(),
      interim: (args) => client.chat.update(args),
      final: (args) => client.chat.update(args),
    },
    ...(native !== undefined ? { native } : {}),
  });
}

/** The app's store on an in-memory SQLite database (all migrations applied). */
export function memoryStore(): Store {
  return createStore(openDatabase(':memory:'));
}

/**
 * A Slack Web API on loopback that answers every call `{ ok: true }` and nothing more: no `ts`, no `channel`. For the
 * app's own checks of what Slack answered (the fake always answers in full). `answers` gives other bodies for some
 * methods (`{ ok: false, error }` to refuse one). `calls` lists the methods called.
 */
export interface BareSlack extends SlackEndpoint {
  readonly calls: string[];
  close(): Promise<void>;
}

export async function bareSlack(answers: Readonly<Record<string, Record<string, unknown>>> = {}): Promise<BareSlack> {
  const calls: string[] = [];
  const server = new LoopbackServer(async (req, res) => {
    await readBody(req);
    const method = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/^\/api\//, '');
    calls.push(method);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answers[method] ?? { ok: true }));
  });
  const url = await server.listen(0);
  return { apiUrl: `${url}/api/`, token: 'xoxb-bare-token', calls, close: () => server.close() };
}
