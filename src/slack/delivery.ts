import type { Logger } from '../core/log.ts';
import { compareTs } from './timestamps.ts';
import { cutIntoParts, type SlackPoster } from './poster.ts';
import type { Store } from '../store/index.ts';

export interface DeliveryDeps {
  readonly store: Store;
  readonly poster: SlackPoster;
  /** The app's own messages in a thread after `oldest`; undefined when Slack will not show them. */
  readonly ownMessages: (
    channelId: string,
    threadTs: string,
    oldest: string,
  ) => Promise<readonly { ts: string; text: string }[] | undefined>;
  readonly now: () => number;
  readonly log: Logger;
}

export interface FinalText {
  /**
   * Names the text for good (`reply:<conversation>:<Fin message id>`, or `notice:<conversation>:<turn>:<what>` for an
   * app notice that must not be repeated): it is then delivered once, however often it is asked for, and an
   * interrupted delivery resumes. Without a key (most of the app's own notices) it is simply posted.
   */
  readonly key: string | undefined;
  readonly conversationId: string;
  readonly channelId: string;
  readonly threadTs: string;
  /** A message of ours the first part replaces (the placeholder); absent means new messages. */
  readonly targetTs: string | undefined;
  readonly text: string;
}

export interface DeliveryHooks {
  /** Before anything is sent, when nothing was (a native stream left open must be stopped before it is edited). */
  beforeFirst?(targetTs: string | undefined): Promise<void>;
  /** Part `index` landed as `ts`: recorded in the same transaction as the delivery's progress. */
  landed(index: number, ts: string, targetTs: string | undefined): void;
}

export type DeliveryOutcome = 'delivered' | 'already_delivered';

/**
 * Shows a final text in Slack, part by part, so that no part is ever posted twice. A keyed delivery is recorded
 * before its first part goes out and each part as it lands; an interrupted one (a Slack error, a crash) resumes with
 * the next part, where the first attempt was sending them; and a part Slack had posted when the app died, before it
 * heard so, is found in the thread and counted rather than posted again. A delivery done once is not done again.
 */
export async function deliverFinalText(deps: DeliveryDeps, text: FinalText, hooks: DeliveryHooks): Promise<DeliveryOutcome> {
  const { store, poster } = deps;
  const fresh = { ...text, key: text.key ?? '', targetTs: text.targetTs ?? null, parts: cutIntoParts(text.text) };
  const { delivery, resumed } =
    text.key === undefined
      ? { delivery: { ...fresh, delivered: 0, tss: [] as string[], createdAt: deps.now() }, resumed: false }
      : store.deliveries.begin(fresh, deps.now());
  if (resumed && delivery.parts.length === 0) return 'already_delivered';
  const targetTs = delivery.targetTs ?? undefined;
  const log = deps.log.child({ conversationId: text.conversationId, key: text.key });
  let adoptable: { ts: string; text: string }[] = [];
  if (resumed) {
    log.info({ delivered: delivery.delivered, parts: delivery.parts.length }, 'resuming an interrupted answer');
    // Only a message posted after this delivery began (Slack's clock may differ a little), after its last part known
    // to have landed, and recorded nowhere, can be a part of it that was never recorded.
    const began = ((delivery.createdAt - CLOCK_SKEW_MS) / 1000).toFixed(6);
    const after = [began, delivery.tss.at(-1), targetTs].filter((ts) => ts !== undefined).reduce((a, b) => (compareTs(a, b) >= 0 ? a : b));
    const known = new Set(delivery.tss);
    adoptable = ((await deps.ownMessages(delivery.channelId, delivery.threadTs, after)) ?? []).filter(
      (m) => !known.has(m.ts) && m.ts !== targetTs && store.posted.get(delivery.channelId, m.ts) === undefined,
    );
  }
  if (delivery.delivered === 0) await hooks.beforeFirst?.(targetTs);
  let parts = delivery.parts;
  await poster.deliverParts(
    { channelId: delivery.channelId, threadTs: delivery.threadTs, ts: targetTs, parts, delivered: delivery.delivered },
    {
      landed: (index, ts) =>
        store.transaction(() => {
          if (text.key !== undefined) store.deliveries.landed(text.key, ts);
          hooks.landed(index, ts, targetTs);
        }),
      resplit: (index, pieces) => {
        parts = [...parts.slice(0, index), ...pieces, ...parts.slice(index + 1)];
        if (text.key !== undefined) store.deliveries.setParts(text.key, parts);
      },
      existing: (_index, partText) => {
        const wanted = comparable(partText);
        const found = adoptable.findIndex((m) => comparable(m.text) === wanted);
        if (found === -1) return undefined;
        const [message] = adoptable.splice(0, found + 1).slice(-1);
        log.info({ ts: message?.ts }, 'a part posted before the interruption is already in Slack; not posting it again');
        return message?.ts;
      },
    },
  );
  if (text.key !== undefined) store.deliveries.finish(text.key);
  return 'delivered';
}

/** How far Slack's clock and this one may differ, when telling messages posted after a delivery began. */
const CLOCK_SKEW_MS = 60_000;

/**
 * A message's text as compared with a part: Slack may store text a little differently from how it was sent (a link
 * token or an address it linked itself, spacing), so links are read as their label and spacing is collapsed.
 */
function comparable(text: string): string {
  return text
    .replace(/<([^<>|]*)\|([^<>]*)>/g, '$2')
    .replace(/<([^<>]*)>/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}
