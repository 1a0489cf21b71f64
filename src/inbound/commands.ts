import type { App } from '@slack/bolt';
import { z } from 'zod';
import type { Bridge } from '../bridge/bridge.ts';
import {
  noProcedures,
  PICK_BLOCK,
  PICK_INPUT,
  PICK_MESSAGE_BLOCK,
  PICK_MESSAGE_INPUT,
  PROCEDURE_PICK_CALLBACK,
  procedurePicker,
  procedurePickerLoading,
} from '../bridge/procedure-picker.ts';
import { matchProcedure } from '../bridge/procedure-match.ts';
import { errorCode } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { SlackPoster } from '../slack/poster.ts';
import { slashCommandSchema } from '../slack/schemas.ts';
import { safeJson } from './actions.ts';
import { afterAck } from './after-ack.ts';

export const PROCEDURE_COMMAND = '/fin-procedure';

const pickSchema = z.looseObject({
  user: z.looseObject({ id: z.string().min(1), team_id: z.string().optional() }),
  team: z.looseObject({ id: z.string().min(1) }).nullish(),
  view: z.looseObject({
    private_metadata: z.string(),
    state: z.looseObject({
      values: z.looseObject({
        [PICK_BLOCK]: z.looseObject({
          [PICK_INPUT]: z.looseObject({ selected_option: z.looseObject({ value: z.string().min(1) }).nullish() }),
        }),
        [PICK_MESSAGE_BLOCK]: z.looseObject({ [PICK_MESSAGE_INPUT]: z.looseObject({ value: z.string().nullish() }) }).optional(),
      }),
    }),
  }),
});
const pickMetadataSchema = z.object({ channelId: z.string().min(1) });

const USAGE = `Type \`${PROCEDURE_COMMAND}\` alone to choose from the procedures you can run, or \`${PROCEDURE_COMMAND} <name or id> [message]\`, for example \`${PROCEDURE_COMMAND} refund an order I was charged twice\`.`;

const names = (list: readonly string[]) => list.map((n) => `“${n}”`).join(', ');

/**
 * `/fin-procedure` starts a thread in the channel that runs a Fin Procedure for whoever typed it. Alone, it opens a
 * form listing the procedures Fin says this person may run; with text, it finds the procedure by id or by name (an
 * unambiguous start of one will do) and says so when none or several fit. Slack needs the acknowledgement within 3
 * seconds: everything slow happens after it, and what the person should read goes back privately (`respond`).
 */
export function registerCommands(app: App, deps: { bridge: Bridge; poster: SlackPoster; logger: Logger }): void {
  const log = deps.logger.child({ component: 'slack-commands' });

  const start = async (
    respond: (text: string) => Promise<unknown>,
    input: { teamId: string; channelId: string; userId: string; procedureId: string; message: string; procedureName?: string | undefined },
  ) => {
    const outcome = await deps.bridge.startProcedureThread(input);
    log.info({ procedureId: input.procedureId, channelId: input.channelId, userId: input.userId, outcome }, 'procedure requested');
    if (outcome === 'cannot_post') {
      await respond('Fin cannot post in this conversation. Invite the app to the channel (`/invite @Fin`) and try again.');
    } else if (outcome === 'rate_limited') {
      await respond(
        "You're starting things faster than Fin can keep up, so this procedure didn't start. Please wait a minute and try again.",
      );
    }
  };

  app.command(PROCEDURE_COMMAND, async ({ ack, command, respond }) => {
    const parsed = slashCommandSchema.safeParse(command);
    if (!parsed.success) {
      log.warn({ issues: parsed.error.issues.map((i) => i.path.join('.')) }, 'unexpected slash command payload');
      await ack({ response_type: 'ephemeral', text: 'Fin could not read this command. Please try again.' });
      return;
    }
    const { text, user_id: userId, channel_id: channelId, team_id: teamId, trigger_id: triggerId } = parsed.data;
    const say = (words: string) => respond({ response_type: 'ephemeral', text: words });
    await ack();
    if (text.trim() === '') {
      if (triggerId === undefined) {
        await say(USAGE);
        return;
      }
      // The trigger lasts 3 seconds: the form opens at once, and fills in when Fin has said what this person may run.
      afterAck(log, 'opening the procedure picker', async () => {
        const viewId = await deps.poster.openView(triggerId, procedurePickerLoading());
        const procedures = await deps.bridge.proceduresFor(userId);
        if (viewId === undefined) return;
        await deps.poster.updateView(viewId, procedures.length === 0 ? noProcedures() : procedurePicker(procedures, channelId));
      });
      return;
    }
    afterAck(log, 'starting a procedure', async () => {
      const listed = await deps.bridge.proceduresFor(userId);
      const match = matchProcedure(text, listed);
      if (match.kind === 'several') {
        await say(`“${text.trim()}” fits several procedures: ${names(match.names)}. Type more of the name, or its id.`);
      } else if (match.kind === 'none') {
        const offer =
          listed.length === 0
            ? ''
            : ` Procedures you can run: ${names(listed.slice(0, 10).map((p) => p.name))}${listed.length > 10 ? '…' : '.'}`;
        await say(`No procedure you can run is called “${text.trim()}”.${offer} ${USAGE}`);
      } else {
        await start(say, { teamId, channelId, userId, procedureId: match.procedureId, message: match.message, procedureName: match.name });
      }
    });
  });

  app.view(PROCEDURE_PICK_CALLBACK, async ({ ack, body }) => {
    const parsed = pickSchema.safeParse(body);
    const metadata = parsed.success ? pickMetadataSchema.safeParse(safeJson(parsed.data.view.private_metadata)) : undefined;
    const chosen = parsed.success ? parsed.data.view.state.values[PICK_BLOCK][PICK_INPUT].selected_option?.value : undefined;
    if (!parsed.success || metadata === undefined || !metadata.success || chosen == null) {
      log.warn('unexpected procedure picker submission');
      await ack({ response_action: 'errors', errors: { [PICK_BLOCK]: 'Please choose a procedure.' } });
      return;
    }
    await ack();
    const { user, team } = parsed.data;
    const message = parsed.data.view.state.values[PICK_MESSAGE_BLOCK]?.[PICK_MESSAGE_INPUT].value?.trim() ?? '';
    const channelId = metadata.data.channelId;
    const tell = (words: string) =>
      deps.poster.ephemeral(channelId, user.id, words).catch((error: unknown) => {
        log.info({ error: errorCode(error) }, 'could not tell the person why the procedure did not start');
      });
    afterAck(log, 'starting a chosen procedure', async () => {
      const name = (await deps.bridge.proceduresFor(user.id)).find((p) => p.id === chosen)?.name;
      await start(tell, {
        teamId: team?.id ?? user.team_id ?? '',
        channelId,
        userId: user.id,
        procedureId: chosen,
        message,
        procedureName: name,
      });
    });
  });
}
