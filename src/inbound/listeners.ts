import type { App } from '@slack/bolt';
import type { Bridge } from '../bridge/bridge.ts';
import type { SlackMessageOutcome } from '../bridge/turns.ts';
import type { Logger } from '../core/log.ts';
import type { Metrics } from '../ops/metrics.ts';
import { classifyMessage, classifyRevision } from '../slack/incoming.ts';
import { slackMessageEventSchema } from '../slack/schemas.ts';

const METRIC_OUTCOME: Record<SlackMessageOutcome, string> = {
  accepted: 'accepted',
  duplicate: 'deduplicated',
  ignored_unbridged: 'ignored',
  ignored_human_owned: 'ignored',
  prompted_empty: 'prompted',
  rate_limited: 'rate_limited',
};

/**
 * Mentions and messages both land here: one mention in a channel arrives as `app_mention` *and* `message`, and
 * Slack retries deliveries it thinks were missed. The bridge records each message once, by channel and ts.
 * Everything here is synchronous so Slack's acknowledgement (sent after listeners finish) means "recorded".
 */
export function registerMessageListeners(
  app: App,
  deps: { bridge: Bridge; logger: Logger; metrics: Metrics; botUserId: string; teamId: string },
): void {
  const log = deps.logger.child({ component: 'slack' });
  const handle = async ({ event, body }: { event: unknown; body: { event_id?: string; team_id?: string } }) => {
    const parsed = slackMessageEventSchema.safeParse(event);
    if (!parsed.success) {
      log.warn({ eventId: body.event_id, issues: parsed.error.issues.map((i) => i.path.join('.')) }, 'unexpected Slack event shape');
      deps.metrics.slackEvents.inc({ outcome: 'invalid' });
      return;
    }
    // A person editing or deleting a message: only what the app showed of it elsewhere (the agents' copy) follows.
    const revision = classifyRevision(parsed.data, { teamId: body.team_id ?? deps.teamId, botUserId: deps.botUserId });
    if (revision !== undefined) {
      deps.bridge.messageRevised(revision);
      deps.metrics.slackEvents.inc({ outcome: 'ignored' });
      return;
    }
    const classified = classifyMessage(parsed.data, {
      teamId: body.team_id ?? deps.teamId,
      botUserId: deps.botUserId,
    });
    // Our own edits raise message_changed events at streaming pace: they stop here without touching the store.
    if (classified.kind === 'ignore') {
      deps.metrics.slackEvents.inc({ outcome: 'ignored' });
      return;
    }
    const outcome = deps.bridge.handleSlackMessage(classified.message, body.event_id);
    deps.metrics.slackEvents.inc({ outcome: METRIC_OUTCOME[outcome] });
    log.debug({ eventId: body.event_id, type: parsed.data.type, outcome }, 'slack message handled');
  };
  app.event('app_mention', handle);
  app.event('message', handle);
}
