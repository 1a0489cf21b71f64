/** Sets of Slack's error codes the app acts on (the code of any error is read by `errorCode` in core/errors.ts). */

/** The message is gone (deleted by someone) or can no longer be edited. */
export const MESSAGE_GONE = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);
/** The app cannot write in this channel at all. */
export const CHANNEL_UNAVAILABLE = new Set(['channel_not_found', 'not_in_channel', 'is_archived', 'restricted_action']);
