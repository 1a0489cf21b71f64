import type { Database, Statement } from 'better-sqlite3';
import { AppError } from '../core/errors.ts';

/**
 * open: waiting for an agent · submitting: an agent's values are on their way (nobody else may submit) · then
 * submitted, expired (Intercom no longer wanted it), answered_elsewhere (answered in Intercom or by someone else),
 * or unanswerable (it cannot be answered from Slack: its callback is not on the Intercom host, or a type Slack cannot
 * collect).
 */
export type HitlState = 'open' | 'submitting' | 'submitted' | 'expired' | 'answered_elsewhere' | 'unanswerable';

export interface HitlRequest {
  readonly id: number;
  readonly stepId: string;
  readonly intercomConversationId: string | null;
  readonly conversationId: string | null;
  readonly callbackUrl: string;
  readonly attributesJson: string;
  readonly state: HitlState;
  readonly agentChannelId: string;
  readonly agentTs: string | null;
  readonly submittedBy: string | null;
  readonly valuesJson: string | null;
  /** Why the request is in its state, for the agents' post (an error from Intercom, say). */
  readonly note: string | null;
}

interface Row {
  id: number;
  step_id: string;
  intercom_conversation_id: string | null;
  conversation_id: string | null;
  callback_url: string;
  attributes_json: string;
  state: HitlState;
  agent_channel_id: string;
  agent_ts: string | null;
  submitted_by: string | null;
  values_json: string | null;
  note: string | null;
}

const toRequest = (r: Row): HitlRequest => ({
  id: r.id,
  stepId: r.step_id,
  intercomConversationId: r.intercom_conversation_id,
  conversationId: r.conversation_id,
  callbackUrl: r.callback_url,
  attributesJson: r.attributes_json,
  state: r.state,
  agentChannelId: r.agent_channel_id,
  agentTs: r.agent_ts,
  submittedBy: r.submitted_by,
  valuesJson: r.values_json,
  note: r.note,
});

export class HitlStore {
  readonly #insert: Statement<[string, string | null, string | null, string, string, string, string, number, number]>;
  readonly #byId: Statement<[number], Row>;
  readonly #byStep: Statement<[string], Row>;
  readonly #post: Statement<[string, number, number]>;
  readonly #claim: Statement<[string, number, number]>;
  readonly #settle: Statement<[string, string | null, string | null, number, number]>;
  readonly #reopen: Statement<[string | null, number, number]>;
  readonly #submitting: Statement<[], Row>;

  constructor(db: Database) {
    this.#insert = db.prepare(
      `INSERT INTO hitl_requests
         (step_id, intercom_conversation_id, conversation_id, callback_url, attributes_json, state, agent_channel_id, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (step_id) DO NOTHING`,
    );
    this.#byId = db.prepare('SELECT * FROM hitl_requests WHERE id = ?');
    this.#byStep = db.prepare('SELECT * FROM hitl_requests WHERE step_id = ?');
    this.#post = db.prepare('UPDATE hitl_requests SET agent_ts = ?, updated_at = ? WHERE id = ?');
    this.#claim = db.prepare(
      "UPDATE hitl_requests SET state = 'submitting', submitted_by = ?, updated_at = ? WHERE id = ? AND state = 'open'",
    );
    this.#settle = db.prepare(
      "UPDATE hitl_requests SET state = ?, values_json = ?, note = ?, updated_at = ? WHERE id = ? AND state = 'submitting'",
    );
    this.#submitting = db.prepare("SELECT * FROM hitl_requests WHERE state = 'submitting' ORDER BY id");
    this.#reopen = db.prepare(
      "UPDATE hitl_requests SET state = 'open', submitted_by = NULL, note = ?, updated_at = ? WHERE id = ? AND state = 'submitting'",
    );
  }

  /** Records a step once (Intercom may notify twice); returns the request and whether it is new. */
  open(
    r: {
      stepId: string;
      intercomConversationId: string | null;
      conversationId: string | null;
      callbackUrl: string;
      attributesJson: string;
      state: 'open' | 'unanswerable';
      agentChannelId: string;
    },
    now: number,
  ): { request: HitlRequest; created: boolean } {
    const created =
      this.#insert.run(
        r.stepId,
        r.intercomConversationId,
        r.conversationId,
        r.callbackUrl,
        r.attributesJson,
        r.state,
        r.agentChannelId,
        now,
        now,
      ).changes === 1;
    const row = this.#byStep.get(r.stepId);
    if (!row) throw new AppError('invariant_broken', `HITL request for step ${r.stepId} vanished right after insert`);
    return { request: toRequest(row), created };
  }

  get(id: number): HitlRequest | undefined {
    const row = this.#byId.get(id);
    return row && toRequest(row);
  }

  setAgentPost(id: number, ts: string, now: number): void {
    this.#post.run(ts, now, id);
  }

  /** Takes the request for one agent's submission; false if it is not open (submitted, or being submitted). */
  claim(id: number, byUserId: string, now: number): boolean {
    return this.#claim.run(byUserId, now, id).changes === 1;
  }

  /** The submission's outcome, final. */
  settle(
    id: number,
    state: 'submitted' | 'expired' | 'answered_elsewhere',
    valuesJson: string | null,
    note: string | null,
    now: number,
  ): void {
    this.#settle.run(state, valuesJson, note, now, id);
  }

  /** Requests claimed for an agent whose values have not been settled. */
  submitting(): HitlRequest[] {
    return this.#submitting.all().map(toRequest);
  }

  /** The submission did not go through (Intercom unreachable, refused the token…): the request is open again. */
  reopen(id: number, note: string | null, now: number): void {
    this.#reopen.run(note, now, id);
  }
}
