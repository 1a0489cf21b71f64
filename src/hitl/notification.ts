import { z } from 'zod';

export const HITL_TOPIC = 'procedure.hitl_notification.created';

/** How the app collects a value: each Intercom data type maps to one Block Kit element (or none). */
export type AttributeKind = 'boolean' | 'string' | 'integer' | 'decimal' | 'list' | 'date' | 'datetime' | 'unsupported';

export interface HitlAttribute {
  readonly identifier: string;
  readonly label: string;
  readonly kind: AttributeKind;
  /** Intercom's own type name, shown when Slack cannot collect it. */
  readonly dataType: string;
  /** List options: the id goes back to Intercom, the label is what agents see. */
  readonly options: readonly { readonly id: string; readonly label: string }[];
}

export interface HitlNotification {
  readonly notificationId: string | undefined;
  /** When Intercom created the notification, if it says (the envelope's `created_at`, Unix seconds). */
  readonly createdAtMs: number | undefined;
  readonly stepId: string;
  readonly intercomConversationId: string | undefined;
  readonly callbackUrl: string;
  readonly attributes: readonly HitlAttribute[];
}

const text = z.union([z.string(), z.number()]).transform(String);

const optionSchema = z.looseObject({
  id: text.optional(),
  value: text.optional(),
  label: z.string().optional(),
  name: z.string().optional(),
  text: z.string().optional(),
  archived: z.boolean().optional(),
});

const attributeSchema = z.looseObject({
  identifier: z.string().min(1),
  name: z.string().optional(),
  label: z.string().optional(),
  title: z.string().optional(),
  data_type: z.string().optional(),
  type: z.string().optional(),
  options: z.array(optionSchema).optional(),
  list_options: z.array(optionSchema).optional(),
});

const itemSchema = z.looseObject({
  step_id: text,
  callback_url: z.url({ protocol: /^https?$/ }),
  conversation_id: text.optional(),
  attributes_to_collect: z.array(attributeSchema).min(1),
});

const envelopeSchema = z.looseObject({
  id: text.optional(),
  topic: z.string(),
  created_at: z.number().optional().catch(undefined),
  data: z.looseObject({ item: z.unknown().optional() }).optional(),
});

export type ParsedNotification =
  | { readonly ok: true; readonly notification: HitlNotification }
  | { readonly ok: false; readonly reason: 'not_hitl'; readonly topic: string; readonly notificationId: string | undefined }
  | { readonly ok: false; readonly reason: 'invalid'; readonly detail: string };

/**
 * Reads an Intercom app webhook. The HITL payload's exact shape is not published, so it is read defensively: fields
 * under `data.item` or at the top level, an attribute's name as `name`, `label` or `title`, its type as `data_type`
 * or `type`, options as `{id|value, label|name|text}`.
 */
export function parseIntercomWebhook(body: unknown): ParsedNotification {
  const envelope = envelopeSchema.safeParse(body);
  if (!envelope.success) return { ok: false, reason: 'invalid', detail: 'no topic' };
  const { topic, id, created_at: createdAt } = envelope.data;
  if (topic !== HITL_TOPIC) return { ok: false, reason: 'not_hitl', topic, notificationId: id };
  const candidate = envelope.data.data?.item ?? body;
  const item = itemSchema.safeParse(candidate);
  if (!item.success) {
    const detail = item.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    return { ok: false, reason: 'invalid', detail };
  }
  return {
    ok: true,
    notification: {
      notificationId: id,
      createdAtMs: createdAt === undefined ? undefined : createdAt * 1000,
      stepId: item.data.step_id,
      intercomConversationId: item.data.conversation_id,
      callbackUrl: item.data.callback_url,
      attributes: item.data.attributes_to_collect.map(toAttribute),
    },
  };
}

function toAttribute(raw: z.infer<typeof attributeSchema>): HitlAttribute {
  const dataType = (raw.data_type ?? raw.type ?? 'unknown').toLowerCase();
  const options = (raw.options ?? raw.list_options ?? [])
    .filter((o) => o.archived !== true)
    .map((o) => ({ id: o.id ?? o.value ?? '', label: o.label ?? o.name ?? o.text ?? o.id ?? o.value ?? '' }))
    .filter((o) => o.id !== '');
  const label = raw.label ?? raw.name ?? raw.title ?? raw.identifier;
  return { identifier: raw.identifier, label, kind: kindOf(dataType, options.length), dataType, options };
}

function kindOf(dataType: string, optionCount: number): AttributeKind {
  switch (dataType) {
    case 'boolean':
    case 'bool':
      return 'boolean';
    case 'string':
    case 'text':
      return 'string';
    case 'integer':
    case 'int':
      return 'integer';
    case 'decimal':
    case 'float':
    case 'number':
      return 'decimal';
    case 'list':
    case 'options':
      return optionCount > 0 ? 'list' : 'unsupported';
    case 'date':
      return 'date';
    case 'datetime':
    case 'date_time':
      return 'datetime';
    default:
      // files, relationship and types added later cannot be collected in a Slack modal.
      return 'unsupported';
  }
}
