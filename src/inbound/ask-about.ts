import type { App } from '@slack/bolt';
import type { ModalView } from '@slack/types';
import { z } from 'zod';
import type { Bridge } from '../bridge/bridge.ts';
import { errorCode } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { escapeMrkdwn } from '../format/escape.ts';
import { truncate } from '../format/truncate.ts';
import { SLACK_LIMITS as L } from '../slack/limits.ts';
import type { SlackPoster } from '../slack/poster.ts';
import { safeJson } from './actions.ts';
import { afterAck } from './after-ack.ts';

export const ASK_ABOUT_SHORTCUT = 'fin_ask_about';
const ASK_ABOUT_CALLBACK = 'fin_ask_about_submit';
const QUESTION_BLOCK = 'question';
const QUESTION_INPUT = 'question';

const shortcutSchema = z.looseObject({
  user: z.looseObject({ id: z.string().min(1) }),
  channel: z.looseObject({ id: z.string().min(1) }),
  team: z.looseObject({ id: z.string().min(1) }).nullish(),
  trigger_id: z.string().min(1),
  message: z.looseObject({
    ts: z.string().min(1),
    thread_ts: z.string().optional(),
    text: z.string().optional(),
    user: z.string().optional(),
    username: z.string().optional(),
    bot_profile: z.looseObject({ name: z.string().optional() }).nullish(),
  }),
});

const submissionSchema = z.looseObject({
  user: z.looseObject({ id: z.string().min(1) }),
  view: z.looseObject({
    private_metadata: z.string(),
    state: z.looseObject({
      values: z.looseObject({ [QUESTION_BLOCK]: z.looseObject({ [QUESTION_INPUT]: z.looseObject({ value: z.string().nullish() }) }) }),
    }),
  }),
});
const metadataSchema = z.object({
  teamId: z.string().min(1),
  channelId: z.string().min(1),
  messageTs: z.string().min(1),
  threadTs: z.string().min(1),
  /** The message asked about, as the shortcut showed it: Fin reads it with the question. */
  about: z.object({ author: z.string(), text: z.string() }).optional(),
});
type AskAboutMetadata = z.infer<typeof metadataSchema>;

/**
 * The form's metadata, within Slack's limit for `private_metadata`: the message's text is shortened (at a character,
 * never inside a JSON escape) until the whole fits.
 */
function fittedMetadata(metadata: AskAboutMetadata): string {
  let json = JSON.stringify(metadata);
  const about = metadata.about;
  if (about === undefined) return json;
  let text = about.text;
  while (json.length > L.modal.privateMetadata && text !== '') {
    text = truncate(text, Math.max(0, text.length - Math.max(1, json.length - L.modal.privateMetadata)));
    json = JSON.stringify({ ...metadata, about: { ...about, text } });
  }
  return json;
}

function questionModal(metadata: AskAboutMetadata): ModalView {
  return {
    type: 'modal',
    callback_id: ASK_ABOUT_CALLBACK,
    private_metadata: fittedMetadata(metadata),
    title: { type: 'plain_text', text: 'Ask Fin about this' },
    submit: { type: 'plain_text', text: 'Ask' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'input',
        block_id: QUESTION_BLOCK,
        label: { type: 'plain_text', text: 'Your question' },
        hint: {
          type: 'plain_text',
          text: 'Fin reads the message and answers in its thread, where everyone in the conversation can see the question and the answer.',
        },
        element: {
          type: 'plain_text_input',
          action_id: QUESTION_INPUT,
          multiline: true,
          max_length: L.plainTextInput.maxLength,
          placeholder: { type: 'plain_text', text: 'What would you like to know about this message?' },
        },
      },
    ],
  };
}

const REFUSED: Readonly<Record<'with_people' | 'cannot_post' | 'rate_limited', string>> = {
  with_people: 'This thread is with our support team now, so Fin does not answer in it.',
  cannot_post: 'Fin cannot post in this conversation. Invite the app to the channel (`/invite @Fin`) and try again.',
  rate_limited: "You're asking faster than Fin can keep up, so this question didn't go to Fin. Please wait a minute and try again.",
};

/**
 * "Ask Fin about this", a message shortcut: a form takes the question, which Fin answers in the message's thread. Fin
 * reads the message (its author and text) with the question itself, so it knows what "this" is even in a long thread
 * or one it is already in.
 */
export function registerAskAbout(app: App, deps: { bridge: Bridge; poster: SlackPoster; logger: Logger; teamId: string }): void {
  const log = deps.logger.child({ component: 'slack-ask-about' });

  app.shortcut(ASK_ABOUT_SHORTCUT, async ({ ack, body }) => {
    await ack();
    const parsed = shortcutSchema.safeParse(body);
    if (!parsed.success) {
      log.warn({ issues: parsed.error.issues.map((i) => i.path.join('.')) }, 'unexpected message shortcut payload');
      return;
    }
    const { channel, team, trigger_id: triggerId, message } = parsed.data;
    // A person is named by a mention (Fin gets their name); another app by the name Slack shows for it.
    const author =
      message.user !== undefined ? `<@${message.user}>` : escapeMrkdwn(message.bot_profile?.name ?? message.username ?? 'an app');
    const metadata: AskAboutMetadata = {
      teamId: team?.id ?? deps.teamId,
      channelId: channel.id,
      messageTs: message.ts,
      threadTs: message.thread_ts ?? message.ts,
      ...(message.text !== undefined && message.text.trim() !== '' ? { about: { author, text: message.text } } : {}),
    };
    // The trigger lasts 3 seconds: the form opens right after the acknowledgement.
    afterAck(log, 'opening the ask-about form', async () => {
      await deps.poster.openView(triggerId, questionModal(metadata));
    });
  });

  app.view(ASK_ABOUT_CALLBACK, async ({ ack, body }) => {
    const parsed = submissionSchema.safeParse(body);
    const metadata = parsed.success ? metadataSchema.safeParse(safeJson(parsed.data.view.private_metadata)) : undefined;
    const question = parsed.success ? (parsed.data.view.state.values[QUESTION_BLOCK][QUESTION_INPUT].value?.trim() ?? '') : '';
    if (!parsed.success || metadata === undefined || !metadata.success) {
      log.warn('unexpected ask-about form submission');
      await ack({ response_action: 'errors', errors: { [QUESTION_BLOCK]: 'This form could not be read. Please use the shortcut again.' } });
      return;
    }
    if (question === '') {
      await ack({ response_action: 'errors', errors: { [QUESTION_BLOCK]: 'Please write your question.' } });
      return;
    }
    await ack();
    const userId = parsed.data.user.id;
    afterAck(log, 'asking Fin about a message', async () => {
      const outcome = await deps.bridge.askAboutMessage({ ...metadata.data, userId, question });
      log.info({ channelId: metadata.data.channelId, userId, outcome }, 'asked Fin about a message');
      if (outcome !== 'asked') {
        await deps.poster
          .tellPrivately(userId, { channelId: metadata.data.channelId, threadTs: metadata.data.threadTs }, REFUSED[outcome])
          .catch((error: unknown) => log.info({ error: errorCode(error) }, 'could not tell the person why Fin was not asked'));
      }
    });
  });
}
