import type { App } from '@slack/bolt';
import { z } from 'zod';
import type { Bridge } from '../bridge/bridge.ts';
import type { Logger } from '../core/log.ts';
import { afterAck } from './after-ack.ts';

export const PROCEDURE_COMMAND = '/fin-procedure';

const commandSchema = z.looseObject({
  text: z.string().default(''),
  user_id: z.string().min(1),
  channel_id: z.string().min(1),
  team_id: z.string().min(1),
});

const USAGE = `Usage: \`${PROCEDURE_COMMAND} <procedure id> [message]\`, for example \`${PROCEDURE_COMMAND} 12345 I'd like a refund for order 987\`.`;

/**
 * `/fin-procedure <procedure id> [message]` starts a thread in the channel that runs a Fin Procedure for whoever
 * typed it. Slack needs the acknowledgement within 3 seconds: a mistyped command is answered in the acknowledgement
 * itself; starting the thread happens after it, and anything the user should read then goes back privately, through
 * `respond`.
 */
export function registerCommands(app: App, deps: { bridge: Bridge; logger: Logger }): void {
  const log = deps.logger.child({ component: 'slack-commands' });
  app.command(PROCEDURE_COMMAND, async ({ ack, command, respond }) => {
    const parsed = commandSchema.safeParse(command);
    if (!parsed.success) {
      log.warn({ issues: parsed.error.issues.map((i) => i.path.join('.')) }, 'unexpected slash command payload');
      await ack({ response_type: 'ephemeral', text: 'Fin could not read this command. Please try again.' });
      return;
    }
    const { text, user_id: userId, channel_id: channelId, team_id: teamId } = parsed.data;
    const [procedureId = ''] = text.trim().split(/\s+/);
    if (procedureId === '' || !/^[\w.-]{1,100}$/.test(procedureId)) {
      await ack({ response_type: 'ephemeral', text: USAGE });
      return;
    }
    await ack();
    const message = text.trim().slice(procedureId.length).trim();
    afterAck(log, 'starting a procedure', async () => {
      const outcome = await deps.bridge.startProcedureThread({ teamId, channelId, userId, procedureId, message });
      log.info({ procedureId, channelId, userId, outcome }, 'procedure requested');
      if (outcome === 'cannot_post') {
        await respond({
          response_type: 'ephemeral',
          text: 'Fin cannot post in this conversation. Invite the app to the channel (`/invite @Fin`) and try again.',
        });
      } else if (outcome === 'rate_limited') {
        await respond({
          response_type: 'ephemeral',
          text: "You're starting things faster than Fin can keep up, so this procedure didn't start. Please wait a minute and try again.",
        });
      }
    });
  });
}
