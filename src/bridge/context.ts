import type { Logger } from '../core/log.ts';
import type { FinClient } from '../fin/client.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { SseSubscription } from '../fin/sse.ts';
import type { SlackDirectory } from '../slack/directory.ts';
import type { ChannelMembership } from '../slack/membership.ts';
import type { SlackPoster } from '../slack/poster.ts';
import type { ResponseUrls } from '../slack/response-url.ts';
import type { ThinkingStatus } from '../slack/thinking-status.ts';
import type { LiveMessageFactory } from '../stream/live-message.ts';
import type { Store } from '../store/index.ts';
import type { DeliveryDeps } from '../slack/delivery.ts';
import type { RequestDeps } from './requests.ts';
import { KeyedSerial } from '../core/keyed-serial.ts';

export interface BridgeOptions {
  readonly store: Store;
  readonly fin: FinClient;
  readonly poster: SlackPoster;
  /** Private replies through the `response_url`s of slash commands and button presses. */
  readonly responses: Pick<ResponseUrls, 'send'>;
  readonly directory: SlackDirectory;
  readonly history: RequestDeps['history'];
  /** The app's own messages in a thread after `oldest` (newest last); undefined when Slack will not show them. */
  readonly ownMessages: DeliveryDeps['ownMessages'];
  readonly downloadFile: RequestDeps['downloadFile'];
  /** The thread a message belongs to (its parent's ts), asked of Slack; undefined when Slack will not say. */
  readonly threadOf: (channelId: string, ts: string) => Promise<string | undefined>;
  readonly maxFileBytes: number;
  readonly subscribe: (url: string, onData: (data: unknown) => void) => SseSubscription;
  readonly botUserId: string;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly streamIntervalMs: number;
  /** Slack's own thinking indicator under a thread while Fin works (where Slack shows it). */
  readonly thinking: Pick<ThinkingStatus, 'start' | 'stop'>;
  /** Makes the live message that shows a stream by edits: the app's paces them within the workspace's update budget. */
  readonly liveMessage: LiveMessageFactory;
  /** How replies stream into Slack: edits of the placeholder (the default) or Slack's native streaming methods. */
  readonly streaming?: 'edit' | 'native';
  /** How long a native stream runs before it is handed over to edits (tests shorten Slack's ~5 minute expiry). */
  readonly nativeStreamMaxMs?: number;
  /** The first wait before a Fin event is acted on again after a failure; tests shorten Fin events' 2 s. */
  readonly eventRetryBaseMs?: number;
  readonly replyTimeoutMs: number;
  /** Fin's webhooks reach the app: a stream that breaks off then loses nothing, the webhook brings the answer. */
  readonly webhooksEnabled: boolean;
  /** Where escalations are posted for human agents. */
  readonly agentChannel: string;
  /** Who is in the agents' channel: only they may hand a conversation back to Fin. */
  readonly membership: ChannelMembership;
  /** Whether people are offered their procedures by name (Fin's `/fin/capabilities`); true unless said. */
  readonly offerProcedures?: boolean;
  /** Channel id → the Fin Procedure a new thread there runs instead of /fin/start. */
  readonly channelProcedures: ReadonlyMap<string, string>;
  /** Turns one person may start in any minute; beyond it their question is refused (and they are told). */
  readonly userTurnsPerMinute: number;
  /** How long the app remembers a conversation after its last activity: older Fin events are ignored. */
  readonly retentionMs: number;
  /** Base of a link to a conversation in the Intercom inbox (the conversation id is appended), if known. */
  readonly intercomInboxUrl?: string | undefined;
  readonly now?: () => number;
}

/** What every part of the bridge shares: its options, the clock, the log, and the per-conversation order. */
export interface BridgeContext extends BridgeOptions {
  readonly now: () => number;
  readonly log: Logger;
  /**
   * Runs `task` after every task queued before it for the same conversation, and settles as it does: with its result,
   * or rejected with its error, for the caller to handle.
   */
  inOrder<T>(conversationId: string, task: () => Promise<T>): Promise<T>;
  /** The same, for work no caller waits on: a failure is logged ("conversation task failed", `task: what`), no further. */
  inOrderDetached(conversationId: string, what: string, task: () => Promise<void>): void;
  idle(): Promise<void>;
}

export function createContext(options: BridgeOptions): BridgeContext {
  const serial = new KeyedSerial();
  const log = options.logger.child({ component: 'bridge' });
  return {
    ...options,
    now: options.now ?? Date.now,
    log,
    inOrder: (conversationId, task) => serial.run(conversationId, task),
    inOrderDetached: (conversationId, what, task) => {
      serial.run(conversationId, task).catch((error: unknown) => {
        log.error({ conversationId, task: what, err: error }, 'conversation task failed');
      });
    },
    idle: () => serial.idle(),
  };
}
