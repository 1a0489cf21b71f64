import { errorCode } from '../core/errors.ts';
import type { KnownBlock } from '@slack/types';
import { SLACK_LIMITS as L } from './limits.ts';
import type { Logger } from '../core/log.ts';
import type { SlackPoster } from './poster.ts';

/**
 * The words of an agents' post's rich text, together. Slack refuses a message whose blocks carry more than
 * `message.blocksText` characters in all; the rest of the post (its title, its links within `AGENTS_POST_LINKS_LIMIT`,
 * the status, the button) keeps within the 2,000 left.
 */
export const AGENTS_POST_RICH_TEXT_BUDGET = L.message.blocksText - 2_000;
/** The links line (the app's choice): a link that would make it longer, an address no one reads, is left out. */
export const AGENTS_POST_LINKS_LIMIT = 1_000;
/** An Intercom conversation id as shown (the app's choice): Intercom's are about 20 digits. */
export const INTERCOM_ID_LIMIT = 100;

/**
 * Posts a message in the agents' channel, or brings the one already there up to date. Such a post shows state the
 * store keeps, so a failure is logged (most often the app is not in the channel) and not thrown: the next change
 * shows the post again. `posted` records a new post's ts. Resolves to whether Slack took it.
 */
export async function showAgentsPost(
  deps: { readonly poster: SlackPoster; readonly log: Logger },
  post: { readonly channelId: string; readonly ts: string | null; readonly context: Record<string, unknown> },
  content: () => Promise<{ text: string; blocks: KnownBlock[] }>,
  posted: (ts: string) => void,
): Promise<boolean> {
  try {
    const shown = await content();
    if (post.ts === null) posted(await deps.poster.postBlocks(post.channelId, shown));
    else await deps.poster.updateBlocks(post.channelId, post.ts, shown);
    return true;
  } catch (error) {
    deps.log.error(
      { ...post.context, channelId: post.channelId, error: errorCode(error) },
      "could not post in the agents' channel (is the app a member of SLACK_AGENT_CHANNEL?)",
    );
    return false;
  }
}
