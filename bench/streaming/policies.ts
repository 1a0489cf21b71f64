/**
 * The edit policies the streaming benchmark compares: the app's own (`budget`, what `startApp` does unless told
 * otherwise) and the two naive ones most Slack AI bots follow, which live here, not in the app. The naive ones are the
 * same app with the workspace's update budget switched off through `startApp`'s `editPacing`: no budget and no channel
 * pace, every update through the app's main Web API client (Bolt's, which waits out a 429 with its whole queue), and
 * each streaming message edited on every chunk, or at most every 500 ms.
 */
import type { WebClient } from '@slack/web-api';
import type { EditPacing } from '../../src/app.ts';
import type { SlackWrites } from '../../src/slack/poster.ts';
import { LiveMessage, type LiveMessageTarget, type LiveStream } from '../../src/stream/live-message.ts';

export type EditPolicy = 'budget' | 'every-chunk' | 'interval-500ms';

/** The pacing `startApp` is given for a policy; undefined for `budget`, the app's own. */
export function editPacing(policy: EditPolicy): ((slack: { readonly client: WebClient }) => EditPacing) | undefined {
  switch (policy) {
    case 'budget':
      return undefined;
    case 'every-chunk':
      return ({ client }) => naivePacing(client, (target) => new EveryChunkMessage(target));
    case 'interval-500ms':
      return ({ client }) => naivePacing(client, (target) => new LiveMessage({ ...target, intervalMs: 500 }));
  }
}

/** No budget shared by the workspace's messages: updates go at once through the main client, new messages unpaced. */
function naivePacing(client: WebClient, liveMessage: EditPacing['liveMessage']): EditPacing {
  const writes: SlackWrites = {
    beforePost: () => Promise.resolve(),
    interim: (args) => client.chat.update(args),
    final: (args) => client.chat.update(args),
  };
  return { writes, liveMessage, close: () => {} };
}

/** An edit for every chunk, as it comes, without waiting for the one before (so several may be in flight at once). */
class EveryChunkMessage implements LiveStream {
  readonly #target: LiveMessageTarget;
  #latest: { index: number; text: string } | undefined;
  #shownIndex = -1;
  readonly #inFlight = new Set<Promise<void>>();
  #closed = false;
  #gone = false;

  constructor(target: LiveMessageTarget) {
    this.#target = target;
    if (target.shown !== undefined) {
      this.#latest = { ...target.shown };
      this.#shownIndex = target.shown.index;
    }
  }

  offer(index: number, text: string): boolean {
    if (this.#closed || this.#gone) return false;
    if (this.#latest !== undefined && index <= this.#latest.index) return false;
    this.#latest = { index, text };
    this.#edit(index, text);
    return true;
  }

  get latestText(): string | undefined {
    return this.#latest?.text;
  }

  get gone(): boolean {
    return this.#gone;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#inFlight);
  }

  #edit(index: number, text: string): void {
    const edit: Promise<void> = this.#target
      .edit(this.#target.render(text))
      .then((result) => {
        if (result.kind === 'ok' && index > this.#shownIndex) {
          this.#shownIndex = index;
          this.#target.onShown?.(text);
        } else if (result.kind === 'gone') this.#gone = true;
      })
      .finally(() => this.#inFlight.delete(edit));
    this.#inFlight.add(edit);
  }
}
