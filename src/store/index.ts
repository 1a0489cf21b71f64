import type { Database } from 'better-sqlite3';
import { AskStore } from './asks.ts';
import { ConversationStore } from './conversations.ts';
import { CsatStore } from './csat.ts';
import { DeliveryStore } from './deliveries.ts';
import { EscalationStore } from './escalations.ts';
import { FinEventStore } from './fin-events.ts';
import { HitlStore } from './hitl.ts';
import { IntercomEventStore } from './intercom-events.ts';
import { InboundStore } from './inbound.ts';
import { PersonRequestStore } from './person-requests.ts';
import { PostedStore } from './posted.ts';
import { type PruneReport, pruneExpired } from './prune.ts';
import { SlackEventStore } from './slack-events.ts';
import { TurnStore } from './turns.ts';

export interface Store {
  readonly db: Database;
  readonly conversations: ConversationStore;
  readonly turns: TurnStore;
  readonly inbound: InboundStore;
  readonly posted: PostedStore;
  readonly deliveries: DeliveryStore;
  readonly finEvents: FinEventStore;
  readonly slackEvents: SlackEventStore;
  readonly escalations: EscalationStore;
  readonly hitl: HitlStore;
  readonly intercomEvents: IntercomEventStore;
  readonly csat: CsatStore;
  readonly personRequests: PersonRequestStore;
  readonly asks: AskStore;
  /** Runs `fn` as one transaction: writes that belong together land together or not at all. */
  transaction<T>(fn: () => T): T;
  /** Forgets what is past the retention window (see `pruneExpired`). */
  prune(now: number, retentionMs: number, options?: { readonly stopping?: () => boolean }): Promise<PruneReport>;
}

export function createStore(db: Database): Store {
  const finEvents = new FinEventStore(db);
  const slackEvents = new SlackEventStore(db);
  const intercomEvents = new IntercomEventStore(db);
  return {
    db,
    conversations: new ConversationStore(db),
    turns: new TurnStore(db),
    inbound: new InboundStore(db),
    posted: new PostedStore(db),
    deliveries: new DeliveryStore(db),
    finEvents,
    slackEvents,
    escalations: new EscalationStore(db),
    hitl: new HitlStore(db),
    intercomEvents,
    csat: new CsatStore(db),
    personRequests: new PersonRequestStore(db),
    asks: new AskStore(db),
    transaction: (fn) => db.transaction(fn).immediate(),
    prune: (now, retentionMs, options) => pruneExpired(db, now, retentionMs, options),
  };
}
