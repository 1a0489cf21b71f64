import type { App } from '@slack/bolt';
import { z } from 'zod';
import type { Bridge } from '../bridge/bridge.ts';
import { errorCode } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import {
  CSAT_CHANGE_ACTION,
  CSAT_COMMENT_ACTION,
  CSAT_COMMENT_BLOCK,
  CSAT_COMMENT_CALLBACK,
  CSAT_COMMENT_INPUT,
  CSAT_RATE_ACTION_PREFIX,
} from '../csat/prompt.ts';
import { RATING_REFUSALS } from '../csat/ratings.ts';
import { messageModal } from '../slack/message-modal.ts';
import type { SlackPoster } from '../slack/poster.ts';
import { pressLimit, safeJson } from './actions.ts';
import { afterAck } from './after-ack.ts';

/** `<survey id>:<rating key>`, as the prompt's buttons and menu carry it. */
const choiceValue = z.string().regex(/^\d+:[a-z]+$/);

/** Where a press happened: its reply goes there, only to the person who pressed. */
const whereSchema = {
  user: z.looseObject({ id: z.string().min(1) }),
  channel: z.looseObject({ id: z.string().min(1) }).optional(),
  message: z.looseObject({ thread_ts: z.string().optional() }).optional(),
};

const rateSchema = z.looseObject({
  ...whereSchema,
  // A button carries its choice as `value`; the menu that changes a rating, as the selected option's value.
  actions: z
    .array(z.looseObject({ value: choiceValue.optional(), selected_option: z.looseObject({ value: choiceValue }).optional() }))
    .min(1),
});

const commentButtonSchema = z.looseObject({
  ...whereSchema,
  trigger_id: z.string().min(1),
  actions: z.array(z.looseObject({ action_id: z.literal(CSAT_COMMENT_ACTION), value: z.string().regex(/^\d+$/) })).min(1),
});

const commentSubmissionSchema = z.looseObject({
  user: z.looseObject({ id: z.string().min(1) }),
  view: z.looseObject({
    id: z.string().min(1),
    private_metadata: z.string(),
    state: z.looseObject({
      values: z.looseObject({
        [CSAT_COMMENT_BLOCK]: z.looseObject({ [CSAT_COMMENT_INPUT]: z.looseObject({ value: z.string().nullish() }) }),
      }),
    }),
  }),
});
const metadataSchema = z.object({ surveyId: z.number().int().positive(), rating: z.string().nullish() });

/**
 * The rating prompt (CSAT): its buttons and menu rate, "Add a comment" opens the comment form, and the form's text
 * goes to Fin with the rating. A press that does nothing is explained to the person who pressed, only to them.
 */
export function registerCsatActions(app: App, deps: { bridge: Bridge; poster: SlackPoster; logger: Logger }): void {
  const log = deps.logger.child({ component: 'slack-actions' });
  const allowed = pressLimit(log, 'rating');

  const tell = async (where: z.infer<typeof rateSchema> | z.infer<typeof commentButtonSchema>, text: string) => {
    if (where.channel === undefined) return;
    await deps.poster.ephemeral(where.channel.id, where.user.id, text, where.message?.thread_ts).catch((error: unknown) => {
      log.info({ error: errorCode(error) }, 'could not tell the person why their rating press did nothing');
    });
  };

  const rate = async ({ ack, body }: { ack: () => Promise<void>; body: unknown }) => {
    await ack();
    const parsed = rateSchema.safeParse(body);
    if (!parsed.success) {
      log.warn({ issues: parsed.error.issues.map((i) => i.path.join('.')) }, 'unexpected rating payload');
      return;
    }
    if (!allowed(parsed.data.user.id)) return;
    const action = parsed.data.actions[0];
    const value = action?.value ?? action?.selected_option?.value ?? '';
    const [surveyId, rating] = value.split(':');
    afterAck(log, 'rating a conversation', async () => {
      const outcome = await deps.bridge.rate({ surveyId: Number(surveyId), userId: parsed.data.user.id, rating: rating ?? '' });
      log.info({ surveyId, userId: parsed.data.user.id, outcome }, 'rating pressed');
      if (outcome !== 'rated' && outcome !== 'unchanged') await tell(parsed.data, RATING_REFUSALS[outcome]);
    });
  };
  app.action(new RegExp(`^${CSAT_RATE_ACTION_PREFIX}`), rate);
  app.action(CSAT_CHANGE_ACTION, rate);

  app.action(CSAT_COMMENT_ACTION, async ({ ack, body }) => {
    await ack();
    const parsed = commentButtonSchema.safeParse(body);
    if (!parsed.success) {
      log.warn({ issues: parsed.error.issues.map((i) => i.path.join('.')) }, 'unexpected rating comment payload');
      return;
    }
    if (!allowed(parsed.data.user.id)) return;
    const surveyId = Number(parsed.data.actions[0]?.value);
    // The trigger stays valid for 3 seconds from the click: the form opens right after the acknowledgement.
    afterAck(log, 'opening the rating comment form', async () => {
      const outcome = await deps.bridge.openCommentForm({ surveyId, userId: parsed.data.user.id, triggerId: parsed.data.trigger_id });
      log.info({ surveyId, userId: parsed.data.user.id, outcome }, 'rating comment form requested');
      if (outcome !== 'opened') await tell(parsed.data, RATING_REFUSALS[outcome]);
    });
  });

  app.view(CSAT_COMMENT_CALLBACK, async ({ ack, body }) => {
    const parsed = commentSubmissionSchema.safeParse(body);
    const metadata = parsed.success ? metadataSchema.safeParse(safeJson(parsed.data.view.private_metadata)) : undefined;
    if (!parsed.success || metadata === undefined || !metadata.success) {
      log.warn('unexpected rating comment submission');
      await ack({
        response_action: 'update',
        view: messageModal('Not sent', 'This form could not be read. Please open it again from the rating.'),
      });
      return;
    }
    const remark = parsed.data.view.state.values[CSAT_COMMENT_BLOCK][CSAT_COMMENT_INPUT].value?.trim() ?? '';
    if (remark === '') {
      await ack({ response_action: 'errors', errors: { [CSAT_COMMENT_BLOCK]: 'Please write a comment, or cancel.' } });
      return;
    }
    const { user, view } = parsed.data;
    const surveyId = metadata.data.surveyId;
    // Held in the store before Slack hears back: a crash now does not lose what the person wrote.
    const held = deps.bridge.holdComment({ surveyId, userId: user.id, remark, rating: metadata.data.rating ?? undefined });
    if (held !== 'held') {
      log.info({ surveyId, userId: user.id, outcome: held }, 'rating comment not taken');
      await ack({ response_action: 'update', view: deps.bridge.commentRefusal(held, remark) });
      return;
    }
    // The form turns into a "sending" note at once; Fin's answer replaces it.
    await ack({ response_action: 'update', view: messageModal('Sending…', 'Sending your comment to Fin…') });
    afterAck(log, 'sending a rating comment', async () => {
      const { kind, view: result } = await deps.bridge.sendComment(surveyId);
      log.info({ surveyId, userId: user.id, outcome: kind }, 'rating comment sent');
      await deps.poster.updateView(view.id, result).catch((error: unknown) => {
        log.info({ error: errorCode(error) }, 'could not show the outcome of a rating comment');
      });
    });
  });
}
