import { randomUUID } from 'node:crypto';
import { type CollectCall, type FinSimulator, intercomIdFor, type SimHttpAnswer, type SimTurn } from '../fakes/fin-simulator.ts';
import { answerFor, FALLBACK_HTML } from './knowledge-base.ts';

export type FinMode = 'normal' | 'slow' | 'failing';

/** The procedures this Fin has (`/fin-procedure <id>`); any other id is answered as Intercom answers an unknown one. */
export const DEMO_PROCEDURES: readonly string[] = ['refund-demo'];
export const FIN_MODES: readonly FinMode[] = ['normal', 'slow', 'failing'];

/** The demo procedure's human-in-the-loop step: one input of each kind the agents' form supports. */
export const REFUND_ATTRIBUTES = [
  { identifier: 'workflow_local_variables.approve', name: 'Approve the refund?', data_type: 'boolean' },
  {
    identifier: 'workflow_local_variables.reason',
    name: 'Reason',
    data_type: 'list',
    options: [
      { id: 'damaged', label: 'Arrived damaged' },
      { id: 'late', label: 'Arrived late' },
      { id: 'changed-mind', label: 'Changed their mind' },
    ],
  },
  { identifier: 'workflow_local_variables.amount', name: 'Amount to refund (USD)', data_type: 'decimal' },
  { identifier: 'workflow_local_variables.items', name: 'Items returned', data_type: 'integer' },
  { identifier: 'workflow_local_variables.note', name: 'Note to the customer', data_type: 'string' },
  { identifier: 'workflow_local_variables.ship', name: 'Ship the replacement on', data_type: 'date' },
  { identifier: 'workflow_local_variables.call', name: 'Call the customer at', data_type: 'datetime' },
] as const;

const HUMAN = /\b(human|person|agent|someone|representative|real people)\b/i;
const REFUND = /\brefund/i;
/** The user says the answer did it (and asks nothing more): Fin resolves the conversation and asks for a rating. */
const THANKS =
  /\b(thanks|thank you|thx|cheers|(that|it) (solved|fixed|answered|sorted) (it|that|my question)|(that|this) (helped|helps|works|worked))\b/i;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * How the sandbox's Fin behaves: answers from the small knowledge base, streamed in chunks; resolves the conversation
 * and asks for a rating when thanked; hands over to people when asked; runs a refund procedure that pauses for an
 * agent's approval (a human-in-the-loop step, through the real webhook and callback routes); and can be switched to
 * slow or failing to show the error paths.
 */
export class SandboxFin {
  mode: FinMode = 'normal';
  readonly #sim: FinSimulator;
  readonly #sendIntercomWebhook: (body: unknown) => Promise<void>;
  /** The turn that asked for each pending approval, by Intercom conversation id. */
  readonly #waiting = new Map<string, SimTurn>();

  constructor(sim: FinSimulator, sendIntercomWebhook: (body: unknown) => Promise<void>) {
    this.#sim = sim;
    this.#sendIntercomWebhook = sendIntercomWebhook;
    sim.onTurn((turn) => this.#turn(turn));
    sim.onCollect((call) => this.#collected(call));
  }

  #turn(turn: SimTurn): SimHttpAnswer | Promise<unknown> {
    if (this.mode === 'failing') {
      return {
        status: 503,
        body: { type: 'error.list', errors: [{ code: 'service_unavailable', message: 'Fin is temporarily unavailable' }] },
      };
    }
    if (turn.call.kind === 'procedure') {
      const id = decodeURIComponent(/^\/fin\/procedures\/([^/]+)\/run$/.exec(turn.call.path)?.[1] ?? '');
      // Intercom's documented answer for an id it has no procedure for (run-procedure, 400 "Procedure not found").
      if (!DEMO_PROCEDURES.includes(id)) {
        return {
          status: 400,
          body: { type: 'error.list', request_id: randomUUID(), errors: [{ code: 'parameter_invalid', message: 'Procedure not found' }] },
        };
      }
    }
    const question = String(turn.call.body.message?.body ?? '');
    // A private question (`/fin`, Fin's one-shot `/fin/ask`) only ever gets an answer: no procedure, hand-off or rating.
    const run =
      turn.call.kind === 'ask'
        ? this.#answer(turn, question)
        : turn.call.kind === 'procedure' || REFUND.test(question)
          ? this.#refund(turn)
          : HUMAN.test(question)
            ? this.#escalate(turn)
            : THANKS.test(question) && !question.includes('?')
              ? this.#resolve(turn)
              : this.#answer(turn, question);
    return run.catch(() => undefined);
  }

  get #pace(): { thinkMs: number; chunkDelayMs: number } {
    return this.mode === 'slow' ? { thinkMs: 4_000, chunkDelayMs: 700 } : { thinkMs: 600, chunkDelayMs: 160 };
  }

  async #answer(turn: SimTurn, question: string): Promise<void> {
    await turn.connected(5_000);
    await sleep(this.#pace.thinkMs);
    const article = answerFor(question);
    await turn.answer(article?.html ?? FALLBACK_HTML, { chunkDelayMs: this.#pace.chunkDelayMs });
  }

  /**
   * The user is happy with the answer: Fin says so, reports the conversation resolved and complete, then asks for a
   * rating with its five default options. `expectCsat` keeps the stream open past `complete` for the survey, as Fin
   * does, so the request reaches the app by SSE as well as by webhook.
   */
  async #resolve(turn: SimTurn): Promise<void> {
    turn.expectCsat();
    await turn.connected(5_000);
    await sleep(this.#pace.thinkMs);
    await turn.reply('<p>You’re welcome, glad that solved it! I’ll mark this conversation as resolved.</p>', { status: 'replying' });
    await turn.status('resolved');
    await turn.status('complete');
    await sleep(this.#pace.thinkMs);
    await turn.csatRequested();
  }

  async #escalate(turn: SimTurn): Promise<void> {
    await turn.connected(5_000);
    await sleep(this.#pace.thinkMs);
    const streamId = randomUUID();
    await turn.chunk(streamId, 0, 'Of course. ');
    await turn.reply('<p>Of course. I’m passing you to our support team; someone will reply in this thread.</p>', {
      streamId,
      status: 'replying',
    });
    await turn.status('escalated', 'The customer asked to talk to a person');
  }

  async #refund(turn: SimTurn): Promise<void> {
    await turn.connected(5_000);
    await sleep(this.#pace.thinkMs);
    const intercomId = intercomIdFor(turn.conversationId);
    this.#waiting.set(intercomId, turn);
    await turn.answer(
      '<p>I’ve started a <b>refund request</b> for your last order. A teammate needs to approve it; I’ll let you know here as soon as they have.</p>',
      { chunkDelayMs: this.#pace.chunkDelayMs },
    );
    await this.#sendIntercomWebhook(this.#sim.hitlNotification({ intercomConversationId: intercomId, attributes: REFUND_ATTRIBUTES }));
  }

  /** An agent answered the step: the procedure goes on and Fin tells the customer (by webhook: the turn is over). */
  #collected(call: CollectCall): SimHttpAnswer | undefined {
    const turn = this.#waiting.get(call.conversationId);
    if (turn === undefined)
      return { status: 404, body: { type: 'error.list', errors: [{ code: 'not_found', message: 'No step waiting' }] } };
    this.#waiting.delete(call.conversationId);
    const values = new Map(
      (call.body.attribute_values ?? []).map((v) => [v.identifier.replace(/^workflow_local_variables\./, ''), v.value]),
    );
    const approved = values.get('approve') === true;
    const rows = REFUND_ATTRIBUTES.map((a) => {
      const shown = shownValue(a, values.get(a.identifier.replace(/^workflow_local_variables\./, '')));
      return `<tr><td>${a.name}</td><td>${escapeHtml(shown)}</td></tr>`;
    }).join('');
    const html = approved
      ? `<p>Good news: <b>your refund was approved</b>. Here is what the team recorded:</p><table><tbody>${rows}</tbody></table><p>The money is back on your card within 5 business days.</p>`
      : '<p>The team looked at your refund request and <b>could not approve it</b> this time. Reply here if you want to talk to someone.</p>';
    void sleep(300).then(() => turn.reply(html));
    return undefined;
  }
}

/** An agent's answer as Fin would phrase it back to the customer. */
function shownValue(attribute: (typeof REFUND_ATTRIBUTES)[number], value: unknown): string {
  if (value === undefined || value === null) return '—';
  if (attribute.data_type === 'list') return attribute.options.find((o) => o.id === value)?.label ?? String(value);
  if (attribute.data_type === 'boolean') return value === true ? 'Yes' : 'No';
  if (attribute.data_type === 'datetime') return new Date(String(value)).toUTCString();
  return String(value);
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
