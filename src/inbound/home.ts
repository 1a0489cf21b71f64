import type { App } from '@slack/bolt';
import { z } from 'zod';
import type { Bridge } from '../bridge/bridge.ts';
import { HOME_RUN_ACTION, homeRunNotice, homeView } from '../bridge/home-view.ts';
import { TtlCache } from '../core/ttl-cache.ts';
import { errorCode } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { SlackPoster } from '../slack/poster.ts';
import { pressLimit } from './actions.ts';
import { afterAck } from './after-ack.ts';

const homeOpenedSchema = z.looseObject({
  user: z.string().min(1),
  channel: z.string().min(1),
  tab: z.string().optional(),
});

const runSchema = z.looseObject({
  user: z.looseObject({ id: z.string().min(1), team_id: z.string().optional() }),
  team: z.looseObject({ id: z.string().min(1) }).nullish(),
  actions: z.array(z.looseObject({ action_id: z.literal(HOME_RUN_ACTION), value: z.string().min(1) })).min(1),
});

/** A Home tab is published again no sooner than this when nothing in it changed (`views.publish` is one call each). */
const REPUBLISH_MS = 60_000;
/**
 * A second press of the same Run within this long is the same wish (a double click, or a press before the tab showed
 * the first one started): it starts nothing more.
 */
const RUN_AGAIN_MS = 30_000;

export interface HomeOptions {
  readonly prompts: readonly { title: string; message: string }[];
  readonly helpText: string | undefined;
  readonly escalationEmoji: readonly string[];
  readonly teamUrl: string | undefined;
  readonly teamId: string;
}

/**
 * Where Slack puts the app for each person. Opening the DM with Fin (the agent view's Messages tab) shows suggested
 * prompts: the configured ones, then the procedures Fin lists for this person; picking one sends it as the person's
 * message (a procedure's name runs that procedure). Opening the Home tab publishes what Fin can do for them, their
 * recent conversations and how to reach a person; its Run buttons start a DM thread running the procedure.
 */
export function registerHome(app: App, deps: { bridge: Bridge; poster: SlackPoster; logger: Logger; options: HomeOptions }): void {
  const log = deps.logger.child({ component: 'slack-home' });
  const published = new TtlCache<string, string>({ ttlMs: REPUBLISH_MS, maxEntries: 10_000 });
  const allowed = pressLimit(log, 'home run');
  const started = new TtlCache<string, true>({ ttlMs: RUN_AGAIN_MS, maxEntries: 10_000 });
  const publish = async (user: string, notice?: string) => {
    const view = homeView({ ...(await deps.bridge.homeContent(user, deps.options)), notice });
    const json = JSON.stringify(view);
    if (published.get(user) === json) return;
    await deps.poster.publishHome(user, view);
    published.set(user, json);
  };

  app.event('app_home_opened', async ({ event }) => {
    const parsed = homeOpenedSchema.safeParse(event);
    if (!parsed.success) return;
    const { user, channel, tab } = parsed.data;
    // Slack waits for nothing here: what the tab shows follows when Fin has said what this person may run.
    if (tab === 'messages') {
      afterAck(log, 'suggesting prompts', async () => {
        const prompts = await deps.bridge.suggestedPrompts(user, deps.options.prompts);
        if (prompts.length === 0) return;
        await deps.poster.suggestPrompts(channel, prompts).catch((error: unknown) => {
          log.info({ userId: user, error: errorCode(error) }, 'could not suggest prompts');
        });
      });
    } else if (tab === 'home') {
      afterAck(log, 'publishing the Home tab', () => publish(user));
    }
  });

  app.action(HOME_RUN_ACTION, async ({ ack, body }) => {
    await ack();
    const parsed = runSchema.safeParse(body);
    if (!parsed.success) {
      log.warn({ issues: parsed.error.issues.map((i) => i.path.join('.')) }, 'unexpected Home tab button payload');
      return;
    }
    const { user, team, actions } = parsed.data;
    if (!allowed(user.id)) return;
    const procedureId = actions[0]?.value ?? '';
    const key = `${user.id}:${procedureId}`;
    if (started.get(key) !== undefined) {
      log.info({ procedureId, userId: user.id }, 'a repeated Run on the Home tab; the procedure started already');
      return;
    }
    started.set(key, true);
    afterAck(log, 'running a procedure from the Home tab', async () => {
      const channelId = await deps.poster.openDm(user.id);
      const procedureName = (await deps.bridge.proceduresFor(user.id)).find((p) => p.id === procedureId)?.name;
      const outcome = await deps.bridge.startProcedureThread({
        teamId: team?.id ?? user.team_id ?? deps.options.teamId,
        channelId,
        userId: user.id,
        procedureId,
        message: '',
        procedureName,
      });
      log.info({ procedureId, userId: user.id, outcome }, 'procedure run from the Home tab');
      if (outcome === 'started') {
        // The thread starts in the Messages tab: the Home tab says so where the person pressed.
        await publish(user.id, homeRunNotice(procedureName, channelId, deps.options.teamUrl));
        return;
      }
      started.delete(key);
      if (outcome === 'rate_limited') {
        await deps.poster.tellPrivately(
          user.id,
          { channelId },
          "You're starting things faster than Fin can keep up, so this procedure didn't start. Please wait a minute and try again.",
        );
      }
    });
  });
}
