import { z } from 'zod';

/**
 * The request bodies the Fin Agent API accepts, per operation and per API version, written from Intercom's OpenAPI
 * descriptions (2.14, 2.15 and 2.16 describe the same bodies for the three operations they have; `Preview` has
 * them all). The simulator refuses what these refuse, so a request the app builds wrongly fails in tests instead of
 * in production.
 *
 * Reading of the descriptions, where they leave room:
 * - Objects take only the properties they list; extra ones are refused except where the description allows them
 *   (`additionalProperties: true`: user and conversation `attributes`). An extra property is what a request written
 *   for another version carries (`settings` on 2.15, history on `/fin/reply`), and refusing it is what catches that.
 * - Limits stated only in prose are kept too: at most 10 user or conversation attributes (the message is the one
 *   `/fin/capabilities` documents), and an attachment's fields that are "required when type is" url or file.
 * - `format: byte` (an attachment's base64 `data`) is not checked: the descriptions' own example elides the data.
 * - An empty `conversation_id` counts as missing, as the simulator always treated it ("conversation_id is required").
 */

/** Every value of Intercom's `intercom_version` enum. */
export const INTERCOM_VERSIONS = [
  '1.0',
  '1.1',
  '1.2',
  '1.3',
  '1.4',
  '2.0',
  '2.1',
  '2.2',
  '2.3',
  '2.4',
  '2.5',
  '2.6',
  '2.7',
  '2.8',
  '2.9',
  '2.10',
  '2.11',
  '2.12',
  '2.13',
  '2.14',
  '2.15',
  '2.16',
  'Preview',
] as const;
export type IntercomVersion = (typeof INTERCOM_VERSIONS)[number];

/** The versions whose descriptions have the Fin Agent API's stable operations (start, reply, csat). */
export const STABLE_FIN_VERSIONS = ['2.14', '2.15', '2.16'] as const satisfies readonly IntercomVersion[];

/** What a request asks of Fin; `collect` is `/procedures/{id}/collect_agent_input`, `procedure` a procedure run. */
export type FinOperation = 'start' | 'reply' | 'csat' | 'procedure' | 'ask' | 'escalate' | 'capabilities' | 'collect';

export const CSAT_RATINGS = ['terrible', 'bad', 'ok', 'good', 'amazing'] as const;
export type CsatRating = (typeof CSAT_RATINGS)[number];

const MAX_ATTRIBUTES = 10;

/** Marks a check's message as the end of a sentence that starts with the field's name (which the check cannot know). */
const AFTER_FIELD = { afterField: true } as const;

/** `format: date-time` is RFC 3339: a `Z` or an offset, any precision (the history examples have none). */
const dateTime = z.iso.datetime({ offset: true });

/** A required id, where blank is as good as missing. */
function requiredId(message: string) {
  return z.string({ error: (issue) => (issue.input === undefined ? message : undefined) }).min(1, { error: message });
}

const attributes = z.record(z.string(), z.unknown()).refine((value) => Object.keys(value).length <= MAX_ATTRIBUTES, {
  error: 'has more than 10 attributes (Cannot update more than 10 attributes at once.)',
  params: AFTER_FIELD,
});

/** `fin_agent_message`. 2.14 to 2.16 require its timestamp; Preview does not. */
function message(timestampRequired: boolean) {
  return z.strictObject({
    author: z.enum(['user', 'agent', 'fin']),
    body: z.string(),
    timestamp: timestampRequired ? dateTime : dateTime.optional(),
    timestamp_ms: dateTime.optional(),
  });
}

/** `fin_agent_user`; `ask` names a missing id in words of its own. */
function user(missingId?: string) {
  return z.strictObject({
    id: missingId === undefined ? z.string() : z.string({ error: (issue) => (issue.input === undefined ? missingId : undefined) }),
    name: z.string().optional(),
    email: z.email().optional(),
    attributes: attributes.optional(),
  });
}

/** `fin_agent_attachment`: which of its optional fields are needed depends on its type. */
const attachment = z
  .strictObject({
    type: z.enum(['url', 'file']),
    url: z.url().optional(),
    name: z.string().optional(),
    content_type: z.string().optional(),
    data: z.string().optional(),
  })
  .superRefine((value, ctx) => {
    const needed = value.type === 'url' ? (['url'] as const) : (['name', 'content_type', 'data'] as const);
    for (const key of needed) {
      if (value[key] === undefined)
        ctx.addIssue({ code: 'custom', path: [key], message: `is required when type is ${value.type}`, params: AFTER_FIELD });
    }
  });

const attachments = z.array(attachment).max(10);

/** `fin_agent_conversation_metadata`; `ask` words too long a history its own way. */
function conversationMetadata(timestampRequired: boolean, tooMuchHistory?: string) {
  return z.strictObject({
    history: z
      .array(message(timestampRequired))
      .max(10, tooMuchHistory === undefined ? undefined : { error: tooMuchHistory })
      .optional(),
    attributes: attributes.optional(),
  });
}

/** `fin_agent_settings` (Preview only). */
const settings = z.strictObject({ follow_up_questions: z.boolean().optional(), email: z.boolean().optional() });

const stableStart = z.strictObject({
  conversation_id: requiredId('conversation_id is required'),
  message: message(true),
  user: user(),
  attachments: attachments.optional(),
  conversation_metadata: conversationMetadata(true).optional(),
});

const previewStart = z.strictObject({
  conversation_id: requiredId('conversation_id is required'),
  message: message(false),
  user: user(),
  attachments: attachments.optional(),
  conversation_metadata: conversationMetadata(false).optional(),
  settings: settings.optional(),
});

const stableReply = z.strictObject({
  conversation_id: requiredId('conversation_id is required'),
  message: message(true),
  user: user(),
  attachments: attachments.optional(),
});

const previewReply = stableReply.extend({ message: message(false), settings: settings.optional() });

const csat = z.strictObject({
  conversation_id: requiredId('conversation_id is required'),
  // The reference's answer to a rating outside the options, whichever way it is outside them.
  rating: z.enum(CSAT_RATINGS, { error: (issue) => (issue.input === undefined ? 'rating is required' : "Rating isn't an option") }),
  remark: z.string().optional(),
});

/** A procedure run takes attributes but no history, and only the `email` setting. */
const procedureRun = z.strictObject({
  conversation_id: requiredId('conversation_id is required'),
  user: user(),
  message: message(false).optional(),
  conversation_metadata: z.strictObject({ attributes: attributes.optional() }).optional(),
  settings: z.strictObject({ email: z.boolean().optional() }).optional(),
});

/** `/fin/ask`, with the messages its description gives for what is missing or too long. */
const ask = z.strictObject({
  conversation_id: requiredId('External Conversation ID is required'),
  message: message(false),
  user: user('User ID is required'),
  conversation_metadata: conversationMetadata(false, 'Conversation history cannot contain more than 10 items').optional(),
  attachments: attachments.optional(),
});

const ESCALATE_TEXT_MAX = 10_000;

/** `/fin/escalate`: exactly one of `conversation_id` and `user` (the description's `oneOf`). */
const escalate = z
  .strictObject({
    conversation_id: z.string().optional(),
    user: user().optional(),
    message: z.string().max(ESCALATE_TEXT_MAX).optional(),
    context: z.string().max(ESCALATE_TEXT_MAX).optional(),
  })
  .superRefine((value, ctx) => {
    const given = [value.conversation_id, value.user].filter((v) => v !== undefined).length;
    if (given === 0) ctx.addIssue({ code: 'custom', message: 'Either conversation_id or user must be provided' });
    if (given === 2) ctx.addIssue({ code: 'custom', message: 'Provide either conversation_id or user, not both' });
  });

const capabilities = z.strictObject({ user: user() });

const collect = z.strictObject({
  step_id: z.string(),
  attribute_values: z.array(
    z
      .strictObject({ identifier: z.string(), value: z.unknown() })
      // `value` is required but may be anything, null included: only its absence is wrong.
      .superRefine((item, ctx) => {
        if (!('value' in item)) ctx.addIssue({ code: 'custom', path: ['value'], message: 'is required', params: AFTER_FIELD });
      }),
  ),
});

function inVersions<S extends z.ZodType>(versions: readonly IntercomVersion[], schema: S): Partial<Record<IntercomVersion, S>> {
  return Object.fromEntries(versions.map((v) => [v, schema]));
}

/**
 * Operation × version → the schema of its request body. An operation missing from a version is absent from its row
 * (the simulator answers 404, as Intercom does for a path the version does not have).
 */
export const REQUEST_SCHEMAS: Readonly<Record<FinOperation, Readonly<Partial<Record<IntercomVersion, z.ZodType>>>>> = {
  start: { ...inVersions(STABLE_FIN_VERSIONS, stableStart), Preview: previewStart },
  reply: { ...inVersions(STABLE_FIN_VERSIONS, stableReply), Preview: previewReply },
  csat: inVersions([...STABLE_FIN_VERSIONS, 'Preview'], csat),
  procedure: { Preview: procedureRun },
  ask: { Preview: ask },
  escalate: { Preview: escalate },
  capabilities: { Preview: capabilities },
  collect: { Preview: collect },
};

/** The bodies the simulator hands on, once checked. */
export type CsatRequest = z.infer<typeof csat>;
export type EscalateRequest = z.infer<typeof escalate>;
export type CapabilitiesRequest = z.infer<typeof capabilities>;
export type CollectRequest = z.infer<typeof collect>;

export function isIntercomVersion(value: string): value is IntercomVersion {
  return (INTERCOM_VERSIONS as readonly string[]).includes(value);
}

/** One thing wrong with a body: the field it is about (none for the body as a whole) and a sentence naming it. */
export interface RequestProblem {
  readonly field: string | undefined;
  readonly message: string;
}

export type CheckedBody = { readonly ok: true } | { readonly ok: false; readonly problems: readonly RequestProblem[] };

/** Checks a parsed JSON body against a schema of the table, describing each problem in words that name its field. */
export function checkBody(schema: z.ZodType, body: unknown): CheckedBody {
  const parsed = schema.safeParse(body, { reportInput: true, error: defaultMessage });
  if (parsed.success) return { ok: true };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => {
      const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
      const field = path.length > 0 ? fieldName(path) : undefined;
      const afterField = issue.code === 'custom' && issue.params?.afterField === true && field !== undefined;
      return { field, message: afterField ? `${field} ${issue.message}` : issue.message };
    }),
  };
}

/** The message for an issue the schema did not word itself: it names the field, as Intercom's messages do. */
function defaultMessage(issue: z.core.$ZodRawIssue): string | undefined {
  const path = issue.path ?? [];
  const field = path.length > 0 ? fieldName(path) : 'the request body';
  switch (issue.code) {
    case 'invalid_type':
      if (path.length === 0) return 'The request body must be a JSON object';
      return issue.input === undefined ? `${field} is required` : `${field} must be ${withArticle(issue.expected)}`;
    case 'invalid_value':
      return `${field} must be one of ${issue.values.map(String).join(', ')}`;
    case 'too_big':
      return issue.origin === 'array'
        ? `${field} must have at most ${String(issue.maximum)} items`
        : `${field} must be at most ${String(issue.maximum)} characters`;
    case 'unrecognized_keys':
      return issue.keys.map((key) => `${fieldName([...path, key])} is not a parameter of this operation`).join('; ');
    case 'invalid_format':
      return `${field} must be ${FORMAT_NAMES[issue.format] ?? `a valid ${issue.format}`}`;
    default:
      return undefined;
  }
}

const FORMAT_NAMES: Readonly<Record<string, string>> = {
  datetime: 'an ISO 8601 date-time',
  email: 'an email address',
  url: 'a URL',
};

function withArticle(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** `message.author`, `attachments[0].url`: the way the field would be written in the request. */
function fieldName(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (name, key) => (typeof key === 'number' ? `${name}[${key}]` : name === '' ? String(key) : `${name}.${String(key)}`),
    '',
  );
}
