/**
 * Shapes every layer speaks of, kept here so that the store, the Slack edge and the product logic can name them
 * without importing one another.
 */

/** Where a conversation happens: a direct message, a group DM, a public or a private channel. */
export type ChannelType = 'im' | 'mpim' | 'channel' | 'group';

/** What the app keeps of a file someone shared, until its turn goes to Fin: never its contents. */
export interface SharedFile {
  readonly id: string;
  readonly name: string;
  readonly mimetype: string | undefined;
  readonly size: number | undefined;
  /** Where Slack serves its bytes to a token with `files:read`; absent when the file cannot be fetched. */
  readonly url: string | undefined;
}
