import type { App } from '@slack/bolt';
import { z } from 'zod';
import type { Bridge } from '../bridge/bridge.ts';
import { errorCode } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { PERSON_REQUEST_REPLIES, type PersonRequestInput } from '../handoff/person-request.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { SlackPoster } from '../slack/poster.ts';
import { afterAck } from './after-ack.ts';

export const TALK_TO_PERSON_SHORTCUT = 'fin_talk_to_person';

const reactionSchema = z.looseObject({
  user: z.string().min(1),
  reaction: z.string().min(1),
  item: z.looseObject({ type: z.literal('message'), channel: z.string().min(1), ts: z.string().min(1) }),
});

const shortcutSchema = z.looseObject({
  user: z.looseObject({ id: z.string().min(1) }),
  channel: z.looseObject({ id: z.string().min(1) }),
  team: z.looseObject({ id: z.string().min(1) }).nullish(),
  message: z.looseObject({ ts: z.string().min(1), thread_ts: z.string().optional() }),
});

/**
 * A person on request, two ways: a reaction (`FIN_ESCALATION_EMOJI`) on any message of a bridged thread, and the
 * "Talk to a person" message shortcut. The reaction's event is recorded before Slack hears back (its retry then does
 * nothing); a request in a thread people already have is answered, only to the person, that it is with the team.
 */
export function registerPersonRequests(
  app: App,
  deps: {
    bridge: Bridge;
    poster: SlackPoster;
    logger: Logger;
    metrics: Metrics;
    botUserId: string;
    teamId: string;
    emoji: ReadonlySet<string>;
  },
): void {
  const log = deps.logger.child({ component: 'person-requests' });

  const answer = async (input: PersonRequestInput, result: Awaited<ReturnType<Bridge['requestPerson']>>) => {
    log.info({ via: input.via, userId: input.userId, channelId: input.channelId, outcome: result.kind }, 'a person was asked for');
    if (result.kind === 'requested' || result.kind === 'duplicate') return;
    deps.metrics.personRequests.inc({ via: input.via, outcome: result.kind });
    // A reaction outside a bridged thread is just a reaction: only the shortcut, asked on purpose, gets an answer.
    if (result.kind === 'not_bridged' && input.via === 'reaction') return;
    const threadTs = result.kind === 'already' ? result.conv.threadTs : (input.threadTs ?? input.messageTs);
    await deps.poster.ephemeral(input.channelId, input.userId, PERSON_REQUEST_REPLIES[result.kind], threadTs).catch((error: unknown) => {
      log.info({ error: errorCode(error) }, 'could not tell the person about their request');
    });
  };

  app.event('reaction_added', async ({ event, body }) => {
    const parsed = reactionSchema.safeParse(event);
    // Reactions on files, or by the app itself (it marks Fin's hand-off replies with one), are not requests.
    if (!parsed.success || parsed.data.user === deps.botUserId) return;
    // A skin tone is part of the name Slack sends (`raising_hand::skin-tone-3`); the emoji is the same request.
    const name = parsed.data.reaction.replace(/::skin-tone-\d$/, '');
    if (!deps.emoji.has(name)) return;
    const envelope = body as { event_id?: unknown; team_id?: unknown };
    const input: PersonRequestInput = {
      teamId: typeof envelope.team_id === 'string' ? envelope.team_id : deps.teamId,
      channelId: parsed.data.item.channel,
      messageTs: parsed.data.item.ts,
      userId: parsed.data.user,
      via: 'reaction',
      reaction: name,
    };
    const result = await deps.bridge.requestPerson(input, typeof envelope.event_id === 'string' ? envelope.event_id : undefined);
    // Recorded above; telling the person may wait for Slack's acknowledgement.
    afterAck(log, 'answering a request for a person', () => answer(input, result));
  });

  app.shortcut(TALK_TO_PERSON_SHORTCUT, async ({ ack, body }) => {
    const parsed = shortcutSchema.safeParse(body);
    if (!parsed.success) {
      await ack();
      log.warn({ issues: parsed.error.issues.map((i) => i.path.join('.')) }, 'unexpected message shortcut payload');
      return;
    }
    const { user, channel, team, message } = parsed.data;
    const input: PersonRequestInput = {
      teamId: team?.id ?? deps.teamId,
      channelId: channel.id,
      messageTs: message.ts,
      threadTs: message.thread_ts ?? message.ts,
      userId: user.id,
      via: 'shortcut',
    };
    // The shortcut names its thread, so the request is recorded without asking Slack, before Slack hears back.
    const result = await deps.bridge.requestPerson(input);
    await ack();
    afterAck(log, 'answering a request for a person', () => answer(input, result));
  });
}
