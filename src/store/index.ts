import type { Database } from 'better-sqlite3';
import { ConversationStore } from './conversations.ts';
import { FinEventStore } from './fin-events.ts';
import { InboundStore } from './inbound.ts';
import { PostedStore } from './posted.ts';
import { SlackEventStore } from './slack-events.ts';
import { TurnStore } from './turns.ts';

export interface Store {
  readonly db: Database;
  readonly conversations: ConversationStore;
  readonly turns: TurnStore;
  readonly inbound: InboundStore;
  readonly posted: PostedStore;
  readonly finEvents: FinEventStore;
  readonly slackEvents: SlackEventStore;
  /** Runs `fn` as one transaction: writes that belong together land together or not at all. */
  transaction<T>(fn: () => T): T;
}

export function createStore(db: Database): Store {
  return {
    db,
    conversations: new ConversationStore(db),
    turns: new TurnStore(db),
    inbound: new InboundStore(db),
    posted: new PostedStore(db),
    finEvents: new FinEventStore(db),
    slackEvents: new SlackEventStore(db),
    transaction: (fn) => db.transaction(fn).immediate(),
  };
}
