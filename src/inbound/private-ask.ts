import type { App } from '@slack/bolt';
import { z } from 'zod';
import type { Bridge, ShareOutcome } from '../bridge/bridge.ts';
import {
  PRIVATE_ANSWER_GONE,
  PRIVATE_ANSWER_NOT_YOURS,
  PRIVATE_ANSWER_SHARED,
  PRIVATE_ASK_USAGE,
  shareCannotPostText,
  privateAskLimitText,
} from '../bridge/copy.ts';
import { DISMISS_ACTION, SHARE_ACTION } from '../bridge/private-answer-view.ts';
import type { Logger } from '../core/log.ts';
import { slashCommandSchema } from '../slack/schemas.ts';
import { afterAck } from './after-ack.ts';

export const ASK_COMMAND = '/fin';

/** The answer goes to the command's response_url: a command without one cannot be answered privately. */
const commandSchema = slashCommandSchema.extend({ response_url: z.string().min(1) });

/** A press on a private answer's buttons: who pressed, which question (the button's value), where to answer. */
const pressSchema = z.looseObject({
  user: z.looseObject({ id: z.string().min(1) }),
  actions: z.array(z.looseObject({ value: z.string().min(1) })).min(1),
  response_url: z.string().min(1).optional(),
  channel: z.looseObject({ id: z.string().min(1) }).nullish(),
});

/**
 * `/fin <question>` answers only the person who typed it: the question is recorded before Slack is acknowledged, the
 * acknowledgement shows it privately as being asked, and Fin's answer replaces that (see `PrivateAnswers`). The answer's
 * buttons share it as a thread in the channel, or dismiss it.
 */
export function registerPrivateAsk(app: App, deps: { bridge: Bridge; logger: Logger; userTurnsPerMinute: number }): void {
  const log = deps.logger.child({ component: 'slack-private-ask' });

  app.command(ASK_COMMAND, async ({ ack, command }) => {
    const parsed = commandSchema.safeParse(command);
    if (!parsed.success) {
      log.warn({ issues: parsed.error.issues.map((i) => i.path.join('.')) }, 'unexpected /fin payload');
      await ack({ response_type: 'ephemeral', text: 'Fin could not read this command. Please try again.' });
      return;
    }
    const { text, user_id: userId, channel_id: channelId, team_id: teamId, response_url: responseUrl } = parsed.data;
    const outcome = deps.bridge.askPrivately({ teamId, channelId, userId, text, responseUrl });
    log.info({ channelId, userId, outcome: outcome.kind }, 'private question');
    const said =
      outcome.kind === 'asking'
        ? outcome.placeholder
        : outcome.kind === 'empty'
          ? PRIVATE_ASK_USAGE
          : privateAskLimitText(deps.userTurnsPerMinute);
    await ack({ response_type: 'ephemeral', text: said });
  });

  type Press = { askId: string; userId: string; responseUrl: string | undefined; channelId: string | undefined };
  const press = (action: string, what: string, act: (input: Press) => Promise<string>) =>
    app.action(action, async ({ ack, body, respond }) => {
      await ack();
      const parsed = pressSchema.safeParse(body);
      if (!parsed.success) {
        log.warn({ action }, 'unexpected press on a private answer');
        return;
      }
      const input = {
        askId: parsed.data.actions[0]?.value ?? '',
        userId: parsed.data.user.id,
        responseUrl: parsed.data.response_url,
        channelId: parsed.data.channel?.id,
      };
      afterAck(log, what, async () => {
        const told = await act(input);
        if (told !== '') await respond({ response_type: 'ephemeral', replace_original: false, text: told });
      });
    });

  press(SHARE_ACTION, 'sharing a private answer', async (input) => {
    const outcome = await deps.bridge.sharePrivateAnswer(input);
    log.info({ askId: input.askId, userId: input.userId, outcome }, 'share of a private answer');
    return shareRefusal(outcome, input.channelId);
  });
  press(DISMISS_ACTION, 'dismissing a private answer', async (input) =>
    (await deps.bridge.dismissPrivateAnswer(input)) === 'not_yours' ? PRIVATE_ANSWER_NOT_YOURS : '',
  );
}

/** What the person reads when their answer was not shared ('' when it was). */
function shareRefusal(outcome: ShareOutcome, channelId: string | undefined): string {
  switch (outcome) {
    case 'shared':
      return '';
    case 'not_yours':
      return PRIVATE_ANSWER_NOT_YOURS;
    case 'already':
      return PRIVATE_ANSWER_SHARED;
    case 'unknown':
    case 'not_answered':
      return PRIVATE_ANSWER_GONE;
    case 'cannot_post':
      return shareCannotPostText(channelId);
  }
}
