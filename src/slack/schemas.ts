import { z } from 'zod';

/**
 * A file shared in a message, as the event describes it. `mode` says whether it can be fetched at all (`tombstone`:
 * deleted; `hidden_by_limit`: beyond a free workspace's history; `external`: a link to another service).
 */
export const slackFileSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string().optional(),
  title: z.string().optional(),
  mimetype: z.string().optional(),
  size: z.number().int().nonnegative().optional(),
  mode: z.string().optional(),
  is_external: z.boolean().optional(),
  url_private_download: z.string().optional(),
  url_private: z.string().optional(),
});
export type SlackFile = z.infer<typeof slackFileSchema>;

/**
 * The fields of `app_mention` and `message` events the app relies on. Everything else Slack sends is kept
 * (loose objects) but never read.
 */
export const slackMessageEventSchema = z.looseObject({
  type: z.enum(['app_mention', 'message']),
  channel: z.string().min(1),
  channel_type: z.string().optional(),
  user: z.string().optional(),
  bot_id: z.string().optional(),
  subtype: z.string().optional(),
  text: z.string().optional(),
  ts: z.string().regex(/^\d+\.\d+$/),
  thread_ts: z
    .string()
    .regex(/^\d+\.\d+$/)
    .optional(),
  team: z.string().optional(),
  files: z.array(slackFileSchema).optional(),
  /** `message_changed`: the message as it is now. */
  message: z
    .looseObject({ user: z.string().optional(), text: z.string().optional(), ts: z.string(), thread_ts: z.string().optional() })
    .optional(),
  /** `message_changed` and `message_deleted`: the message as it was. */
  previous_message: z
    .looseObject({ user: z.string().optional(), text: z.string().optional(), ts: z.string().optional(), thread_ts: z.string().optional() })
    .optional(),
  /** `message_deleted`: the message that is gone. */
  deleted_ts: z.string().optional(),
});
export type SlackMessageEvent = z.infer<typeof slackMessageEventSchema>;

export const usersInfoSchema = z.looseObject({
  user: z.looseObject({
    id: z.string(),
    name: z.string().optional(),
    real_name: z.string().optional(),
    is_bot: z.boolean().optional(),
    profile: z
      .looseObject({
        display_name: z.string().optional(),
        real_name: z.string().optional(),
        email: z.string().optional(),
      })
      .optional(),
  }),
});

export const conversationsInfoSchema = z.looseObject({
  channel: z.looseObject({
    id: z.string(),
    name: z.string().optional(),
    is_im: z.boolean().optional(),
    is_mpim: z.boolean().optional(),
    is_private: z.boolean().optional(),
  }),
});

export const conversationsRepliesSchema = z.looseObject({
  messages: z
    .array(
      z.looseObject({
        ts: z.string(),
        thread_ts: z.string().optional(),
        user: z.string().optional(),
        bot_id: z.string().optional(),
        subtype: z.string().optional(),
        text: z.string().optional(),
        bot_profile: z.looseObject({ name: z.string().optional() }).optional(),
      }),
    )
    .default([]),
  has_more: z.boolean().optional(),
  response_metadata: z.looseObject({ next_cursor: z.string().optional() }).optional(),
});

/** A slash command as Slack posts it (the fields the app reads). */
export const slashCommandSchema = z.looseObject({
  text: z.string().default(''),
  user_id: z.string().min(1),
  channel_id: z.string().min(1),
  team_id: z.string().min(1),
  trigger_id: z.string().min(1).optional(),
  response_url: z.string().min(1).optional(),
});
