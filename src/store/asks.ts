import type { Database, Statement } from 'better-sqlite3';

/**
 * Where a private question stands: `sending` until Fin took it, `asked` while Fin works on it (`overdue` once the
 * person was told it is slow), `answered` when Fin's answer is recorded but the person may not have it yet, then
 * `shown`, or `failed` when the person was told why there is no answer.
 */
export type AskState = 'sending' | 'asked' | 'overdue' | 'answered' | 'shown' | 'failed';

export interface Ask {
  /** The conversation id Fin knows the question by. */
  readonly id: string;
  readonly teamId: string;
  readonly channelId: string;
  readonly userId: string;
  readonly question: string;
  /** Where the private answer goes; null once nothing more will be said there. */
  readonly responseUrl: string | null;
  readonly state: AskState;
  /** Fin's answer, as Slack mrkdwn. */
  readonly answer: string | null;
  readonly finMessageId: string | null;
  /** When Fin's answer was recorded. */
  readonly answeredAt: number | null;
  /** When Fin reported the question done (`complete`) without an answer yet: the answer may still be on its way. */
  readonly completedAt: number | null;
  /** Why it got no answer (`failed`). */
  readonly failure: string | null;
  /** When a share into the channel began (it is finished, or found half done, by whoever holds it). */
  readonly sharingSince: number | null;
  /** The root of the thread the answer was shared in. */
  readonly sharedTs: string | null;
  readonly createdAt: number;
}

interface Row {
  id: string;
  team_id: string;
  channel_id: string;
  user_id: string;
  question: string;
  response_url: string | null;
  state: AskState;
  answer: string | null;
  fin_message_id: string | null;
  answered_at: number | null;
  completed_at: number | null;
  failure: string | null;
  sharing_since: number | null;
  shared_ts: string | null;
  created_at: number;
  updated_at: number;
}

const toAsk = (r: Row): Ask => ({
  id: r.id,
  teamId: r.team_id,
  channelId: r.channel_id,
  userId: r.user_id,
  question: r.question,
  responseUrl: r.response_url,
  state: r.state,
  answer: r.answer,
  finMessageId: r.fin_message_id,
  answeredAt: r.answered_at,
  completedAt: r.completed_at,
  failure: r.failure,
  sharingSince: r.sharing_since,
  sharedTs: r.shared_ts,
  createdAt: r.created_at,
});

/** States in which Fin's answer is still welcome: the first one recorded wins, a repeat of it changes nothing. */
const AWAITING = "('sending', 'asked', 'overdue')";
/**
 * A question given up for want of an answer (none by the deadline, or none after Fin said it was done) still takes
 * one that comes late: the person gets it after all (in their direct message, the private reply being over).
 */
const GIVEN_UP = "state = 'failed' AND failure IN ('no_answer', 'timed_out') AND answer IS NULL";

export class AskStore {
  readonly #get: Statement<[string], Row>;
  readonly #insert: Statement<[string, string, string, string, string, string, number, number]>;
  readonly #move: Statement<[AskState, number, string, string]>;
  readonly #answer: Statement<[string, string, number, number, string]>;
  readonly #completed: Statement<[number, number, string]>;
  readonly #shares: Statement<[], Row>;
  readonly #shown: Statement<[number, string]>;
  readonly #fail: Statement<[string, number, string]>;
  readonly #unfinished: Statement<[], Row>;
  readonly #claimShare: Statement<[number, number, string, number]>;
  readonly #shared: Statement<[string, number, string]>;
  readonly #releaseShare: Statement<[number, string]>;

  constructor(db: Database) {
    this.#get = db.prepare('SELECT * FROM asks WHERE id = ?');
    this.#insert = db.prepare(
      `INSERT INTO asks (id, team_id, channel_id, user_id, question, response_url, state, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 'sending', ?, ?)`,
    );
    this.#move = db.prepare('UPDATE asks SET state = ?, updated_at = ? WHERE id = ? AND state = ?');
    this.#answer = db.prepare(
      `UPDATE asks SET state = 'answered', answer = ?, fin_message_id = ?, answered_at = ?, updated_at = ?
       WHERE id = ? AND (state IN ${AWAITING} OR (${GIVEN_UP}))`,
    );
    this.#completed = db.prepare(
      `UPDATE asks SET completed_at = ?, updated_at = ? WHERE id = ? AND state IN ${AWAITING} AND completed_at IS NULL`,
    );
    this.#shares = db.prepare(
      `SELECT a.* FROM asks AS a WHERE a.shared_ts IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM deliveries AS d WHERE d.key = 'share:' || a.id AND d.parts_json = '[]')
       ORDER BY a.created_at`,
    );
    this.#shown = db.prepare("UPDATE asks SET state = 'shown', response_url = NULL, updated_at = ? WHERE id = ? AND state = 'answered'");
    this.#fail = db.prepare(
      `UPDATE asks SET state = 'failed', failure = ?, response_url = NULL, updated_at = ? WHERE id = ? AND state IN ${AWAITING}`,
    );
    this.#unfinished = db.prepare(`SELECT * FROM asks WHERE state IN ('sending', 'asked', 'overdue', 'answered') ORDER BY created_at`);
    this.#claimShare = db.prepare(
      `UPDATE asks SET sharing_since = ?, updated_at = ? WHERE id = ? AND state = 'shown' AND shared_ts IS NULL
         AND (sharing_since IS NULL OR sharing_since < ?)`,
    );
    this.#shared = db.prepare('UPDATE asks SET shared_ts = ?, updated_at = ? WHERE id = ?');
    this.#releaseShare = db.prepare('UPDATE asks SET sharing_since = NULL, updated_at = ? WHERE id = ? AND shared_ts IS NULL');
  }

  get(id: string): Ask | undefined {
    const row = this.#get.get(id);
    return row && toAsk(row);
  }

  /** Records a question before anything is sent, so it survives a restart. */
  record(a: { id: string; teamId: string; channelId: string; userId: string; question: string; responseUrl: string }, now: number): Ask {
    this.#insert.run(a.id, a.teamId, a.channelId, a.userId, a.question, a.responseUrl, now, now);
    return toAsk(this.#get.get(a.id) as Row);
  }

  /** Fin took the question (`sending` → `asked`); false when it had moved on already (an answer came first, say). */
  markAsked(id: string, now: number): boolean {
    return this.#move.run('asked', now, id, 'sending').changes === 1;
  }

  /** The person was told Fin is slow (`asked` → `overdue`); false when Fin answered meanwhile. */
  markOverdue(id: string, now: number): boolean {
    return this.#move.run('overdue', now, id, 'asked').changes === 1;
  }

  /** Records Fin's answer, once: false when one is recorded already or the question was given up. */
  answer(id: string, answer: { text: string; finMessageId: string }, now: number): boolean {
    return this.#answer.run(answer.text, answer.finMessageId, now, now, id).changes === 1;
  }

  /** Fin said it is done with the question; false when it had said so already, or the question is settled. */
  markCompleted(id: string, now: number): boolean {
    return this.#completed.run(now, now, id).changes === 1;
  }

  /** The person has the answer; its `response_url` is forgotten (a press on the answer's buttons brings a new one). */
  markShown(id: string, now: number): boolean {
    return this.#shown.run(now, id).changes === 1;
  }

  /** The question will get no answer (the person is told why): false when it was answered already. */
  fail(id: string, reason: string, now: number): boolean {
    return this.#fail.run(reason, now, id).changes === 1;
  }

  /** Questions a previous process left before the person had the answer. */
  unfinished(): Ask[] {
    return this.#unfinished.all().map(toAsk);
  }

  /**
   * Takes the right to share a shown answer into the channel: false when it is shared already or someone else is
   * sharing it (a share older than `staleBefore` is taken over: its process died midway).
   */
  claimShare(id: string, now: number, staleBefore: number): boolean {
    return this.#claimShare.run(now, now, id, staleBefore).changes === 1;
  }

  /** Answers whose sharing began (their thread is in the channel) but whose answer may not all be in it yet. */
  unfinishedShares(): Ask[] {
    return this.#shares.all().map(toAsk);
  }

  shared(id: string, rootTs: string, now: number): void {
    this.#shared.run(rootTs, now, id);
  }

  /** A share that could not be made: the answer may be shared again. */
  releaseShare(id: string, now: number): void {
    this.#releaseShare.run(now, id);
  }
}
