import type { Database, Statement } from 'better-sqlite3';
import { z } from 'zod';
import { AppError } from '../core/errors.ts';

/**
 * open: waiting for the user's rating · rated: rated, may still change or gain a comment · commented: a comment was
 * recorded, the rating is locked · closed: Fin no longer takes a rating (its window closed, or it has no survey).
 */
export type CsatState = 'open' | 'rated' | 'commented' | 'closed';

/** One option of the survey as Fin sent it: the key goes back to Fin, the emoji and label are shown. */
export interface StoredCsatOption {
  readonly key: string;
  readonly emoji: string;
  readonly label: string;
}

export interface CsatSurvey {
  readonly id: number;
  readonly conversationId: string;
  /** The person Fin served: only they may rate. */
  readonly userId: string;
  readonly options: readonly StoredCsatOption[];
  readonly channelId: string;
  readonly threadTs: string;
  /** The prompt in the thread, once Slack has it. */
  readonly promptTs: string | null;
  /** When posting the prompt began (epoch ms), while its ts is not known: a crash then may have left it posted. */
  readonly postingSince: number | null;
  readonly rating: string | null;
  readonly state: CsatState;
  readonly closedReason: string | null;
  /** A comment sent from the form that Fin does not have yet, with the rating it goes with. */
  readonly pendingComment: { readonly rating: string; readonly remark: string } | null;
}

interface Row {
  id: number;
  conversation_id: string;
  user_id: string;
  options_json: string;
  channel_id: string;
  thread_ts: string;
  prompt_ts: string | null;
  posting_since: number | null;
  rating: string | null;
  state: CsatState;
  closed_reason: string | null;
  pending_rating: string | null;
  pending_remark: string | null;
}

const optionsSchema = z.array(z.object({ key: z.string(), emoji: z.string(), label: z.string() }));

const toSurvey = (r: Row): CsatSurvey => {
  // Written by this module from a validated event: unreadable options mean a damaged row, shown as no options.
  const parsed = optionsSchema.safeParse(JSON.parse(r.options_json));
  return {
    id: r.id,
    conversationId: r.conversation_id,
    userId: r.user_id,
    options: parsed.success ? parsed.data : [],
    channelId: r.channel_id,
    threadTs: r.thread_ts,
    promptTs: r.prompt_ts,
    postingSince: r.posting_since,
    rating: r.rating,
    state: r.state,
    closedReason: r.closed_reason,
    pendingComment: r.pending_rating !== null && r.pending_remark !== null ? { rating: r.pending_rating, remark: r.pending_remark } : null,
  };
};

export class CsatStore {
  readonly #byId: Statement<[number], Row>;
  readonly #byKey: Statement<[string], Row>;
  readonly #latestRated: Statement<[string], Row>;
  readonly #stillOpen: Statement<[string, number], Row>;
  readonly #insert: Statement<[string, string, string, string, string, string, number, number]>;
  readonly #posting: Statement<[number, number, number]>;
  readonly #posted: Statement<[string, number, number]>;
  readonly #rated: Statement<[string, number, number]>;
  readonly #commented: Statement<[number, number]>;
  readonly #closed: Statement<[string, number, number]>;
  readonly #hold: Statement<[string, string, number, number]>;
  readonly #release: Statement<[number, number]>;
  readonly #pending: Statement<[], Row>;

  constructor(db: Database) {
    this.#byId = db.prepare('SELECT * FROM csat_surveys WHERE id = ?');
    this.#byKey = db.prepare('SELECT * FROM csat_surveys WHERE dedupe_key = ?');
    this.#latestRated = db.prepare(
      "SELECT * FROM csat_surveys WHERE conversation_id = ? AND state IN ('rated', 'commented') ORDER BY id DESC LIMIT 1",
    );
    this.#stillOpen = db.prepare("SELECT * FROM csat_surveys WHERE conversation_id = ? AND id != ? AND state IN ('open', 'rated')");
    this.#insert = db.prepare(
      `INSERT INTO csat_surveys (conversation_id, dedupe_key, user_id, options_json, channel_id, thread_ts, state, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?) ON CONFLICT (dedupe_key) DO NOTHING`,
    );
    this.#posting = db.prepare('UPDATE csat_surveys SET posting_since = ?, updated_at = ? WHERE id = ? AND prompt_ts IS NULL');
    this.#posted = db.prepare('UPDATE csat_surveys SET prompt_ts = ?, posting_since = NULL, updated_at = ? WHERE id = ?');
    this.#rated = db.prepare(
      "UPDATE csat_surveys SET rating = ?, state = 'rated', updated_at = ? WHERE id = ? AND state IN ('open', 'rated')",
    );
    this.#commented = db.prepare("UPDATE csat_surveys SET state = 'commented', updated_at = ? WHERE id = ? AND state = 'rated'");
    this.#hold = db.prepare(
      'UPDATE csat_surveys SET pending_rating = ?, pending_remark = ?, updated_at = ? WHERE id = ? AND pending_remark IS NULL',
    );
    this.#release = db.prepare('UPDATE csat_surveys SET pending_rating = NULL, pending_remark = NULL, updated_at = ? WHERE id = ?');
    this.#pending = db.prepare('SELECT * FROM csat_surveys WHERE pending_remark IS NOT NULL ORDER BY id');
    this.#closed = db.prepare("UPDATE csat_surveys SET state = 'closed', closed_reason = ?, updated_at = ? WHERE id = ?");
  }

  get(id: number): CsatSurvey | undefined {
    const row = this.#byId.get(id);
    return row && toSurvey(row);
  }

  /** The survey for one `csat_requested` event, created the first time it is seen (the same request twice is one survey). */
  ensure(
    s: {
      conversationId: string;
      dedupeKey: string;
      userId: string;
      options: readonly StoredCsatOption[];
      channelId: string;
      threadTs: string;
    },
    now: number,
  ): CsatSurvey {
    this.#insert.run(s.conversationId, s.dedupeKey, s.userId, JSON.stringify(s.options), s.channelId, s.threadTs, now, now);
    const row = this.#byKey.get(s.dedupeKey);
    if (!row) throw new AppError('invariant_broken', `CSAT survey ${s.dedupeKey} vanished right after insert`);
    return toSurvey(row);
  }

  /** The conversation's rating as it stands (the latest survey rated), if the user gave one. */
  latestRated(conversationId: string): CsatSurvey | undefined {
    const row = this.#latestRated.get(conversationId);
    return row && toSurvey(row);
  }

  /** The conversation's other surveys that still take a rating (an older request, when Fin asks again). */
  othersOpen(conversationId: string, exceptId: number): CsatSurvey[] {
    return this.#stillOpen.all(conversationId, exceptId).map(toSurvey);
  }

  postingBegan(id: number, now: number): void {
    this.#posting.run(now, now, id);
  }

  posted(id: number, ts: string, now: number): void {
    this.#posted.run(ts, now, id);
  }

  /** Fin recorded this rating; false once a comment locked it (or Fin closed the survey). */
  rated(id: number, rating: string, now: number): boolean {
    return this.#rated.run(rating, now, id).changes === 1;
  }

  commented(id: number, now: number): boolean {
    return this.#commented.run(now, id).changes === 1;
  }

  /** Holds a comment from the form until Fin has it; false when one is already on its way. */
  holdComment(id: number, comment: { rating: string; remark: string }, now: number): boolean {
    return this.#hold.run(comment.rating, comment.remark, now, id).changes === 1;
  }

  /** The held comment reached Fin, or Fin refused it (the person is told). */
  releaseComment(id: number, now: number): void {
    this.#release.run(now, id);
  }

  /** Comments held when the process stopped: sent at the next start. */
  pendingComments(): CsatSurvey[] {
    return this.#pending.all().map(toSurvey);
  }

  close(id: number, reason: string, now: number): void {
    this.#closed.run(reason, now, id);
  }
}

/** A rating's words as Fin gave them, for the agents. */
export interface RatingShown {
  readonly emoji: string;
  readonly label: string;
  readonly commented: boolean;
}

/** The conversation's rating as the agents see it, once the customer gave one. */
export function ratingShown(store: { readonly csat: CsatStore }, conversationId: string): RatingShown | undefined {
  const survey = store.csat.latestRated(conversationId);
  const option = survey?.options.find((o) => o.key === survey.rating);
  if (survey === undefined || option === undefined) return undefined;
  return { emoji: option.emoji, label: option.label, commented: survey.state === 'commented' };
}
