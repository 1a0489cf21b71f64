import { ErrorCode } from '@slack/web-api';

/** The Slack error code of a Web API failure (`not_in_channel`, `msg_too_long`…), for logs and decisions. */
export function errorCode(error: unknown): string {
  const e = error as { code?: unknown; data?: { error?: unknown } } | null;
  if (e?.code === ErrorCode.PlatformError && typeof e.data?.error === 'string') return e.data.error;
  if (e?.code === ErrorCode.RateLimitedError) return 'ratelimited';
  if (typeof e?.code === 'string') return e.code;
  return error instanceof Error ? error.name : 'unknown';
}

/** The message is gone (deleted by someone) or can no longer be edited. */
export const MESSAGE_GONE = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);
/** The app cannot write in this channel at all. */
export const CHANNEL_UNAVAILABLE = new Set(['channel_not_found', 'not_in_channel', 'is_archived', 'restricted_action']);
