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
  procedurePickerFailed,
  procedurePickerLoading,
} from '../bridge/procedure-picker.ts';
import { matchProcedure } from '../bridge/procedure-match.ts';
import { errorCode } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { escapeText } from '../format/escape.ts';
import { truncate } from '../format/truncate.ts';
import type { SlackPoster } from '../slack/poster.ts';
import { slackToPlainText } from '../slack/plain-text.ts';
import { slashCommandSchema } from '../slack/schemas.ts';
import { safeJson } from './actions.ts';
import { afterAck } from './after-ack.ts';

export const PROCEDURE_COMMAND = '/fin-procedure';

const pickSchema = z.looseObject({
  user: z.looseObject({ id: z.string().min(1), team_id: z.string().nullish() }),
  // Either may be missing (or empty); the submission is refused only when both are (see below).
  team: z.looseObject({ id: z.string().nullish() }).nullish(),
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

/** The most procedure names one reply lists, and the longest name it shows whole (the app's own choices). */
const MAX_NAMED = 10;
const MAX_NAME = 100;

/**
 * Procedure names for a reply: Fin's words, so escaped (mrkdwn, mentions, broadcasts), each cut to a readable length,
 * at most ten of them, then how many more there are.
 */
const names = (list: readonly string[]) => {
  const shown = list
    .slice(0, MAX_NAMED)
    .map((n) => `“${escapeText(truncate(n, MAX_NAME))}”`)
    .join(', ');
  return list.length > MAX_NAMED ? `${shown} and ${list.length - MAX_NAMED} more` : shown;
};

const nonEmpty = (text: string | null | undefined) => (text === undefined || text === null || text === '' ? undefined : text);

/**
 * `/fin-procedure` starts a thread in the channel that runs a Fin Procedure for whoever typed it. Alone, it opens a
 * form listing the procedures Fin says this person may run; with text, it finds the procedure by id or by name (an
 * unambiguous start of one will do) and says so when none or several fit. Slack needs the acknowledgement within 3
 * seconds: everything slow happens after it, and what the person should read goes back privately (`respond`).
 */
export function registerCommands(app: App, deps: { bridge: Bridge; poster: SlackPoster; logger: Logger; botUserId: string }): void {
  const log = deps.logger.child({ component: 'slack-commands' });

  /**
   * `respond` reaches the person: in the conversation itself for a typed command (`here`), or possibly in their DM
   * with the app for a submitted form (`elsewhere`), where "this conversation" would name the wrong one.
   */
  const start = async (
    respond: (text: string) => Promise<unknown>,
    where: 'here' | 'elsewhere',
    input: { teamId: string; channelId: string; userId: string; procedureId: string; message: string; procedureName?: string | undefined },
  ) => {
    const outcome = await deps.bridge.startProcedureThread(input);
    log.info({ procedureId: input.procedureId, channelId: input.channelId, userId: input.userId, outcome }, 'procedure requested');
    if (outcome === 'cannot_post') {
      await respond(
        where === 'here'
          ? 'Fin cannot post in this conversation. Invite the app to the channel (`/invite @Fin`) and try again.'
          : `Fin cannot post in the conversation where you typed \`${PROCEDURE_COMMAND}\`. Invite the app to the channel (\`/invite @Fin\`) and try again.`,
      );
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
    const { user_id: userId, channel_id: channelId, team_id: teamId, trigger_id: triggerId } = parsed.data;
    // Slack sends the text with `&`, `<` and `>` escaped: it is matched, and sent on, as the person typed it.
    const text = slackToPlainText(parsed.data.text, { botUserId: deps.botUserId });
    const say = (words: string) => respond({ response_type: 'ephemeral', text: words });
    await ack();
    if (text.trim() === '') {
      if (triggerId === undefined) {
        await say(USAGE);
        return;
      }
      // The trigger lasts 3 seconds: the form opens at once, and fills in when Fin has said what this person may run.
      // Once the loading form is open, whatever fails replaces it with an error form, so it never spins for good.
      afterAck(log, 'opening the procedure picker', async () => {
        const viewId = await deps.poster.openView(triggerId, procedurePickerLoading());
        if (viewId === undefined) return;
        try {
          const procedures = await deps.bridge.proceduresFor(userId);
          await deps.poster.updateView(viewId, procedures.length === 0 ? noProcedures() : procedurePicker(procedures, channelId));
        } catch (error) {
          log.warn({ err: error, error: errorCode(error) }, 'could not show the procedures in the form; showing an error there');
          await deps.poster.updateView(viewId, procedurePickerFailed()).catch((again: unknown) => {
            log.error({ error: errorCode(again) }, 'could not replace the procedure form’s loading message either');
          });
        }
      });
      return;
    }
    afterAck(log, 'starting a procedure', async () => {
      const listed = await deps.bridge.proceduresFor(userId);
      const match = matchProcedure(text, listed);
      if (match.kind === 'several') {
        await say(`“${escapeText(text)}” fits several procedures: ${names(match.names)}. Type more of the name, or its id.`);
      } else if (match.kind === 'none') {
        const offer = listed.length === 0 ? '' : ` Procedures you can run: ${names(listed.map((p) => p.name))}.`;
        await say(`No procedure you can run is called “${escapeText(text)}”.${offer} ${USAGE}`);
      } else {
        await start(say, 'here', {
          teamId,
          channelId,
          userId,
          procedureId: match.procedureId,
          message: match.message,
          procedureName: match.name,
        });
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
    const { user, team } = parsed.data;
    // The conversation is keyed by its workspace: never by an empty one.
    const teamId = nonEmpty(team?.id) ?? nonEmpty(user.team_id);
    if (teamId === undefined) {
      log.warn({ userId: user.id }, 'procedure picker submission names no workspace; not starting the procedure');
      await ack({
        response_action: 'errors',
        errors: {
          [PICK_BLOCK]: 'Fin could not tell which workspace this form came from, so the procedure did not start. Please try again.',
        },
      });
      return;
    }
    await ack();
    const message = parsed.data.view.state.values[PICK_MESSAGE_BLOCK]?.[PICK_MESSAGE_INPUT].value?.trim() ?? '';
    const channelId = metadata.data.channelId;
    // An ephemeral message in the channel, or a DM when the app cannot write there (not invited: the case to tell).
    const tell = (words: string) => deps.poster.tellPrivately(user.id, { channelId }, words);
    afterAck(log, 'starting a chosen procedure', async () => {
      const name = (await deps.bridge.proceduresFor(user.id)).find((p) => p.id === chosen)?.name;
      await start(tell, 'elsewhere', {
        teamId,
        channelId,
        userId: user.id,
        procedureId: chosen,
        message,
        procedureName: name,
      });
    });
  });
}
