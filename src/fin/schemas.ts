import { z } from 'zod';

/** Ids are documented as strings; accepting numbers too costs nothing and survives a serializer change at Fin. */
const id = z.union([z.string().min(1), z.number()]).transform(String);

/** The ratings Fin's surveys offer (`csat.options[].key`), and what `/fin/csat` takes back as `rating`. */
export const CSAT_RATINGS = ['terrible', 'bad', 'ok', 'good', 'amazing'] as const;
export type CsatRating = (typeof CSAT_RATINGS)[number];

/** Response of /fin/start, /fin/reply and /fin/procedures/{id}/run. Unknown fields are kept, not rejected. */
export const finTurnResponseSchema = z.looseObject({
  conversation_id: id.optional(),
  user_id: id.optional(),
  status: z.string().optional(),
  created_at_ms: z.string().optional(),
  // Checked where it is used: an odd URL must not make Fin's acceptance of the message look like a failure.
  sse_subscription_url: z.string().optional(),
  intercom_conversation_id: id.nullish(),
  errors: z
    .looseObject({
      user: z.looseObject({ attributes: z.record(z.string(), z.string()).optional() }).optional(),
      conversation: z.looseObject({ attributes: z.record(z.string(), z.string()).optional() }).optional(),
    })
    .optional(),
});
export type FinTurnResponse = z.infer<typeof finTurnResponseSchema>;

/**
 * `/fin/capabilities` (Preview): what Fin can do for one user. Only procedures are read (id and name required, for
 * they are offered by name); static actions (`reply`, `ask`, `escalate`) and entries the app cannot use are dropped.
 */
export const finCapabilitiesResponseSchema = z.looseObject({
  capabilities: z
    .array(z.unknown())
    .default([])
    .transform((entries) =>
      entries.flatMap((entry) => {
        const procedure = z
          .looseObject({ type: z.literal('procedure'), id, name: z.string().trim().min(1), description: z.string().nullish() })
          .safeParse(entry);
        return procedure.success
          ? [{ id: procedure.data.id, name: procedure.data.name, description: procedure.data.description?.trim() ?? '' }]
          : [];
      }),
    ),
});

/** A procedure a user may run, as the app offers it. */
export interface FinProcedure {
  readonly id: string;
  readonly name: string;
  readonly description: string;
}

/** `/fin/csat`'s answer once the rating is recorded. */
export const finCsatResponseSchema = z.looseObject({ rating: z.enum(CSAT_RATINGS).optional(), status: z.string().optional() });

/** `/fin/csat` refuses with 422 and a body of its own shape: messages keyed by field, or `base` for the conversation. */
export const finCsatErrorBodySchema = z.looseObject({ errors: z.record(z.string(), z.string()) });

/** Intercom's `error.list` body. Parsed leniently: it only enriches the error we raise. */
export const finErrorBodySchema = z.looseObject({
  request_id: z.string().nullish(),
  errors: z
    .array(z.looseObject({ code: z.string().nullish(), message: z.string().nullish() }))
    .optional()
    .catch(undefined),
});

export const finRepliedSchema = z.looseObject({
  event_name: z.literal('fin_replied'),
  conversation_id: id,
  user_id: id.optional(),
  message: z.looseObject({
    id,
    author: z.string().optional(),
    body: z.string(),
    timestamp_ms: z.string().optional(),
  }),
  status: z.string().optional(),
  stream_id: z.string().min(1).nullish(),
  created_at_ms: z.string().optional(),
});

export const finReplyChunkSchema = z.looseObject({
  event_name: z.literal('fin_reply_chunk'),
  conversation_id: id,
  stream_id: z.string().min(1),
  chunk_index: z.number().int().nonnegative(),
  chunk_text: z.string(),
  status: z.string().optional(),
  created_at_ms: z.string().optional(),
});

export const finStatusUpdatedSchema = z.looseObject({
  event_name: z.literal('fin_status_updated'),
  conversation_id: id,
  user_id: id.optional(),
  status: z.string(),
  reason: z.string().nullish(),
  created_at_ms: z.string().optional(),
});

/**
 * Fin asks the user to rate the conversation (API 2.15 and later). The options come in the order to show them, with
 * the emoji and a label already in the user's language: the app shows them as sent and sends back the `key`.
 */
export const finCsatRequestedSchema = z.looseObject({
  event_name: z.literal('csat_requested'),
  conversation_id: id,
  user_id: id.optional(),
  csat: z.looseObject({
    options: z
      // A blank label would make a button Slack refuses (and a choice nobody can read).
      .array(z.looseObject({ key: z.enum(CSAT_RATINGS), emoji: z.string(), label: z.string().trim().min(1) }))
      .min(1)
      // One button per rating: a repeated key would be two buttons doing the same thing.
      .refine((options) => new Set(options.map((o) => o.key)).size === options.length, { error: 'repeats a rating key' }),
  }),
  created_at_ms: z.string().optional(),
});

export const finEventSchema = z.discriminatedUnion('event_name', [
  finRepliedSchema,
  finReplyChunkSchema,
  finStatusUpdatedSchema,
  finCsatRequestedSchema,
]);

export type FinReplied = z.infer<typeof finRepliedSchema>;
export type FinReplyChunk = z.infer<typeof finReplyChunkSchema>;
export type FinStatusUpdated = z.infer<typeof finStatusUpdatedSchema>;
export type FinCsatRequested = z.infer<typeof finCsatRequestedSchema>;
export type CsatOption = FinCsatRequested['csat']['options'][number];
export type FinEvent = z.infer<typeof finEventSchema>;

/** Fin's wire format for the pieces of a request the app builds. */
export interface FinMessage {
  author: 'user' | 'agent' | 'fin';
  body: string;
  timestamp: string;
}

export interface FinUser {
  id: string;
  name?: string;
  email?: string;
}

/** A file sent with a message: its bytes inline (base64). Fin takes at most 10 per message. */
export interface FinAttachment {
  type: 'file';
  name: string;
  content_type: string;
  data: string;
}

export interface FinTurnRequest {
  conversation_id: string;
  message: FinMessage;
  user: FinUser;
  attachments?: FinAttachment[];
  conversation_metadata?: {
    history?: FinMessage[];
    attributes?: Record<string, string | number | boolean>;
  };
}
