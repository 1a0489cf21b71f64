import type { App } from '@slack/bolt';
import { z } from 'zod';
import type { Bridge } from '../bridge/bridge.ts';
import { errorCode } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { SlackPoster } from '../slack/poster.ts';
import { afterAck } from './after-ack.ts';

const homeOpenedSchema = z.looseObject({
  user: z.string().min(1),
  channel: z.string().min(1),
  tab: z.string().optional(),
});

/**
 * Opening the direct message with Fin (the agent view's Messages tab) shows suggested prompts: the configured ones,
 * then the procedures Fin lists for this person. Picking one sends it as the person's message, which starts a thread
 * like any other (a procedure's name runs that procedure).
 */
export function registerHome(
  app: App,
  deps: { bridge: Bridge; poster: SlackPoster; logger: Logger; prompts: readonly { title: string; message: string }[] },
): void {
  const log = deps.logger.child({ component: 'slack-home' });
  app.event('app_home_opened', async ({ event }) => {
    const parsed = homeOpenedSchema.safeParse(event);
    if (!parsed.success || parsed.data.tab !== 'messages') return;
    const { user, channel } = parsed.data;
    // Slack waits for nothing here: the prompts follow when Fin has said what this person may run.
    afterAck(log, 'suggesting prompts', async () => {
      const prompts = await deps.bridge.suggestedPrompts(user, deps.prompts);
      if (prompts.length === 0) return;
      await deps.poster.suggestPrompts(channel, prompts).catch((error: unknown) => {
        log.info({ userId: user, error: errorCode(error) }, 'could not suggest prompts');
      });
    });
  });
}
