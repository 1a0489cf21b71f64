import { z } from 'zod';

/** Ids are documented as strings; accepting numbers too costs nothing and survives a serializer change at Fin. */
const id = z.union([z.string().min(1), z.number()]).transform(String);

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

export const finEventSchema = z.discriminatedUnion('event_name', [finRepliedSchema, finReplyChunkSchema, finStatusUpdatedSchema]);

export type FinReplied = z.infer<typeof finRepliedSchema>;
export type FinReplyChunk = z.infer<typeof finReplyChunkSchema>;
export type FinStatusUpdated = z.infer<typeof finStatusUpdatedSchema>;
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
