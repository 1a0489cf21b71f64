import { errorCode } from '../core/errors.ts';
import type { App } from '@slack/bolt';
import { z } from 'zod';
import type { Bridge } from '../bridge/bridge.ts';
import type { Logger } from '../core/log.ts';
import { SlidingWindowLimiter } from '../core/sliding-window.ts';
import { HAND_BACK_ACTION } from '../handoff/agent-post.ts';
import type { HumanInTheLoop } from '../hitl/hitl.ts';
import { HITL_SUBMIT_CALLBACK, messageModal } from '../hitl/modal.ts';
import { HITL_OPEN_ACTION } from '../hitl/post.ts';
import { afterAck, within } from './after-ack.ts';
import { membershipRefusal } from '../slack/membership.ts';
import type { SlackPoster } from '../slack/poster.ts';

/** The parts of a `block_actions` payload for the hand-back button that the app relies on. */
/** The message the button is on: its ts must be the post the request or escalation names (an old post never acts on a new one). */
const containerSchema = z.looseObject({ message_ts: z.string().min(1) }).optional();

const handBackSchema = z.looseObject({
  user: z.looseObject({ id: z.string().min(1) }),
  channel: z.looseObject({ id: z.string().min(1) }).optional(),
  container: containerSchema,
  actions: z.array(z.looseObject({ action_id: z.literal(HAND_BACK_ACTION), value: z.string().regex(/^\d+$/) })).min(1),
});

const hitlOpenSchema = z.looseObject({
  user: z.looseObject({ id: z.string().min(1) }),
  trigger_id: z.string().min(1),
  channel: z.looseObject({ id: z.string().min(1) }).optional(),
  container: containerSchema,
  actions: z.array(z.looseObject({ action_id: z.literal(HITL_OPEN_ACTION), value: z.string().regex(/^\d+$/) })).min(1),
});

const viewSubmissionSchema = z.looseObject({
  user: z.looseObject({ id: z.string().min(1) }),
  view: z.looseObject({
    id: z.string().optional(),
    private_metadata: z.string(),
    state: z.looseObject({ values: z.unknown() }),
  }),
});
const metadataSchema = z.object({ requestId: z.number().int().positive() });

/** How long a form submission may be checked before Slack's 3-second window for its answer runs out. */
const PREPARE_LIMIT_MS = 2_000;

/**
 * Button presses one person may make in a minute on the app's posts. Each costs Slack calls (a membership read, an
 * ephemeral answer): beyond this, presses are acknowledged and ignored (logged), so nobody can spend the workspace's
 * budget by clicking.
 */
const PRESSES_PER_MINUTE = 20;

/** One app's count of each person's presses, for one kind of button. */
export function pressLimit(log: Logger, what: string): (userId: string) => boolean {
  const presses = new SlidingWindowLimiter({ limit: PRESSES_PER_MINUTE, windowMs: 60_000 });
  return (userId) => {
    if (presses.tryTake(userId, Date.now())) return true;
    log.warn({ userId, what, limit: PRESSES_PER_MINUTE }, 'ignoring a press: this person is pressing faster than the app answers');
    return false;
  };
}

/** Buttons and forms on the app's posts. Slack needs its acknowledgement within 3 s, so `ack()` comes first. */
export function registerActions(app: App, deps: { bridge: Bridge; poster: SlackPoster; logger: Logger }): void {
  const log = deps.logger.child({ component: 'slack-actions' });
  const allowed = pressLimit(log, 'hand-back');
  app.action(HAND_BACK_ACTION, async ({ ack, body }) => {
    await ack();
    const parsed = handBackSchema.safeParse(body);
    if (!parsed.success) {
      log.warn({ issues: parsed.error.issues.map((i) => i.path.join('.')) }, 'unexpected hand-back payload');
      return;
    }
    const { user, channel, actions, container } = parsed.data;
    if (!allowed(user.id)) return;
    const escalationId = Number(actions[0]?.value);
    // It waits its turn behind the conversation's work (a call to Fin, say): after the acknowledgement.
    afterAck(log, 'hand-back', async () => {
      // A failure (the database, say) is not "unknown": the person is told it went wrong and may try again.
      const outcome = await deps.bridge.handBack(escalationId, user.id, container?.message_ts).catch((error: unknown) => {
        log.error({ escalationId, err: error }, 'hand-back failed');
        return 'failed' as const;
      });
      log.info({ escalationId, userId: user.id, outcome }, 'hand-back pressed');
      if (outcome !== 'handed_back' && channel !== undefined) {
        const text = {
          already: 'This conversation has already been handed back to Fin.',
          unknown: 'This escalation is no longer known to the app, so it cannot be handed back.',
          not_member: membershipRefusal('not_member', 'hand a conversation back to Fin'),
          membership_unknown: membershipRefusal('membership_unknown', 'hand a conversation back to Fin'),
          failed: 'Something went wrong while handing this conversation back to Fin. Please try again in a moment.',
        }[outcome];
        await deps.poster.ephemeral(channel.id, user.id, text).catch((error: unknown) => {
          log.info({ error: errorCode(error) }, 'could not tell the person why the hand-back did nothing');
        });
      }
    });
  });
}

/** The form for a human-in-the-loop step: opened from the post's button, answered by a member of the agents' channel. */
export function registerHitlActions(app: App, deps: { hitl: HumanInTheLoop; poster: SlackPoster; logger: Logger }): void {
  const log = deps.logger.child({ component: 'slack-actions' });
  const allowed = pressLimit(log, 'human-in-the-loop form');
  app.action(HITL_OPEN_ACTION, async ({ ack, body }) => {
    await ack();
    const parsed = hitlOpenSchema.safeParse(body);
    if (!parsed.success) {
      log.warn({ issues: parsed.error.issues.map((i) => i.path.join('.')) }, 'unexpected human-in-the-loop button payload');
      return;
    }
    const { user, trigger_id: triggerId, channel, actions, container } = parsed.data;
    if (!allowed(user.id)) return;
    const requestId = Number(actions[0]?.value);
    // The trigger stays valid for 3 seconds from the click: the form opens right after the acknowledgement.
    afterAck(log, 'opening a human-in-the-loop form', async () => {
      const { kind: outcome, by } = await deps.hitl.openForm({ requestId, userId: user.id, triggerId, messageTs: container?.message_ts });
      log.info({ requestId, userId: user.id, outcome }, 'human-in-the-loop form requested');
      const refusal =
        outcome === 'not_member' || outcome === 'membership_unknown'
          ? membershipRefusal(outcome, "answer Fin's questions")
          : outcome === 'closed'
            ? `This request was already answered${by ? ` by ${by}` : ''}.`
            : outcome === 'unknown'
              ? 'This request is no longer known to the app.'
              : undefined;
      if (refusal !== undefined && channel !== undefined)
        await deps.poster.ephemeral(channel.id, user.id, refusal).catch((error: unknown) => {
          log.info({ error: errorCode(error) }, 'could not tell the person why the form did not open');
        });
    });
  });

  app.view(HITL_SUBMIT_CALLBACK, async ({ ack, body }) => {
    const parsed = viewSubmissionSchema.safeParse(body);
    const metadata = parsed.success ? metadataSchema.safeParse(safeJson(parsed.data.view.private_metadata)) : undefined;
    if (!parsed.success || metadata === undefined || !metadata.success) {
      log.warn('unexpected human-in-the-loop form submission');
      await ack({
        response_action: 'update',
        view: messageModal('Not sent', 'This form could not be read. Please open it again from the post.'),
      });
      return;
    }
    const { user, view } = parsed.data;
    // Validation answers go in the acknowledgement itself, so they must be known within Slack's 3 seconds.
    const preparing = deps.hitl.prepare({ requestId: metadata.data.requestId, userId: user.id, state: view.state.values });
    const submission = await within(PREPARE_LIMIT_MS, preparing);
    if (submission === undefined) {
      log.warn({ requestId: metadata.data.requestId }, 'could not check a human-in-the-loop form in time');
      // Nothing will send values claimed after the window closed: such a claim is given up at once.
      preparing.then(
        (late) => {
          if (late.kind === 'ready')
            deps.hitl.release(late.request.id, 'Slack was too slow to confirm the last answer; please send it again.');
        },
        (error: unknown) => log.error({ err: error }, 'checking a human-in-the-loop form failed'),
      );
      await ack({
        response_action: 'update',
        view: messageModal('Not sent', 'Slack was too slow to confirm this answer. Please open the form again from the post.'),
      });
      return;
    }
    if (submission.kind === 'errors') {
      await ack({ response_action: 'errors', errors: { ...submission.errors } });
      return;
    }
    // The form closes into a "sending" note at once; the outcome replaces it when Intercom has answered.
    await ack({ response_action: 'update', view: messageModal('Sending…', 'Sending your answer to Fin…') });
    afterAck(log, 'sending human-in-the-loop values', () => deps.hitl.send(submission, view.id));
  });
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
