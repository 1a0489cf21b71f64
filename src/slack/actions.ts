import type { App } from '@slack/bolt';
import { z } from 'zod';
import type { Bridge } from '../bridge/bridge.ts';
import type { Logger } from '../core/log.ts';
import { HAND_BACK_ACTION } from '../handoff/agent-post.ts';
import type { SlackPoster } from './poster.ts';

/** The parts of a `block_actions` payload for the hand-back button that the app relies on. */
const handBackSchema = z.looseObject({
  user: z.looseObject({ id: z.string().min(1) }),
  channel: z.looseObject({ id: z.string().min(1) }).optional(),
  actions: z.array(z.looseObject({ action_id: z.literal(HAND_BACK_ACTION), value: z.string().regex(/^\d+$/) })).min(1),
});

/** Buttons on the app's posts. Slack needs its acknowledgement within 3 s, so `ack()` comes first. */
export function registerActions(app: App, deps: { bridge: Bridge; poster: SlackPoster; logger: Logger }): void {
  const log = deps.logger.child({ component: 'slack-actions' });
  app.action(HAND_BACK_ACTION, async ({ ack, body }) => {
    await ack();
    const parsed = handBackSchema.safeParse(body);
    if (!parsed.success) {
      log.warn({ issues: parsed.error.issues.map((i) => i.path.join('.')) }, 'unexpected hand-back payload');
      return;
    }
    const { user, channel, actions } = parsed.data;
    const escalationId = Number(actions[0]?.value);
    const outcome = await deps.bridge.handBack(escalationId, user.id);
    log.info({ escalationId, userId: user.id, outcome }, 'hand-back pressed');
    if (outcome !== 'handed_back' && channel !== undefined) {
      const text =
        outcome === 'already'
          ? 'This conversation has already been handed back to Fin.'
          : 'This escalation is no longer known to the app, so it cannot be handed back.';
      await deps.poster.ephemeral(channel.id, user.id, text).catch(() => undefined);
    }
  });
}
