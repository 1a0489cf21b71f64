import { type FinEvent, finEventSchema, type FinReplyChunk } from './schemas.ts';

export type ParsedFinEvent =
  | { readonly ok: true; readonly event: FinEvent }
  | { readonly ok: false; readonly reason: 'unknown_event'; readonly eventName: string }
  | { readonly ok: false; readonly reason: 'invalid'; readonly detail: string };

const KNOWN_EVENTS = new Set(['fin_replied', 'fin_reply_chunk', 'fin_status_updated', 'csat_requested']);

/**
 * Reads one Fin event from SSE `data` or a webhook body. Fin's SSE endpoint is Ably's: depending on the URL's
 * `enveloped` flag, `data` is either the event itself or an Ably message whose `data` field holds the event as a
 * string (sometimes as an object), so both shapes are accepted.
 */
export function parseFinEvent(raw: unknown): ParsedFinEvent {
  const candidate = unwrapEnvelope(raw);
  if (!isRecord(candidate)) return { ok: false, reason: 'invalid', detail: 'not a JSON object' };
  const name = candidate.event_name;
  if (typeof name !== 'string') return { ok: false, reason: 'invalid', detail: 'no event_name' };
  if (!KNOWN_EVENTS.has(name)) {
    return { ok: false, reason: 'unknown_event', eventName: name };
  }
  const result = finEventSchema.safeParse(candidate);
  if (!result.success) {
    const detail = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    return { ok: false, reason: 'invalid', detail: `${name}: ${detail}` };
  }
  return { ok: true, event: result.data };
}

function unwrapEnvelope(raw: unknown): unknown {
  if (!isRecord(raw) || 'event_name' in raw) return raw;
  const inner = raw.data;
  if (typeof inner === 'string') {
    try {
      return JSON.parse(inner) as unknown;
    } catch {
      return raw;
    }
  }
  return isRecord(inner) ? inner : raw;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The key under which a reply or a status is recorded once. A reply is identified by `message.id` (the same on SSE
 * and webhooks); a status by what it says and when Fin said it. Chunks are never recorded: they are ephemeral
 * progress, ordered in memory by `chunk_index`.
 *
 * Fin documents `created_at_ms` on every event. A status without it cannot be told from a replay of an earlier one,
 * so it is keyed by what it says within the conversation: a replay can never act twice (a second, genuine status
 * with the same words and no timestamp is missed; a turn it would have ended ends by its timeout instead).
 */
export function dedupeKeyOf(event: Exclude<FinEvent, FinReplyChunk>): string {
  if (event.event_name === 'fin_replied') return `reply:${event.message.id}`;
  // A survey is asked for once per resolution: SSE and the webhook carry the same request with the same time.
  if (event.event_name === 'csat_requested') return `csat:${event.conversation_id}:${event.created_at_ms ?? 'untimed'}`;
  if (event.created_at_ms === undefined) return `status:${event.conversation_id}:${event.status}:${event.reason ?? ''}:untimed`;
  return `status:${event.conversation_id}:${event.status}:${event.created_at_ms}`;
}

/** When Fin says it created the event (or the reply's message), in ms; undefined when it does not say or it cannot be read. */
export function eventTime(event: FinEvent): number | undefined {
  const stamps = [event.created_at_ms, event.event_name === 'fin_replied' ? event.message.timestamp_ms : undefined];
  for (const stamp of stamps) {
    const at = stamp === undefined ? Number.NaN : Date.parse(stamp);
    if (Number.isFinite(at)) return at;
  }
  return undefined;
}
